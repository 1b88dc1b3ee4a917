"""hardening: indexes on filtered columns, a path is never empty, confirmed homes

Revision ID: 0010_hardening
Revises: 0009_accounts
Create Date: 2026-11-30 10:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_hardening'
down_revision = '0009_accounts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
