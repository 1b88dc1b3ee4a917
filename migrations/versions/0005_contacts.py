"""contacts: building contacts, threads, messages, phone reveals, reports

Revision ID: 0005_contacts
Revises: 0001_foundation
Create Date: 2026-11-26 00:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_contacts'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('building_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['org_units.id'], name=op.f('fk_building_contacts_building_id_org_units')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_building_contacts_changed_by_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_building_contacts_member_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building_contacts')),
    sa.UniqueConstraint('building_id', 'member_id', name=op.f('uq_building_contacts_building_id_member_id'))
    )
    with op.batch_alter_table('building_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_contacts_member_id'), ['member_id'], unique=False)

    op.create_table('contact_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('resident_id <> member_id', name=op.f('ck_contact_threads_two_people')),
    sa.ForeignKeyConstraint(['community_id'], ['org_units.id'], name=op.f('fk_contact_threads_community_id_org_units')),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_contact_threads_member_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resident_id'], ['users.id'], name=op.f('fk_contact_threads_resident_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_threads')),
    sa.UniqueConstraint('resident_id', 'member_id', name=op.f('uq_contact_threads_resident_id_member_id'))
    )
    with op.batch_alter_table('contact_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_threads_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_contact_threads_member_id', ['member_id'], unique=False)

    op.create_table('contact_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('text', 'phone', name='contact_message_kind', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_contact_messages_sender_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['contact_threads.id'], name=op.f('fk_contact_messages_thread_id_contact_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_messages'))
    )
    with op.batch_alter_table('contact_messages', schema=None) as batch_op:
        batch_op.create_index('ix_contact_messages_thread_created', ['thread_id', 'created_at'], unique=False)

    op.create_table('phone_reveals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_phone_reveals_member_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['contact_messages.id'], name=op.f('fk_phone_reveals_message_id_contact_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['contact_threads.id'], name=op.f('fk_phone_reveals_thread_id_contact_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_reveals'))
    )
    with op.batch_alter_table('phone_reveals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_reveals_thread_id'), ['thread_id'], unique=False)

    op.create_table('contact_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['org_units.id'], name=op.f('fk_contact_reports_community_id_org_units')),
    sa.ForeignKeyConstraint(['message_id'], ['contact_messages.id'], name=op.f('fk_contact_reports_message_id_contact_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_contact_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['contact_threads.id'], name=op.f('fk_contact_reports_thread_id_contact_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_reports')),
    sa.UniqueConstraint('message_id', 'reporter_id', name=op.f('uq_contact_reports_message_id_reporter_id'))
    )
    with op.batch_alter_table('contact_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_reports_community_id'), ['community_id'], unique=False)


def downgrade():
    op.drop_table('contact_reports')
    op.drop_table('phone_reveals')
    op.drop_table('contact_messages')
    op.drop_table('contact_threads')
    op.drop_table('building_contacts')
