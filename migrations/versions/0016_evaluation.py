"""evaluation rounds, ballots and positions

Revision ID: 0016_evaluation
Revises: 0015_activities
Create Date: 2026-11-30 10:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_evaluation'
down_revision = '0015_activities'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
