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
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('home_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_building_id'), ['building_id'], unique=False)
    # Homes an approved registration set were checked by staff; every other home waits for them.
    op.execute(
        "UPDATE users SET home_confirmed_at = created_at WHERE community_id IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM registrations WHERE registrations.user_id = users.id "
        "AND registrations.status = 'approved' AND registrations.community_id = users.community_id)"
    )
    with op.batch_alter_table('hour_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hour_corrections_member_id'), ['member_id'], unique=False)
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_org_units_path_not_empty'), "path LIKE '/%/'")
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
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_org_units_path_not_empty'), type_='check')
    with op.batch_alter_table('hour_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hour_corrections_member_id'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_building_id'))
        batch_op.drop_index(batch_op.f('ix_users_community_id'))
        batch_op.drop_column('home_changed_at')
        batch_op.drop_column('home_confirmed_at')
