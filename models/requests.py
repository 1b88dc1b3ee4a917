"""按需服务: residents' service requests, the offers made to members, and every transition."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

# What residents and staff read for each status.
STATUS_NAMES = {
    "submitted": "已提交",
    "offered": "派单中",
    "accepted": "已接单",
    "in_progress": "服务中",
    "completed": "待确认",
    "confirmed": "已确认",
    "cancelled": "已取消",
    "expired": "无人接单",
    "escalated": "待派单",
}
REQUEST_STATUSES = tuple(STATUS_NAMES)
URGENCY_NAMES = {"normal": "普通", "urgent": "紧急"}
URGENCIES = tuple(URGENCY_NAMES)
OFFER_STATUS_NAMES = {
    "open": "待答复",
    "accepted": "已接单",
    "declined": "已婉拒",
    "expired": "已超时",
    "withdrawn": "已撤回",
}
OFFER_STATUSES = tuple(OFFER_STATUS_NAMES)
# Until someone has taken it, a request runs against its SLA clock.
UNTAKEN_STATUSES = ("submitted", "offered", "expired", "escalated")


class ServiceRequest(db.Model):
    __tablename__ = "service_requests"
    __table_args__ = (
        # With the due times, the desk's home figures count a community's requests by status and overdue
        # from the index alone.
        Index(
            "ix_service_requests_community_status", "community_id", "status",
            postgresql_include=["sla_due_at", "sla_paused_at"],
        ),
        # The desk's home figures count the requests submitted per week in an org subtree.
        Index("ix_service_requests_community_created_at", "community_id", "created_at"),
        # Matching counts each candidate's open tasks and averages their ratings by assignee.
        Index("ix_service_requests_assignee_status", "assignee_id", "status"),
        Index("ix_service_requests_assignee_taken_at", "assignee_id", "taken_at"),
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
        choice(URGENCIES, "request_urgency", 10),
        default="normal",
    )
    status: Mapped[str] = mapped_column(
        choice(REQUEST_STATUSES, "request_status", 20),
        default="submitted",
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 专业化基地化服务: staff routed the request to a provider instead of a member.
    assigned_provider_id: Mapped[int | None] = mapped_column(ForeignKey("service_providers.id"), index=True)
    offer_round: Mapped[int] = mapped_column(default=0)
    offer_expires_at: Mapped[datetime | None]
    taken_at: Mapped[datetime | None]
    # The response clock: due at `sla_due_at`, stopped while `sla_paused_at` is set (waiting on the resident).
    sla_due_at: Mapped[datetime]
    sla_paused_at: Mapped[datetime | None]
    # When staff were told the request is overdue (once per request).
    sla_alerted_at: Mapped[datetime | None]
    pending_question: Mapped[str | None] = mapped_column(String(200))
    completion_note: Mapped[str | None] = mapped_column(String(500))
    minutes: Mapped[int | None]
    rejection_reason: Mapped[str | None] = mapped_column(String(200))
    stars: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(300))
    rated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    category = relationship("ServiceCategory", lazy="joined")
    resident = relationship("User", foreign_keys=[resident_id], lazy="joined", viewonly=True)
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined", viewonly=True)
    community = relationship("OrgUnit", foreign_keys=[community_id], viewonly=True)
    building = relationship("OrgUnit", foreign_keys=[building_id], lazy="joined", viewonly=True)
    assigned_provider = relationship("ServiceProvider", lazy="joined", viewonly=True)
    history = relationship("RequestHistory", order_by="RequestHistory.id", lazy="selectin", viewonly=True)

    @property
    def sla_breached(self) -> bool:
        """Still untaken past its SLA deadline (the clock stands still while paused): flagged for staff."""
        return self.status in UNTAKEN_STATUSES and self.sla_due_at < (self.sla_paused_at or utcnow())

    @property
    def resident_name(self) -> str:
        return self.resident.name

    @property
    def building_name(self) -> str | None:
        return self.building.name if self.building is not None else None

    @property
    def assignee_name(self) -> str | None:
        return self.assignee.name if self.assignee is not None else None

    @property
    def assigned_provider_name(self) -> str | None:
        return self.assigned_provider.name if self.assigned_provider is not None else None

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def sla_paused(self) -> bool:
        return self.sla_paused_at is not None


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
        choice(OFFER_STATUSES, "offer_status", 20),
        default="open",
    )
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]

    member = relationship("User", lazy="joined", viewonly=True)

    @property
    def member_name(self) -> str:
        return self.member.name


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

    actor = relationship("User", lazy="joined", viewonly=True)

    @property
    def actor_name(self) -> str | None:
        return self.actor.name if self.actor is not None else None
