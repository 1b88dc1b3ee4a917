"""when staff were told a request is overdue

Revision ID: 0008_sla_alerts
Revises: 0007_distance_sla
Create Date: 2026-11-26 01:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_sla_alerts'
down_revision = '0007_distance_sla'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_alerted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_column('sla_alerted_at')
