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
    pass


def downgrade():
    pass
