"""Resident units and their liaisons, the three coordination bodies, meetings and resolutions, terms
of office and the annual work report."""
import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import requests as http
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from extensions import db
from models.base import utcnow
from models.coordination import CommunityNeed, JointProject, LeadershipTerm, Meeting, Resolution
from models.ledger import HourEntry
from models.members import Registration
from models.notifications import Notification
from models.orgs import OrgUnit
from models.requests import ServiceRequest
from services import coordination
from services.periods import local_today
from tests.conftest import body

UNIT = {"kind": "enterprise", "party_org_name": "某公司党支部", "address": "幸福路 8 号"}


@pytest.fixture
def units(make):
    return make.tree()


@pytest.fixture
def street_secretary(make, units):
    return make.staff(units["street"], role="secretary")


def _post(client, path, headers, payload=None):
    return client.post(path, json=payload, headers=headers)


def _unit(client, headers, street, name="幸福科技有限公司"):
    response = _post(client, "/api/v1/units", headers, {**UNIT, "name": name, "street_id": street.id})
    assert response.status_code == 201, response.get_json()
    return body(response)


def _liaison_headers(client, make, headers, unit_id, username="liaison1"):
    response = _post(client, f"/api/v1/units/{unit_id}/liaisons", headers,
                     {"username": username, "password": "liaison-password-1", "name": "联络员"})
    assert response.status_code == 201, response.get_json()
    login = _post(client, "/api/v1/auth/desk-login", {}, {"username": username, "password": "liaison-password-1"})
    return {"Authorization": f"Bearer {body(login)['token']}"}


# --- units and liaisons ------------------------------------------------------------------------


def test_unit_must_sit_in_a_street(client, make, units, street_secretary):
    headers = make.headers(street_secretary)
    response = _post(client, "/api/v1/units", headers,
                     {**UNIT, "name": "某单位", "street_id": units["community_a"].id})
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "unit_street_required"


def test_community_staff_read_their_streets_units_but_cannot_change_them(client, make, units, street_secretary):
    unit = _unit(client, make.headers(street_secretary), units["street"])
    community = make.headers(make.staff(units["community_a"]))
    listed = body(client.get("/api/v1/units", headers=community))
    assert [item["id"] for item in listed["items"]] == [unit["id"]]
    response = client.patch(f"/api/v1/units/{unit['id']}", json={"address": "新地址"}, headers=community)
    assert response.status_code == 404


def test_same_unit_name_twice_in_a_street_is_409(client, make, units, street_secretary):
    headers = make.headers(street_secretary)
    _unit(client, headers, units["street"])
    response = _post(client, "/api/v1/units", headers,
                     {**UNIT, "name": "幸福科技有限公司", "street_id": units["street"].id})
    assert response.status_code == 409


def test_liaison_sees_only_their_units_members(client, make, units, street_secretary):
    headers = make.headers(street_secretary)
    ours, theirs = _unit(client, headers, units["street"], "甲单位"), _unit(client, headers, units["street"], "乙单位")
    liaison = _liaison_headers(client, make, headers, ours["id"])
    member = make.member(units["community_a"], name="本单位党员")
    stranger = make.member(units["community_b"], name="外单位党员")
    db.session.execute(update(Registration).where(Registration.user_id == member.id)
                       .values(employer_unit_id=ours["id"]))
    db.session.execute(update(Registration).where(Registration.user_id == stranger.id)
                       .values(employer_unit_id=theirs["id"]))
    db.session.add(HourEntry(member_id=member.id, org_id=units["community_a"].id, source="checkin", source_id=1,
                             minutes=90, status="confirmed", confirmed_at=utcnow()))
    db.session.commit()

    listed = body(client.get(f"/api/v1/units/{ours['id']}/members", headers=liaison))
    assert [(item["name"], item["confirmed_minutes"]) for item in listed["items"]] == [("本单位党员", 90)]
    assert client.get(f"/api/v1/units/{ours['id']}/members/{member.id}/hours", headers=liaison).status_code == 200

    hidden = client.get(f"/api/v1/units/{theirs['id']}/members", headers=liaison)
    missing = client.get("/api/v1/units/2147483647/members", headers=liaison)
    assert hidden.status_code == missing.status_code == 404
    assert body(hidden)["error"]["code"] == body(missing)["error"]["code"]
    assert client.get(f"/api/v1/units/{ours['id']}/members/{stranger.id}/hours", headers=liaison).status_code == 404
    assert client.get(f"/api/v1/units/{theirs['id']}", headers=liaison).status_code == 404


