"""Per-person limits on business flows (requests, registrations, questions, grants, corrections).

One mechanism for all of them: a counter per person, action and fixed window in the database,
raised by one guarded UPDATE only while below the limit, inside the transaction of the action it
counts (a refused or failed action counts nothing). Needs no Redis, so it cannot fail open.
"""
import math
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.base import utcnow
from models.limits import UsageCounter
from models.users import User
from services.errors import TooManyRequests

WINDOW = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# action → (setting holding the per-window limit, what the person is told)
LIMITS = {
    "request": ("REQUESTS_PER_DAY", "今天提出的服务请求已达上限"),
    "registration": ("REGISTRATIONS_PER_DAY", "今天提交的报到申请已达上限"),
    "question": ("QUESTIONS_PER_DAY", "今天向居民提问的次数已达上限"),
    "grant": ("GRANTS_PER_DAY", "今天记录的订阅授权已达上限"),
    "correction": ("HOUR_CORRECTIONS_PER_DAY", "今天提交的时长更正申请已达上限"),
}


def _window_start(now: datetime) -> datetime:
    """Windows are whole UTC days (they turn at 08:00 Beijing time)."""
    return EPOCH + WINDOW * ((now - EPOCH) // WINDOW)


def spend(user: User, action: str, amount: int = 1) -> None:
    """Count `amount` uses of `action` for the person, or refuse with 429 and when to retry."""
    setting, message = LIMITS[action]
    limit = current_app.config[setting]
    now = utcnow()
    start = _window_start(now)
    if not _raise(user.id, action, start, amount, limit):
        if amount > limit:
            _refuse(message, now, start)
        try:
            with db.session.begin_nested():
                db.session.add(UsageCounter(user_id=user.id, action=action, window_start=start, used=amount))
        except IntegrityError:
            # The window's row exists (or a concurrent call just made it): it is full, or try it once more.
            if not _raise(user.id, action, start, amount, limit):
                _refuse(message, now, start)
            return
        # Earlier windows are done with: one row per person and action stays.
        db.session.execute(
            delete(UsageCounter)
            .where(UsageCounter.user_id == user.id, UsageCounter.action == action, UsageCounter.window_start < start)
            .execution_options(synchronize_session=False)
        )


def _raise(user_id: int, action: str, start: datetime, amount: int, limit: int) -> bool:
    return db.session.execute(
        update(UsageCounter)
        .where(
            UsageCounter.user_id == user_id,
            UsageCounter.action == action,
            UsageCounter.window_start == start,
            UsageCounter.used + amount <= limit,
        )
        .values(used=UsageCounter.used + amount)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _refuse(message: str, now: datetime, start: datetime):
    retry_after = max(1, math.ceil((start + WINDOW - now).total_seconds()))
    raise TooManyRequests(retry_after, f"{message}，请明天再试", code="daily_limit_reached")
