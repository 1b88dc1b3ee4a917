"""Resource and need lists, joint projects, branch rosters and the mass organisations behind functional branches."""
import threading

import pytest
import requests as http
from sqlalchemy import select

from extensions import db
from models.audit import AuditEntry
from models.coordination import BranchMember, JointProject
from services.orgs import add_org
from services.periods import local_today
from tests.conftest import body

UNIT = {"kind": "enterprise", "party_org_name": "某公司党支部", "address": "幸福路 8 号"}
# Community A stands here; the units are placed at growing distances north of it.
HERE = (30.0, 120.0)


@pytest.fixture
def units(make):
    units = make.tree()
    units["community_a"].lat, units["community_a"].lng = HERE
    units["functional_a"] = add_org("社区A合唱团党支部", "functional_branch", units["community_a"])
    units["mobile_a"] = add_org("社区A流动党员党支部", "mobile_member_branch", units["community_a"])
    db.session.commit()
    return units


@pytest.fixture
def street(make, units):
    return make.headers(make.staff(units["street"], role="secretary"))


def _post(client, path, headers, payload=None):
    return client.post(path, json=payload, headers=headers)


def _unit(client, headers, units, name, north_m=None):
    position = {} if north_m is None else {"lat": HERE[0] + north_m / 111_195, "lng": HERE[1]}
    response = _post(client, "/api/v1/units", headers,
                     {**UNIT, "name": name, "street_id": units["street"].id, **position})
    assert response.status_code == 201, response.get_json()
    return body(response)


def _offer(client, headers, unit, kind, title):
    response = _post(client, f"/api/v1/units/{unit['id']}/offers", headers, {"kind": kind, "title": title})
    assert response.status_code == 201, response.get_json()
    return body(response)


def _need(client, headers, community, kind="venue", title="活动场地"):
    response = _post(client, "/api/v1/needs", headers, {"community_id": community.id, "kind": kind, "title": title})
    assert response.status_code == 201, response.get_json()
    return body(response)


# --- resource and need lists ----------------------------------------------------------------------


def test_suggestions_rank_the_needs_kind_first_then_the_nearest_unit(client, make, units, street):
    near, middle, far = (_unit(client, street, units, name, metres) for name, metres in
                         (("近单位", 300), ("中单位", 1500), ("远单位", 6000)))
    unplaced = _unit(client, street, units, "未定位单位")
    far_venue = _offer(client, street, far, "venue", "远处礼堂")
    unplaced_venue = _offer(client, street, unplaced, "venue", "位置不明的会议室")
    near_skill = _offer(client, street, near, "skill", "法律咨询")
    middle_venue = _offer(client, street, middle, "venue", "活动室")
    withdrawn = _offer(client, street, near, "venue", "已撤下的场地")
    assert client.patch(f"/api/v1/offers/{withdrawn['id']}", json={"active": False}, headers=street).status_code == 200
    need = _need(client, street, units["community_a"], kind="venue")

    answer = body(client.get(f"/api/v1/needs/{need['id']}/suggestions", headers=street))
    ranked = [item["offer"]["id"] for item in answer["items"]]
    # Same kind first (nearest first, an unplaced unit after the placed ones), then the other kinds.
    assert ranked == [middle_venue["id"], far_venue["id"], unplaced_venue["id"], near_skill["id"]]
    assert [item["kind_matches"] for item in answer["items"]] == [True, True, True, False]
    assert answer["items"][0]["distance_m"] == pytest.approx(1500, rel=0.01)
    assert answer["items"][2]["distance_m"] is None


def test_suggestions_of_another_communitys_need_are_not_found(client, make, units, street):
    need = _need(client, street, units["community_b"])
    staff_a = make.headers(make.staff(units["community_a"]))
    hidden = client.get(f"/api/v1/needs/{need['id']}/suggestions", headers=staff_a)
    missing = client.get("/api/v1/needs/2147483647/suggestions", headers=staff_a)
    assert hidden.status_code == missing.status_code == 404
    assert body(hidden)["error"]["code"] == body(missing)["error"]["code"] == "need_not_found"


