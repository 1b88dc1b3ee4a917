"""Content security: texts WeChat's check asked a person to look at, held until staff decide."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import choice, utcnow

MODERATION_STATUS_NAMES = {
    "pending": "等待微信检测结果",
    "review": "待审核",
    "released": "已放行",
    "removed": "已删除",
}
MODERATION_STATUSES = tuple(MODERATION_STATUS_NAMES)

# Why a text is held: WeChat said `review`, or WeChat could not be asked.
HOLD_REASON_NAMES = {
    "review": "微信内容安全建议人工审核",
    "unreachable": "内容安全检测暂不可用",
    "media": "图片或文件的异步检测",
}
HOLD_REASONS = tuple(HOLD_REASON_NAMES)


class ModerationHold(db.Model):
    """One held text (or image, by its URL): the row and column it was stored in, shown only to its
    author while `pending` (an image awaiting WeChat's verdict) or `review` (awaiting staff)."""

    __tablename__ = "moderation_holds"
    __table_args__ = (
        UniqueConstraint("table_name", "row_id", "column_name"),
        Index("ix_moderation_holds_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int]
    column_name: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    scene: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(choice(HOLD_REASONS, "hold_reason", 20))
    # WeChat's label for the suggestion (a number), when it gave one.
    label: Mapped[int | None]
    # An image or file sent to mediaCheckAsync: the id its verdict comes back with (message push).
    trace_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The author's building (or community) when written: which staff see the hold.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(choice(MODERATION_STATUSES, "moderation_status", 20), default="review")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
