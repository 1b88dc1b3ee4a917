"""resource and need lists, joint projects, branch rosters

Revision ID: 0018_coordination_more
Revises: 0017_reports
Create Date: 2026-11-30 11:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018_coordination_more'
down_revision = '0017_reports'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