def test_liaison_reaches_nothing_of_the_street(client, make, units, street_secretary):
    headers = make.headers(street_secretary)
    unit = _unit(client, headers, units["street"])
    liaison = _liaison_headers(client, make, headers, unit["id"])
    me = body(client.get("/api/v1/me", headers=liaison))
    assert me["liaison_unit_ids"] == [unit["id"]] and "staff" not in me["roles"]
    assert client.get("/api/v1/members/registrations", headers=liaison).status_code == 403
    assert client.get(f"/api/v1/orgs/{units['street'].id}", headers=liaison).status_code in (403, 404)
    assert client.get("/api/v1/units", headers=liaison).status_code == 403
    assert client.get("/api/v1/bodies", headers=liaison).status_code == 403


def test_registration_names_a_listed_unit_or_staff_link_it_later(client, make, units, street_secretary):
    unit = _unit(client, make.headers(street_secretary), units["street"])
    person = make.resident(units["community_a"])
    fields = {"community_id": units["community_a"].id, "employer_unit": "某未登记单位", "home_branch": "支部",
              "skills": [], "availability": []}
    unknown = _post(client, "/api/v1/members/registrations", make.headers(person),
                    {**fields, "employer_unit_id": 2147483647})
    assert unknown.status_code == 422
    registration = body(_post(client, "/api/v1/members/registrations", make.headers(person), fields))
    assert registration["employer_unit_id"] is None
    community = make.headers(make.staff(units["community_a"]))
    linked = _post(client, f"/api/v1/units/{unit['id']}/registrations", community,
                   {"registration_id": registration["id"]})
    assert linked.status_code == 200
    assert body(linked)["employer_unit_id"] == unit["id"]
    assert body(linked)["employer_unit"] == "某未登记单位"
    other = make.headers(make.staff(units["community_b"]))
    refused = _post(client, f"/api/v1/units/{unit['id']}/registrations", other, {"registration_id": registration["id"]})
    assert refused.status_code == 422


# --- bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "level", "wrong"), [
    ("guidance_committee", "district", "street"),
    ("coordination_committee", "street", "community_a"),
    ("joint_meeting", "community_a", "district"),
])
def test_each_body_sits_at_exactly_its_level(client, make, units, kind, level, wrong):
    headers = make.headers(make.admin())
    refused = _post(client, "/api/v1/bodies", headers, {"kind": kind, "org_id": units[wrong].id, "name": "机构"})
    assert refused.status_code == 422
    assert body(refused)["error"]["code"] == "body_level_mismatch"
    made = _post(client, "/api/v1/bodies", headers, {"kind": kind, "org_id": units[level].id, "name": "机构"})
    assert made.status_code == 201
    again = _post(client, "/api/v1/bodies", headers, {"kind": kind, "org_id": units[level].id, "name": "机构二"})
    assert again.status_code == 409


def test_a_building_cannot_hold_a_body(client, make, units):
    headers = make.headers(make.admin())
    for kind in ("guidance_committee", "coordination_committee", "joint_meeting"):
        response = _post(client, "/api/v1/bodies", headers,
                         {"kind": kind, "org_id": units["building_a1"].id, "name": "x"})
        assert response.status_code == 422


def test_another_communitys_body_is_not_found(client, make, units):
    admin = make.headers(make.admin())
    joint = body(_post(client, "/api/v1/bodies", admin,
                       {"kind": "joint_meeting", "org_id": units["community_b"].id, "name": "B 联席会"}))
    staff = make.headers(make.staff(units["community_a"]))
    assert client.get(f"/api/v1/bodies/{joint['id']}", headers=staff).status_code == 404
    assert _post(client, f"/api/v1/bodies/{joint['id']}/meetings", staff,
                 {"title": "会", "held_at": "2026-03-01T09:00:00+08:00", "agenda": []}).status_code == 404
    assert body(client.get("/api/v1/bodies", headers=staff))["total"] == 0


