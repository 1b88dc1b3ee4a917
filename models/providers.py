"""专业化基地化服务: professional social-work organisations, their service bases, and their desk accounts."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

PROVIDER_KIND_NAMES = {"social_work_org": "专业社工机构", "service_base": "社会化服务基地"}
PROVIDER_KINDS = tuple(PROVIDER_KIND_NAMES)


class ServiceProvider(db.Model):
    __tablename__ = "service_providers"
    __table_args__ = (CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unit that works with the provider: requests of its communities may be routed to it.
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(choice(PROVIDER_KINDS, "provider_kind", 20))
    # A service base belongs to the organisation that runs it.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("service_providers.id"))
    # What it offers, in short phrases (心理疏导, 康复护理, 青少年托管).
    services: Mapped[list] = mapped_column(JSON, default=list)
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org = relationship("OrgUnit", lazy="joined", viewonly=True)
    parent = relationship("ServiceProvider", remote_side=[id], lazy="joined", viewonly=True)

    @property
    def parent_name(self) -> str | None:
        return self.parent.name if self.parent is not None else None


class ProviderAccount(db.Model):
    """A desk account acting for a provider: it sees and reports on the requests routed to it."""

    __tablename__ = "provider_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("service_providers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
