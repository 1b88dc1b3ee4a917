"""Offer-round timers, the sweep that covers Redis outages, and overdue alerts to staff."""
import logging

import redis

from extensions import db
from jobs.queue import get_queue
from models.requests import ServiceRequest
from services import requests

log = logging.getLogger(__name__)


def schedule_offer_timer(request: ServiceRequest) -> None:
    """After the commit: advance the round when its window closes. Never raises for Redis:
    the work is committed, and the sweep advances rounds whose timer was lost."""
    if request.status != "offered" or request.offer_expires_at is None:
        return
    try:
        get_queue().enqueue_at(request.offer_expires_at, advance_offers, request.id, request.offer_round)
    except redis.RedisError:
        log.warning(
            "offer timer for request %s not scheduled (Redis unavailable); the sweep will advance it", request.id
        )


def advance_offers(request_id: int, round_number: int) -> None:
    """Close the round if its window has passed and open the next (or escalate)."""
    moved = requests.advance_offers(request_id, round_number)
    db.session.commit()
    if moved:
        schedule_offer_timer(db.session.get(ServiceRequest, request_id))


def sweep_expired_offers() -> int:
    """Advance every round whose window has closed; the database, not Redis, is the truth."""
    count = 0
    for request_id, round_number in requests.expired_offer_rounds():
        try:
            advance_offers(request_id, round_number)
        except Exception:
            # One broken request must not hold up the others; its half-done work is undone.
            db.session.rollback()
            log.exception("advancing offers of request %s failed", request_id)
            continue
        count += 1
    return count


def alert_overdue_requests() -> int:
    alerted = requests.alert_overdue()
    db.session.commit()
    return alerted