def test_need_belongs_to_a_community(client, units, street):
    response = _post(client, "/api/v1/needs", street,
                     {"community_id": units["street"].id, "kind": "funds", "title": "钱"})
    assert response.status_code == 422


def test_an_amount_only_for_funds(client, units, street):
    unit = _unit(client, street, units, "甲单位")
    refused = _post(client, f"/api/v1/units/{unit['id']}/offers", street,
                    {"kind": "venue", "title": "礼堂", "amount_cents": 100})
    assert refused.status_code == 422
    funds = _post(client, f"/api/v1/units/{unit['id']}/offers", street,
                  {"kind": "funds", "title": "共建资金", "amount_cents": 500000})
    assert funds.status_code == 201 and body(funds)["amount_cents"] == 500000


# --- joint projects --------------------------------------------------------------------------------


@pytest.fixture
def project(client, units, street):
    unit = _unit(client, street, units, "共建单位", 500)
    offer = _offer(client, street, unit, "venue", "礼堂")
    need = _need(client, street, units["community_a"])
    created = _post(client, "/api/v1/projects", street, {"need_id": need["id"], "title": "共建文化礼堂",
                                                        "offer_ids": [offer["id"]]})
    assert created.status_code == 201, created.get_json()
    return {"project": body(created), "need": need, "unit": unit, "offer": offer}


def test_project_names_the_units_involved_and_the_need_is_matched(client, units, street, project):
    made = project["project"]
    assert made["status"] == "planned"
    assert [(item["offer_id"], item["unit_id"]) for item in made["offers"]] == [(project["offer"]["id"],
                                                                              project["unit"]["id"])]
    unmatched = body(client.get("/api/v1/needs?unmatched=1", headers=street))
    assert project["need"]["id"] not in [item["id"] for item in unmatched["items"]]
    by_unit = body(client.get(f"/api/v1/projects?unit_id={project['unit']['id']}", headers=street))
    assert [item["id"] for item in by_unit["items"]] == [made["id"]]


def test_project_with_an_unknown_or_withdrawn_offer_is_refused(client, units, street, project):
    client.patch(f"/api/v1/offers/{project['offer']['id']}", json={"active": False}, headers=street)
    response = _post(client, "/api/v1/projects", street, {"need_id": project["need"]["id"], "title": "再建",
                                                         "offer_ids": [project["offer"]["id"], 2147483647]})
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "offer_unavailable"


def test_project_moves_only_along_its_transitions(client, street, project):
    path = f"/api/v1/projects/{project['project']['id']}"
    assert _post(client, f"{path}/finish", street, {"outcome": "跳过实施"}).status_code == 409
    assert body(_post(client, f"{path}/start", street))["status"] == "running"
    assert _post(client, f"{path}/start", street).status_code == 409
    done = _post(client, f"{path}/finish", street, {"outcome": "礼堂每周开放两次"})
    assert body(done)["status"] == "done" and body(done)["outcome"] == "礼堂每周开放两次"
    again = _post(client, f"{path}/drop", street, {"outcome": "撤销"})
    assert again.status_code == 409 and body(again)["error"]["code"] == "project_state_changed"


def test_another_communitys_project_is_not_found(client, make, units, street, project):
    staff_b = make.headers(make.staff(units["community_b"]))
    path = f"/api/v1/projects/{project['project']['id']}"
    assert client.get(path, headers=staff_b).status_code == 404
    assert _post(client, f"{path}/start", staff_b).status_code == 404
    assert body(client.get("/api/v1/projects", headers=staff_b))["total"] == 0


def test_two_staff_starting_one_project_at_once_one_wins(live_server, street, project):
    barrier, statuses = threading.Barrier(2), []

    def start():
        barrier.wait()
        statuses.append(http.post(f"{live_server}/api/v1/projects/{project['project']['id']}/start",
                                  headers=street, timeout=10).status_code)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]


