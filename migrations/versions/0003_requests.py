"""service categories, requests, offers and request history (按需服务)

Revision ID: 0003_requests
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_requests"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('service_model', sa.Enum('routine', 'cultural', 'on_demand', 'professional', 'socialised', name='service_model', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('expected_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expected_minutes > 0', name=op.f('ck_service_categories_expected_minutes_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_categories')),
    sa.UniqueConstraint('name', name=op.f('uq_service_categories_name'))
    )
    op.create_table('service_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('preferred_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('urgency', sa.Enum('normal', 'urgent', name='request_urgency', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'offered', 'accepted', 'in_progress', 'completed', 'confirmed', 'cancelled', 'expired', 'escalated', name='request_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('offer_round', sa.Integer(), nullable=False),
    sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completion_note', sa.String(length=500), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.String(length=200), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.String(length=300), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes IS NULL OR minutes >= 0', name=op.f('ck_service_requests_minutes_not_negative')),
    sa.CheckConstraint('stars IS NULL OR (stars >= 1 AND stars <= 5)', name=op.f('ck_service_requests_stars_range')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_service_requests_assignee_id_users')),
    sa.ForeignKeyConstraint(['building_id'], ['org_units.id'], name=op.f('fk_service_requests_building_id_org_units')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_service_requests_category_id_service_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['org_units.id'], name=op.f('fk_service_requests_community_id_org_units')),
    sa.ForeignKeyConstraint(['resident_id'], ['users.id'], name=op.f('fk_service_requests_resident_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_requests'))
    )
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.create_index('ix_service_requests_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_service_requests_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_requests_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('ix_service_requests_status_offer_expires_at', ['status', 'offer_expires_at'], unique=False)

    op.create_table('request_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_request_history_actor_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'], name=op.f('fk_request_history_request_id_service_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_history'))
    )
    with op.batch_alter_table('request_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_history_request_id'), ['request_id'], unique=False)

    op.create_table('request_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'declined', 'expired', 'withdrawn', name='offer_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_request_offers_member_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'], name=op.f('fk_request_offers_request_id_service_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_offers')),
    sa.UniqueConstraint('request_id', 'member_id', name=op.f('uq_request_offers_request_id_member_id'))
    )
    with op.batch_alter_table('request_offers', schema=None) as batch_op:
        batch_op.create_index('ix_request_offers_member_created_at', ['member_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('request_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_request_offers_member_created_at')

    op.drop_table('request_offers')
    with op.batch_alter_table('request_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_history_request_id'))

    op.drop_table('request_history')
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_status_offer_expires_at')
        batch_op.drop_index(batch_op.f('ix_service_requests_resident_id'))
        batch_op.drop_index('ix_service_requests_community_status')
        batch_op.drop_index('ix_service_requests_assignee_status')

    op.drop_table('service_requests')
    op.drop_table('service_categories')