@pytest.fixture
def committee(client, make, units, street_secretary):
    """A street coordination committee with two member units and one meeting."""
    headers = make.headers(street_secretary)
    first, second = _unit(client, headers, units["street"], "甲单位"), _unit(client, headers, units["street"], "乙单位")
    committee = body(_post(client, "/api/v1/bodies", headers, {
        "kind": "coordination_committee", "org_id": units["street"].id, "name": "测试街道协调委员会"}))
    for unit, title in ((first, "主任委员"), (second, "委员")):
        response = _post(client, f"/api/v1/bodies/{committee['id']}/members", headers,
                         {"unit_id": unit["id"], "representative_name": "代表", "title": title})
        assert response.status_code == 201
    meeting = body(_post(client, f"/api/v1/bodies/{committee['id']}/meetings", headers, {
        "title": "第一次全体会议", "held_at": datetime.now(UTC).isoformat(), "agenda": ["通报工作", "议定事项"]}))
    return {"headers": headers, "body": committee, "units": [first, second], "meeting": meeting}


def test_meeting_records_attendance_of_member_units_only(client, make, units, committee):
    headers, meeting = committee["headers"], committee["meeting"]
    first = committee["units"][0]
    outsider = _unit(client, headers, units["street"], "非成员单位")
    refused = client.patch(f"/api/v1/meetings/{meeting['id']}", json={"attended_unit_ids": [outsider["id"]]},
                           headers=headers)
    assert refused.status_code == 422
    done = client.patch(f"/api/v1/meetings/{meeting['id']}", json={"attended_unit_ids": [first["id"]],
                                                                     "minutes": "会议纪要"}, headers=headers)
    assert body(done)["attended_unit_ids"] == [first["id"]] and body(done)["minutes"] == "会议纪要"


def test_resolution_opens_closes_once_and_shows_when_overdue(client, make, committee):
    headers, meeting = committee["headers"], committee["meeting"]
    owner = committee["units"][1]
    created = _post(client, f"/api/v1/meetings/{meeting['id']}/resolutions", headers, {
        "text": "共建社区文化广场", "owner_unit_id": owner["id"],
        "due_date": (local_today() - timedelta(days=1)).isoformat()})
    assert created.status_code == 201
    resolution = body(created)
    assert resolution["status"] == "open"
    page = body(client.get(f"/api/v1/bodies/{committee['body']['id']}", headers=headers))
    assert [item["id"] for item in page["overdue_resolutions"]] == [resolution["id"]]
    home = body(client.get("/api/v1/resolutions?overdue=1", headers=headers))
    assert [item["id"] for item in home["items"]] == [resolution["id"]]
    closed = _post(client, f"/api/v1/resolutions/{resolution['id']}/close", headers, {"outcome": "广场已建成"})
    assert body(closed)["status"] == "done" and body(closed)["outcome"] == "广场已建成"
    again = _post(client, f"/api/v1/resolutions/{resolution['id']}/close", headers, {"outcome": "再次办结"})
    assert again.status_code == 409
    assert body(client.get("/api/v1/resolutions?overdue=1", headers=headers))["total"] == 0


def test_resolution_owner_must_be_a_member_unit(client, make, units, committee):
    outsider = _unit(client, committee["headers"], units["street"], "非成员单位")
    response = _post(client, f"/api/v1/meetings/{committee['meeting']['id']}/resolutions", committee["headers"], {
        "text": "事项", "owner_unit_id": outsider["id"], "due_date": "2030-01-01"})
    assert response.status_code == 422


def test_two_staff_closing_one_resolution_at_once_one_wins(live_server, make, committee):
    meeting, owner = committee["meeting"], committee["units"][0]
    created = http.post(f"{live_server}/api/v1/meetings/{meeting['id']}/resolutions", headers=committee["headers"],
                        json={"text": "事项", "owner_unit_id": owner["id"], "due_date": "2030-01-01"},
                        timeout=10).json()
    barrier, statuses = threading.Barrier(2), []

    def close(outcome):
        barrier.wait()
        statuses.append(http.post(f"{live_server}/api/v1/resolutions/{created['id']}/close",
                                  headers=committee["headers"], json={"outcome": outcome}, timeout=10).status_code)

    threads = [threading.Thread(target=close, args=(text,)) for text in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]


def _events(event):
    return db.session.execute(
        select(Notification.user_id).where(Notification.event == event).order_by(Notification.user_id)
    ).scalars().all()