def test_finishing_and_dropping_at_once_leave_one_outcome(live_server, street, project):
    path = f"{live_server}/api/v1/projects/{project['project']['id']}"
    assert http.post(f"{path}/start", headers=street, timeout=10).status_code == 200
    barrier, statuses = threading.Barrier(2), {}

    def act(action):
        barrier.wait()
        statuses[action] = http.post(f"{path}/{action}", headers=street, json={"outcome": action},
                                     timeout=10).status_code

    threads = [threading.Thread(target=act, args=(action,)) for action in ("finish", "drop")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 409]
    db.session.expire_all()
    row = db.session.get(JointProject, project["project"]["id"])
    winner = next(action for action, status in statuses.items() if status == 200)
    assert (row.status, row.outcome) == ({"finish": "done", "drop": "dropped"}[winner], winner)


def test_annual_report_counts_the_projects_done_that_year(client, make, units, street, project):
    path = f"/api/v1/projects/{project['project']['id']}"
    _post(client, f"{path}/start", street)
    _post(client, f"{path}/finish", street, {"outcome": "完成"})
    # Another project, dropped: not counted.
    other = body(_post(client, "/api/v1/projects", street, {"need_id": project["need"]["id"], "title": "未成",
                                                           "offer_ids": [project["offer"]["id"]]}))
    _post(client, f"/api/v1/projects/{other['id']}/drop", street, {"outcome": "取消"})
    report = _post(client, "/api/v1/annual-reports", street, {"org_id": units["street"].id, "year": local_today().year})
    assert body(report)["figures"]["projects_done"] == 1


# --- branch rosters -------------------------------------------------------------------------------

MOBILE = {"name": "流动党员甲", "mobile": True, "current_location": "广东省深圳市南山区", "phone": "13800138000",
          "other_contact": "微信 abc"}


def test_roster_is_for_staff_over_the_branch_only(client, make, units):
    staff_a = make.headers(make.staff(units["community_a"]))
    added = _post(client, f"/api/v1/branches/{units['mobile_a'].id}/members", staff_a, MOBILE)
    assert added.status_code == 201, added.get_json()
    roster = body(client.get(f"/api/v1/branches/{units['mobile_a'].id}/members", headers=staff_a))
    # The list masks the number (the leak scan after each test checks no full one went out).
    assert [(item["name"], item["phone_masked"], item["current_location"]) for item in roster["items"]] == [
        ("流动党员甲", "138****8000", "广东省深圳市南山区")]
    assert "phone" not in roster["items"][0]

    staff_b = make.headers(make.staff(units["community_b"]))
    hidden = client.get(f"/api/v1/branches/{units['mobile_a'].id}/members", headers=staff_b)
    missing = client.get("/api/v1/branches/2147483647/members", headers=staff_b)
    assert hidden.status_code == missing.status_code == 404
    assert body(hidden)["error"]["code"] == body(missing)["error"]["code"] == "branch_not_found"
    member = make.headers(make.member(units["community_a"], units["building_a1"]))
    assert client.get(f"/api/v1/branches/{units['mobile_a'].id}/members", headers=member).status_code == 404
    patched = client.patch(f"/api/v1/branch-members/{body(added)['id']}", json={"current_location": "别处"},
                           headers=staff_b)
    assert patched.status_code == 404
    assert client.get(f"/api/v1/branch-members/{body(added)['id']}", headers=staff_b).status_code == 404


def test_one_members_full_contact_is_a_recorded_read(client, make, units):
    secretary = make.staff(units["community_a"])
    headers = make.headers(secretary)
    landline = "0755-26881234"
    added = body(_post(client, f"/api/v1/branches/{units['mobile_a'].id}/members", headers,
                       {**MOBILE, "phone": landline}))
    detail = body(client.get(f"/api/v1/branch-members/{added['id']}", headers=headers))
    assert (detail["phone"], detail["other_contact"]) == (landline, "微信 abc")
    reads = db.session.execute(
        select(AuditEntry.actor_id, AuditEntry.target_id, AuditEntry.action)
        .where(AuditEntry.kind == "read", AuditEntry.target_type == "branch_members")
    ).all()
    assert [(actor, target) for actor, target, _action in reads] == [(secretary.id, added["id"])]


