"""Reminders of the routine service: missed visits."""

from extensions import db
from services import care


def alert_overdue_visits() -> int:
    alerted = care.alert_overdue_visits()
    db.session.commit()
    return alerted
