"""Content security: every text one person writes for another passes WeChat's msg_sec_check first."""
import marshmallow as ma
import pytest
from apispec.ext.marshmallow import MarshmallowPlugin
from sqlalchemy import func, select

from blueprints.common import USER_KEY
from extensions import api, db
from models.audit import AuditEntry
from models.contacts import ContactMessage
from models.moderation import ModerationHold
from models.notifications import Notification
from models.requests import RequestOffer, ServiceRequest
from schemas.common import CONTENT_CHECK_MARK
from services.errors import Invalid
from tests.conftest import body
from wx.sandbox import SANDBOX_REVIEW_WORD, SANDBOX_RISKY_WORD

RISKY = f"楼道灯坏了{SANDBOX_RISKY_WORD}"
REVIEW = f"楼道灯坏了{SANDBOX_REVIEW_WORD}"

# Writable text fields of request bodies that no other person reads as written by the caller,
# each with the reason it needs no content check. Every other text field must be a SharedText.
NOT_SHARED = {
    **{(component, field): "a secret or a one-time code, read by no person"
       for component, field in (
           ("DeskLogin", "username"), ("DeskLogin", "password"), ("PasswordChange", "old_password"),
           ("PasswordChange", "new_password"), ("StaffCreate", "username"), ("StaffCreate", "password"),
           ("Liaison", "username"), ("Liaison", "password"), ("ProviderAccount", "username"),
           ("ProviderAccount", "password"), ("WxLogin", "code"), ("PhoneCode", "code"), ("Ballot", "code"),
           ("Code", "code"), ("CheckInRequest", "qr_token"), ("ActivityCheckIn", "qr_token"),
       )},
    ("CheckInRequest", "device_id"): "a device identifier compared by the server, shown to no one",
    ("Grants", "template_ids"): "WeChat template ids, checked against the configuration",
    ("Availability", "start"): "a time of day (HH:MM)",
    ("Availability", "end"): "a time of day (HH:MM)",
    ("Span", "open"): "a time of day (HH:MM)",
    ("Span", "close"): "a time of day (HH:MM)",
    ("ContactReportResolve", "note"): "the staff's note on a report, kept at the desk and sent to no one",
    # Care records hold health and hardship details of vulnerable people: they stay with the staff
    # of their scope (audited reads, PRIVACY.md) and are never sent to WeChat's servers.
    **{(component, field): "sensitive personal data kept from WeChat (PRIVACY.md)"
       for component, field in (
           ("CareTargetCreate", "name"), ("CareTargetCreate", "address"), ("CareTargetCreate", "needs"),
           ("VisitCreate", "summary"), ("VisitReject", "reason"),
       )},
    # Where a mobile Party member is and how to reach them: read only by the staff over the branch
    # (audited single reads), never published, so kept from WeChat's servers too.
    **{(component, field): "a member's whereabouts and contact details, staff-only (PRIVACY.md)"
       for component in ("BranchMember", "BranchMemberPatch")
       for field in ("current_location", "phone", "other_contact")},
}


def _openapi(client) -> dict:
    return body(client.get("/api/v1/openapi.json"))


def _resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _text_properties(spec, schema, component):
    """(component, field, screened) for every free-text string a body schema accepts."""
    if "$ref" in schema:
        component = schema["$ref"].rsplit("/", 1)[1]
    schema = _resolve(spec, schema)
    for name, prop in schema.get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        target = _resolve(spec, prop.get("items", prop)) if prop.get("type") == "array" else _resolve(spec, prop)
        if target.get("type") == "object" or "properties" in target:
            yield from _text_properties(spec, prop.get("items", prop), component)
        elif target.get("type") == "string" and "enum" not in target and "format" not in target:
            marked = CONTENT_CHECK_MARK in prop or CONTENT_CHECK_MARK in target
            yield component, name, marked


