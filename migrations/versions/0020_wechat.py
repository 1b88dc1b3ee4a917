"""content moderation and WeChat template mapping

Revision ID: 0020_wechat
Revises: 0019_positions
Create Date: 2026-11-30 11:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020_wechat'
down_revision = '0019_positions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'moderation_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('table_name', sa.String(length=64), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('column_name', sa.String(length=64), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('scene', sa.SmallInteger(), nullable=False),
        sa.Column('reason', sa.Enum('review', 'unreachable', 'media', name='hold_reason', native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('label', sa.Integer(), nullable=True),
        sa.Column('trace_id', sa.String(length=64), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Enum('pending', 'review', 'released', 'removed', name='moderation_status', native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_moderation_holds_author_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_moderation_holds_decided_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_moderation_holds_org_unit_id_org_units'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_holds')),
        sa.UniqueConstraint('table_name', 'row_id', 'column_name', name=op.f('uq_moderation_holds_table_name_row_id_column_name')),
        sa.UniqueConstraint('trace_id', name=op.f('uq_moderation_holds_trace_id')),
    )
    with op.batch_alter_table('moderation_holds', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_holds_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_holds_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_holds_org_unit_id'), ['org_unit_id'], unique=False)


def downgrade():
    op.drop_table('moderation_holds')
