"""content moderation and WeChat template mapping

Revision ID: 0020_wechat
Revises: 0019_positions
Create Date: 2026-11-30 11:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020_wechat'
down_revision = '0019_positions'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