def test_resolution_reminders_go_out_once_each(client, make, units, committee):
    owner = committee["units"][0]
    liaison_headers = _liaison_headers(client, make, committee["headers"], owner["id"])
    liaison_id = body(client.get("/api/v1/me", headers=liaison_headers))["id"]
    created = body(_post(client, f"/api/v1/meetings/{committee['meeting']['id']}/resolutions", committee["headers"], {
        "text": "事项", "owner_unit_id": owner["id"], "due_date": (local_today() + timedelta(days=2)).isoformat()}))
    assert coordination.remind_resolutions() == 1
    db.session.commit()
    assert coordination.remind_resolutions() == 0
    db.session.commit()
    soon = _events("resolution_due_soon")
    assert liaison_id in soon and len(soon) == len(set(soon))
    db.session.execute(update(Resolution).where(Resolution.id == created["id"])
                       .values(due_date=local_today() - timedelta(days=1)))
    db.session.commit()
    assert coordination.remind_resolutions() == 1
    db.session.commit()
    assert coordination.remind_resolutions() == 0
    db.session.commit()
    assert _events("resolution_overdue") == soon


def test_a_closed_resolution_is_not_reminded(client, make, committee):
    created = body(_post(client, f"/api/v1/meetings/{committee['meeting']['id']}/resolutions", committee["headers"], {
        "text": "事项", "owner_unit_id": committee["units"][0]["id"],
        "due_date": (local_today() - timedelta(days=3)).isoformat()}))
    _post(client, f"/api/v1/resolutions/{created['id']}/close", committee["headers"], {"outcome": "已办"})
    assert coordination.remind_resolutions() == 0


# --- terms of office -----------------------------------------------------------------------------------


def _term(client, headers, org, post="secretary", starts=None, ends=None, holder="张书记"):
    return _post(client, "/api/v1/terms", headers, {
        "org_id": org.id, "post": post, "holder_name": holder,
        "starts_on": (starts or local_today() - timedelta(days=365)).isoformat(),
        "ends_on": (ends or local_today() + timedelta(days=365)).isoformat()})


def test_terms_only_for_street_committees_and_community_branches(client, make, units):
    headers = make.headers(make.admin())
    assert _term(client, headers, units["building_a1"]).status_code == 422
    assert _term(client, headers, units["district"]).status_code == 422
    assert _term(client, headers, units["street"]).status_code == 201
    assert _term(client, headers, units["community_a"]).status_code == 201


def test_overlapping_term_on_a_post_is_409_and_a_vacant_post_shows(client, make, units, street_secretary):
    headers = make.headers(street_secretary)
    first = body(_term(client, headers, units["street"]))
    assert _term(client, headers, units["street"], holder="李书记").status_code == 409
    seen = body(client.get(f"/api/v1/terms/leadership?org_id={units['street'].id}", headers=headers))
    posts = {post["post"]: post for post in seen["posts"]}
    assert posts["secretary"]["vacant"] is False and posts["secretary"]["term"]["holder_name"] == "张书记"
    assert posts["deputy_secretary"]["vacant"] is True
    ended = _post(client, f"/api/v1/terms/{first['id']}/end", headers, {"left_on": local_today().isoformat()})
    assert ended.status_code == 200
    assert _post(client, f"/api/v1/terms/{first['id']}/end", headers,
                 {"left_on": local_today().isoformat()}).status_code == 409
    seen = body(client.get(f"/api/v1/terms/leadership?org_id={units['street'].id}", headers=headers))
    assert {post["post"]: post["vacant"] for post in seen["posts"]}["secretary"] is True
    history = body(client.get(f"/api/v1/terms?org_id={units['street'].id}", headers=headers))
    assert [term["id"] for term in history["items"]] == [first["id"]]


def test_term_reminder_fires_once_at_each_threshold(client, make, units, street_secretary):
    headers = make.headers(street_secretary)
    term = body(_term(client, headers, units["street"], ends=local_today() + timedelta(days=80)))
    assert coordination.remind_terms() == 1
    db.session.commit()
    assert coordination.remind_terms() == 0
    db.session.commit()
    assert _events("term_ending") == [street_secretary.id]
    db.session.execute(update(LeadershipTerm).where(LeadershipTerm.id == term["id"])
                       .values(ends_on=local_today() + timedelta(days=25)))
    db.session.commit()
    assert coordination.remind_terms() == 1
    db.session.commit()
    assert coordination.remind_terms() == 0
    assert _events("term_ending") == [street_secretary.id, street_secretary.id]


def test_a_term_found_inside_30_days_gets_one_reminder(client, make, units, street_secretary):
    headers = make.headers(street_secretary)
    _term(client, headers, units["street"], ends=local_today() + timedelta(days=10))
    assert coordination.remind_terms() == 1
    db.session.commit()
    assert coordination.remind_terms() == 0
    assert len(_events("term_ending")) == 1


# --- the annual report ----------------------------------------------------------------------------------


