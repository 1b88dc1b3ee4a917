"""The relay's side of the outbox: claiming due rows, putting back what Redis refused, recovering stale rows."""
from sqlalchemy import update

from extensions import db
from models.notifications import Notification
from services.notifications import notify, unclaim


def test_unclaimed_rows_go_back_to_pending(make):
    resident = make.resident()
    notification = notify(resident.id, "request_offered", "有新的服务需求")
    db.session.flush()
    db.session.execute(update(Notification).values(status="queued", queued_at=notification.created_at))
    db.session.commit()
    unclaim([notification.id])
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Notification, notification.id)
    assert (stored.status, stored.queued_at) == ("pending", None)
