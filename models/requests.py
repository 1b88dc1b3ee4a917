"""按需服务: residents' service requests, the offers made to members, and every transition."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Enum, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow

REQUEST_STATUSES = (
    "submitted",
    "offered",
    "accepted",
    "in_progress",
    "completed",
    "confirmed",
    "cancelled",
    "expired",
    "escalated",
)
URGENCIES = ("normal", "urgent")
OFFER_STATUSES = ("open", "accepted", "declined", "expired", "withdrawn")
# Until someone has taken it, a request runs against its SLA clock.
UNTAKEN_STATUSES = ("submitted", "offered", "expired", "escalated")


class ServiceRequest(db.Model):
    __tablename__ = "service_requests"
    __table_args__ = (
        Index("ix_service_requests_community_status", "community_id", "status"),
        # Matching counts each candidate's open tasks and averages their ratings by assignee.
        Index("ix_service_requests_assignee_status", "assignee_id", "status"),
        Index("ix_service_requests_status_offer_expires_at", "status", "offer_expires_at"),
        CheckConstraint("stars IS NULL OR (stars >= 1 AND stars <= 5)", name="stars_range"),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    preferred_time: Mapped[datetime | None]
    urgency: Mapped[str] = mapped_column(
        Enum(*URGENCIES, name="request_urgency", native_enum=False, create_constraint=True, length=10),
        default="normal",
    )
    status: Mapped[str] = mapped_column(
        Enum(*REQUEST_STATUSES, name="request_status", native_enum=False, create_constraint=True, length=20),
        default="submitted",
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    offer_round: Mapped[int] = mapped_column(default=0)
    offer_expires_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime]
    completion_note: Mapped[str | None] = mapped_column(String(500))
    minutes: Mapped[int | None]
    rejection_reason: Mapped[str | None] = mapped_column(String(200))
    stars: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(300))
    rated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    category = relationship("ServiceCategory", lazy="joined")
    history = relationship("RequestHistory", order_by="RequestHistory.id", lazy="selectin", viewonly=True)

    @property
    def sla_breached(self) -> bool:
        """Still untaken past its SLA deadline: flagged on the staff queue."""
        return self.status in UNTAKEN_STATUSES and self.sla_due_at < utcnow()


class RequestOffer(db.Model):
    """One member asked to take one request, with the score and reasons that chose them."""

    __tablename__ = "request_offers"
    __table_args__ = (
        UniqueConstraint("request_id", "member_id"),
        Index("ix_request_offers_member_created_at", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    round: Mapped[int]
    status: Mapped[str] = mapped_column(
        Enum(*OFFER_STATUSES, name="offer_status", native_enum=False, create_constraint=True, length=20),
        default="open",
    )
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


class RequestHistory(db.Model):
    """One transition of a request: from, to, who, when and why."""

    __tablename__ = "request_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
