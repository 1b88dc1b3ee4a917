"""staff handle reported messages

Revision ID: 0017_reports
Revises: 0016_evaluation
Create Date: 2026-11-30 10:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017_reports'
down_revision = '0016_evaluation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
