"""audit trail and personal data

Revision ID: 0012_audit
Revises: 0011_runtime
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_audit'
down_revision = '0011_runtime'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
