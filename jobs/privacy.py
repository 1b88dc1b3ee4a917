"""Scheduled retention: check-in positions and device ids past their retention period."""
from extensions import db
from services.privacy import coarsen_checkins


def coarsen_old_checkins() -> int:
    """Coarsen the visits older than CHECKIN_POSITION_RETENTION_DAYS; returns how many."""
    coarsened = coarsen_checkins()
    db.session.commit()
    return coarsened
