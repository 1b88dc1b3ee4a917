"""cultural activities, service providers and socialised offers

Revision ID: 0015_activities
Revises: 0014_care_funds
Create Date: 2026-11-30 10:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_activities'
down_revision = '0014_care_funds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('social_work_org', 'service_base', name='provider_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_service_providers_not_own_parent')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_service_providers_org_id_org_units')),
    sa.ForeignKeyConstraint(['parent_id'], ['service_providers.id'], name=op.f('fk_service_providers_parent_id_service_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_providers'))
    )
    with op.batch_alter_table('service_providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_providers_org_id'), ['org_id'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('level', sa.Enum('family', 'corridor', 'lane', 'square', name='activity_level', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=100), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('confirmed_count', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('radius_m', sa.Integer(), nullable=False),
    sa.Column('qr_secret', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(lat IS NULL) = (lng IS NULL)', name=op.f('ck_activities_lat_lng_together')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_activities_capacity_positive')),
    sa.CheckConstraint('confirmed_count >= 0 AND confirmed_count <= capacity', name=op.f('ck_activities_confirmed_within_capacity')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_activities_ends_after_start')),
    sa.CheckConstraint('lat IS NULL OR (lat >= -90 AND lat <= 90)', name=op.f('ck_activities_lat_range')),
    sa.CheckConstraint('lng IS NULL OR (lng >= -180 AND lng <= 180)', name=op.f('ck_activities_lng_range')),
    sa.CheckConstraint('radius_m > 0', name=op.f('ck_activities_radius_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_activities_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_activities_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_org_id_starts_at', ['org_id', 'starts_at'], unique=False)

    op.create_table('provider_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['service_providers.id'], name=op.f('fk_provider_accounts_provider_id_service_providers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_provider_accounts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_accounts')),
    sa.UniqueConstraint('user_id', name=op.f('uq_provider_accounts_user_id'))
    )
    with op.batch_alter_table('provider_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_accounts_provider_id'), ['provider_id'], unique=False)

    op.create_table('social_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('provider_name', sa.String(length=100), nullable=False),
    sa.Column('provider_kind', sa.Enum('school', 'training_body', 'education_base', 'merchant', name='offer_provider_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('kind', sa.Enum('discount', 'free_service', 'course', 'venue', name='social_offer_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('terms', sa.String(length=1000), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'withdrawn', name='social_offer_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> created_by_id', name=op.f('ck_social_offers_not_self_decided')),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_social_offers_valid_period')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_social_offers_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_social_offers_decided_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_social_offers_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_offers'))
    )
    with op.batch_alter_table('social_offers', schema=None) as batch_op:
        batch_op.create_index('ix_social_offers_org_id_status', ['org_id', 'status'], unique=False)

    op.create_table('activity_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('participant', 'organiser', 'volunteer', name='signup_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'waitlisted', name='signup_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role = 'participant' OR status = 'confirmed'", name=op.f('ck_activity_signups_helpers_confirmed')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_signups_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_signups_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_signups')),
    sa.UniqueConstraint('activity_id', 'user_id', name=op.f('uq_activity_signups_activity_id_user_id'))
    )
    with op.batch_alter_table('activity_signups', schema=None) as batch_op:
        batch_op.create_index('ix_activity_signups_activity_id_status_id', ['activity_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_signups_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_provider_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_service_requests_assigned_provider_id'), ['assigned_provider_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_service_requests_assigned_provider_id_service_providers'), 'service_providers', ['assigned_provider_id'], ['id'])


def downgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_service_requests_assigned_provider_id_service_providers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_service_requests_assigned_provider_id'))
        batch_op.drop_column('assigned_provider_id')

    with op.batch_alter_table('activity_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_signups_user_id'))
        batch_op.drop_index('ix_activity_signups_activity_id_status_id')

    op.drop_table('activity_signups')
    with op.batch_alter_table('social_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_social_offers_org_id_status')

    op.drop_table('social_offers')
    with op.batch_alter_table('provider_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_accounts_provider_id'))

    op.drop_table('provider_accounts')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_org_id_starts_at')

    op.drop_table('activities')
    with op.batch_alter_table('service_providers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_providers_org_id'))

    op.drop_table('service_providers')
