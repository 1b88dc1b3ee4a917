"""Notification jobs: the relay (periodic) and one delivery per outbox row (each run as jobs.worker.AppJob)."""
import logging

import redis
from flask import current_app
from rq import Retry, get_current_job

from extensions import db
from jobs.queue import get_queue
from services import notifications

log = logging.getLogger(__name__)

# Exponential backoff between delivery attempts, in seconds (config NOTIFY_RETRY_INTERVALS).
DEFAULT_RETRY_INTERVALS = [10, 60, 300]


def relay() -> int:
    """Move due outbox rows onto the queue; when Redis is down they stay pending for the next run."""
    notifications.recover_stale()
    claimed = notifications.claim_due()
    db.session.commit()
    intervals = current_app.config.get("NOTIFY_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS)
    queue = get_queue()
    for index, notification_id in enumerate(claimed):
        try:
            queue.enqueue(
                deliver_notification,
                notification_id,
                job_id=f"notification-{notification_id}",
                retry=Retry(max=len(intervals), interval=intervals),
            )
        except redis.RedisError:
            log.warning("Redis unavailable: %d notifications wait for the next relay", len(claimed) - index)
            notifications.unclaim(claimed[index:])
            db.session.commit()
            return index
    return len(claimed)


def deliver_notification(notification_id: int) -> str | None:
    """Deliver one row; a busy or unreachable WeChat raises, so RQ retries it with backoff."""
    job = get_current_job()
    final_attempt = job is None or not job.retries_left
    outcome = notifications.deliver(notification_id, final_attempt)
    return outcome.status if outcome else None
