"""常态化服务: care targets (帮扶对象), their visit plans and the visits made.

A care target is sensitive personal information (poverty, disability, health): it is read
only through services/care.py, which lets in the staff over its building and its assigned
visitors and records every read in the audit trail.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from extensions import db
from models.base import choice, utcnow

CARE_KIND_NAMES = {"poverty": "困难家庭", "disability": "残疾人", "elderly_alone": "独居老人", "sick": "患病人员"}
CARE_KINDS = tuple(CARE_KIND_NAMES)
VISIT_STATUS_NAMES = {"pending": "待确认", "confirmed": "已确认", "rejected": "已退回"}
VISIT_STATUSES = tuple(VISIT_STATUS_NAMES)
MAX_VISIT_MINUTES = 8 * 60
MAX_VISIT_INTERVAL_WEEKS = 52


class CareTarget(db.Model):
    __tablename__ = "care_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    building_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    kinds: Mapped[list] = mapped_column(JSON, default=list)
    needs: Mapped[list] = mapped_column(JSON, default=list)
    address: Mapped[str | None] = mapped_column(String(200))
    # 知情同意: the day the person (or their guardian) agreed to be recorded and visited.
    consent_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plans = relationship("VisitPlan", viewonly=True, order_by="VisitPlan.id")


class VisitPlan(db.Model):
    """A visitor (a member or staff) goes to the target every `every_weeks` weeks.

    `next_due_on` moves on with each visit recorded.
    """

    __tablename__ = "visit_plans"
    __table_args__ = (
        UniqueConstraint("care_target_id", "visitor_id"),
        CheckConstraint(f"every_weeks >= 1 AND every_weeks <= {MAX_VISIT_INTERVAL_WEEKS}", name="every_weeks_range"),
        Index("ix_visit_plans_active_due", "active", "next_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    care_target_id: Mapped[int] = mapped_column(ForeignKey("care_targets.id"))
    # The target's building, kept on the plan for scope queries and the audit trail.
    building_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    every_weeks: Mapped[int]
    next_due_on: Mapped[date] = mapped_column(Date)
    # The due day the visitor and staff were told was missed: each missed visit is told once.
    overdue_alerted_for: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visitor = relationship("User", viewonly=True)
    # Past its due day (local): filled only by a query that asks for it (services/care.py plan_listing).
    overdue: Mapped[bool | None] = query_expression()


class VisitRecord(db.Model):
    """What a visitor did on a visit; its minutes reach the hours ledger only when staff confirm it."""

    __tablename__ = "visit_records"
    __table_args__ = (
        CheckConstraint(f"minutes > 0 AND minutes <= {MAX_VISIT_MINUTES}", name="minutes_range"),
        CheckConstraint("confirmed_by_id IS NULL OR confirmed_by_id <> visitor_id", name="not_self_confirmed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("visit_plans.id"), index=True)
    care_target_id: Mapped[int] = mapped_column(ForeignKey("care_targets.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    summary: Mapped[str] = mapped_column(String(1000))
    photos: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(choice(VISIT_STATUSES, "visit_status", 20), default="pending")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visitor = relationship("User", foreign_keys=[visitor_id], viewonly=True)