def test_reading_mobile_members_contacts_is_recorded(client, make, units):
    secretary = make.staff(units["community_a"])
    headers = make.headers(secretary)
    added = body(_post(client, f"/api/v1/branches/{units['mobile_a'].id}/members", headers, MOBILE))
    _post(client, f"/api/v1/branches/{units['mobile_a'].id}/members", headers, {"name": "在册党员"})
    client.get(f"/api/v1/branches/{units['mobile_a'].id}/members", headers=headers)
    reads = db.session.execute(
        select(AuditEntry).where(AuditEntry.kind == "read", AuditEntry.target_type == "branch_members")
    ).scalars().all()
    assert [(entry.actor_id, entry.target_id) for entry in reads] == [(secretary.id, added["id"])]


def test_contact_details_only_for_mobile_members_and_a_mobile_member_has_a_place(client, make, units):
    headers = make.headers(make.staff(units["community_a"]))
    path = f"/api/v1/branches/{units['building_a1'].id}/members"
    assert _post(client, path, headers, {"name": "党员", "phone": "13800138000"}).status_code == 422
    assert _post(client, path, headers, {"name": "党员", "mobile": True}).status_code == 422
    member = body(_post(client, path, headers, MOBILE))
    settled = client.patch(f"/api/v1/branch-members/{member['id']}", json={"mobile": False}, headers=headers)
    assert body(settled)["mobile"] is False
    assert (body(settled)["phone_masked"], body(settled)["current_location"]) == (None, None)


def test_roster_only_of_a_branch(client, make, units):
    headers = make.headers(make.staff(units["community_a"]))
    response = _post(client, f"/api/v1/branches/{units['community_a'].id}/members", headers, {"name": "党员"})
    assert response.status_code == 422 and body(response)["error"]["code"] == "branch_kind"


def test_same_person_twice_on_a_roster_is_409(client, make, units):
    headers = make.headers(make.staff(units["community_a"]))
    person = make.member(units["community_a"])
    path = f"/api/v1/branches/{units['building_a1'].id}/members"
    assert _post(client, path, headers, {"name": "党员", "user_id": person.id}).status_code == 201
    assert _post(client, path, headers, {"name": "党员", "user_id": person.id}).status_code == 409


def test_mass_organisation_stands_behind_a_functional_branch_only(client, make, units):
    headers = make.headers(make.staff(units["community_a"]))
    choir = {"name": "夕阳红合唱团", "kind": "choir"}
    created = _post(client, f"/api/v1/branches/{units['functional_a'].id}/mass-organisations", headers, choir)
    assert created.status_code == 201
    assert _post(client, f"/api/v1/branches/{units['functional_a'].id}/mass-organisations", headers,
                 choir).status_code == 409
    assert _post(client, f"/api/v1/branches/{units['building_a1'].id}/mass-organisations", headers,
                 choir).status_code == 422
    listed = body(client.get(f"/api/v1/branches/{units['functional_a'].id}/mass-organisations", headers=headers))
    assert [item["name"] for item in listed["items"]] == ["夕阳红合唱团"]
    staff_b = make.headers(make.staff(units["community_b"]))
    assert client.get(f"/api/v1/branches/{units['functional_a'].id}/mass-organisations",
                      headers=staff_b).status_code == 404


def test_mobile_member_row_of_a_user_is_in_their_export_and_goes_with_erasure(client, make, units):
    headers = make.headers(make.staff(units["community_a"]))
    person = make.member(units["community_a"], units["building_a1"])
    _post(client, f"/api/v1/branches/{units['mobile_a'].id}/members", headers, {**MOBILE, "user_id": person.id})
    mine = make.headers(person)
    exported = body(client.get("/api/v1/me/export", headers=mine))
    assert [row["current_location"] for row in exported["branch_memberships"]] == ["广东省深圳市南山区"]
    assert client.delete("/api/v1/me", headers=mine).status_code == 204
    db.session.expire_all()
    left = db.session.execute(select(BranchMember).where(BranchMember.branch_id == units["mobile_a"].id)).scalars()
    assert list(left) == []


