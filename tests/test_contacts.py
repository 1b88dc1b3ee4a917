"""楼院联系: who serves whom, threads for the two parties only, blocks, reports, phone privacy."""
from sqlalchemy import select

from extensions import db
from models.contacts import ContactMessage, PhoneReveal
from models.notifications import Notification
from models.users import User
from services.demo import MEMBERS
from tests.conftest import body


def _write(client, scene, text="您好，楼道灯坏了", member=None, headers=None):
    member_id = (member or scene.member).id
    return client.post(
        f"/api/v1/contacts/{member_id}/messages", json={"text": text}, headers=headers or scene.headers["resident"]
    )


def _thread_id(client, scene):
    response = _write(client, scene)
    assert response.status_code == 201
    return body(response)["thread_id"]


def test_resident_sees_the_member_of_their_building_with_a_masked_phone(client, contact_scene):
    response = client.get("/api/v1/contacts", headers=contact_scene.headers["resident"])
    assert response.status_code == 200
    items = body(response)["items"]
    assert [item["member_id"] for item in items] == [contact_scene.member.id]
    assert items[0]["phone_masked"] == "138****5678"
    assert items[0]["branch"] == "测试单位党支部"
    assert items[0]["skills"] == ["维修"]
    assert items[0]["on_duty"] is False


def test_resident_of_a_building_without_contacts_sees_the_whole_community(client, make, contact_scene):
    resident = make.resident(contact_scene.tree["community_a"], None)
    response = client.get("/api/v1/contacts", headers=make.headers(resident))
    ids = {item["member_id"] for item in body(response)["items"]}
    assert ids == {contact_scene.member.id, contact_scene.other_member.id}


def test_staff_assignment_adds_and_removal_overrides_the_registration(client, contact_scene):
    building = contact_scene.tree["building_a1"]
    staff = contact_scene.headers["staff"]
    added = client.post(
        f"/api/v1/buildings/{building.id}/contacts", json={"member_id": contact_scene.other_member.id}, headers=staff
    )
    assert added.status_code == 201
    removed = client.delete(f"/api/v1/buildings/{building.id}/contacts/{contact_scene.member.id}", headers=staff)
    assert removed.status_code == 204
    listed = client.get("/api/v1/contacts", headers=contact_scene.headers["resident"])
    assert [item["member_id"] for item in body(listed)["items"]] == [contact_scene.other_member.id]
    served = body(client.get("/api/v1/contacts/served", headers=contact_scene.headers["other_member"]))
    assert {b["id"] for b in served["buildings"]} == {building.id, contact_scene.tree["building_a2"].id}
    a1 = next(b for b in served["buildings"] if b["id"] == building.id)
    assert {"id": contact_scene.resident.id, "name": "居民甲"} in a1["residents"]


def test_staff_cannot_assign_a_member_of_another_community(client, make, contact_scene):
    outsider = make.member(contact_scene.tree["community_b"], contact_scene.tree["building_b1"])
    response = client.post(
        f"/api/v1/buildings/{contact_scene.tree['building_a1'].id}/contacts",
        json={"member_id": outsider.id},
        headers=contact_scene.headers["staff"],
    )
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "member_not_in_community"


def test_staff_outside_scope_gets_404_on_a_building(client, make, contact_scene):
    other_staff = make.staff(contact_scene.tree["community_b"])
    response = client.post(
        f"/api/v1/buildings/{contact_scene.tree['building_a1'].id}/contacts",
        json={"member_id": contact_scene.member.id},
        headers=make.headers(other_staff),
    )
    assert response.status_code == 404


def test_writing_to_a_member_who_does_not_serve_you_is_404(client, contact_scene):
    response = _write(client, contact_scene, member=contact_scene.other_member)
    assert response.status_code == 404
    assert body(response)["error"]["code"] == "contact_not_found"


def test_first_message_opens_a_thread_and_the_second_continues_it(client, contact_scene):
    first = body(_write(client, contact_scene, "第一条"))
    second = body(_write(client, contact_scene, "第二条"))
    assert first["thread_id"] == second["thread_id"]
    threads = body(client.get("/api/v1/threads", headers=contact_scene.headers["member"]))
    assert threads["total"] == 1
    assert threads["items"][0]["unread_count"] == 2
    assert threads["items"][0]["other_party"] == {"id": contact_scene.resident.id, "name": "居民甲"}


