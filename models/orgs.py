"""The organisation tree (组织体系) and the staff scopes granted on it."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

ORG_KIND_NAMES = {
    "district_committee": "区市县委",
    "street_working_committee": "街道党工委",
    "community_general_branch": "社区党总支",
    "building_branch": "楼院党支部",
    "functional_branch": "功能型党支部",
    "mobile_member_branch": "流动党员党支部",
    "nonpublic_enterprise_committee": "非公企业党工委",
    "street_economic_branch": "街道综合经济党总支",
    "enterprise_branch": "企业党组织",
    "association_committee": "行业协会党委",
    "social_org_branch": "社会组织党组织",
}
ORG_KINDS = tuple(ORG_KIND_NAMES)
# The unit a resident lives in and a service request belongs to.
COMMUNITY_KIND = "community_general_branch"
STAFF_ROLE_NAMES = {"secretary": "书记", "staff": "工作人员"}
STAFF_ROLES = tuple(STAFF_ROLE_NAMES)


class OrgUnit(db.Model):
    """One node of the tree; `path` ("/1/4/9/") makes a subtree one prefix query."""

    __tablename__ = "org_units"
    __table_args__ = (
        Index("ix_org_units_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        # Every subtree query is a prefix match on the path: an empty one would match everything.
        CheckConstraint("path LIKE '/%/'", name="path_not_empty"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lng IS NULL OR (lng >= -180 AND lng <= 180)", name="lng_range"),
        CheckConstraint("(lat IS NULL) = (lng IS NULL)", name="lat_lng_together"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(
        choice(ORG_KINDS, "org_kind", 40)
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    depth: Mapped[int] = mapped_column(default=0)
    # Where a building (楼院) or community stands; matching measures distances from it.
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent = relationship("OrgUnit", remote_side=[id])


class StaffScope(db.Model):
    """A staff role granted on one org unit; it reaches that unit's whole subtree."""

    __tablename__ = "staff_scopes"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    role: Mapped[str] = mapped_column(
        choice(STAFF_ROLES, "staff_role", 20)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", back_populates="scopes")
    org = relationship(OrgUnit, lazy="joined")
