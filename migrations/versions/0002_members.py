"""stations, check-ins, hour corrections

Revision ID: 0002_members
Revises: 0001_foundation
Create Date: 2026-11-26 00:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_members'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('street_service_centre', 'community_service_station', 'building_named_station', 'household_activity_room', 'liaison_station', name='station_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('radius_m', sa.Integer(), nullable=False),
    sa.Column('acquisition', sa.Enum('purchased', 'self_built', 'joint_built', 'rented', 'exchanged', name='station_acquisition', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=True),
    sa.Column('qr_secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('lat >= -90 AND lat <= 90', name=op.f('ck_stations_lat_range')),
    sa.CheckConstraint('lng >= -180 AND lng <= 180', name=op.f('ck_stations_lng_range')),
    sa.CheckConstraint('radius_m > 0', name=op.f('ck_stations_radius_positive')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_stations_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stations'))
    )
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stations_org_id'), ['org_id'], unique=False)

    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', 'auto_closed', name='checkin_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('qr_window', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.CheckConstraint('minutes IS NULL OR minutes >= 0', name=op.f('ck_checkins_minutes_not_negative')),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_checkins_member_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_checkins_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_device_id', ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_flagged'), ['flagged'], unique=False)
        batch_op.create_index('ix_checkins_member_checked_in_at', ['member_id', 'checked_in_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_station_id'), ['station_id'], unique=False)
        batch_op.create_index('uq_checkins_open_member_station', ['member_id', 'station_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    op.create_table('hour_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('requested_minutes', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'accepted', 'rejected', name='correction_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('answer', sa.String(length=200), nullable=True),
    sa.Column('minutes_before', sa.Integer(), nullable=True),
    sa.Column('minutes_after', sa.Integer(), nullable=True),
    sa.Column('status_before', sa.String(length=20), nullable=True),
    sa.Column('status_after', sa.String(length=20), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('requested_minutes IS NULL OR requested_minutes >= 0', name=op.f('ck_hour_corrections_requested_not_negative')),
    sa.CheckConstraint('answered_by_id IS NULL OR answered_by_id <> member_id', name=op.f('ck_hour_corrections_not_self_answered')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_hour_corrections_answered_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['hour_entries.id'], name=op.f('fk_hour_corrections_entry_id_hour_entries')),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_hour_corrections_member_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hour_corrections'))
    )
    with op.batch_alter_table('hour_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hour_corrections_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('uq_hour_corrections_pending_entry', ['entry_id'], unique=True, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))


def downgrade():
    op.drop_table('hour_corrections')
    op.drop_table('checkins')
    op.drop_table('stations')
