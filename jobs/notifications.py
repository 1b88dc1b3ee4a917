"""Notification jobs: the relay (periodic) and the delivery of batches of outbox rows (run as jobs.worker.AppJob)."""
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
    size = current_app.config["NOTIFY_BATCH_SIZE"]
    queue = get_queue()
    for start in range(0, len(claimed), size):
        batch = claimed[start:start + size]
        try:
            queue.enqueue(
                deliver_notifications,
                batch,
                job_id=f"notifications-{batch[0]}",
                retry=Retry(max=len(intervals), interval=intervals),
            )
        except redis.RedisError:
            log.warning("Redis unavailable: %d notifications wait for the next relay", len(claimed) - start)
            notifications.unclaim(claimed[start:])
            db.session.commit()
            return start
    return len(claimed)


def deliver_notifications(notification_ids: list[int]) -> dict[int, str]:
    """Deliver a batch; a busy or unreachable WeChat raises after the rest is recorded, so RQ retries those rows."""
    job = get_current_job()
    final_attempt = job is None or not job.retries_left
    outcomes = notifications.deliver_batch(notification_ids, final_attempt)
    return {notification_id: outcome.status for notification_id, outcome in outcomes.items()}
