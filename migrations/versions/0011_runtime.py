"""runtime: idempotency keys bound to the request (method, path, body) and committed with the work

Revision ID: 0011_runtime
Revises: 0010_hardening
Create Date: 2026-11-30 10:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_runtime'
down_revision = '0010_hardening'
branch_labels = None
depends_on = None


def upgrade():
    # Stored answers cannot be bound to a request hash after the fact, and a key becomes unique
    # per user rather than per endpoint: the old rows (short-lived replays) are dropped.
    op.execute(sa.text("DELETE FROM idempotency_keys"))
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_constraint('uq_idempotency_keys_user_id_endpoint_key', type_='unique')
        batch_op.drop_column('endpoint')
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_user_id_key'), ['user_id', 'key'])
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)


def downgrade():
    op.execute(sa.text("DELETE FROM idempotency_keys"))
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_created_at'))
        batch_op.drop_constraint(batch_op.f('uq_idempotency_keys_user_id_key'), type_='unique')
        batch_op.drop_column('committed_at')
        batch_op.drop_column('request_hash')
        batch_op.add_column(sa.Column('endpoint', sa.String(length=100), nullable=False))
        batch_op.create_unique_constraint('uq_idempotency_keys_user_id_endpoint_key', ['user_id', 'endpoint', 'key'])
