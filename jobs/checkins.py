"""Scheduled check-in upkeep: visits left open past closing time."""
from extensions import db
from services.checkins import close_forgotten


def close_forgotten_checkins() -> int:
    """Close (and flag) the visits whose station has closed; returns how many."""
    closed = close_forgotten()
    db.session.commit()
    return closed
