"""resident units, coordination bodies, meetings, resolutions, terms, annual reports

Revision ID: 0013_coordination
Revises: 0012_audit
Create Date: 2026-11-30 10:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_coordination'
down_revision = '0012_audit'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
