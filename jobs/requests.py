"""Offer-round timers, the sweep that covers Redis outages, and overdue alerts to staff."""
from extensions import db
from services import requests


def advance_offers(request_id: int, round_number: int) -> None:
    """Close the round if its window has passed and open the next (or escalate)."""
    moved = requests.advance_offers(request_id, round_number)
    db.session.commit()
    if moved:
        requests.schedule_offer_timer(db.session.get(requests.ServiceRequest, request_id))


def sweep_expired_offers() -> int:
    """Advance every round whose window has closed; the database, not Redis, is the truth."""
    count = 0
    for request_id, round_number in requests.expired_offer_rounds():
        advance_offers(request_id, round_number)
        count += 1
    return count


def alert_overdue_requests() -> int:
    alerted = requests.alert_overdue()
    db.session.commit()
    return alerted
