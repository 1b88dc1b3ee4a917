"""报到: in-service Party members' registrations with the community they live in."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

REGISTRATION_STATUS_NAMES = {"pending": "待审核", "approved": "已通过", "rejected": "未通过", "ended": "已结束"}
REGISTRATION_STATUSES = tuple(REGISTRATION_STATUS_NAMES)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One approved (active) and one pending registration per person, enforced by the database.
        Index(
            "uq_registrations_active_user",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'approved'"),
            sqlite_where=text("status = 'approved'"),
        ),
        Index(
            "uq_registrations_pending_user",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # Matching reads a community's approved members from this index alone (PostgreSQL: index-only scan).
        Index(
            "ix_registrations_community_status",
            "community_id",
            "status",
            postgresql_include=["user_id", "building_id", "skills", "availability"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    functional_branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    employer_unit: Mapped[str] = mapped_column(String(100))
    # The employer from the list of resident units (驻区单位); the free text stays for units not yet
    # listed, until staff link the registration to one.
    employer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("resident_units.id"), index=True)
    home_branch: Mapped[str] = mapped_column(String(100))
    skills: Mapped[list] = mapped_column(JSON, default=list)
    availability: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(
        choice(REGISTRATION_STATUSES, "registration_status", 20),
        default="pending",
    )
    reason: Mapped[str | None] = mapped_column(String(200))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Every answer showing a registration shows its member (lists of them too): read with it.
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