def _year_bounds(year):
    from services.periods import local_days

    return local_days(date(year, 1, 1), date(year, 12, 31))


def test_annual_report_figures_equal_direct_counts(client, make, units, category, committee, street_secretary):
    year = local_today().year
    resident = make.resident(units["community_a"])
    member = make.member(units["community_b"])
    now = utcnow()
    last_year = now - timedelta(days=400)
    outside = make.tree()  # another street: none of its records count
    rows = [
        ServiceRequest(resident_id=resident.id, community_id=units["community_a"].id, category_id=category.id,
                       title="一", status="confirmed", assignee_id=member.id, taken_at=now - timedelta(minutes=10),
                       created_at=now - timedelta(minutes=40), sla_due_at=now),
        ServiceRequest(resident_id=resident.id, community_id=units["community_b"].id, category_id=category.id,
                       title="二", status="submitted", created_at=now - timedelta(minutes=5), sla_due_at=now),
        ServiceRequest(resident_id=resident.id, community_id=units["community_b"].id, category_id=category.id,
                       title="三", status="accepted", assignee_id=member.id, taken_at=now - timedelta(minutes=1),
                       created_at=now - timedelta(minutes=21), sla_due_at=now),
        ServiceRequest(resident_id=resident.id, community_id=units["community_a"].id, category_id=category.id,
                       title="去年", status="confirmed", created_at=last_year, sla_due_at=last_year),
        ServiceRequest(resident_id=resident.id, community_id=outside["community_a"].id, category_id=category.id,
                       title="外街道", status="submitted", created_at=now, sla_due_at=now),
        HourEntry(member_id=member.id, org_id=units["community_b"].id, source="checkin", source_id=7, minutes=50,
                  status="confirmed", confirmed_at=now),
        HourEntry(member_id=member.id, org_id=units["building_a1"].id, source="checkin", source_id=8, minutes=25,
                  status="confirmed", confirmed_at=now),
        HourEntry(member_id=member.id, org_id=units["community_b"].id, source="checkin", source_id=9, minutes=999,
                  status="pending"),
        HourEntry(member_id=member.id, org_id=outside["community_a"].id, source="checkin", source_id=10,
                  minutes=999, status="confirmed", confirmed_at=now),
    ]
    db.session.add_all(rows)
    need = CommunityNeed(community_id=units["community_b"].id, kind="venue", title="场地")
    outside_need = CommunityNeed(community_id=outside["community_a"].id, kind="venue", title="场地")
    db.session.add_all([need, outside_need])
    db.session.flush()
    db.session.add_all([
        JointProject(need_id=need.id, community_id=need.community_id, title="今年完成", status="done",
                     outcome="完成", closed_at=now),
        JointProject(need_id=need.id, community_id=need.community_id, title="去年完成", status="done",
                     outcome="完成", closed_at=last_year),
        JointProject(need_id=need.id, community_id=need.community_id, title="今年终止", status="dropped",
                     outcome="终止", closed_at=now),
        JointProject(need_id=need.id, community_id=need.community_id, title="实施中", status="running"),
        JointProject(need_id=outside_need.id, community_id=outside_need.community_id, title="外街道",
                     status="done", outcome="完成", closed_at=now),
    ])
    db.session.commit()
    resolution = body(_post(client, f"/api/v1/meetings/{committee['meeting']['id']}/resolutions", committee["headers"],
                            {"text": "事项", "owner_unit_id": committee["units"][0]["id"], "due_date": "2030-01-01"}))
    _post(client, f"/api/v1/resolutions/{resolution['id']}/close", committee["headers"], {"outcome": "已办"})

    created = _post(client, "/api/v1/annual-reports", make.headers(street_secretary),
                    {"org_id": units["street"].id, "year": year, "narrative": "一年来……"})
    assert created.status_code == 201, created.get_json()
    figures = body(created)["figures"]

    # The same figures, counted directly.
    start, end = _year_bounds(year)
    street = db.session.get(OrgUnit, units["street"].id)
    subtree = select(OrgUnit.id).where(OrgUnit.path.startswith(street.path))
    requests = db.session.execute(select(ServiceRequest).where(
        ServiceRequest.community_id.in_(subtree), ServiceRequest.created_at >= start, ServiceRequest.created_at < end
    )).scalars().all()
    assert figures["requests_total"] == len(requests) == 3
    for status in ("confirmed", "submitted", "accepted", "cancelled"):
        assert figures["requests_by_status"][status] == sum(1 for r in requests if r.status == status)
    assert figures["requests_by_category"] == [{"category_id": category.id, "name": category.name, "count": 3}]
    waits = sorted((r.taken_at - r.created_at).total_seconds() / 60 for r in requests if r.taken_at)
    assert figures["requests_taken"] == len(waits) == 2
    assert figures["response_mean_minutes"] == pytest.approx(sum(waits) / len(waits), abs=0.05)
    minutes = db.session.execute(select(func.sum(HourEntry.minutes)).where(
        HourEntry.org_id.in_(subtree), HourEntry.status == "confirmed", HourEntry.confirmed_at >= start)).scalar_one()
    assert figures["hours_confirmed_minutes"] == minutes == 75
    registered = db.session.execute(select(func.count()).select_from(Registration).where(
        Registration.community_id.in_(subtree), Registration.status == "approved")).scalar_one()
    assert figures["members_registered"] == registered == 1
    assert figures["meetings_held"] == db.session.execute(select(func.count()).select_from(Meeting)).scalar_one() == 1
    assert figures["resolutions_made"] == figures["resolutions_done"] == 1
    projects_done = db.session.execute(select(func.count()).select_from(JointProject).where(
        JointProject.community_id.in_(subtree), JointProject.status == "done",
        JointProject.closed_at >= start, JointProject.closed_at < end)).scalar_one()
    assert figures["projects_done"] == projects_done == 1


