"""文化惠民服务: cultural activities at the four levels, their sign-ups and waiting lists."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

# 家庭、楼道、街巷、广场“四位一体”.
ACTIVITY_LEVEL_NAMES = {"family": "家庭", "corridor": "楼道", "lane": "街巷", "square": "广场"}
ACTIVITY_LEVELS = tuple(ACTIVITY_LEVEL_NAMES)
SIGNUP_STATUS_NAMES = {"confirmed": "已确认", "waitlisted": "候补中"}
SIGNUP_STATUSES = tuple(SIGNUP_STATUS_NAMES)
# Participants take the seats; organisers and volunteers, named by staff, serve and earn hours.
SIGNUP_ROLE_NAMES = {"participant": "参加者", "organiser": "组织者", "volunteer": "志愿者"}
SIGNUP_ROLES = tuple(SIGNUP_ROLE_NAMES)


class Activity(db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_org_id_starts_at", "org_id", "starts_at"),
        # The seats: a sign-up is confirmed only by raising this below capacity (services/activities.py).
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("confirmed_count >= 0 AND confirmed_count <= capacity", name="confirmed_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("radius_m > 0", name="radius_positive"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lng IS NULL OR (lng >= -180 AND lng <= 180)", name="lng_range"),
        CheckConstraint("(lat IS NULL) = (lng IS NULL)", name="lat_lng_together"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")
    level: Mapped[str] = mapped_column(choice(ACTIVITY_LEVELS, "activity_level", 20))
    # The organising unit: its residents and members may join, its staff manage the activity.
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    audience: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    confirmed_count: Mapped[int] = mapped_column(default=0)
    address: Mapped[str] = mapped_column(String(200))
    # Where the check-in is accepted (within radius_m); without a position only the time is checked.
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[int] = mapped_column(default=200)
    # Mixed into every check-in QR token of the activity (services/qrcodes.py).
    qr_secret: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org = relationship("OrgUnit", lazy="joined", viewonly=True)

    @property
    def org_name(self) -> str:
        return self.org.name

    @property
    def level_name(self) -> str:
        return ACTIVITY_LEVEL_NAMES[self.level]


class ActivitySignup(db.Model):
    """One person's place at an activity: a seat, a place on the waiting list, or a helper's role."""

    __tablename__ = "activity_signups"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id"),
        # The waiting list, in order: the lowest id waiting is the next to get a seat.
        Index("ix_activity_signups_activity_id_status_id", "activity_id", "status", "id"),
        CheckConstraint("role = 'participant' OR status = 'confirmed'", name="helpers_confirmed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(choice(SIGNUP_ROLES, "signup_role", 20), default="participant")
    status: Mapped[str] = mapped_column(choice(SIGNUP_STATUSES, "signup_status", 20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    # Set once by the reminder job (a guarded claim): one reminder per person and activity.
    reminded_at: Mapped[datetime | None]

    user = relationship("User", lazy="joined", viewonly=True)
    activity = relationship(Activity, lazy="joined", viewonly=True)

    @property
    def user_name(self) -> str:
        return self.user.name