def test_once_the_member_stops_serving_the_building_only_they_can_write_on(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    building = contact_scene.tree["building_a1"]
    staff = contact_scene.headers["staff"]
    contacts = f"/api/v1/buildings/{building.id}/contacts"
    client.post(contacts, json={"member_id": contact_scene.other_member.id}, headers=staff)
    assert client.delete(f"{contacts}/{contact_scene.member.id}", headers=staff).status_code == 204
    path = f"/api/v1/threads/{thread_id}/messages"
    refused = client.post(path, json={"text": "还在吗？"}, headers=contact_scene.headers["resident"])
    assert (refused.status_code, body(refused)["error"]["code"]) == (403, "contact_ended")
    answered = client.post(path, json={"text": "已交由党员乙负责"}, headers=contact_scene.headers["member"])
    assert answered.status_code == 201
    stored = db.session.execute(select(ContactMessage.text).where(ContactMessage.thread_id == thread_id)).scalars()
    assert sorted(stored) == sorted(["您好，楼道灯坏了", "已交由党员乙负责"])


def test_member_reply_is_listed_newest_first_and_read_marks_count(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    reply = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"text": "马上来"}, headers=contact_scene.headers["member"]
    )
    assert reply.status_code == 201
    listed = body(client.get(f"/api/v1/threads/{thread_id}/messages", headers=contact_scene.headers["resident"]))
    assert [item["text"] for item in listed["items"]] == ["马上来", "您好，楼道灯坏了"]
    read = client.post(f"/api/v1/threads/{thread_id}/read", headers=contact_scene.headers["member"])
    assert body(read) == {"marked": 1}
    listed = body(client.get(f"/api/v1/threads/{thread_id}/messages", headers=contact_scene.headers["member"]))
    assert listed["items"][1]["read_at"] is not None
    assert listed["items"][0]["read_at"] is None


def test_each_message_notifies_the_other_party_without_its_text(client, contact_scene, app_context):
    thread_id = _thread_id(client, contact_scene)
    client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": "收到"}, headers=contact_scene.headers["member"])
    rows = db.session.execute(
        select(Notification).where(Notification.event == "message_received").order_by(Notification.id)
    ).scalars().all()
    assert [row.user_id for row in rows] == [contact_scene.member.id, contact_scene.resident.id]
    for row in rows:
        assert (row.title, row.page) == ("您有一条新留言", f"pages/threads/detail?id={thread_id}")
        written = repr((row.title, row.body, row.data))
        assert "楼道灯" not in written and "收到" not in written


