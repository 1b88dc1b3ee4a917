"""runtime: job and delivery bookkeeping

Revision ID: 0011_runtime
Revises: 0010_hardening
Create Date: 2026-11-30 10:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_runtime'
down_revision = '0010_hardening'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
