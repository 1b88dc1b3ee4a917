"""The service-hours ledger: every credited minute, traceable to its source."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from extensions import db
from models.base import choice, utcnow

HOUR_SOURCE_NAMES = {"checkin": "签到", "request": "服务请求", "visit": "走访慰问", "activity": "活动"}
HOUR_SOURCES = tuple(HOUR_SOURCE_NAMES)
HOUR_STATUS_NAMES = {"pending": "待确认", "confirmed": "已确认", "rejected": "已退回"}
HOUR_STATUSES = tuple(HOUR_STATUS_NAMES)


class HourEntry(db.Model):
    __tablename__ = "hour_entries"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        # 没有人确认自己的工作: nobody confirms their own entry, not even through SQL.
        CheckConstraint(
            "confirmed_by_id IS NULL OR confirmed_by_id <> member_id", name="not_self_confirmed"
        ),
        Index("ix_hour_entries_member_status", "member_id", "status"),
        # The desk's home figures sum an org subtree's confirmed minutes by month and week.
        Index(
            "ix_hour_entries_org_confirmed_at",
            "org_id",
            "confirmed_at",
            postgresql_where=text("status = 'confirmed'"),
            sqlite_where=text("status = 'confirmed'"),
            postgresql_include=["minutes"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    source: Mapped[str] = mapped_column(
        choice(HOUR_SOURCES, "hour_source", 20)
    )
    source_id: Mapped[int]
    minutes: Mapped[int]
    status: Mapped[str] = mapped_column(
        choice(HOUR_STATUSES, "hour_status", 20),
        default="pending",
    )
    note: Mapped[str | None] = mapped_column(String(200))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


CORRECTION_STATUS_NAMES = {"pending": "待处理", "accepted": "已采纳", "rejected": "未采纳"}
CORRECTION_STATUSES = tuple(CORRECTION_STATUS_NAMES)


class HourCorrection(db.Model):
    """A member's request to correct an entry, and the staff answer; kept forever as the change log."""

    __tablename__ = "hour_corrections"
    __table_args__ = (
        # One open request per entry at a time.
        Index(
            "uq_hour_corrections_pending_entry",
            "entry_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        CheckConstraint("requested_minutes IS NULL OR requested_minutes >= 0", name="requested_not_negative"),
        CheckConstraint(
            "answered_by_id IS NULL OR answered_by_id <> member_id", name="not_self_answered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("hour_entries.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    requested_minutes: Mapped[int | None]
    status: Mapped[str] = mapped_column(
        choice(CORRECTION_STATUSES, "correction_status", 20),
        default="pending",
    )
    answer: Mapped[str | None] = mapped_column(String(200))
    # The entry as it was before and after the answer, so every change stays visible.
    minutes_before: Mapped[int | None]
    minutes_after: Mapped[int | None]
    status_before: Mapped[str | None] = mapped_column(String(20))
    status_after: Mapped[str | None] = mapped_column(String(20))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry = relationship(HourEntry, viewonly=True)
    member = relationship("User", foreign_keys=[member_id], viewonly=True)
    # What the entry's source is called (a source id points at no single table, so no relationship):
    # filled only by a query that asks for it, as the staff queue does (services/ledger.py).
    station_name: Mapped[str | None] = query_expression()
    request_title: Mapped[str | None] = query_expression()

    @property
    def member_name(self) -> str:
        return self.member.name
