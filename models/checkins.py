"""Check-ins: a member's visit to a station, from scanning its code to checking out."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

# closed: checked out by the member; auto_closed: left open and closed by the job at closing time.
CHECKIN_STATUS_NAMES = {"open": "签到中", "closed": "已签退", "auto_closed": "自动结束"}
CHECKIN_STATUSES = tuple(CHECKIN_STATUS_NAMES)
# The anti-gaming signals a visit may carry (services/checkins.py raises them; staff read these names).
CHECKIN_FLAG_NAMES = {
    "impossible_travel": "位置跳变过快",
    "shared_device": "多人共用设备",
    "radius_edge": "位于签到范围边缘",
    "overlong": "时长过长",
    "forgotten_checkout": "未签退",
}


class CheckIn(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (
        # One open visit per member and station, however many scans arrive at once.
        Index(
            "uq_checkins_open_member_station",
            "member_id",
            "station_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_checkins_member_checked_in_at", "member_id", "checked_in_at"),
        # The desk's home figures count the subtree's stations' check-ins of today.
        Index("ix_checkins_station_checked_in_at", "station_id", "checked_in_at"),
        Index("ix_checkins_device_id", "device_id"),
        # The retention job finds the visits still to coarsen.
        Index("ix_checkins_coarsened_at_checked_in_at", "coarsened_at", "checked_in_at"),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    status: Mapped[str] = mapped_column(
        choice(CHECKIN_STATUSES, "checkin_status", 20),
        default="open",
    )
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float)
    device_id: Mapped[str | None] = mapped_column(String(64))
    # The QR time window scanned: a code already used for a finished visit is not used again.
    qr_window: Mapped[int]
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_out_at: Mapped[datetime | None]
    minutes: Mapped[int | None]
    # Anti-gaming signals for staff: [{"code": ..., "evidence": {...}}].
    flags: Mapped[list] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # When the position was rounded and the device id dropped, once the retention period ended (PRIVACY.md).
    coarsened_at: Mapped[datetime | None]

    station = relationship("Station", lazy="joined")
    member = relationship("User", viewonly=True)
    # The ledger entry the visit's minutes went to: none while open, nor for an over-long or forgotten visit.
    hour_entry = relationship(
        "HourEntry",
        primaryjoin="and_(HourEntry.source == 'checkin', foreign(HourEntry.source_id) == CheckIn.id)",
        uselist=False,
        viewonly=True,
    )

    @property
    def member_name(self) -> str:
        return self.member.name

    @property
    def hours_status(self) -> str | None:
        return self.hour_entry.status if self.hour_entry is not None else None