# --- correcting a need, leaving a roster ------------------------------------------------------------


def test_need_is_corrected_by_its_communitys_staff_and_keeps_its_community(client, make, units, street):
    need = _need(client, street, units["community_a"], kind="venue", title="活动场地")
    staff_a = make.headers(make.staff(units["community_a"]))
    path = f"/api/v1/needs/{need['id']}"
    corrected = client.patch(path, json={"kind": "volunteers", "title": "周末助老志愿者"}, headers=staff_a)
    assert corrected.status_code == 200, corrected.get_json()
    assert (body(corrected)["kind"], body(corrected)["title"], body(corrected)["community_id"]) == (
        "volunteers", "周末助老志愿者", units["community_a"].id)
    assert body(client.get(path, headers=staff_a))["kind"] == "volunteers"
    moved = client.patch(path, json={"community_id": units["community_b"].id}, headers=staff_a)
    assert moved.status_code == 422
    assert client.patch(path, json={"title": ""}, headers=staff_a).status_code == 422
    staff_b = make.headers(make.staff(units["community_b"]))
    hidden = client.patch(path, json={"title": "改"}, headers=staff_b)
    missing = client.patch("/api/v1/needs/2147483647", json={"title": "改"}, headers=staff_b)
    assert hidden.status_code == missing.status_code == 404
    assert body(hidden)["error"]["code"] == body(missing)["error"]["code"] == "need_not_found"
    assert body(client.get(path, headers=staff_a))["title"] == "周末助老志愿者"


def test_a_removed_member_leaves_the_roster_and_the_trail_keeps_the_row(client, make, units):
    staff_a = make.headers(make.staff(units["community_a"]))
    roster_path = f"/api/v1/branches/{units['mobile_a'].id}/members"
    leaving = body(_post(client, roster_path, staff_a, MOBILE))
    staying = body(_post(client, roster_path, staff_a, {"name": "在册党员"}))
    staff_b = make.headers(make.staff(units["community_b"]))
    hidden = client.delete(f"/api/v1/branch-members/{leaving['id']}", headers=staff_b)
    missing = client.delete("/api/v1/branch-members/2147483647", headers=staff_b)
    assert hidden.status_code == missing.status_code == 404
    assert body(hidden)["error"]["code"] == body(missing)["error"]["code"] == "branch_member_not_found"

    assert client.delete(f"/api/v1/branch-members/{leaving['id']}", headers=staff_a).status_code == 204
    roster = body(client.get(roster_path, headers=staff_a))
    assert [item["id"] for item in roster["items"]] == [staying["id"]]
    assert client.delete(f"/api/v1/branch-members/{leaving['id']}", headers=staff_a).status_code == 404
    removal = db.session.execute(
        select(AuditEntry).where(AuditEntry.target_type == "branch_members", AuditEntry.target_id == leaving["id"],
                                 AuditEntry.action.contains("delete"))
    ).scalar_one()
    row = removal.before[f"branch_members:{leaving['id']}"]
    assert (row["name"], row["current_location"], row["phone"]) == ("流动党员甲", "广东省深圳市南山区", "138****8000")
    assert f"branch_members:{leaving['id']}" not in removal.after


def test_two_staff_removing_one_member_at_once_one_removes(live_server, make, units):
    headers = make.headers(make.staff(units["community_a"]))
    member = BranchMember(branch_id=units["building_a1"].id, name="党员")
    db.session.add(member)
    db.session.commit()
    path = f"{live_server}/api/v1/branch-members/{member.id}"
    barrier, statuses = threading.Barrier(2), []

    def remove():
        barrier.wait()
        statuses.append(http.delete(path, headers=headers, timeout=10).status_code)

    threads = [threading.Thread(target=remove) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [204, 404]
