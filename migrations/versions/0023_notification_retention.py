"""notifications by creation time, for the retention purge (NOTIFICATION_RETENTION_DAYS)

Revision ID: 0023_notification_retention
Revises: 0022_city_indexes
Create Date: 2026-11-30 19:40:00

"""
from alembic import op

revision = '0023_notification_retention'
down_revision = '0022_city_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_created_at')
