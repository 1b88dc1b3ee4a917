"""审计日志: one append-only row per staff operation (or audited read of sensitive data).

The database refuses UPDATE and DELETE on the table (triggers, created by migration
0012_audit), and each row carries the hash of the one before it, so an edit or a gap made
around the triggers shows in `flask --app app audit verify`.

Actor and org are plain integers, not foreign keys: the trail outlives whatever it names.
"""
from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

AUDIT_KIND_NAMES = {"write": "修改", "read": "查阅"}
AUDIT_KINDS = tuple(AUDIT_KIND_NAMES)
AUDIT_TABLE = "audit_entries"


class AuditEntry(db.Model):
    __tablename__ = AUDIT_TABLE
    __table_args__ = (
        Index("ix_audit_entries_actor_id", "actor_id", "id"),
        Index("ix_audit_entries_org_id", "org_id", "id"),
        Index("ix_audit_entries_target", "target_type", "target_id"),
        Index("ix_audit_entries_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(choice(AUDIT_KINDS, "audit_kind", 10), default="write")
    # The endpoint that did it ("requests.confirm"), or the read's name for a read.
    action: Mapped[str] = mapped_column(String(100))
    target_type: Mapped[str | None] = mapped_column(String(50))
    target_id: Mapped[int | None]
    org_id: Mapped[int | None]
    # Changed rows, keyed "table:id": the changed columns' values before and after.
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor = relationship("User", primaryjoin="foreign(AuditEntry.actor_id) == User.id", lazy="joined", viewonly=True)

    @property
    def actor_name(self) -> str | None:
        return self.actor.name if self.actor is not None else None
