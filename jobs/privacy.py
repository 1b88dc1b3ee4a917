"""Scheduled retention: check-in positions and device ids, and finished messages, past their retention period."""
from extensions import db
from services.privacy import coarsen_checkins, purge_old_notifications


def coarsen_old_checkins() -> int:
    """Coarsen the visits older than CHECKIN_POSITION_RETENTION_DAYS; returns how many."""
    coarsened = coarsen_checkins()
    db.session.commit()
    return coarsened


def purge_notifications() -> int:
    """Delete the finished messages older than NOTIFICATION_RETENTION_DAYS; returns how many."""
    purged = purge_old_notifications()
    db.session.commit()
    return purged
