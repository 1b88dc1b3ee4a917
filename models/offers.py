"""社会化服务: what schools, training bodies, education bases and merchants offer residents (以商助民)."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

OFFER_PROVIDER_KIND_NAMES = {
    "school": "院校",
    "training_body": "培训机构",
    "education_base": "教育基地",
    "merchant": "商户",
}
OFFER_PROVIDER_KINDS = tuple(OFFER_PROVIDER_KIND_NAMES)
SOCIAL_OFFER_KIND_NAMES = {
    "discount": "优惠折扣",
    "free_service": "免费服务",
    "course": "课程培训",
    "venue": "场地开放",
}
SOCIAL_OFFER_KINDS = tuple(SOCIAL_OFFER_KIND_NAMES)
# Residents see an offer only once approved, and only while valid.
SOCIAL_OFFER_STATUS_NAMES = {"pending": "待审核", "approved": "已上架", "rejected": "未通过", "withdrawn": "已下架"}
SOCIAL_OFFER_STATUSES = tuple(SOCIAL_OFFER_STATUS_NAMES)


class SocialOffer(db.Model):
    __tablename__ = "social_offers"
    __table_args__ = (
        Index("ix_social_offers_org_id_status", "org_id", "status"),
        CheckConstraint("valid_until >= valid_from", name="valid_period"),
        # Four eyes: whoever entered the offer does not approve it.
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> created_by_id", name="not_self_decided"),
        # ... nor whoever changed it last (an edit sends it back for approval).
        CheckConstraint("decided_by_id IS NULL OR edited_by_id IS NULL OR decided_by_id <> edited_by_id",
                        name="not_decided_by_editor"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lng IS NULL OR (lng >= -180 AND lng <= 180)", name="lng_range"),
        CheckConstraint("(lat IS NULL) = (lng IS NULL)", name="lat_lng_together"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unit whose residents the offer is for (a community, or a street for all of its communities).
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    provider_name: Mapped[str] = mapped_column(String(100))
    provider_kind: Mapped[str] = mapped_column(choice(OFFER_PROVIDER_KINDS, "offer_provider_kind", 20))
    kind: Mapped[str] = mapped_column(choice(SOCIAL_OFFER_KINDS, "social_offer_kind", 20))
    title: Mapped[str] = mapped_column(String(100))
    terms: Mapped[str] = mapped_column(String(1000))
    address: Mapped[str | None] = mapped_column(String(200))
    # Where the offer is taken up (the shop, the school); without it, its unit's position counts.
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(choice(SOCIAL_OFFER_STATUSES, "social_offer_status", 20), default="pending")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Counts the changes: a decision guards on it, so nobody approves a text they have not read.
    version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    org = relationship("OrgUnit", lazy="joined", viewonly=True)
    # Set by services.offers for a resident's answer: how far from their home, rounded.
    distance_m = None

    @property
    def org_name(self) -> str:
        return self.org.name
