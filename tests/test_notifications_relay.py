"""The relay's side of the outbox: claiming due rows, putting back what Redis refused, recovering stale rows."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select, update

from extensions import db
from models.moderation import ModerationHold
from models.notifications import Notification
from services.notifications import STALE_QUEUED, STALE_SENDING, claim_due, notify, recover_stale, unclaim
from tests.conftest import unordered_rows_reversed

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
INTERRUPTED = "delivery_interrupted: 发送中断，结果未知，为避免重复不再重发"


@pytest.fixture
def frozen_now(monkeypatch):
    """The outbox's clock stands still at NOW."""
    monkeypatch.setattr("services.notifications.utcnow", lambda: NOW)
    return NOW


def _rows(user, count, **values) -> list[int]:
    ids = []
    for n in range(count):
        notification = notify(user.id, "request_offered", f"通知{n}")
        db.session.flush()
        ids.append(notification.id)
    if values:
        db.session.execute(update(Notification).where(Notification.id.in_(ids)).values(**values))
    db.session.commit()
    return ids


def _state(notification_id) -> tuple:
    db.session.expire_all()
    row = db.session.get(Notification, notification_id)
    return row.status, row.queued_at, row.sending_since, row.last_error


def test_claiming_queues_the_oldest_pending_rows_up_to_the_limit_and_stamps_them(make, frozen_now):
    resident = make.resident()
    ids = _rows(resident, 3)
    with unordered_rows_reversed():
        claimed = claim_due(limit=2)
    db.session.commit()
    assert claimed == ids[:2]
    assert [_state(row_id)[:2] for row_id in ids] == [("queued", NOW), ("queued", NOW), ("pending", None)]


def test_claiming_takes_two_hundred_rows_by_default(make):
    resident = make.resident()
    db.session.execute(insert(Notification), [
        {"user_id": resident.id, "event": "request_offered", "title": f"通知{n}", "body": "", "data": {}}
        for n in range(201)
    ])
    db.session.commit()
    assert len(claim_due()) == 200
    db.session.commit()
    assert db.session.execute(
        select(Notification.id).where(Notification.status == "pending")
    ).scalars().all() == [max(db.session.execute(select(Notification.id)).scalars())]


def test_claiming_skips_rows_not_pending_and_rows_quoting_a_held_text(make):
    resident = make.resident()
    [due, held, sent, failed, queued] = _rows(resident, 5)
    db.session.execute(update(Notification).where(Notification.id == sent).values(status="sent"))
    db.session.execute(update(Notification).where(Notification.id == failed).values(status="failed"))
    db.session.execute(update(Notification).where(Notification.id == queued).values(status="queued"))
    db.session.add(ModerationHold(
        table_name="notifications", row_id=held, column_name="body", content="待审核", scene=1,
        reason="review", author_id=resident.id,
    ))
    db.session.commit()
    assert claim_due() == [due]
    db.session.commit()
    assert [_state(row_id)[0] for row_id in (due, held, sent, failed, queued)] == [
        "queued", "pending", "sent", "failed", "queued",
    ]


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


def test_unclaiming_moves_only_the_rows_named_still_queued_and_not_being_sent(make):
    resident = make.resident()
    [named, sending, not_named] = _rows(resident, 3, status="queued", queued_at=NOW)
    db.session.execute(update(Notification).where(Notification.id == sending).values(sending_since=NOW))
    [sent] = _rows(resident, 1, status="sent", queued_at=NOW)
    db.session.commit()
    unclaim([named, sending, sent])
    db.session.commit()
    assert [_state(row_id)[:3] for row_id in (named, sending, not_named, sent)] == [
        ("pending", None, None), ("queued", NOW, NOW), ("queued", NOW, None), ("sent", NOW, None),
    ]


def test_a_row_queued_longer_than_the_limit_goes_back_to_pending_and_one_queued_exactly_that_long_waits(
    make, frozen_now
):
    resident = make.resident()
    [lost] = _rows(resident, 1, status="queued", queued_at=NOW - STALE_QUEUED - timedelta(microseconds=1))
    [on_the_limit] = _rows(resident, 1, status="queued", queued_at=NOW - STALE_QUEUED)
    [fresh] = _rows(resident, 1, status="queued", queued_at=NOW - timedelta(minutes=1))
    [old_pending] = _rows(resident, 1, status="pending", queued_at=NOW - timedelta(days=1))
    recover_stale()
    db.session.commit()
    assert _state(lost)[:2] == ("pending", None)
    assert _state(on_the_limit)[:2] == ("queued", NOW - STALE_QUEUED)
    assert _state(fresh)[:2] == ("queued", NOW - timedelta(minutes=1))
    assert _state(old_pending)[:2] == ("pending", NOW - timedelta(days=1))


def test_a_row_sending_longer_than_the_limit_is_closed_as_interrupted_and_never_requeued(make, frozen_now):
    resident = make.resident()
    long_ago = NOW - timedelta(days=1)
    just_past = NOW - STALE_SENDING - timedelta(microseconds=1)
    [dead] = _rows(resident, 1, status="queued", queued_at=long_ago, sending_since=just_past)
    [on_the_limit] = _rows(resident, 1, status="queued", queued_at=long_ago, sending_since=NOW - STALE_SENDING)
    [in_flight] = _rows(resident, 1, status="queued", queued_at=long_ago, sending_since=NOW - timedelta(seconds=5))
    recover_stale()
    db.session.commit()
    assert _state(dead) == ("failed", long_ago, just_past, INTERRUPTED)
    assert _state(on_the_limit) == ("queued", long_ago, NOW - STALE_SENDING, None)
    assert _state(in_flight) == ("queued", long_ago, NOW - timedelta(seconds=5), None)


def test_rows_not_pending_take_no_place_within_the_limit(make):
    resident = make.resident()
    [sent, due] = _rows(resident, 2)
    db.session.execute(update(Notification).where(Notification.id == sent).values(status="sent"))
    db.session.commit()
    assert claim_due(limit=1) == [due]


def test_a_row_another_relay_claimed_after_it_was_read_is_not_claimed_again(make):
    """On SQLite another relay claims a row between this one's read and its UPDATE; on PostgreSQL the
    rows read are locked (FOR UPDATE SKIP LOCKED), so another relay skips them instead."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    resident = make.resident()
    [taken, due] = _rows(resident, 2)
    session = db.session()
    fired, seen_by_other = [], []

    def other_relay(orm_execute_state):
        if orm_execute_state.is_update and not fired:
            fired.append(True)
            with db.engine.begin() as other:
                if postgres:
                    seen_by_other.extend(other.execute(
                        select(Notification.id)
                        .where(Notification.status == "pending")
                        .with_for_update(skip_locked=True)
                    ).scalars())
                else:
                    other.execute(update(Notification).where(Notification.id == taken).values(status="queued"))

    event.listen(session, "do_orm_execute", other_relay)
    try:
        claimed = claim_due()
    finally:
        event.remove(session, "do_orm_execute", other_relay)
    db.session.commit()
    assert fired and seen_by_other == []
    assert claimed == ([taken, due] if postgres else [due])
