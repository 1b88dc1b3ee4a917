"""checklist evidence and position completeness

Revision ID: 0019_positions
Revises: 0018_coordination_more
Create Date: 2026-11-30 11:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019_positions'
down_revision = '0018_coordination_more'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
