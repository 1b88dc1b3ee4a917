"""accounts: disabling, token idle time, per-account login failures

Revision ID: 0009_accounts
Revises: 0008_sla_alerts
Create Date: 2026-11-30 10:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_accounts'
down_revision = '0008_sla_alerts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
