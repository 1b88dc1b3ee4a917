"""distance and the response clock: org coordinates, taken_at, SLA pause, covering index for matching

Revision ID: 0007_distance_sla
Revises: 0006_merge_areas
Create Date: 2026-11-26 01:17:06

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_distance_sla'
down_revision = '0006_merge_areas'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lng', sa.Float(), nullable=True))
        batch_op.create_check_constraint('lat_range', 'lat IS NULL OR (lat >= -90 AND lat <= 90)')
        batch_op.create_check_constraint('lng_range', 'lng IS NULL OR (lng >= -180 AND lng <= 180)')
        batch_op.create_check_constraint('lat_lng_together', '(lat IS NULL) = (lng IS NULL)')

    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_opening_hours', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sla_paused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pending_question', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_service_requests_assignee_taken_at', ['assignee_id', 'taken_at'], unique=False)

    # Matching reads a community's approved members from the index alone on PostgreSQL.
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_community_status')
        batch_op.create_index(
            'ix_registrations_community_status', ['community_id', 'status'], unique=False,
            postgresql_include=['user_id', 'building_id', 'skills', 'availability'],
        )

    # Requests taken before this revision count as taken when they last changed.
    op.execute("UPDATE service_requests SET taken_at = updated_at WHERE assignee_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_community_status')
        batch_op.create_index('ix_registrations_community_status', ['community_id', 'status'], unique=False)

    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_assignee_taken_at')
        batch_op.drop_column('pending_question')
        batch_op.drop_column('sla_paused_at')
        batch_op.drop_column('taken_at')

    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.drop_column('sla_opening_hours')

    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_constraint('lat_lng_together', type_='check')
        batch_op.drop_constraint('lng_range', type_='check')
        batch_op.drop_constraint('lat_range', type_='check')
        batch_op.drop_column('lng')
        batch_op.drop_column('lat')
