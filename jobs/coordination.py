"""Reminders of the coordination mechanism: resolutions near or past their due date, terms of office ending."""
from extensions import db
from services import coordination


def send_reminders() -> int:
    """Each reminder is claimed by a guarded UPDATE before it is written to the outbox: it goes out once."""
    sent = coordination.remind_resolutions() + coordination.remind_terms()
    db.session.commit()
    return sent
