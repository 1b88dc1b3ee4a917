"""The outbox: every message to a person is first a row here, written with its cause."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import choice, utcnow

DELIVERY_STATUS_NAMES = {
    "pending": "待发送",
    "queued": "排队中",
    "sent": "已发送",
    "skipped": "未发送",
    "failed": "发送失败",
}
DELIVERY_STATUSES = tuple(DELIVERY_STATUS_NAMES)
# Rows the outbox is done with; pending and queued ones are still to be sent.
FINISHED_DELIVERY_STATUSES = ("sent", "skipped", "failed")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_status", "status"),
        # The retention purge reads the oldest rows of all users.
        Index("ix_notifications_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    page: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(
        choice(DELIVERY_STATUSES, "delivery_status", 20),
        default="pending",
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    # Set when the relay puts the row on the queue.
    queued_at: Mapped[datetime | None]
    # Set just before the call to WeChat and cleared only when that call surely delivered
    # nothing: a row found with it set was possibly delivered and is never sent again.
    sending_since: Mapped[datetime | None]
    template_id: Mapped[str | None] = mapped_column(String(100))
    msgid: Mapped[str | None] = mapped_column(String(64))


class NotificationGrant(db.Model):
    """How many more subscribe messages of a template a user accepted (each grant is good for one)."""

    __tablename__ = "notification_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "template_id"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(String(100))
    remaining: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
