"""Per-person limits on business flows: how much of each a person used in the current window."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class UsageCounter(db.Model):
    """One person's use of one limited action in one window; raised only while below the limit."""

    __tablename__ = "usage_counters"
    __table_args__ = (
        UniqueConstraint("user_id", "action", "window_start"),
        CheckConstraint("used >= 0", name="used_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    window_start: Mapped[datetime]
    used: Mapped[int] = mapped_column(default=0)