def test_third_parties_get_404_on_a_thread(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    for who in ("stranger", "other_member", "staff"):
        headers = contact_scene.headers[who]
        assert client.get(f"/api/v1/threads/{thread_id}/messages", headers=headers).status_code == 404
        posted = client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": "插话"}, headers=headers)
        assert posted.status_code == 404
        assert client.post(f"/api/v1/threads/{thread_id}/block", headers=headers).status_code == 404
    assert body(client.get("/api/v1/threads", headers=contact_scene.headers["stranger"]))["total"] == 0


def test_markup_is_stored_and_returned_as_plain_text(client, contact_scene, app_context):
    markup = '<script>alert("x")</script><b>粗体</b>'
    response = _write(client, contact_scene, markup)
    assert response.mimetype == "application/json"
    assert body(response)["text"] == markup
    assert db.session.execute(select(ContactMessage.text)).scalar_one() == markup


def test_over_long_and_empty_messages_are_rejected(client, contact_scene):
    assert _write(client, contact_scene, "字" * 1001).status_code == 422
    assert _write(client, contact_scene, "   ").status_code == 422
    assert _write(client, contact_scene, "字" * 1000).status_code == 201


def test_idempotency_key_replays_the_first_message(client, contact_scene, app_context):
    headers = {**contact_scene.headers["resident"], "Idempotency-Key": "msg-1"}
    first = _write(client, contact_scene, headers=headers)
    again = _write(client, contact_scene, headers=headers)
    assert again.status_code == 201
    assert body(again)["id"] == body(first)["id"]
    assert len(db.session.execute(select(ContactMessage.id)).all()) == 1


def test_blocked_resident_gets_403_until_unblocked(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    blocked = client.post(f"/api/v1/threads/{thread_id}/block", headers=contact_scene.headers["member"])
    assert blocked.status_code == 200
    assert body(blocked)["blocked"] is True
    for response in (
        _write(client, contact_scene),
        client.post(
            f"/api/v1/threads/{thread_id}/messages", json={"text": "在吗"}, headers=contact_scene.headers["resident"]
        ),
    ):
        assert response.status_code == 403
        assert body(response)["error"]["code"] == "blocked"
    again = client.post(f"/api/v1/threads/{thread_id}/block", headers=contact_scene.headers["member"])
    assert again.status_code == 409
    unblocked = client.post(f"/api/v1/threads/{thread_id}/unblock", headers=contact_scene.headers["member"])
    assert unblocked.status_code == 200
    assert _write(client, contact_scene).status_code == 201


def test_resident_cannot_block_the_member(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    response = client.post(f"/api/v1/threads/{thread_id}/block", headers=contact_scene.headers["resident"])
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "member_only"


def test_reported_message_reaches_staff_in_scope_only(client, make, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    reply = body(
        client.post(
            f"/api/v1/threads/{thread_id}/messages", json={"text": "不当言论"}, headers=contact_scene.headers["member"]
        )
    )
    url = f"/api/v1/threads/{thread_id}/messages/{reply['id']}/report"
    reported = client.post(url, json={"reason": "言语骚扰"}, headers=contact_scene.headers["resident"])
    assert reported.status_code == 201
    assert client.post(url, json={"reason": "再次"}, headers=contact_scene.headers["resident"]).status_code == 409
    listed = body(client.get("/api/v1/contacts/reports", headers=contact_scene.headers["staff"]))
    assert [(r["message_text"], r["reason"]) for r in listed["items"]] == [("不当言论", "言语骚扰")]
    other_staff = make.staff(contact_scene.tree["community_b"])
    assert body(client.get("/api/v1/contacts/reports", headers=make.headers(other_staff)))["total"] == 0
    assert client.get("/api/v1/contacts/reports", headers=contact_scene.headers["resident"]).status_code == 403


def test_resident_cannot_report_their_own_message(client, contact_scene):
    sent = body(_write(client, contact_scene))
    url = f"/api/v1/threads/{sent['thread_id']}/messages/{sent['id']}/report"
    assert client.post(url, json={"reason": "误报"}, headers=contact_scene.headers["resident"]).status_code == 404


def test_no_endpoint_returns_the_members_full_phone(client, contact_scene):
    """The leak scan after this test fails on any full mobile number in a response."""
    thread_id = _thread_id(client, contact_scene)
    headers = contact_scene.headers
    client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": "好的"}, headers=headers["member"])
    for url, who in [
        ("/api/v1/contacts", "resident"),
        ("/api/v1/threads", "resident"),
        (f"/api/v1/threads/{thread_id}/messages", "resident"),
        (f"/api/v1/buildings/{contact_scene.tree['building_a1'].id}/contacts", "staff"),
        ("/api/v1/contacts/served", "member"),
    ]:
        response = client.get(url, headers=headers[who])
        assert response.status_code == 200
        assert "13812345678" not in response.get_data(as_text=True)


def test_member_reveals_their_own_number_only_by_their_own_action(client, make, contact_scene, app_context):
    # A landline keeps the reveal visible in responses without tripping the mobile-number leak scan.
    landline = "0531-88881234"
    member = make.member(contact_scene.tree["community_a"], contact_scene.tree["building_a1"], phone=landline)
    thread_id = body(_write(client, contact_scene, member=member))["thread_id"]
    before = client.get(f"/api/v1/threads/{thread_id}/messages", headers=contact_scene.headers["resident"])
    assert landline not in before.get_data(as_text=True)
    by_resident = client.post(f"/api/v1/threads/{thread_id}/reveal-phone", headers=contact_scene.headers["resident"])
    assert by_resident.status_code == 403
    revealed = client.post(f"/api/v1/threads/{thread_id}/reveal-phone", headers=make.headers(member))
    assert revealed.status_code == 201
    assert body(revealed)["kind"] == "phone"
    listed = body(client.get(f"/api/v1/threads/{thread_id}/messages", headers=contact_scene.headers["resident"]))
    assert listed["items"][0]["text"] == landline
    assert db.session.execute(select(PhoneReveal.member_id)).scalars().all() == [member.id]
    pushed = db.session.execute(
        select(Notification.body).where(Notification.user_id == contact_scene.resident.id)
    ).scalars().all()
    assert pushed == ["对方向您公开了联系电话"]


def test_revealed_mobile_number_is_the_only_sanctioned_full_number(client, contact_scene, app_context, transcript):
    thread_id = _thread_id(client, contact_scene)
    revealed = client.post(f"/api/v1/threads/{thread_id}/reveal-phone", headers=contact_scene.headers["member"])
    assert revealed.status_code == 201
    message = db.session.get(ContactMessage, body(revealed)["id"])
    assert (message.kind, message.text) == ("phone", "13812345678")
    # The member's own reveal answer is the one place a full mobile number may appear: take exactly
    # that response out of the leak scan and hand every other line back to it.
    lines = transcript.take()
    sanctioned = [line for line in lines if '"kind":"phone"' in line]
    assert len(sanctioned) == 1 and "13812345678" in sanctioned[0]
    for line in lines:
        if line not in sanctioned:
            transcript.add(line)


def test_demo_member_serves_their_own_and_an_assigned_building(app, client, make):
    app.test_cli_runner().invoke(args=["seed-demo"])
    member = db.session.execute(select(User).where(User.openid == MEMBERS[0][0])).scalar_one()
    served = body(client.get("/api/v1/contacts/served", headers=make.headers(member)))
    assert len(served["buildings"]) == 2