def _body_text_fields(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            for media in content.values():
                for component, field, marked in _text_properties(spec, media["schema"], None):
                    yield f"{method.upper()} {path}", component, field, marked


def test_every_writable_text_field_is_screened_or_named_as_read_only_by_its_writer(client):
    unscreened = {
        (component, field)
        for _operation, component, field, marked in _body_text_fields(_openapi(client))
        if not marked
    }
    assert unscreened - set(NOT_SHARED) == set(), "each needs shared_text(…) or a reason in NOT_SHARED"
    assert set(NOT_SHARED) - unscreened == set(), "NOT_SHARED names fields that are gone or screened now"


def _schema_classes_by_component() -> dict[str, type[ma.Schema]]:
    plugin = next(plugin for plugin in api.spec.plugins if isinstance(plugin, MarshmallowPlugin))
    return {name: key.clazz if hasattr(key, "clazz") else key[0] for key, name in plugin.converter.refs.items()}


def _risky_body(schema: ma.Schema) -> dict:
    """A body whose every screened field (nested lists included) carries risky text."""
    risky = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if CONTENT_CHECK_MARK in field.metadata:
            risky[key] = RISKY
        elif isinstance(field, ma.fields.List) and CONTENT_CHECK_MARK in field.inner.metadata:
            risky[key] = [RISKY]
    return risky


def test_every_screened_field_refuses_risky_text_while_the_body_is_loaded(app, client, make, wx):
    resident = make.user(name="写字的人")
    classes = _schema_classes_by_component()
    screened = {
        (component, field.split(".")[0])
        for _operation, component, field, marked in _body_text_fields(_openapi(client))
        if marked
    }
    assert screened, "the walk found no screened field at all"
    for component, field in sorted(screened):
        schema = classes[component]()
        risky = _risky_body(schema)
        assert field in risky, (component, field)
        with app.test_request_context("/", method="POST"):
            from flask import request

            request.environ[USER_KEY] = db.session.merge(resident)
            with pytest.raises(Invalid) as refused:
                schema.load({field: risky[field]}, partial=True)
        assert refused.value.code == "content_rejected", (component, field)
        assert "未能提交" in refused.value.message


def _write(client, scene, text):
    return client.post(
        f"/api/v1/contacts/{scene.member.id}/messages", json={"text": text}, headers=scene.headers["resident"]
    )


def test_a_risky_message_is_refused_and_nothing_is_stored(client, contact_scene, wx):
    response = _write(client, contact_scene, RISKY)
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "content_rejected"
    assert db.session.execute(select(func.count()).select_from(ContactMessage)).scalar_one() == 0
    assert wx.stats()["text_checks"] == 1


def test_a_risky_request_title_is_refused_and_no_request_exists(client, make, scene, wx):
    response = client.post(
        "/api/v1/requests",
        json={"category_id": scene["category"].id, "title": RISKY, "description": "请尽快"},
        headers=make.headers(scene["resident"]),
    )
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "content_rejected"
    assert db.session.execute(select(func.count()).select_from(ServiceRequest)).scalar_one() == 0


def _messages(client, scene, thread_id, who):
    response = client.get(f"/api/v1/threads/{thread_id}/messages", headers=scene.headers[who])
    assert response.status_code == 200, response.get_data(as_text=True)
    return body(response)["items"]


def test_a_message_under_review_is_seen_only_by_its_author_until_staff_release_it(client, contact_scene, wx):
    written = _write(client, contact_scene, REVIEW)
    assert written.status_code == 201
    assert body(written)["moderation"] == "review"
    thread_id = body(written)["thread_id"]
    assert [item["moderation"] for item in _messages(client, contact_scene, thread_id, "resident")] == ["review"]
    assert db.session.execute(select(func.count()).select_from(Notification)).scalar_one() == 0
    assert _messages(client, contact_scene, thread_id, "member") == []

    staff_headers = contact_scene.headers["staff"]
    queue = body(client.get("/api/v1/moderation?status=review", headers=staff_headers))["items"]
    assert [(hold["content"], hold["table_name"], hold["reason"]) for hold in queue] == [
        (REVIEW, "contact_messages", "review")
    ]
    released = client.post(f"/api/v1/moderation/{queue[0]['id']}/release", headers=staff_headers)
    assert released.status_code == 200 and body(released)["status"] == "released"

    assert [item["text"] for item in _messages(client, contact_scene, thread_id, "member")] == [REVIEW]
    # The member hears of the message only now that they can read it.
    announced = db.session.execute(
        select(Notification.user_id).where(Notification.event == "message_received")
    ).scalars().all()
    assert announced == [contact_scene.member.id]
    again = client.post(f"/api/v1/moderation/{queue[0]['id']}/release", headers=staff_headers)
    assert again.status_code == 409
    (entry,) = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "moderation.release_hold")
    ).scalars().all()
    assert entry.actor_id == contact_scene.staff.id
    assert entry.after[f"moderation_holds:{queue[0]['id']}"]["status"] == "released"


def test_a_removed_message_stays_hidden_and_its_text_is_gone(client, contact_scene, wx):
    thread_id = body(_write(client, contact_scene, REVIEW))["thread_id"]
    hold_id = db.session.execute(select(ModerationHold.id)).scalar_one()
    removed = client.post(f"/api/v1/moderation/{hold_id}/remove", headers=contact_scene.headers["staff"])
    assert removed.status_code == 200, removed.get_data(as_text=True)
    assert _messages(client, contact_scene, thread_id, "member") == []
    (own,) = _messages(client, contact_scene, thread_id, "resident")
    assert REVIEW not in own["text"] and own["moderation"] == "removed"


