"""区域化党建三级协调机制: resident units, the three coordination bodies, their meetings and
resolutions, and the street's own systems (班子成员职务任期制, 年度工作报告制)."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

# 驻区单位: agencies, enterprises, institutions and social organisations located in a street.
UNIT_KIND_NAMES = {
    "agency": "机关",
    "enterprise": "企业",
    "institution": "事业单位",
    "social_org": "社会组织",
    "other": "其他",
}
UNIT_KINDS = tuple(UNIT_KIND_NAMES)

BODY_KIND_NAMES = {
    "guidance_committee": "区域化党建工作指导委员会",
    "coordination_committee": "区域化党建工作协调委员会",
    "joint_meeting": "区域化党建工作联席会",
}
BODY_KINDS = tuple(BODY_KIND_NAMES)
# Each body sits at exactly one level of the tree: the district, a street, a community.
BODY_ORG_KINDS = {
    "guidance_committee": "district_committee",
    "coordination_committee": "street_working_committee",
    "joint_meeting": "community_general_branch",
}

RESOLUTION_STATUS_NAMES = {"open": "办理中", "done": "已办结", "dropped": "已撤销"}
RESOLUTION_STATUSES = tuple(RESOLUTION_STATUS_NAMES)

# 班子成员: the leadership posts of a street working committee or a community general branch.
LEADERSHIP_POST_NAMES = {
    "secretary": "书记",
    "deputy_secretary": "副书记",
    "organization_member": "组织委员",
    "propaganda_member": "宣传委员",
    "discipline_member": "纪检委员",
}
LEADERSHIP_POSTS = tuple(LEADERSHIP_POST_NAMES)
# Org kinds whose leadership serves fixed terms (the street's 班子成员职务任期制, and the community's).
TERM_ORG_KINDS = ("street_working_committee", "community_general_branch")

ANNUAL_REPORT_STATUS_NAMES = {"draft": "草稿", "presented": "已报告"}
ANNUAL_REPORT_STATUSES = tuple(ANNUAL_REPORT_STATUS_NAMES)


class ResidentUnit(db.Model):
    """驻区单位: a unit located in a street, with its Party organisation."""

    __tablename__ = "resident_units"
    __table_args__ = (
        UniqueConstraint("street_id", "name"),
        CheckConstraint("(lat IS NULL) = (lng IS NULL)", name="lat_lng_together"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lng IS NULL OR (lng >= -180 AND lng <= 180)", name="lng_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(choice(UNIT_KINDS, "unit_kind", 20))
    party_org_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    street_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnitLiaison(db.Model):
    """A desk account that speaks for one unit: it reads that unit's in-service members and nothing else."""

    __tablename__ = "unit_liaisons"
    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("resident_units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", lazy="joined")


class CoordinationBody(db.Model):
    """One of the three bodies: the district's 指导委员会, a street's 协调委员会, a community's 联席会."""

    __tablename__ = "coordination_bodies"
    __table_args__ = (UniqueConstraint("org_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(choice(BODY_KINDS, "body_kind", 30))
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BodyMember(db.Model):
    """A member unit of a body and who represents it."""

    __tablename__ = "body_members"
    __table_args__ = (UniqueConstraint("body_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("coordination_bodies.id"), index=True)
    # The body's org, kept on the row so scope checks and the audit trail need no join.
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("resident_units.id"), index=True)
    representative_name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit = relationship(ResidentUnit, lazy="joined")


class Meeting(db.Model):
    """A meeting of a body: agenda, which member units attended, minutes."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("coordination_bodies.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    held_at: Mapped[datetime]
    agenda: Mapped[list] = mapped_column(JSON, default=list)
    minutes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingAttendance(db.Model):
    """A unit that was at a meeting."""

    __tablename__ = "meeting_attendances"
    __table_args__ = (UniqueConstraint("meeting_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("resident_units.id"))


class Resolution(db.Model):
    """A decision of a meeting, owned by a unit, due on a date, closed with what was done."""

    __tablename__ = "resolutions"
    __table_args__ = (
        Index("ix_resolutions_status_due_date", "status", "due_date"),
        CheckConstraint("status <> 'done' OR outcome IS NOT NULL", name="done_has_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("coordination_bodies.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("resident_units.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(choice(RESOLUTION_STATUSES, "resolution_status", 20), default="open")
    outcome: Mapped[str | None] = mapped_column(String(500))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    # Claimed by the reminder job with a guarded UPDATE: each reminder goes out once.
    due_soon_reminded_at: Mapped[datetime | None]
    overdue_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit = relationship(ResidentUnit, lazy="joined")


class LeadershipTerm(db.Model):
    """班子成员职务任期: who holds which post of an org, from when to when; ended terms stay as history."""

    __tablename__ = "leadership_terms"
    __table_args__ = (
        Index("ix_leadership_terms_org_post", "org_id", "post"),
        CheckConstraint("starts_on <= ends_on", name="starts_before_end"),
        CheckConstraint("left_on IS NULL OR left_on >= starts_on", name="left_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    post: Mapped[str] = mapped_column(choice(LEADERSHIP_POSTS, "leadership_post", 30))
    holder_name: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Set when the holder leaves the post before the term ends.
    left_on: Mapped[date | None] = mapped_column(Date)
    # Claimed by the reminder job: each threshold's reminder goes out once.
    reminded_90_at: Mapped[datetime | None]
    reminded_30_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnnualReport(db.Model):
    """年度工作报告: a street working committee's yearly report, its figures compiled from Linli's data."""

    __tablename__ = "annual_reports"
    __table_args__ = (
        UniqueConstraint("org_id", "year"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
        CheckConstraint("status <> 'presented' OR meeting_id IS NOT NULL", name="presented_at_meeting"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    year: Mapped[int]
    narrative: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    compiled_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(choice(ANNUAL_REPORT_STATUSES, "report_status", 20), default="draft")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportComment(db.Model):
    """A representative's comment on an annual report at the meeting, and the committee's answer."""

    __tablename__ = "report_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("annual_reports.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("resident_units.id"))
    representative_name: Mapped[str] = mapped_column(String(50))
    comment: Mapped[str] = mapped_column(String(1000))
    answer: Mapped[str | None] = mapped_column(String(1000))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
