"""indexes for the desk's home figures at city scale: confirmed minutes by org and time, check-ins by station
and time, requests by community and submission time, and requests by community and status with their due times

Revision ID: 0022_city_indexes
Revises: 0021_offer_places
Create Date: 2026-11-30 14:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0022_city_indexes'
down_revision = '0021_offer_places'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hour_entries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_hour_entries_org_confirmed_at', ['org_id', 'confirmed_at'], unique=False,
            postgresql_where=sa.text("status = 'confirmed'"), sqlite_where=sa.text("status = 'confirmed'"),
            postgresql_include=['minutes'],
        )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_station_checked_in_at', ['station_id', 'checked_in_at'], unique=False)
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.create_index(
            'ix_service_requests_community_created_at', ['community_id', 'created_at'], unique=False
        )
        batch_op.drop_index('ix_service_requests_community_status')
        batch_op.create_index(
            'ix_service_requests_community_status', ['community_id', 'status'], unique=False,
            postgresql_include=['sla_due_at', 'sla_paused_at'],
        )


def downgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_community_status')
        batch_op.create_index('ix_service_requests_community_status', ['community_id', 'status'], unique=False)
        batch_op.drop_index('ix_service_requests_community_created_at')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_station_checked_in_at')
    with op.batch_alter_table('hour_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_hour_entries_org_confirmed_at')
