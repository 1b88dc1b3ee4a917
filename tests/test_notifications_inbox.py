"""notify, the inbox, reading, the staff outbox and its retry: the rules services/notifications.py keeps."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models.moderation import ModerationHold
from models.notifications import Notification
from services.notifications import notify
from tests.conftest import body

EVENT = "request_accepted"
MOMENT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _stored(notification_id) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


def _row(user, title="您的请求已有党员接单", **values) -> Notification:
    notification = notify(user.id, EVENT, title, "帮忙修水管", {"request_id": 7}, "pages/requests/detail?id=7")
    db.session.flush()
    if values:
        db.session.execute(update(Notification).where(Notification.id == notification.id).values(**values))
    db.session.commit()
    return notification


def _hold(notification, author, status="review"):
    db.session.add(ModerationHold(
        table_name="notifications", row_id=notification.id, column_name="body", content="帮忙修水管",
        scene=1, reason="review", author_id=author.id, status=status,
    ))
    db.session.commit()


def test_notify_refuses_an_event_missing_from_the_configured_vocabulary(make):
    resident = make.resident()
    with pytest.raises(ValueError, match="unknown notification event 'no_such_event'"):
        notify(resident.id, "no_such_event", "标题")


def test_a_notification_keeps_every_field_it_was_given(make):
    resident = make.resident()
    notification = notify(resident.id, EVENT, "您的请求已有党员接单", "张三接了单", {"request_id": 7}, "pages/a?id=7")
    db.session.commit()
    stored = _stored(notification.id)
    assert (stored.user_id, stored.event, stored.title, stored.body, stored.data, stored.page) == (
        resident.id, EVENT, "您的请求已有党员接单", "张三接了单", {"request_id": 7}, "pages/a?id=7"
    )
    assert (stored.status, stored.attempts, stored.read_at) == ("pending", 0, None)


def test_a_notification_without_body_data_or_page_has_an_empty_body_and_data_and_no_page(make):
    resident = make.resident()
    notification = notify(resident.id, EVENT, "您的请求已有党员接单")
    db.session.commit()
    stored = _stored(notification.id)
    assert (stored.body, stored.data, stored.page) == ("", {}, None)


def test_the_inbox_lists_newest_first_and_the_later_row_first_within_one_moment(client, make):
    resident = make.resident()
    older = _row(resident, "较早", created_at=MOMENT - timedelta(hours=1))
    tied_first = _row(resident, "同时一")
    tied_second = _row(resident, "同时二", created_at=MOMENT)
    # Dated after the second is written, so a database storing rows in the order it last wrote
    # them (PostgreSQL) holds the first after the second: only the id puts the second first.
    db.session.execute(update(Notification).where(Notification.id == tied_first.id).values(created_at=MOMENT))
    db.session.commit()
    # Written last but dated earliest: the date orders the inbox, not the id.
    oldest = _row(resident, "最早", created_at=MOMENT - timedelta(days=1))
    items = body(client.get("/api/v1/notifications", headers=make.headers(resident)))["items"]
    assert [item["id"] for item in items] == [tied_second.id, tied_first.id, older.id, oldest.id]


def test_the_inbox_leaves_out_a_notification_quoting_a_held_text_until_it_is_released(client, make):
    resident = make.resident()
    author = make.resident()
    shown = _row(resident, "正常")
    held = _row(resident, "待审核")
    _hold(held, author)
    headers = make.headers(resident)
    assert [item["id"] for item in body(client.get("/api/v1/notifications", headers=headers))["items"]] == [shown.id]
    db.session.execute(update(ModerationHold).values(status="released"))
    db.session.commit()
    listed = body(client.get("/api/v1/notifications", headers=headers))["items"]
    assert [item["id"] for item in listed] == [held.id, shown.id]


def test_reading_one_notification_leaves_the_others_unread(client, make):
    resident = make.resident()
    first = _row(resident, "一")
    second = _row(resident, "二")
    response = client.post(f"/api/v1/notifications/{first.id}/read", headers=make.headers(resident))
    assert response.status_code == 200
    assert (body(response)["id"], body(response)["read"]) == (first.id, True)
    assert _stored(second.id).read_at is None
    assert _stored(first.id).read_at is not None


def test_reading_an_unknown_notification_answers_404_with_its_message(client, make):
    response = client.post("/api/v1/notifications/999999/read", headers=make.headers(make.resident()))
    assert response.status_code == 404
    assert body(response)["error"] == {"code": "notification_not_found", "message": "通知不存在"}


def _outbox_ids(client, make, viewer, query=""):
    response = client.get(f"/api/v1/notifications/outbox{query}", headers=make.headers(viewer))
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in body(response)["items"]]


def test_the_outbox_lists_the_latest_row_first(client, make):
    tree = make.tree()
    resident = make.resident(tree["community_a"], tree["building_a1"])
    rows = [_row(resident, f"通知{n}") for n in range(3)]
    assert _outbox_ids(client, make, make.staff(tree["community_a"])) == [row.id for row in reversed(rows)]


def test_staff_of_a_building_see_the_rows_of_the_residents_of_that_building_only(client, make):
    tree = make.tree()
    in_building = _row(make.resident(tree["community_a"], tree["building_a1"]))
    _row(make.resident(tree["community_a"], tree["building_a2"]))
    _row(make.resident(tree["community_a"]))
    assert _outbox_ids(client, make, make.staff(tree["building_a1"])) == [in_building.id]


def test_staff_of_a_community_see_the_rows_of_its_residents_without_a_building(client, make):
    tree = make.tree()
    no_building = _row(make.resident(tree["community_a"]))
    with_building = _row(make.resident(tree["community_a"], tree["building_a2"]))
    _row(make.resident(tree["community_b"]))
    assert _outbox_ids(client, make, make.staff(tree["community_a"])) == [with_building.id, no_building.id]


def test_an_admin_sees_the_rows_of_people_without_any_community(client, make):
    homeless = _row(make.resident())
    assert _outbox_ids(client, make, make.admin()) == [homeless.id]


def test_retrying_answers_the_row_asked_for_and_leaves_the_other_failed_rows_failed(client, make):
    tree = make.tree()
    resident = make.resident(tree["community_a"], tree["building_a1"])
    first = _row(resident, "一", status="failed", last_error="40037 invalid_template_id")
    second = _row(resident, "二", status="failed", queued_at=MOMENT, sending_since=MOMENT)
    third = _row(resident, "三", status="failed")
    response = client.post(
        f"/api/v1/notifications/outbox/{second.id}/retry", headers=make.headers(make.staff(tree["community_a"]))
    )
    assert response.status_code == 200
    assert (body(response)["id"], body(response)["status"]) == (second.id, "pending")
    retried = _stored(second.id)
    assert (retried.status, retried.queued_at, retried.sending_since) == ("pending", None, None)
    assert [_stored(row.id).status for row in (first, third)] == ["failed", "failed"]


def test_retrying_a_row_not_failed_answers_409_with_its_message(client, make):
    row = _row(make.resident(), status="sent")
    response = client.post(f"/api/v1/notifications/outbox/{row.id}/retry", headers=make.headers(make.admin()))
    assert response.status_code == 409
    assert body(response)["error"] == {"code": "not_failed", "message": "只有发送失败的通知可以重发"}


def test_retrying_a_row_out_of_reach_answers_404_with_its_message(client, make):
    tree = make.tree()
    row = _row(make.resident(tree["community_b"]), status="failed")
    response = client.post(
        f"/api/v1/notifications/outbox/{row.id}/retry", headers=make.headers(make.staff(tree["community_a"]))
    )
    assert response.status_code == 404
    assert body(response)["error"] == {"code": "notification_not_found", "message": "通知不存在"}
    assert db.session.execute(select(Notification.status)).scalar_one() == "failed"
