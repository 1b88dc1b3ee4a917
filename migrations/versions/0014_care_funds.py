"""care targets, visits and the funds

Revision ID: 0014_care_funds
Revises: 0013_coordination
Create Date: 2026-11-30 10:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_care_funds'
down_revision = '0013_coordination'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
