"""Reminders before activities start."""
from extensions import db
from services import activities


def remind_upcoming_activities() -> int:
    reminded = activities.remind_upcoming()
    db.session.commit()
    return reminded
