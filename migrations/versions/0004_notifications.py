"""notifications: delivery columns on the outbox, subscribe-message grants

Revision ID: 0004_notifications
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_notifications"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("template_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("msgid", sa.String(length=64), nullable=True))

    op.create_table(
        "notification_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=100), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("remaining >= 0", name=op.f("ck_notification_grants_remaining_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_grants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_grants")),
        sa.UniqueConstraint("user_id", "template_id", name=op.f("uq_notification_grants_user_id_template_id")),
    )


def downgrade():
    op.drop_table("notification_grants")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("msgid")
        batch_op.drop_column("template_id")
        batch_op.drop_column("sending_since")
        batch_op.drop_column("queued_at")
