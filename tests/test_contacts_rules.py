"""楼院联系: who serves whom, what the cards, lists and notifications say, in detail."""
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from extensions import db
from models.base import utcnow
from models.contacts import BuildingContact, ContactMessage, ContactReport, ContactThread, PhoneReveal
from models.members import Registration
from models.notifications import Notification
from models.users import User
from services import contacts
from services.errors import Conflict
from services.orgs import add_org
from tests.conftest import body, executed_statements, unordered_rows_reversed
from tests.test_request_cost import _growth
from wx.sandbox import SANDBOX_REVIEW_WORD


class Clock:
    """The service's clock, moved by hand (whole seconds: every engine keeps them exactly)."""

    def __init__(self):
        self.now = utcnow().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, seconds=1):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("services.contacts.utcnow", clock)
    return clock


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [card["member_id"] for card in body(response)["items"]]


def _write(client, headers, member, text="您好，楼道灯坏了") -> dict:
    response = client.post(f"/api/v1/contacts/{member.id}/messages", json={"text": text}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def _reply(client, headers, thread_id, text="马上来") -> dict:
    response = client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": text}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def _set_status(user, status):
    db.session.execute(update(Registration).where(Registration.user_id == user.id).values(status=status))
    db.session.commit()


def _decide(building, member, active, by=None):
    db.session.add(BuildingContact(building_id=building.id, member_id=member.id, active=active, changed_by_id=by))
    db.session.commit()


# ---- who serves whom ----------------------------------------------------------------


def test_a_member_living_in_the_building_they_serve_is_not_their_own_contact(client, contact_scene):
    listed = body(client.get("/api/v1/contacts", headers=contact_scene.headers["member"]))
    assert [card["member_id"] for card in listed["items"]] == [contact_scene.other_member.id]


def test_a_pending_member_or_one_of_another_community_does_not_serve_the_building(client, make, contact_scene):
    tree = contact_scene.tree
    pending = make.member(tree["community_a"], tree["building_a1"])
    _set_status(pending, "pending")
    # A registration naming the building but another community (the building's parent is community A).
    make.member(tree["community_b"], tree["building_a1"])
    assert _ids(client.get("/api/v1/contacts", headers=contact_scene.headers["resident"])) == [contact_scene.member.id]
    assert _ids(client.get(
        f"/api/v1/buildings/{tree['building_a1'].id}/contacts", headers=contact_scene.headers["staff"]
    )) == [contact_scene.member.id]


def test_the_community_wide_fallback_lists_approved_members_of_that_community_only(client, make, contact_scene):
    tree = contact_scene.tree
    pending = make.member(tree["community_a"])
    _set_status(pending, "pending")
    make.member(tree["community_b"], tree["building_b1"])
    resident = make.resident(tree["community_a"], None)
    assert _ids(client.get("/api/v1/contacts", headers=make.headers(resident))) == [
        contact_scene.member.id, contact_scene.other_member.id
    ]


def test_a_building_whose_only_member_was_removed_falls_back_to_the_whole_community(client, contact_scene):
    tree = contact_scene.tree
    staff = contact_scene.headers["staff"]
    removed = client.delete(f"/api/v1/buildings/{tree['building_a1'].id}/contacts/{contact_scene.member.id}",
                            headers=staff)
    assert removed.status_code == 204
    assert _ids(client.get(f"/api/v1/buildings/{tree['building_a1'].id}/contacts", headers=staff)) == []
    assert _ids(client.get("/api/v1/contacts", headers=contact_scene.headers["resident"])) == [
        contact_scene.member.id, contact_scene.other_member.id
    ]


def test_staffs_decisions_on_one_building_do_not_touch_another(client, make, contact_scene):
    tree = contact_scene.tree
    a1, a2 = tree["building_a1"], tree["building_a2"]
    # The member of A1 assigned to A2 and removed again; the member of A2 assigned to A2 only.
    _decide(a2, contact_scene.member, active=False)
    _decide(a2, contact_scene.other_member, active=True)
    staff = contact_scene.headers["staff"]
    assert _ids(client.get(f"/api/v1/buildings/{a1.id}/contacts", headers=staff)) == [contact_scene.member.id]
    assert _ids(client.get(f"/api/v1/buildings/{a2.id}/contacts", headers=staff)) == [contact_scene.other_member.id]
    assert _ids(client.get("/api/v1/contacts", headers=contact_scene.headers["resident"])) == [contact_scene.member.id]


def test_a_removal_of_a_member_not_registered_with_the_building_ends_the_assignment(client, contact_scene):
    tree = contact_scene.tree
    a1 = tree["building_a1"]
    _decide(a1, contact_scene.other_member, active=False)
    staff = contact_scene.headers["staff"]
    assert _ids(client.get(f"/api/v1/buildings/{a1.id}/contacts", headers=staff)) == [contact_scene.member.id]


def test_contact_lists_are_in_registration_order(app_context, make, contact_scene):
    tree = contact_scene.tree
    second = make.member(tree["community_a"], tree["building_a1"])
    with unordered_rows_reversed():
        building = db.session.execute(
            contacts.building_contacts_statement(contact_scene.staff, tree["building_a1"].id)
        ).scalars().all()
        mine = db.session.execute(contacts.contacts_statement(contact_scene.resident)).scalars().all()
    assert [r.user_id for r in building] == [contact_scene.member.id, second.id]
    assert [r.user_id for r in mine] == [contact_scene.member.id, second.id]


# ---- staff's decisions --------------------------------------------------------------


def test_assigning_answers_the_members_card_and_records_who_decided_when(client, make, contact_scene, clock):
    tree = contact_scene.tree
    building = tree["building_a1"]
    added = client.post(
        f"/api/v1/buildings/{building.id}/contacts", json={"member_id": contact_scene.other_member.id},
        headers=contact_scene.headers["staff"],
    )
    assert added.status_code == 201
    assert body(added) == {
        "member_id": contact_scene.other_member.id, "name": "党员乙", "branch": "测试单位党支部", "skills": ["维修"],
        "phone_masked": None, "on_duty": False,
    }
    db.session.expire_all()
    row = db.session.execute(select(BuildingContact)).scalar_one()
    assert (row.building_id, row.member_id, row.active, row.changed_by_id, row.updated_at) == (
        building.id, contact_scene.other_member.id, True, contact_scene.staff.id, clock.now
    )
    # Removed by a colleague later, then assigned again: the one row carries the latest decision.
    colleague = make.staff(tree["community_a"])
    clock.advance()
    url = f"/api/v1/buildings/{building.id}/contacts"
    assert client.delete(f"{url}/{contact_scene.other_member.id}", headers=make.headers(colleague)).status_code == 204
    db.session.expire_all()
    row = db.session.execute(select(BuildingContact)).scalar_one()
    assert (row.active, row.changed_by_id, row.updated_at) == (False, colleague.id, clock.now)
    clock.advance()
    again = client.post(url, json={"member_id": contact_scene.other_member.id}, headers=contact_scene.headers["staff"])
    assert again.status_code == 201
    db.session.expire_all()
    row = db.session.execute(select(BuildingContact)).scalar_one()
    assert (row.active, row.changed_by_id, row.updated_at) == (True, contact_scene.staff.id, clock.now)


def test_a_decision_changes_that_members_row_for_that_building_only(client, contact_scene):
    tree = contact_scene.tree
    a1, a2 = tree["building_a1"], tree["building_a2"]
    _decide(a2, contact_scene.member, active=True)
    _decide(a1, contact_scene.other_member, active=True)
    removed = client.delete(f"/api/v1/buildings/{a1.id}/contacts/{contact_scene.member.id}",
                            headers=contact_scene.headers["staff"])
    assert removed.status_code == 204
    db.session.expire_all()
    rows = db.session.execute(
        select(BuildingContact.building_id, BuildingContact.member_id, BuildingContact.active)
    ).all()
    assert sorted(rows) == sorted([
        (a2.id, contact_scene.member.id, True),
        (a1.id, contact_scene.other_member.id, True),
        (a1.id, contact_scene.member.id, False),
    ])


def test_a_pending_member_of_the_community_cannot_be_assigned(client, make, contact_scene):
    pending = make.member(contact_scene.tree["community_a"])
    _set_status(pending, "pending")
    response = client.post(
        f"/api/v1/buildings/{contact_scene.tree['building_a1'].id}/contacts", json={"member_id": pending.id},
        headers=contact_scene.headers["staff"],
    )
    assert (response.status_code, body(response)["error"]["code"]) == (422, "member_not_in_community")


def test_removing_a_member_who_serves_another_building_only_is_404(client, contact_scene):
    response = client.delete(
        f"/api/v1/buildings/{contact_scene.tree['building_a2'].id}/contacts/{contact_scene.member.id}",
        headers=contact_scene.headers["staff"],
    )
    assert (response.status_code, body(response)["error"]["code"]) == (404, "contact_not_found")


# ---- served -------------------------------------------------------------------------


def test_served_names_each_building_with_its_confirmed_residents_but_not_the_member(client, make, contact_scene):
    tree = contact_scene.tree
    a1, a2 = tree["building_a1"], tree["building_a2"]
    neighbour = make.resident(tree["community_a"], a1, name="居民乙")
    make.resident(tree["community_a"], a1, name="自称住户", home_confirmed_at=None)
    upstairs = make.resident(tree["community_a"], a2, name="居民丙")
    make.resident(tree["community_b"], tree["building_b1"], name="别处住户")
    _decide(a2, contact_scene.member, active=True)
    served = body(client.get("/api/v1/contacts/served", headers=contact_scene.headers["member"]))
    # other_member lives in A2 too, confirmed: a resident there like any other.
    assert served == {
        "community_id": tree["community_a"].id,
        "buildings": [
            {"id": a1.id, "name": "社区A1号楼", "residents": [
                {"id": contact_scene.resident.id, "name": "居民甲"}, {"id": neighbour.id, "name": "居民乙"},
            ]},
            {"id": a2.id, "name": "社区A2号楼", "residents": [
                {"id": contact_scene.other_member.id, "name": "党员乙"}, {"id": upstairs.id, "name": "居民丙"},
            ]},
        ],
    }


def test_served_leaves_out_removed_inactive_foreign_and_non_building_decisions(client, make, contact_scene):
    tree = contact_scene.tree
    functional = add_org("社区A功能型党支部", "functional_branch", tree["community_a"])
    db.session.commit()
    _decide(tree["building_a1"], contact_scene.member, active=False)  # removed from the own building
    _decide(tree["building_a2"], contact_scene.member, active=False)
    _decide(tree["building_b1"], contact_scene.member, active=True)  # another community's building
    _decide(functional, contact_scene.member, active=True)  # no building at all
    served = body(client.get("/api/v1/contacts/served", headers=contact_scene.headers["member"]))
    assert served == {"community_id": tree["community_a"].id, "buildings": []}


def test_a_member_without_a_building_serves_only_the_buildings_staff_assigned(client, make, contact_scene):
    tree = contact_scene.tree
    member = make.member(tree["community_a"])
    _decide(tree["building_a2"], member, active=True)
    served = body(client.get("/api/v1/contacts/served", headers=make.headers(member)))
    assert [b["id"] for b in served["buildings"]] == [tree["building_a2"].id]


def test_a_pending_member_has_no_served_buildings(client, contact_scene):
    _set_status(contact_scene.member, "pending")
    response = client.get("/api/v1/contacts/served", headers=contact_scene.headers["member"])
    assert (response.status_code, body(response)["error"]["code"]) == (403, "member_only")


def test_served_names_at_most_the_limit_of_residents_the_earliest_first(client, make, contact_scene):
    tree = contact_scene.tree
    now = utcnow()
    db.session.add_all(
        User(name=f"住户{n}", openid=f"served-limit-{n}", community_id=tree["community_a"].id,
             building_id=tree["building_a1"].id, home_confirmed_at=now)
        for n in range(contacts.SERVED_RESIDENTS_LIMIT)
    )
    db.session.commit()
    served = body(client.get("/api/v1/contacts/served", headers=contact_scene.headers["member"]))
    [building] = served["buildings"]
    names = [r["name"] for r in building["residents"]]
    assert len(names) == contacts.SERVED_RESIDENTS_LIMIT
    assert names[:2] == ["居民甲", "住户0"] and names[-1] == f"住户{contacts.SERVED_RESIDENTS_LIMIT - 2}"


# ---- threads and messages -----------------------------------------------------------


def test_each_party_sees_the_thread_card_from_their_side(client, contact_scene, clock):
    scene = contact_scene
    first = _write(client, scene.headers["resident"], scene.member, "第一条")
    thread_id = first["thread_id"]
    clock.advance()
    _write(client, scene.headers["resident"], scene.member, "第二条")
    clock.advance()
    _reply(client, scene.headers["member"], thread_id)
    thread = db.session.get(ContactThread, thread_id)
    assert thread.last_message_at == clock.now
    common = {
        "id": thread_id, "resident_id": scene.resident.id, "member_id": scene.member.id, "blocked": False,
        "created_at": thread.created_at.isoformat(), "last_message_at": clock.now.isoformat(),
    }
    [resident_card] = body(client.get("/api/v1/threads", headers=scene.headers["resident"]))["items"]
    [member_card] = body(client.get("/api/v1/threads", headers=scene.headers["member"]))["items"]
    assert resident_card == {
        **common, "role": "resident", "other_party": {"id": scene.member.id, "name": "党员甲"}, "unread_count": 1,
    }
    assert member_card == {
        **common, "role": "member", "other_party": {"id": scene.resident.id, "name": "居民甲"}, "unread_count": 2,
    }


def test_threads_are_listed_by_their_latest_message_then_newest_first(client, make, contact_scene, clock):
    scene = contact_scene
    neighbours = [make.resident(scene.tree["community_a"], scene.tree["building_a1"]) for _ in range(2)]
    first = _write(client, make.headers(neighbours[0]), scene.member)["thread_id"]
    second = _write(client, make.headers(neighbours[1]), scene.member)["thread_id"]

    def listed():
        return [card["id"] for card in body(client.get("/api/v1/threads", headers=scene.headers["member"]))["items"]]

    assert listed() == [second, first]  # the same moment: the newer thread first
    clock.advance()
    _write(client, make.headers(neighbours[0]), scene.member, "又一条")
    assert listed() == [first, second]


def test_messages_of_one_moment_are_listed_newest_first_and_stamped_with_it(client, make, contact_scene, clock):
    scene = contact_scene
    second_member = make.member(scene.tree["community_a"], scene.tree["building_a1"])
    ids = [_write(client, scene.headers["resident"], scene.member, f"第{n}条")["id"] for n in range(3)]
    _write(client, scene.headers["resident"], second_member, "另一会话")  # another thread, not listed
    thread_id = db.session.get(ContactMessage, ids[0]).thread_id
    listed = body(client.get(f"/api/v1/threads/{thread_id}/messages", headers=scene.headers["resident"]))
    assert [item["id"] for item in listed["items"]] == ids[::-1]
    stamps = db.session.execute(select(ContactMessage.created_at).where(ContactMessage.id.in_(ids))).scalars().all()
    assert stamps == [clock.now] * 3


def test_marking_read_marks_the_other_partys_unread_messages_of_this_thread_once(client, make, contact_scene, clock):
    scene = contact_scene
    second_member = make.member(scene.tree["community_a"], scene.tree["building_a1"])
    thread_id = _write(client, scene.headers["resident"], scene.member, "一")["thread_id"]
    _write(client, scene.headers["resident"], scene.member, "二")
    answer = _reply(client, scene.headers["member"], thread_id)
    other = _write(client, scene.headers["resident"], second_member, "别的会话")
    clock.advance()
    marked = client.post(f"/api/v1/threads/{thread_id}/read", headers=scene.headers["member"])
    assert body(marked) == {"marked": 2}
    assert body(client.post(f"/api/v1/threads/{thread_id}/read", headers=scene.headers["member"])) == {"marked": 0}
    db.session.expire_all()
    read = dict(db.session.execute(select(ContactMessage.id, ContactMessage.read_at)).all())
    assert read[answer["id"]] is None and read[other["id"]] is None
    assert sorted(value for key, value in read.items() if value is not None) == [clock.now, clock.now]


def test_blocking_stamps_that_thread_only_and_unblocking_clears_it(client, make, contact_scene, clock):
    scene = contact_scene
    neighbour = make.resident(scene.tree["community_a"], scene.tree["building_a1"])
    thread_id = _write(client, scene.headers["resident"], scene.member)["thread_id"]
    other_thread = _write(client, make.headers(neighbour), scene.member)["thread_id"]
    blocked = client.post(f"/api/v1/threads/{thread_id}/block", headers=scene.headers["member"])
    assert body(blocked)["blocked"] is True
    db.session.expire_all()
    stamps = dict(db.session.execute(select(ContactThread.id, ContactThread.blocked_at)).all())
    assert stamps == {thread_id: clock.now, other_thread: None}
    assert _write(client, make.headers(neighbour), scene.member, "我没被拒收")["thread_id"] == other_thread
    unblocked = client.post(f"/api/v1/threads/{thread_id}/unblock", headers=scene.headers["member"])
    assert body(unblocked)["blocked"] is False
    db.session.expire_all()
    assert db.session.get(ContactThread, thread_id).blocked_at is None


def test_the_other_party_is_told_of_each_message_with_its_thread_and_id_only(client, contact_scene):
    scene = contact_scene
    sent = _write(client, scene.headers["resident"], scene.member)
    answer = _reply(client, scene.headers["member"], sent["thread_id"])
    rows = db.session.execute(select(Notification).order_by(Notification.id)).scalars().all()
    page = f"pages/threads/detail?id={sent['thread_id']}"
    assert [(r.user_id, r.event, r.title, r.body, r.data, r.page) for r in rows] == [
        (scene.member.id, "message_received", "您有一条新留言", "请打开对话查看",
         {"thread_id": sent["thread_id"], "message_id": sent["id"]}, page),
        (scene.resident.id, "message_received", "您有一条新留言", "请打开对话查看",
         {"thread_id": sent["thread_id"], "message_id": answer["id"]}, page),
    ]


def test_a_reveal_is_recorded_with_its_thread_member_and_message(client, make, contact_scene):
    landline = "0531-88881234"
    member = make.member(contact_scene.tree["community_a"], contact_scene.tree["building_a1"], phone=landline)
    sent = _write(client, contact_scene.headers["resident"], member)
    revealed = body(client.post(f"/api/v1/threads/{sent['thread_id']}/reveal-phone", headers=make.headers(member)))
    assert (revealed["kind"], revealed["text"], revealed["sender_id"]) == ("phone", landline, member.id)
    reveal = db.session.execute(select(PhoneReveal)).scalar_one()
    assert (reveal.thread_id, reveal.member_id, reveal.message_id) == (sent["thread_id"], member.id, revealed["id"])
    told = db.session.execute(
        select(Notification).where(Notification.user_id == contact_scene.resident.id)
    ).scalar_one()
    assert (told.body, told.data) == ("对方向您公开了联系电话",
                                      {"thread_id": sent["thread_id"], "message_id": revealed["id"]})


# ---- reports ------------------------------------------------------------------------


def _reported(client, scene, reason="言语骚扰", text="不当言论", thread_id=None) -> dict:
    if thread_id is None:
        thread_id = _write(client, scene.headers["resident"], scene.member)["thread_id"]
    answer = _reply(client, scene.headers["member"], thread_id, text)
    response = client.post(f"/api/v1/threads/{thread_id}/messages/{answer['id']}/report", json={"reason": reason},
                           headers=scene.headers["resident"])
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def test_a_report_tells_the_communitys_own_staff_the_start_of_the_reason(client, make, contact_scene):
    scene = contact_scene
    colleague = make.staff(scene.tree["community_a"], role="secretary")
    make.staff(scene.tree["street"])
    make.staff(scene.tree["community_b"])
    reason = "甲" * contacts.PREVIEW_LENGTH + "乙" * 10
    report = _reported(client, scene, reason=reason)
    told = db.session.execute(
        select(Notification).where(Notification.event == "contact_reported").order_by(Notification.user_id)
    ).scalars().all()
    assert [(t.user_id, t.title, t.body, t.data, t.page) for t in told] == [
        (staff_id, "居民举报了一条联系消息", "甲" * contacts.PREVIEW_LENGTH,
         {"report_id": report["id"], "thread_id": report["thread_id"]}, None)
        for staff_id in sorted([scene.staff.id, colleague.id])
    ]


def test_a_report_card_names_the_message_its_sender_and_reporter(client, contact_scene, clock):
    scene = contact_scene
    report = _reported(client, scene, reason="言语骚扰", text="不当言论")
    stored = db.session.get(ContactReport, report["id"])
    message = db.session.get(ContactMessage, report["message_id"])
    assert (stored.thread_id, stored.reporter_id, stored.community_id, stored.message_id) == (
        message.thread_id, scene.resident.id, scene.tree["community_a"].id, message.id
    )
    assert report == {
        "id": stored.id, "community_id": scene.tree["community_a"].id, "thread_id": message.thread_id,
        "message_id": message.id, "message_text": "不当言论", "message_sent_at": clock.now.isoformat(),
        "sender": {"id": scene.member.id, "name": "党员甲"}, "reporter": {"id": scene.resident.id, "name": "居民甲"},
        "reason": "言语骚扰", "created_at": stored.created_at.isoformat(), "status": "open",
        "handled_by": None, "handled_at": None, "note": None,
    }
    clock.advance()
    resolved = body(client.post(f"/api/v1/contacts/reports/{report['id']}/resolve",
                                json={"outcome": "dismissed", "note": "不构成骚扰"}, headers=scene.headers["staff"]))
    assert resolved == {
        **report, "status": "dismissed", "handled_by": {"id": scene.staff.id, "name": scene.staff.name},
        "handled_at": clock.now.isoformat(), "note": "不构成骚扰",
    }
    listed = body(client.get("/api/v1/contacts/reports", headers=scene.headers["staff"]))["items"]
    assert listed == [resolved]


def test_reports_list_open_ones_first_then_the_newest_then_the_highest_id(client, contact_scene):
    scene = contact_scene
    thread_id = _write(client, scene.headers["resident"], scene.member)["thread_id"]
    ids = [_reported(client, scene, text=f"第{n}条", thread_id=thread_id)["id"] for n in range(4)]
    moment = utcnow().replace(microsecond=0)
    # 0 is the newest; 1 and 2 of one moment; 3 decided.
    stamps = [moment + timedelta(hours=1), moment, moment, moment + timedelta(hours=2)]
    for report_id, created_at in zip(ids, stamps, strict=True):
        db.session.execute(update(ContactReport).where(ContactReport.id == report_id).values(created_at=created_at))
    db.session.commit()
    resolved = client.post(f"/api/v1/contacts/reports/{ids[3]}/resolve", json={"outcome": "upheld", "note": "属实"},
                           headers=scene.headers["staff"])
    assert resolved.status_code == 200
    listed = body(client.get("/api/v1/contacts/reports", headers=scene.headers["staff"]))
    assert [item["id"] for item in listed["items"]] == [ids[0], ids[2], ids[1], ids[3]]
    still_open = body(client.get("/api/v1/contacts/reports?status=open", headers=scene.headers["staff"]))
    assert [item["id"] for item in still_open["items"]] == [ids[0], ids[2], ids[1]]


def test_street_staff_list_the_reports_of_their_communities(client, make, contact_scene):
    report = _reported(client, contact_scene)
    street = make.headers(make.staff(contact_scene.tree["street"]))
    assert [item["id"] for item in body(client.get("/api/v1/contacts/reports", headers=street))["items"]] == [
        report["id"]
    ]


def test_resolving_decides_that_report_only_and_tells_its_reporter_the_outcome(client, contact_scene, clock):
    scene = contact_scene
    first = _reported(client, scene, text="第一条")
    second = _reported(client, scene, text="第二条", thread_id=first["thread_id"])
    resolved = client.post(f"/api/v1/contacts/reports/{first['id']}/resolve",
                           json={"outcome": "upheld", "note": "属实"}, headers=scene.headers["staff"])
    assert resolved.status_code == 200
    db.session.expire_all()
    stored = {r.id: r for r in db.session.execute(select(ContactReport)).scalars()}
    assert (stored[first["id"]].status, stored[first["id"]].handled_by_id, stored[first["id"]].handled_at,
            stored[first["id"]].handling_note) == ("upheld", scene.staff.id, clock.now, "属实")
    assert (stored[second["id"]].status, stored[second["id"]].handled_at) == ("open", None)
    told = db.session.execute(
        select(Notification).where(Notification.event == "contact_report_handled")
    ).scalar_one()
    assert (told.user_id, told.title, told.body, told.data, told.page) == (
        scene.resident.id, "您举报的留言已处理", "经社区核实，举报成立",
        {"report_id": first["id"], "thread_id": first["thread_id"], "outcome": "upheld"},
        f"pages/threads/detail?id={first['thread_id']}",
    )


# ---- moments of concurrency and held messages ---------------------------------------


def test_a_first_message_racing_another_continues_the_thread_that_won(app_context, contact_scene, monkeypatch):
    scene = contact_scene
    won = ContactThread(
        resident_id=scene.resident.id, member_id=scene.member.id, community_id=scene.resident.community_id
    )
    db.session.add(won)
    db.session.commit()
    looked_up = []
    real_find_thread = contacts.find_thread

    def not_yet_there_at_first(resident, member_id):
        # The racing request's thread commits right after this request looked for one.
        looked_up.append(member_id)
        return None if len(looked_up) == 1 else real_find_thread(resident, member_id)

    monkeypatch.setattr(contacts, "find_thread", not_yet_there_at_first)
    message = contacts.write_to_contact(scene.resident, scene.member.id, "同时发出的留言")
    db.session.commit()
    assert looked_up == [scene.member.id, scene.member.id]
    assert message.thread_id == won.id
    assert db.session.execute(select(ContactThread.id)).scalars().all() == [won.id]


def test_a_decision_a_colleague_recorded_meanwhile_is_overwritten_not_duplicated(app_context, make, contact_scene,
                                                                                   clock):
    scene = contact_scene
    building = scene.tree["building_a1"]
    colleague = make.staff(scene.tree["community_a"])
    planted = []

    def colleague_decides_right_after_the_update(state):
        # This request's UPDATE finds no row; the colleague's INSERT lands before this one's.
        if state.is_update and state.statement.table.name == "building_contacts" and not planted:
            result = state.invoke_statement()
            state.session.connection().execute(BuildingContact.__table__.insert().values(
                building_id=building.id, member_id=scene.other_member.id, active=False, changed_by_id=colleague.id,
                created_at=clock.now - timedelta(hours=1), updated_at=clock.now - timedelta(hours=1),
            ))
            planted.append(result.rowcount)
            return result
        return None

    session = db.session()
    event.listen(session, "do_orm_execute", colleague_decides_right_after_the_update)
    try:
        contacts.add_contact(scene.staff, building.id, scene.other_member.id)
        db.session.commit()
    finally:
        event.remove(session, "do_orm_execute", colleague_decides_right_after_the_update)
    assert planted == [0]
    db.session.expire_all()
    row = db.session.execute(select(BuildingContact)).scalar_one()
    assert (row.active, row.changed_by_id, row.updated_at) == (True, scene.staff.id, clock.now)


def test_a_message_held_for_review_is_not_unread_for_the_other_party(client, contact_scene, wx):
    scene = contact_scene
    held = _write(client, scene.headers["resident"], scene.member, f"楼道灯坏了{SANDBOX_REVIEW_WORD}")
    assert held["moderation"] == "review"
    _write(client, scene.headers["resident"], scene.member, "楼道灯坏了")
    [member_card] = body(client.get("/api/v1/threads", headers=scene.headers["member"]))["items"]
    assert member_card["unread_count"] == 1


def test_a_report_a_colleague_decided_meanwhile_answers_409_and_keeps_their_decision(client, make, contact_scene,
                                                                                      clock):
    scene = contact_scene
    report = _reported(client, scene)
    colleague = make.staff(scene.tree["community_a"])
    reports = ContactReport.__table__
    planted = []

    def colleague_decides_right_before_the_update(state):
        # Read as open by this request, decided by the colleague before this request's UPDATE.
        if state.is_update and state.statement.table.name == "contact_reports" and not planted:
            state.session.connection().execute(reports.update().where(reports.c.id == report["id"]).values(
                status="dismissed", handled_by_id=colleague.id, handled_at=clock.now, handling_note="同事已处理",
            ))
            planted.append(report["id"])
        return None

    session = db.session()
    event.listen(session, "do_orm_execute", colleague_decides_right_before_the_update)
    try:
        with pytest.raises(Conflict) as refused:
            contacts.resolve_report(scene.staff, report["id"], "upheld", "属实")
    finally:
        event.remove(session, "do_orm_execute", colleague_decides_right_before_the_update)
    assert planted == [report["id"]]
    assert (refused.value.code, refused.value.message) == ("report_handled", "该举报已处理")
    db.session.expire_all()
    stored = db.session.get(ContactReport, report["id"])
    assert (stored.status, stored.handled_by_id, stored.handling_note) == ("dismissed", colleague.id, "同事已处理")
    assert db.session.execute(
        select(Notification.id).where(Notification.event == "contact_report_handled")
    ).all() == []


def test_served_buildings_and_residents_are_named_in_the_order_they_were_made(app_context, make, contact_scene):
    tree = contact_scene.tree
    later = [make.resident(tree["community_a"], tree["building_a1"], name=f"后来的住户{n}") for n in range(2)]
    _decide(tree["building_a2"], contact_scene.member, active=True)
    with unordered_rows_reversed():
        served = contacts.served(contact_scene.member)
    assert [b["id"] for b in served["buildings"]] == [tree["building_a1"].id, tree["building_a2"].id]
    assert [r["id"] for r in served["buildings"][0]["residents"]] == [
        contact_scene.resident.id, *(r.id for r in later)
    ]


def test_each_threads_unread_count_is_its_own(client, make, contact_scene):
    scene = contact_scene
    neighbour = make.resident(scene.tree["community_a"], scene.tree["building_a1"])
    first = _write(client, scene.headers["resident"], scene.member)["thread_id"]
    second = _write(client, make.headers(neighbour), scene.member)["thread_id"]
    _write(client, make.headers(neighbour), scene.member, "再说一句")
    cards = body(client.get("/api/v1/threads", headers=scene.headers["member"]))["items"]
    assert {card["id"]: card["unread_count"] for card in cards} == {first: 1, second: 2}


def test_messages_are_listed_by_when_they_were_written_not_by_id(client, contact_scene, clock):
    # Two requests racing: the one stamped later may be stored first, with the lower id.
    scene = contact_scene
    stored_first = _write(client, scene.headers["resident"], scene.member, "后写的")
    stored_second = _write(client, scene.headers["resident"], scene.member, "先写的")
    db.session.execute(update(ContactMessage).where(ContactMessage.id == stored_second["id"]).values(
        created_at=clock.now - timedelta(seconds=1)
    ))
    db.session.commit()
    listed = body(client.get(f"/api/v1/threads/{stored_first['thread_id']}/messages",
                             headers=scene.headers["member"]))
    assert [item["text"] for item in listed["items"]] == ["后写的", "先写的"]


def test_messages_of_one_moment_are_listed_by_id_whatever_order_they_were_stored_in(client, contact_scene, clock):
    # The higher id stored first: PostgreSQL's index then holds the two in the other order
    # (SQLite keeps rows in id order, so there only the PostgreSQL pass can tell).
    scene = contact_scene
    thread_id = _write(client, scene.headers["resident"], scene.member)["thread_id"]
    base = db.session.execute(select(db.func.max(ContactMessage.id))).scalar_one() + 1000
    for message_id in (base + 1, base):
        db.session.add(ContactMessage(id=message_id, thread_id=thread_id, sender_id=scene.member.id, kind="text",
                                      text=f"同一刻{message_id}", created_at=clock.now + timedelta(seconds=5)))
        db.session.flush()
    db.session.commit()
    listed = body(client.get(f"/api/v1/threads/{thread_id}/messages", headers=scene.headers["resident"]))
    assert [item["id"] for item in listed["items"]][:2] == [base + 1, base]


# ---- the cards of a page: what they cost --------------------------------------------------


def _thread_with_a_new_resident(make, scene) -> tuple[ContactThread, ContactMessage]:
    community = scene.tree["community_a"]
    resident = make.resident(community, scene.tree["building_a1"])
    thread = ContactThread(resident_id=resident.id, member_id=scene.member.id, community_id=community.id)
    db.session.add(thread)
    db.session.flush()
    message = ContactMessage(thread_id=thread.id, sender_id=resident.id, kind="text", text="您好")
    db.session.add(message)
    db.session.flush()
    return thread, message


def test_a_members_thread_list_costs_the_same_statements_however_many_residents_wrote(client, make, contact_scene):
    def fill(count):
        for _ in range(count):
            _thread_with_a_new_resident(make, contact_scene)
        db.session.commit()

    few, many, answer = _growth(client, contact_scene.headers["member"], "/api/v1/threads?per_page=100", fill)
    assert few == many
    assert len(answer["items"]) == 6


def test_a_list_of_handled_reports_costs_the_same_statements_however_many_staff_handled_them(
        client, make, contact_scene):
    def fill(count):
        for _ in range(count):
            thread, message = _thread_with_a_new_resident(make, contact_scene)
            db.session.add(ContactReport(
                message_id=message.id, thread_id=thread.id, reporter_id=thread.resident_id,
                community_id=thread.community_id, reason="骚扰", status="dismissed",
                handled_by_id=make.staff(contact_scene.tree["community_a"]).id, handled_at=utcnow(),
                handling_note="不成立",
            ))
        db.session.commit()

    few, many, answer = _growth(client, contact_scene.headers["staff"], "/api/v1/contacts/reports?per_page=100", fill)
    assert few == many
    assert len({report["handled_by"]["id"] for report in answer["items"]}) == 6


def test_the_cards_of_an_empty_page_cost_no_statement(app_context, contact_scene):
    resident = contact_scene.resident
    assert resident.id
    with executed_statements() as statements:
        assert contacts.thread_cards(resident, []) == []
        assert contacts.report_cards([]) == []
        assert contacts.contact_cards([]) == []
    assert statements == []


def test_a_member_serving_no_building_is_answered_without_reading_residents(app_context, make, contact_scene):
    community = contact_scene.tree["community_a"]
    member = make.member(community)
    with executed_statements() as statements:
        assert contacts.served(member) == {"community_id": community.id, "buildings": []}
    assert statements
    assert not [statement for statement in statements if "home_confirmed_at IS NOT NULL" in statement]
