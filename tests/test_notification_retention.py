"""Finished messages are deleted NOTIFICATION_RETENTION_DAYS after they were written; the outbox keeps the rest."""
from datetime import timedelta
from importlib import import_module

import pytest
from sqlalchemy import select

from extensions import db
from jobs.periodic import PERIODIC_JOBS
from models.base import utcnow
from models.notifications import DELIVERY_STATUSES, FINISHED_DELIVERY_STATUSES, Notification
from services import privacy
from services.privacy import purge_old_notifications
from tests.conftest import body

JOB = "jobs.privacy.purge_notifications"


def _message(user, status: str, days_ago: float, now=None) -> int:
    created = (now or utcnow()) - timedelta(days=days_ago)
    notification = Notification(user_id=user.id, event="request_accepted", title=f"{status} {days_ago}",
                                status=status, created_at=created)
    db.session.add(notification)
    db.session.commit()
    return notification.id


def _remaining() -> set[int]:
    return set(db.session.execute(select(Notification.id)).scalars())


@pytest.mark.parametrize("status", DELIVERY_STATUSES)
def test_a_message_past_the_retention_is_deleted_only_once_the_outbox_is_done_with_it(app, make, status):
    user = make.resident()
    now = utcnow()
    days = app.config["NOTIFICATION_RETENTION_DAYS"]
    old = _message(user, status, days + 1 / 24, now)
    kept = _message(user, status, days - 1 / 24, now)
    purged = purge_old_notifications(now)
    db.session.commit()
    finished = status in FINISHED_DELIVERY_STATUSES
    assert purged == (1 if finished else 0)
    assert _remaining() == ({kept} if finished else {old, kept})


def test_finished_means_sent_skipped_or_failed():
    assert set(FINISHED_DELIVERY_STATUSES) == {"sent", "skipped", "failed"}


def test_the_retention_is_measured_from_the_moment_the_message_was_written(app, make):
    user = make.resident()
    now = utcnow()
    days = app.config["NOTIFICATION_RETENTION_DAYS"]
    boundary = _message(user, "sent", days, now)  # exactly the retention old: not yet past it
    older = _message(user, "sent", days + 1e-6, now)
    assert purge_old_notifications(now) == 1
    db.session.commit()
    assert _remaining() == {boundary} and older not in _remaining()


def test_the_retention_is_configurable(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFICATION_RETENTION_DAYS", 10)
    user = make.resident()
    old, recent = _message(user, "sent", 11), _message(user, "sent", 9)
    assert purge_old_notifications() == 1
    db.session.commit()
    assert _remaining() == {recent} and old not in _remaining()


def test_more_messages_than_a_batch_are_all_deleted_and_counted(app, make, monkeypatch):
    monkeypatch.setattr(privacy, "PURGE_BATCH", 2)
    user = make.resident()
    days = app.config["NOTIFICATION_RETENTION_DAYS"]
    for status in ("sent", "skipped", "failed", "sent", "pending"):
        _message(user, status, days + 5)
    recent = _message(user, "sent", 1)
    assert purge_old_notifications() == 4
    db.session.commit()
    assert db.session.execute(select(Notification.status).where(Notification.id != recent)).scalars().all() == [
        "pending"
    ]


def test_a_purged_message_leaves_the_inbox(app, make, client):
    user = make.resident()
    days = app.config["NOTIFICATION_RETENTION_DAYS"]
    _message(user, "sent", days + 2)
    recent = _message(user, "sent", 2)
    headers = make.headers(user)
    before = body(client.get("/api/v1/notifications", headers=headers))
    assert before["total"] == 2
    purge_old_notifications()
    db.session.commit()
    after = body(client.get("/api/v1/notifications", headers=headers))
    assert (after["total"], [item["id"] for item in after["items"]]) == (1, [recent])


def test_the_purge_runs_hourly_and_commits(app, make):
    assert PERIODIC_JOBS[JOB] == 3600
    user = make.resident()
    old = _message(user, "sent", app.config["NOTIFICATION_RETENTION_DAYS"] + 1)
    module, name = JOB.rsplit(".", 1)
    assert getattr(import_module(module), name)() == 1
    db.session.rollback()
    assert db.session.get(Notification, old) is None
