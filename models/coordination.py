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

# 资源清单 / 需求清单: what units offer and communities need share one vocabulary, so they can be matched.
RESOURCE_KIND_NAMES = {"venue": "场地", "skill": "技能", "funds": "资金", "volunteers": "志愿者"}
RESOURCE_KINDS = tuple(RESOURCE_KIND_NAMES)

# 共建项目: planned → running → done (with its outcome); planned or running → dropped (with the reason).
PROJECT_STATUS_NAMES = {"planned": "筹备中", "running": "实施中", "done": "已完成", "dropped": "已终止"}
PROJECT_STATUSES = tuple(PROJECT_STATUS_NAMES)

# The branches whose rosters Linli keeps (组织关系在支部的党员).
ROSTER_BRANCH_KINDS = ("building_branch", "functional_branch", "mobile_member_branch")

# 功能型党支部 gather members around a mass organisation (群众组织).
MASS_ORG_KIND_NAMES = {
    "choir": "合唱团",
    "volunteer_team": "志愿服务队",
    "art_troupe": "文艺队",
    "interest_group": "兴趣小组",
    "other": "其他",
}
MASS_ORG_KINDS = tuple(MASS_ORG_KIND_NAMES)


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


class ResourceOffer(db.Model):
    """资源清单: one thing a resident unit can offer (a venue, a skill, funds, volunteers)."""

    __tablename__ = "resource_offers"
    __table_args__ = (
        CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("amount_cents IS NULL OR kind = 'funds'", name="amount_only_for_funds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("resident_units.id"), index=True)
    # The unit's street, kept on the row so scope checks and the audit trail need no join.
    street_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(choice(RESOURCE_KINDS, "resource_kind", 20))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")
    amount_cents: Mapped[int | None]
    # A withdrawn offer stays (projects name it) but is no longer suggested.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit = relationship(ResidentUnit, lazy="joined")


class CommunityNeed(db.Model):
    """需求清单: one thing a community needs, of the same kinds units offer."""

    __tablename__ = "community_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(choice(RESOURCE_KINDS, "resource_kind", 20))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JointProject(db.Model):
    """共建项目: a need met with units' offers; a status, and at the end its outcome."""

    __tablename__ = "joint_projects"
    __table_args__ = (
        Index("ix_joint_projects_status_closed_at", "status", "closed_at"),
        CheckConstraint("status NOT IN ('done', 'dropped') OR (outcome IS NOT NULL AND closed_at IS NOT NULL)",
                        name="closed_has_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("community_needs.id"), index=True)
    # The need's community, kept on the row for scope checks and the annual figures.
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(choice(PROJECT_STATUSES, "project_status", 20), default="planned")
    outcome: Mapped[str | None] = mapped_column(String(1000))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectOffer(db.Model):
    """An offer a project uses, and so a unit involved in it."""

    __tablename__ = "project_offers"
    __table_args__ = (UniqueConstraint("project_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("joint_projects.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("resource_offers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("resident_units.id"), index=True)

    offer = relationship(ResourceOffer, lazy="joined")


class BranchMember(db.Model):
    """A Party member of a branch (楼院, 功能型 or 流动党员党支部); a mobile member (流动党员) with where
    they are now and how to reach them, which only the staff over the branch read."""

    __tablename__ = "branch_members"
    __table_args__ = (
        UniqueConstraint("branch_id", "user_id"),
        CheckConstraint("mobile OR (current_location IS NULL AND phone IS NULL AND other_contact IS NULL)",
                        name="contact_only_for_mobile"),
        CheckConstraint("NOT mobile OR current_location IS NOT NULL", name="mobile_has_location"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    # The member's Linli account, when they have one (their data export and erasure include the row).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    joined_on: Mapped[date | None] = mapped_column(Date)
    mobile: Mapped[bool] = mapped_column(default=False)
    current_location: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    other_contact: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MassOrganisation(db.Model):
    """群众组织: the choir or volunteer team a functional branch is built around."""

    __tablename__ = "mass_organisations"
    __table_args__ = (UniqueConstraint("branch_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(choice(MASS_ORG_KINDS, "mass_org_kind", 20))
    description: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
