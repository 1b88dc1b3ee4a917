"""Idempotency keys: the first answer to a creating POST, replayed for the same key."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import utcnow


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    # A key is the user's: reused on another path or with another body it replays nothing.
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    # SHA-256 (hex) of the method, path and body of the request that took the key.
    request_hash: Mapped[str] = mapped_column(String(64))
    # Null while the first request is still running.
    status_code: Mapped[int | None]
    body: Mapped[dict | None] = mapped_column(JSON)
    # Set in the transaction of the work itself: once set, the claim is never released.
    committed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
