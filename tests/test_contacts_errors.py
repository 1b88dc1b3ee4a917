"""楼院联系: every refusal answers its own status, code and Chinese message (the whole error body)."""
from sqlalchemy import select

from extensions import db
from models.contacts import ContactMessage, ContactReport
from schemas.common import MAX_ID
from tests.conftest import body


def _error(response) -> tuple[int, dict]:
    return response.status_code, body(response)["error"]


def _write(client, scene, member=None, headers=None, text="您好，楼道灯坏了"):
    return client.post(
        f"/api/v1/contacts/{(member or scene.member).id}/messages", json={"text": text},
        headers=headers or scene.headers["resident"],
    )


def _thread_id(client, scene) -> int:
    response = _write(client, scene)
    assert response.status_code == 201
    return body(response)["thread_id"]


def _answer(client, scene, thread_id, text="马上来") -> dict:
    response = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"text": text}, headers=scene.headers["member"]
    )
    assert response.status_code == 201
    return body(response)


def test_a_person_without_a_community_is_asked_to_set_one_with_422_home_required(client, make, contact_scene):
    homeless = make.resident()
    assert _error(client.get("/api/v1/contacts", headers=make.headers(homeless))) == (
        422, {"code": "home_required", "message": "请先设置所在社区"}
    )


def test_an_unconfirmed_home_answers_403_home_unconfirmed_with_its_message(client, make, contact_scene):
    tree = contact_scene.tree
    claimed = make.resident(tree["community_a"], tree["building_a1"], home_confirmed_at=None)
    assert _error(client.get("/api/v1/contacts", headers=make.headers(claimed))) == (
        403, {"code": "home_unconfirmed", "message": "您的住址尚待社区工作人员确认，确认后可查看联系党员"}
    )


def test_an_org_in_scope_that_is_no_building_answers_404_building_not_found(client, contact_scene):
    community = contact_scene.tree["community_a"]
    expected = (404, {"code": "building_not_found", "message": "楼院不存在"})
    staff = contact_scene.headers["staff"]
    assert _error(client.get(f"/api/v1/buildings/{community.id}/contacts", headers=staff)) == expected
    added = client.post(
        f"/api/v1/buildings/{community.id}/contacts", json={"member_id": contact_scene.member.id}, headers=staff
    )
    assert _error(added) == expected


def test_assigning_a_member_of_another_community_answers_422_with_its_message(client, make, contact_scene):
    outsider = make.member(contact_scene.tree["community_b"], contact_scene.tree["building_b1"])
    response = client.post(
        f"/api/v1/buildings/{contact_scene.tree['building_a1'].id}/contacts", json={"member_id": outsider.id},
        headers=contact_scene.headers["staff"],
    )
    assert _error(response) == (422, {"code": "member_not_in_community", "message": "该党员不是本社区已报到的在职党员"})


def test_removing_a_member_who_does_not_serve_the_building_answers_404_contact_not_found(client, contact_scene):
    response = client.delete(
        f"/api/v1/buildings/{contact_scene.tree['building_a1'].id}/contacts/{contact_scene.other_member.id}",
        headers=contact_scene.headers["staff"],
    )
    assert _error(response) == (404, {"code": "contact_not_found", "message": "该党员不是本楼院的联系党员"})


def test_the_served_buildings_are_for_approved_members_only_403_member_only(client, contact_scene):
    response = client.get("/api/v1/contacts/served", headers=contact_scene.headers["resident"])
    assert _error(response) == (403, {"code": "member_only", "message": "仅限已报到的在职党员使用"})


def test_writing_to_someone_who_does_not_serve_you_answers_404_with_its_message(client, contact_scene):
    response = _write(client, contact_scene, member=contact_scene.other_member)
    assert _error(response) == (404, {"code": "contact_not_found", "message": "联系人不存在"})


def test_a_thread_of_others_answers_404_thread_not_found_with_its_message(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    expected = (404, {"code": "thread_not_found", "message": "会话不存在"})
    assert _error(client.get(f"/api/v1/threads/{thread_id}/messages", headers=contact_scene.headers["stranger"])) == (
        expected
    )
    assert _error(client.get(f"/api/v1/threads/{MAX_ID}/messages", headers=contact_scene.headers["resident"])) == (
        expected
    )


def test_a_resident_whose_member_stopped_serving_answers_403_contact_ended(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    contacts = f"/api/v1/buildings/{contact_scene.tree['building_a1'].id}/contacts"
    staff = contact_scene.headers["staff"]
    assert client.post(contacts, json={"member_id": contact_scene.other_member.id}, headers=staff).status_code == 201
    assert client.delete(f"{contacts}/{contact_scene.member.id}", headers=staff).status_code == 204
    response = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"text": "在吗"}, headers=contact_scene.headers["resident"]
    )
    assert _error(response) == (
        403, {"code": "contact_ended", "message": "该党员已不再联系您的楼院，请在联系人中选择其他党员"}
    )


