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

REPORT_STATUS = sa.Enum(
    'open', 'upheld', 'dismissed', name='contact_report_status', native_enum=False, create_constraint=True, length=10
)
HANDLED_WHEN_DECIDED = (
    "(status = 'open' AND handled_at IS NULL AND handled_by_id IS NULL AND handling_note IS NULL)"
    " OR (status <> 'open' AND handled_at IS NOT NULL AND handled_by_id IS NOT NULL"
    " AND handling_note IS NOT NULL)"
)


def upgrade():
    with op.batch_alter_table('contact_reports', schema=None) as batch_op:
        # Every report made so far is still waiting for staff.
        batch_op.add_column(sa.Column('status', REPORT_STATUS, server_default='open', nullable=False))
        batch_op.add_column(sa.Column('handled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handling_note', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_contact_reports_handled_by_id_users'), 'users', ['handled_by_id'], ['id']
        )
        batch_op.create_check_constraint(batch_op.f('ck_contact_reports_handled_when_decided'), HANDLED_WHEN_DECIDED)
    with op.batch_alter_table('contact_reports', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=REPORT_STATUS, server_default=None)


def downgrade():
    with op.batch_alter_table('contact_reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contact_reports_handled_when_decided'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_contact_reports_contact_report_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_contact_reports_handled_by_id_users'), type_='foreignkey')
        batch_op.drop_column('handling_note')
        batch_op.drop_column('handled_at')
        batch_op.drop_column('handled_by_id')
        batch_op.drop_column('status')
