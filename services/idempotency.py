"""Claiming an idempotency key before the work, recording the answer after it."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.base import utcnow
from models.idempotency import IdempotencyKey
from services.errors import Conflict

# A claim whose request died without answering may be taken over after this long.
STALE_CLAIM = timedelta(minutes=2)


@dataclass
class Claim:
    id: int | None = None
    status_code: int | None = None
    body: dict | None = None

    @property
    def is_replay(self) -> bool:
        return self.status_code is not None


def claim(user_id: int, endpoint: str, key: str) -> Claim:
    """Take the key for this request, or return the answer a previous request recorded.

    The claim is committed at once, so a concurrent request with the same key sees it.
    """
    row = IdempotencyKey(user_id=user_id, endpoint=endpoint, key=key)
    db.session.add(row)
    try:
        db.session.commit()
        return Claim(id=row.id)
    except IntegrityError:
        db.session.rollback()
    existing = db.session.execute(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.endpoint == endpoint,
            IdempotencyKey.key == key,
        )
    ).scalar_one()
    if existing.status_code is not None:
        return Claim(existing.id, existing.status_code, existing.body)
    if existing.created_at < utcnow() - STALE_CLAIM:
        existing.created_at = utcnow()
        db.session.commit()
        return Claim(id=existing.id)
    raise Conflict("相同的请求正在处理中，请稍后重试", code="idempotency_in_progress")


def record(claimed: Claim, status_code: int, body) -> None:
    row = db.session.get(IdempotencyKey, claimed.id)
    row.status_code = status_code
    row.body = body
    db.session.commit()


def release(claimed: Claim) -> None:
    """Forget the claim of a request that failed, so the client may retry with the same key."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claimed.id))
    db.session.commit()
