"""The inbox, templates, grants and the staff outbox view."""
from sqlalchemy import select

from config import NOTIFICATION_EVENTS
from extensions import db
from models.notifications import NotificationGrant
from services.notifications import fit_template_data, notify
from tests.conftest import body


def _notify(user, event="request_offered", title="有新的服务需求", body_text="帮忙修水管"):
    notification = notify(user.id, event, title, body_text, {"request_id": 1}, "pages/request/detail?id=1")
    db.session.commit()
    return notification


def test_templates_list_every_event_for_anyone(client, app):
    response = client.get("/api/v1/notifications/templates")
    assert response.status_code == 200
    items = body(response)["items"]
    by_event = {item["event"]: item for item in items}
    assert by_event["request_offered"]["template_id"] == app.config["WECHAT_TEMPLATES"]["request_offered"]
    assert set(by_event) == set(NOTIFICATION_EVENTS) and len(items) == len(NOTIFICATION_EVENTS)
    assert all(item["title"] for item in items)


def test_inbox_pages_own_notifications_only(client, make):
    tree = make.tree()
    alice = make.resident(tree["community_a"], tree["building_a1"])
    bob = make.resident(tree["community_a"], tree["building_a1"])
    for index in range(3):
        _notify(alice, title=f"通知{index}")
    _notify(bob, title="给别人的")
    response = client.get("/api/v1/notifications?per_page=2", headers=make.headers(alice))
    page = body(response)
    assert response.status_code == 200
    assert page["total"] == 3
    assert [item["title"] for item in page["items"]] == ["通知2", "通知1"]
    assert page["items"][0]["read"] is False


def test_inbox_needs_login(client):
    assert client.get("/api/v1/notifications").status_code == 401


def test_reading_own_notification_marks_it_read(client, make):
    tree = make.tree()
    alice = make.resident(tree["community_a"])
    notification = _notify(alice)
    headers = make.headers(alice)
    response = client.post(f"/api/v1/notifications/{notification.id}/read", headers=headers)
    assert response.status_code == 200
    assert body(response)["read"] is True
    again = client.post(f"/api/v1/notifications/{notification.id}/read", headers=headers)
    assert body(again)["read_at"] == body(response)["read_at"]


def test_reading_someone_elses_notification_is_404(client, make):
    tree = make.tree()
    alice = make.resident(tree["community_a"])
    bob = make.resident(tree["community_a"])
    notification = _notify(alice)
    response = client.post(f"/api/v1/notifications/{notification.id}/read", headers=make.headers(bob))
    assert response.status_code == 404
    assert body(response)["error"]["code"] == "notification_not_found"


def test_grants_add_one_message_per_accepted_template(client, make, app):
    tree = make.tree()
    alice = make.resident(tree["community_a"])
    template_id = app.config["WECHAT_TEMPLATES"]["request_offered"]
    headers = make.headers(alice)
    client.post("/api/v1/notifications/grants", json={"template_ids": [template_id]}, headers=headers)
    response = client.post("/api/v1/notifications/grants", json={"template_ids": [template_id]}, headers=headers)
    assert response.status_code == 200
    assert body(response)["items"] == [{"template_id": template_id, "remaining": 2}]


def test_grants_for_unknown_template_are_422(client, make):
    alice = make.resident()
    response = client.post(
        "/api/v1/notifications/grants", json={"template_ids": ["tpl-nope"]}, headers=make.headers(alice)
    )
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "unknown_template"
    assert db.session.execute(select(NotificationGrant)).first() is None


def test_grants_reject_unknown_fields(client, make):
    response = client.post(
        "/api/v1/notifications/grants", json={"template_ids": [], "x": 1}, headers=make.headers(make.resident())
    )
    assert response.status_code == 422


def test_outbox_shows_staff_only_their_scope(client, make):
    tree = make.tree()
    in_scope = make.resident(tree["community_a"], tree["building_a1"])
    outside = make.resident(tree["community_b"], tree["building_b1"])
    _notify(in_scope, title="A 社区")
    _notify(outside, title="B 社区")
    staff = make.staff(tree["community_a"])
    response = client.get("/api/v1/notifications/outbox?status=pending", headers=make.headers(staff))
    items = body(response)["items"]
    assert [item["user_id"] for item in items] == [in_scope.id]
    assert items[0]["status"] == "pending" and items[0]["attempts"] == 0


def test_outbox_shows_admin_everything(client, make):
    tree = make.tree()
    residents = [make.resident(tree["community_a"], tree["building_a1"]), make.resident(tree["community_b"])]
    for resident in residents:
        _notify(resident)
    items = body(client.get("/api/v1/notifications/outbox", headers=make.headers(make.admin())))["items"]
    assert sorted(item["user_id"] for item in items) == sorted(resident.id for resident in residents)


def test_outbox_answers_delivery_fields_only_never_what_was_written(client, make):
    tree = make.tree()
    _notify(make.resident(tree["community_a"], tree["building_a1"]), title="私信内容", body_text="只给本人看")
    outbox = client.get("/api/v1/notifications/outbox", headers=make.headers(make.staff(tree["community_a"])))
    [item] = body(outbox)["items"]
    assert set(item) == {
        "id", "user_id", "event", "status", "attempts", "last_error",
        "template_id", "created_at", "queued_at", "sent_at",
    }


def test_outbox_is_forbidden_to_residents(client, make):
    response = client.get("/api/v1/notifications/outbox", headers=make.headers(make.resident()))
    assert response.status_code == 403


def test_outbox_rejects_unknown_status(client, make):
    response = client.get("/api/v1/notifications/outbox?status=lost", headers=make.headers(make.admin()))
    assert response.status_code == 422


def test_template_data_is_cut_to_wechat_limits():
    data = fit_template_data(
        {
            "thing1": "长" * 30,
            "phrase2": "六个字的状态",
            "name3": "名" * 12,
            "character_string4": "编号 ABC-123 很长" + "x" * 40,
        }
    )
    assert len(data["thing1"]["value"]) == 20
    assert len(data["phrase2"]["value"]) == 5
    assert len(data["name3"]["value"]) == 10
    assert data["character_string4"]["value"] == ("ABC-123" + "x" * 40)[:32]


def test_outbox_filters_by_event(client, make):
    tree = make.tree()
    resident = make.resident(tree["community_a"], tree["building_a1"])
    offered = _notify(resident, event="request_offered")
    handled = _notify(resident, event="contact_report_handled")
    headers = make.headers(make.staff(tree["community_a"]))

    def listed(query):
        response = client.get(f"/api/v1/notifications/outbox?{query}", headers=headers)
        assert response.status_code == 200
        return [item["id"] for item in body(response)["items"]]

    assert listed("event=contact_report_handled") == [handled.id]
    assert listed("event=request_offered&status=pending") == [offered.id]
    assert listed("event=request_offered&status=sent") == []
    assert listed("") == [handled.id, offered.id]


def test_outbox_rejects_an_unknown_event(client, make):
    response = client.get("/api/v1/notifications/outbox?event=lost_event", headers=make.headers(make.admin()))
    assert response.status_code == 422
