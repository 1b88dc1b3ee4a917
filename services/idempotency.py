"""Idempotency keys: claimed before the work, bound to its request, committed with it, answered after it."""
import hashlib
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, event, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from extensions import db
from models.base import utcnow
from models.idempotency import IdempotencyKey
from services.errors import Conflict, Invalid

log = logging.getLogger(__name__)

# A claim whose request died before committing any work may be taken over after this long.
STALE_CLAIM = timedelta(minutes=2)


@dataclass
class Claim:
    id: int | None = None
    status_code: int | None = None
    body: dict | None = None

    @property
    def is_replay(self) -> bool:
        return self.status_code is not None


def request_hash(method: str, path: str, body: bytes) -> str:
    """What a key is bound to: the method, the path and the body (JSON compared by content)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b"\n" + path.encode() + b"\n" + canonical).hexdigest()


def claim(user_id: int, key: str, fingerprint: str) -> Claim:
    """Take the key for this request, or return the answer a previous request recorded.

    The claim is committed at once, so a concurrent request with the same key sees it. A key
    already taken by another request (another path or body) answers 422.
    """
    row = IdempotencyKey(user_id=user_id, key=key, request_hash=fingerprint)
    db.session.add(row)
    try:
        db.session.commit()
        return Claim(id=row.id)
    except IntegrityError:
        db.session.rollback()
    existing = db.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).scalar_one()
    if existing.request_hash != fingerprint:
        raise Invalid("该 Idempotency-Key 已用于另一个请求", code="idempotency_key_mismatch")
    if existing.status_code is not None:
        return Claim(existing.id, existing.status_code, existing.body)
    if existing.committed_at is not None:
        # The work committed but its answer was never recorded: doing it again would duplicate it.
        raise Conflict("该请求已处理，请刷新查看结果", code="idempotency_answer_unavailable")
    if existing.created_at < utcnow() - STALE_CLAIM:
        taken_over = db.session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.id == existing.id,
                IdempotencyKey.created_at == existing.created_at,
                IdempotencyKey.committed_at.is_(None),
            )
            .values(created_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if taken_over:
            return Claim(id=existing.id)
    raise Conflict("相同的请求正在处理中，请稍后重试", code="idempotency_in_progress")


@contextmanager
def committed_with_the_work(claimed: Claim):
    """While the work runs, every commit of the session also marks the claim committed.

    The mark is part of the work's own transaction: work that committed can never be released
    and done a second time, whatever fails after it.
    """
    session = db.session()

    def mark(session):
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == claimed.id, IdempotencyKey.committed_at.is_(None))
            .values(committed_at=utcnow())
            .execution_options(synchronize_session=False)
        )

    event.listen(session, "before_commit", mark)
    try:
        yield
    finally:
        event.remove(session, "before_commit", mark)


def record(claimed: Claim, status_code: int, body) -> None:
    """Store the answer for replays; the work is already committed, so a failure here only logs."""
    try:
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == claimed.id)
            .values(status_code=status_code, body=body, committed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("the answer for idempotency claim %s was not recorded", claimed.id)


def release(claimed: Claim) -> None:
    """Forget the claim of a request that failed before committing, so the client may retry with the key."""
    try:
        db.session.rollback()
        db.session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.id == claimed.id, IdempotencyKey.committed_at.is_(None))
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("idempotency claim %s was not released; it may be taken over once stale", claimed.id)


def purge_expired(max_age: timedelta) -> int:
    """Delete keys (and their answers) older than `max_age`; returns how many."""
    return db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - max_age)
    ).rowcount