def test_staff_of_another_community_cannot_see_or_decide_a_hold(client, make, contact_scene, wx):
    _write(client, contact_scene, REVIEW)
    hold_id = db.session.execute(select(ModerationHold.id)).scalar_one()
    outsider = make.headers(make.staff(contact_scene.tree["community_b"]))
    assert body(client.get("/api/v1/moderation", headers=outsider))["items"] == []
    assert client.post(f"/api/v1/moderation/{hold_id}/release", headers=outsider).status_code == 404


def test_residents_cannot_read_the_queue(client, contact_scene):
    assert client.get("/api/v1/moderation", headers=contact_scene.headers["member"]).status_code == 403


def test_when_the_check_is_unreachable_the_text_is_held_not_published(client, contact_scene, wx):
    wx.fault("wxa/msg_sec_check", "http500")
    written = _write(client, contact_scene, "您好，楼道灯坏了")
    assert written.status_code == 201 and body(written)["moderation"] == "review"
    assert _messages(client, contact_scene, body(written)["thread_id"], "member") == []
    assert db.session.execute(select(ModerationHold.reason)).scalar_one() == "unreachable"


def test_when_the_check_is_unreachable_a_deployment_may_refuse_instead(app, client, contact_scene, wx, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_CONTENT_CHECK_UNREACHABLE", "refuse")
    wx.fault("wxa/msg_sec_check", "busy")
    written = _write(client, contact_scene, "您好，楼道灯坏了")
    assert written.status_code == 503
    assert body(written)["error"]["code"] == "content_check_unavailable"
    assert db.session.execute(select(func.count()).select_from(ContactMessage)).scalar_one() == 0


def test_a_request_under_review_is_offered_to_no_member_until_staff_release_it(client, make, scene, wx):
    created = client.post(
        "/api/v1/requests",
        json={"category_id": scene["category"].id, "title": REVIEW, "description": "请尽快"},
        headers=make.headers(scene["resident"]),
    )
    assert created.status_code == 201
    assert (body(created)["moderation"], body(created)["status"]) == ("review", "submitted")
    assert db.session.execute(select(func.count()).select_from(RequestOffer)).scalar_one() == 0

    hold_id = db.session.execute(select(ModerationHold.id)).scalar_one()
    released = client.post(f"/api/v1/moderation/{hold_id}/release", headers=make.headers(scene["staff"]))
    assert released.status_code == 200
    request = body(client.get(f"/api/v1/requests/{body(created)['id']}", headers=make.headers(scene["resident"])))
    assert request["status"] == "offered"
    assert db.session.execute(select(func.count()).select_from(RequestOffer)).scalar_one() > 0


def test_a_notification_quoting_a_held_question_waits_until_the_question_is_released(client, make, scene, wx):
    from services.notifications import claim_due
    from tests.test_requests import post, submit

    created = submit(client, make, scene)
    # Staff who also use the mini-program have an openid, so their texts are checked too.
    asker = make.staff(scene["units"]["community_a"], openid="o-staff-in-the-mini-program")
    asked = post(client, make, asker, created["id"], "ask-resident", question=f"几点方便？{SANDBOX_REVIEW_WORD}")
    assert asked.status_code == 200
    resident_headers = make.headers(scene["resident"])

    def inbox_events():
        return [item["event"] for item in body(client.get("/api/v1/notifications", headers=resident_headers))["items"]]

    assert "request_question" not in inbox_events()
    detail = f"/api/v1/requests/{created['id']}"
    assert body(client.get(detail, headers=resident_headers))["pending_question"] == "[内容审核中]"
    seen_by_asker = body(client.get(detail, headers=make.headers(asker)))
    assert (seen_by_asker["pending_question"], seen_by_asker["moderation"]) == (
        f"几点方便？{SANDBOX_REVIEW_WORD}", "review"
    )
    question = db.session.execute(
        select(Notification.id).where(Notification.event == "request_question")
    ).scalar_one()
    assert question not in claim_due()
    db.session.rollback()
    holds = db.session.execute(select(ModerationHold.table_name, ModerationHold.column_name)).all()
    assert ("service_requests", "pending_question") in holds and ("notifications", "body") in holds

    hold_id = db.session.execute(
        select(ModerationHold.id).where(ModerationHold.table_name == "service_requests")
    ).scalar_one()
    assert client.post(f"/api/v1/moderation/{hold_id}/release", headers=make.headers(scene["staff"])).status_code == 200
    assert "request_question" in inbox_events()
    assert body(client.get(detail, headers=resident_headers))["pending_question"] == f"几点方便？{SANDBOX_REVIEW_WORD}"
    assert db.session.execute(select(ModerationHold.status).distinct()).scalars().all() == ["released"]
