"""accounts: disabling, token idle time, per-account login failures

Desk accounts can be disabled; tokens know whether the desk issued them and when they were
last used; failed desk logins are counted per (username, address) pair instead of one lock per
account; the unused WeChat session_key is no longer kept.

Revision ID: 0009_accounts
Revises: 0008_sla_alerts
Create Date: 2026-11-30 10:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_accounts'
down_revision = '0008_sla_alerts'
branch_labels = None
depends_on = None

TOKEN_KIND = sa.Enum('mini_program', 'desk', name='token_kind', native_enum=False, create_constraint=True, length=20)


def upgrade():
    op.create_table('desk_login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_desk_login_failures_failures_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_login_failures')),
    sa.UniqueConstraint('username', 'address', name=op.f('uq_desk_login_failures_username_address'))
    )
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', TOKEN_KIND, nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    # Tokens of password-only accounts came from the desk login; the rest from the mini-program.
    op.execute(
        "UPDATE auth_tokens SET last_used_at = created_at, kind = CASE WHEN user_id IN "
        "(SELECT id FROM users WHERE openid IS NULL) THEN 'desk' ELSE 'mini_program' END"
    )
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=TOKEN_KIND, nullable=False)
        batch_op.alter_column('last_used_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column('session_key')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('session_key', sa.String(length=128), nullable=True))
        batch_op.drop_column('disabled_at')
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_auth_tokens_token_kind'), type_='check')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('kind')
    op.drop_table('desk_login_failures')
