"""POST /api/v1/notifications/outbox/{id}/retry, and what the outbox shows staff."""
import pytest
from sqlalchemy import update

from extensions import db
from models.notifications import Notification
from services.notifications import notify
from tests.conftest import body


def _row(user, status: str, title="您的请求已有党员接单", text="帮忙修水管") -> Notification:
    notification = notify(user.id, "request_accepted", title, text, {"request_id": 7}, "pages/requests/detail?id=7")
    db.session.flush()
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id)
        .values(status=status, attempts=3, last_error="40037 invalid_template_id")
    )
    db.session.commit()
    return notification


def _retry(client, make, actor, notification):
    return client.post(f"/api/v1/notifications/outbox/{notification.id}/retry", headers=make.headers(actor))


def test_failed_row_goes_back_to_pending(client, make):
    tree = make.tree()
    row = _row(make.resident(tree["community_a"], tree["building_a1"]), "failed")
    response = _retry(client, make, make.staff(tree["community_a"]), row)
    assert response.status_code == 200
    item = body(response)
    assert item["id"] == row.id and item["status"] == "pending"
    db.session.expire_all()
    stored = db.session.get(Notification, row.id)
    assert stored.status == "pending" and stored.queued_at is None and stored.sending_since is None


def test_interrupted_row_retried_by_staff_is_sendable_again(client, make):
    tree = make.tree()
    row = _row(make.resident(tree["community_a"]), "failed")
    db.session.execute(update(Notification).where(Notification.id == row.id).values(sending_since=row.created_at))
    db.session.commit()
    assert _retry(client, make, make.admin(), row).status_code == 200
    db.session.expire_all()
    assert db.session.get(Notification, row.id).sending_since is None


@pytest.mark.parametrize("status", ["pending", "queued", "sent", "skipped"])
def test_retry_of_a_row_not_failed_answers_409(client, make, status):
    tree = make.tree()
    row = _row(make.resident(tree["community_a"]), status)
    response = _retry(client, make, make.admin(), row)
    assert response.status_code == 409
    assert body(response)["error"]["code"] == "not_failed"
    db.session.expire_all()
    assert db.session.get(Notification, row.id).status == status


def test_retry_outside_scope_answers_404(client, make):
    tree = make.tree()
    row = _row(make.resident(tree["community_b"], tree["building_b1"]), "failed")
    response = _retry(client, make, make.staff(tree["community_a"]), row)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, row.id).status == "failed"


def test_retry_of_an_unknown_row_answers_404(client, make):
    response = client.post("/api/v1/notifications/outbox/999999/retry", headers=make.headers(make.admin()))
    assert response.status_code == 404


def test_residents_cannot_retry(client, make):
    tree = make.tree()
    resident = make.resident(tree["community_a"])
    row = _row(resident, "failed")
    assert _retry(client, make, resident, row).status_code == 403


def test_outbox_item_carries_no_title_body_or_data(client, make):
    tree = make.tree()
    row = _row(make.resident(tree["community_a"], tree["building_a1"]), "failed", title="秘密标题", text="秘密正文")
    staff = make.staff(tree["community_a"])
    listed = client.get("/api/v1/notifications/outbox", headers=make.headers(staff))
    retried = _retry(client, make, staff, row)
    for item in (body(listed)["items"][0], body(retried)):
        assert not {"title", "body", "data", "page"} & set(item)
        assert {"id", "user_id", "event", "status", "attempts", "last_error", "created_at", "sent_at"} <= set(item)
    for response in (listed, retried):
        text = response.get_data(as_text=True)
        assert "秘密" not in text and "request_id" not in text


def test_retry_is_documented_in_openapi(client):
    spec = body(client.get("/api/v1/openapi.json"))
    operation = spec["paths"]["/api/v1/notifications/outbox/{notification_id}/retry"]["post"]
    assert "200" in operation["responses"]