def test_annual_report_only_for_a_street_and_once_a_year(client, make, units, street_secretary):
    headers = make.headers(street_secretary)
    year = local_today().year
    assert _post(client, "/api/v1/annual-reports", headers,
                 {"org_id": units["community_a"].id, "year": year}).status_code == 422
    street_report = {"org_id": units["street"].id, "year": year}
    assert _post(client, "/api/v1/annual-reports", headers, street_report).status_code == 201
    assert _post(client, "/api/v1/annual-reports", headers, street_report).status_code == 409


def test_report_presented_at_the_committee_then_commented_answered_and_exported(client, make, units, committee):
    headers = committee["headers"]
    report = body(_post(client, "/api/v1/annual-reports", headers,
                        {"org_id": units["street"].id, "year": local_today().year, "narrative": "第一段\n第二段"}))
    assert _post(client, f"/api/v1/annual-reports/{report['id']}/comments", headers,
                 {"representative_name": "王代表", "comment": "意见"}).status_code == 409
    joint = body(_post(client, "/api/v1/bodies", headers,
                       {"kind": "joint_meeting", "org_id": units["community_a"].id, "name": "A 联席会"}))
    elsewhere = body(_post(client, f"/api/v1/bodies/{joint['id']}/meetings", headers,
                           {"title": "联席会", "held_at": "2026-03-01T09:00:00+08:00", "agenda": []}))
    wrong = _post(client, f"/api/v1/annual-reports/{report['id']}/present", headers, {"meeting_id": elsewhere["id"]})
    assert wrong.status_code == 422
    presented = _post(client, f"/api/v1/annual-reports/{report['id']}/present", headers,
                      {"meeting_id": committee["meeting"]["id"]})
    assert body(presented)["status"] == "presented"
    assert client.patch(f"/api/v1/annual-reports/{report['id']}", json={"narrative": "改"},
                        headers=headers).status_code == 409
    comment = body(_post(client, f"/api/v1/annual-reports/{report['id']}/comments", headers, {
        "representative_name": "王代表", "unit_id": committee["units"][0]["id"], "comment": "=HYPERLINK(\"x\")"}))
    answered = _post(client, f"/api/v1/report-comments/{comment['id']}/answer", headers, {"answer": "已采纳"})
    assert body(answered)["answer"] == "已采纳"
    assert _post(client, f"/api/v1/report-comments/{comment['id']}/answer", headers,
                 {"answer": "再答"}).status_code == 409

    sheet = client.get(f"/api/v1/annual-reports/{report['id']}/report.xlsx", headers=headers)
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("项目", "数值") and ("服务需求总数", 0) in rows
    document = client.get(f"/api/v1/annual-reports/{report['id']}/report.docx", headers=headers)
    assert document.status_code == 200
    text = "\n".join(paragraph.text for paragraph in Document(io.BytesIO(document.data)).paragraphs)
    assert "第二段" in text and "王代表" in text and "已采纳" in text
    other = make.headers(make.staff(units["community_b"]))
    assert client.get(f"/api/v1/annual-reports/{report['id']}/report.docx", headers=other).status_code == 404