def test_a_blocked_resident_is_told_403_blocked_with_its_message(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    assert client.post(f"/api/v1/threads/{thread_id}/block", headers=contact_scene.headers["member"]).status_code == 200
    assert _error(_write(client, contact_scene)) == (403, {"code": "blocked", "message": "对方已拒收您的消息"})


def test_the_blocked_member_may_still_write_in_the_thread(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    assert client.post(f"/api/v1/threads/{thread_id}/block", headers=contact_scene.headers["member"]).status_code == 200
    assert _answer(client, contact_scene, thread_id, "已收到，不再回复")["text"] == "已收到，不再回复"


def test_member_only_thread_actions_answer_403_member_only_to_the_resident(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    expected = (403, {"code": "member_only", "message": "只有被联系的党员可以执行此操作"})
    for action in ("block", "unblock", "reveal-phone"):
        response = client.post(f"/api/v1/threads/{thread_id}/{action}", headers=contact_scene.headers["resident"])
        assert _error(response) == expected, action


def test_blocking_twice_and_unblocking_an_unblocked_thread_answer_409_with_their_messages(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    member = contact_scene.headers["member"]
    assert _error(client.post(f"/api/v1/threads/{thread_id}/unblock", headers=member)) == (
        409, {"code": "not_blocked", "message": "该居民未被拒收"}
    )
    assert client.post(f"/api/v1/threads/{thread_id}/block", headers=member).status_code == 200
    assert _error(client.post(f"/api/v1/threads/{thread_id}/block", headers=member)) == (
        409, {"code": "already_blocked", "message": "已拒收该居民的消息"}
    )


def test_a_member_without_a_phone_number_cannot_reveal_one_422_phone_missing(client, make, contact_scene):
    member = make.member(contact_scene.tree["community_a"], contact_scene.tree["building_a1"])
    thread_id = body(_write(client, contact_scene, member=member))["thread_id"]
    response = client.post(f"/api/v1/threads/{thread_id}/reveal-phone", headers=make.headers(member))
    assert _error(response) == (422, {"code": "phone_missing", "message": "请先绑定手机号"})
    assert db.session.execute(select(ContactMessage.kind)).scalars().all() == ["text"]


def test_only_the_resident_reports_a_message_403_resident_only(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    resident_message = db.session.execute(select(ContactMessage.id)).scalar_one()
    response = client.post(
        f"/api/v1/threads/{thread_id}/messages/{resident_message}/report", json={"reason": "骚扰"},
        headers=contact_scene.headers["member"],
    )
    assert _error(response) == (403, {"code": "resident_only", "message": "只有居民可以举报消息"})


def test_reporting_a_message_not_of_the_member_in_this_thread_answers_404_message_not_found(
    client, make, contact_scene
):
    thread_id = _thread_id(client, contact_scene)
    own = db.session.execute(select(ContactMessage.id)).scalar_one()
    # A member's message in the resident's other thread: it exists, but not in this thread.
    second = make.member(contact_scene.tree["community_a"], contact_scene.tree["building_a1"])
    other_thread = body(_write(client, contact_scene, member=second))["thread_id"]
    elsewhere = body(client.post(
        f"/api/v1/threads/{other_thread}/messages", json={"text": "别处的回复"}, headers=make.headers(second)
    ))["id"]
    expected = (404, {"code": "message_not_found", "message": "消息不存在"})
    for message_id in (own, elsewhere, MAX_ID):
        response = client.post(
            f"/api/v1/threads/{thread_id}/messages/{message_id}/report", json={"reason": "骚扰"},
            headers=contact_scene.headers["resident"],
        )
        assert _error(response) == expected, message_id
    assert db.session.execute(select(ContactReport.id)).all() == []


def test_a_revealed_number_cannot_be_reported_422_not_reportable(client, make, contact_scene):
    landline = "0531-88881234"  # not a mobile number: the transcript's leak scan stays quiet
    member = make.member(contact_scene.tree["community_a"], contact_scene.tree["building_a1"], phone=landline)
    thread_id = body(_write(client, contact_scene, member=member))["thread_id"]
    revealed = client.post(f"/api/v1/threads/{thread_id}/reveal-phone", headers=make.headers(member))
    assert revealed.status_code == 201
    response = client.post(
        f"/api/v1/threads/{thread_id}/messages/{body(revealed)['id']}/report", json={"reason": "骚扰"},
        headers=contact_scene.headers["resident"],
    )
    assert _error(response) == (422, {"code": "not_reportable", "message": "该消息不能举报"})


def test_reporting_a_message_twice_answers_409_already_reported(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    answer = _answer(client, contact_scene, thread_id)
    url = f"/api/v1/threads/{thread_id}/messages/{answer['id']}/report"
    assert client.post(url, json={"reason": "骚扰"}, headers=contact_scene.headers["resident"]).status_code == 201
    again = client.post(url, json={"reason": "再次"}, headers=contact_scene.headers["resident"])
    assert _error(again) == (409, {"code": "already_reported", "message": "您已举报过这条消息"})


def test_a_missing_report_and_a_decided_one_answer_with_their_messages(client, contact_scene):
    thread_id = _thread_id(client, contact_scene)
    answer = _answer(client, contact_scene, thread_id)
    report = body(client.post(
        f"/api/v1/threads/{thread_id}/messages/{answer['id']}/report", json={"reason": "骚扰"},
        headers=contact_scene.headers["resident"],
    ))
    staff = contact_scene.headers["staff"]

    def resolve(report_id):
        return client.post(
            f"/api/v1/contacts/reports/{report_id}/resolve", json={"outcome": "upheld", "note": "已核实"}, headers=staff
        )

    assert _error(resolve(MAX_ID)) == (404, {"code": "report_not_found", "message": "举报不存在"})
    assert resolve(report["id"]).status_code == 200
    assert _error(resolve(report["id"])) == (409, {"code": "report_handled", "message": "该举报已处理"})
