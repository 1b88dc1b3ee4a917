"""The hours ledger: corrections keep every change, and totals always equal the confirmed entries."""
import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.checkins import CheckIn
from models.ledger import HourEntry
from models.orgs import StaffScope
from services import ledger
from services.errors import Conflict, Forbidden
from services.stations import qr_token
from tests.conftest import body, executed_statements
from tests.fixtures.members import CENTRE

_source_ids = itertools.count(1)


@pytest.fixture
def people(make):
    units = make.tree()
    return {
        "units": units,
        "member": make.member(units["community_a"]),
        "staff": make.staff(units["community_a"]),
    }


def _entry(member, org, minutes=40):
    entry = ledger.record_entry(member.id, org.id, "activity", next(_source_ids), minutes)
    db.session.commit()
    return entry


def test_member_asks_and_staff_accept_a_correction(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"])
    member_headers = make.headers(people["member"])
    asked = client.post(
        f"/api/v1/members/me/hours/{entry.id}/corrections",
        json={"reason": "漏记了半小时", "minutes": 70},
        headers=member_headers,
    )
    assert asked.status_code == 201
    assert body(asked)["status"] == "pending"
    staff_headers = make.headers(people["staff"])
    queue = body(client.get("/api/v1/members/hour-corrections?status=pending", headers=staff_headers))
    assert [item["id"] for item in queue["items"]] == [body(asked)["id"]]
    answered = client.post(
        f"/api/v1/members/hour-corrections/{body(asked)['id']}/answer",
        json={"accept": True, "answer": "已核实"},
        headers=staff_headers,
    )
    assert answered.status_code == 200
    result = body(answered)
    assert (result["minutes_before"], result["status_before"]) == (40, "pending")
    assert (result["minutes_after"], result["status_after"]) == (70, "confirmed")
    hours = body(client.get("/api/v1/members/me/hours", headers=member_headers))
    assert hours["confirmed_minutes"] == 70
    assert hours["entries"][0]["corrections"][0]["answer"] == "已核实"


def test_second_open_correction_gets_409(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"])
    headers = make.headers(people["member"])
    url = f"/api/v1/members/me/hours/{entry.id}/corrections"
    assert client.post(url, json={"reason": "少记"}, headers=headers).status_code == 201
    again = client.post(url, json={"reason": "再次申请"}, headers=headers)
    assert again.status_code == 409
    assert body(again)["error"]["code"] == "correction_pending"


def test_correcting_someone_elses_entry_is_404(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"])
    other = make.member(people["units"]["community_a"])
    response = client.post(
        f"/api/v1/members/me/hours/{entry.id}/corrections", json={"reason": "不是我的"}, headers=make.headers(other)
    )
    assert response.status_code == 404


def test_staff_of_another_community_get_404_on_corrections(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"])
    asked = body(
        client.post(
            f"/api/v1/members/me/hours/{entry.id}/corrections",
            json={"reason": "少记"},
            headers=make.headers(people["member"]),
        )
    )
    outsider = make.headers(make.staff(people["units"]["community_b"]))
    response = client.post(
        f"/api/v1/members/hour-corrections/{asked['id']}/answer",
        json={"accept": False, "answer": "不予更正"},
        headers=outsider,
    )
    assert response.status_code == 404
    assert body(client.get("/api/v1/members/hour-corrections", headers=outsider))["total"] == 0


def test_nobody_answers_their_own_correction(client, make, people):
    member = people["member"]
    db.session.add(StaffScope(user_id=member.id, org_id=people["units"]["community_a"].id, role="staff"))
    db.session.commit()
    entry = _entry(member, people["units"]["community_a"])
    headers = make.headers(member)
    asked = body(
        client.post(
            f"/api/v1/members/me/hours/{entry.id}/corrections", json={"reason": "少记", "minutes": 90}, headers=headers
        )
    )
    response = client.post(
        f"/api/v1/members/hour-corrections/{asked['id']}/answer",
        json={"accept": True, "answer": "自己批"},
        headers=headers,
    )
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "self_confirmation"
    db.session.refresh(entry)
    assert entry.minutes == 40


def test_accepting_without_minutes_is_422(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"])
    asked = body(
        client.post(
            f"/api/v1/members/me/hours/{entry.id}/corrections",
            json={"reason": "记错了"},
            headers=make.headers(people["member"]),
        )
    )
    response = client.post(
        f"/api/v1/members/hour-corrections/{asked['id']}/answer",
        json={"accept": True, "answer": "好"},
        headers=make.headers(people["staff"]),
    )
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "minutes_required"


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.integers(0, 600)),
        st.tuples(st.just("confirm"), st.integers(0, 9)),
        st.tuples(st.just("self_confirm"), st.integers(0, 9)),
        st.tuples(st.just("ask"), st.integers(0, 9), st.none() | st.integers(0, 600)),
        st.tuples(st.just("answer"), st.integers(0, 9), st.booleans(), st.none() | st.integers(0, 600)),
    ),
    max_size=15,
)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_totals_equal_the_confirmed_entries_after_any_sequence(client, make, people, operations):
    """A model of the ledger predicts every entry; the hours endpoint must agree with it."""
    community = people["units"]["community_a"]
    member = make.member(community)
    staff = people["staff"]
    member_headers, staff_headers = make.headers(member), make.headers(staff)
    entries: list[HourEntry] = []
    expected: list[dict] = []  # per entry: minutes, status, open correction (requested minutes) or None
    for operation in operations:
        kind, *args = operation
        if kind == "record":
            entries.append(_entry(member, community, args[0]))
            expected.append({"minutes": args[0], "status": "pending", "open": None})
            continue
        if not entries:
            continue
        index = args[0] % len(entries)
        entry, model = entries[index], expected[index]
        if kind == "confirm":
            try:
                ledger.confirm_entry(staff, entry)
                db.session.commit()
                assert model["status"] == "pending"
                model["status"] = "confirmed"
            except Conflict:
                db.session.rollback()
                assert model["status"] != "pending"
        elif kind == "self_confirm":
            with pytest.raises(Forbidden):
                ledger.confirm_entry(member, entry)
            db.session.rollback()
        elif kind == "ask":
            response = client.post(
                f"/api/v1/members/me/hours/{entry.id}/corrections",
                json={"reason": "请核对", "minutes": args[1]},
                headers=member_headers,
            )
            if model["open"] is None:
                assert response.status_code == 201
                model["open"] = {"requested": args[1], "id": body(response)["id"]}
            else:
                assert response.status_code == 409
        elif kind == "answer" and model["open"] is not None:
            accept, minutes = args[1], args[2]
            response = client.post(
                f"/api/v1/members/hour-corrections/{model['open']['id']}/answer",
                json={"accept": accept, "answer": "已处理", "minutes": minutes},
                headers=staff_headers,
            )
            new_minutes = minutes if minutes is not None else model["open"]["requested"]
            if accept and new_minutes is None:
                assert response.status_code == 422
                continue
            assert response.status_code == 200
            if accept:
                model.update(minutes=new_minutes, status="confirmed")
            model["open"] = None
    hours = body(client.get("/api/v1/members/me/hours", headers=member_headers))
    confirmed = sum(model["minutes"] for model in expected if model["status"] == "confirmed")
    pending = sum(model["minutes"] for model in expected if model["status"] == "pending")
    assert hours["confirmed_minutes"] == confirmed
    assert hours["pending_minutes"] == pending
    assert hours["points"] == confirmed // 30
    assert sum(entry["minutes"] for entry in hours["entries"] if entry["status"] == "confirmed") == confirmed


def _ask(client, make, member, entry_id, **payload):
    response = client.post(
        f"/api/v1/members/me/hours/{entry_id}/corrections",
        json={"reason": "请核对", **payload},
        headers=make.headers(member),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def _queue(client, make, staff, query=""):
    response = client.get(f"/api/v1/members/hour-corrections?per_page=100{query}", headers=make.headers(staff))
    return body(response)["items"]


def _checked_out_entry(client, make, member, station, minutes):
    """The pending entry of a visit the member checked out of `minutes` after scanning."""
    headers = make.headers(member)
    payload = {"station_id": station.id, "qr_token": qr_token(station).token, "lat": CENTRE[0], "lng": CENTRE[1]}
    checkin = body(client.post("/api/v1/checkins", json=payload, headers=headers))
    db.session.execute(
        update(CheckIn).where(CheckIn.id == checkin["id"]).values(checked_in_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()
    assert client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers).status_code == 200
    return db.session.execute(
        select(HourEntry).where(HourEntry.source == "checkin", HourEntry.source_id == checkin["id"])
    ).scalar_one()


def _confirmed_request_entry(client, make, scene, minutes):
    """The confirmed entry of a request the first member served and staff confirmed."""
    member = scene["members"][0]
    created = body(
        client.post(
            "/api/v1/requests",
            json={"category_id": scene["category"].id, "title": "水龙头漏水"},
            headers=make.headers(scene["resident"]),
        )
    )
    for user, action, payload in (
        (member, "accept", {}),
        (member, "start", {}),
        (member, "complete", {"note": "已更换阀芯", "minutes": minutes}),
        (scene["staff"], "confirm", {}),
    ):
        response = client.post(f"/api/v1/requests/{created['id']}/{action}", json=payload, headers=make.headers(user))
        assert response.status_code == 200, response.get_data(as_text=True)
    return db.session.execute(
        select(HourEntry).where(HourEntry.source == "request", HourEntry.source_id == created["id"])
    ).scalar_one()


def test_staff_see_a_checkin_correction_with_the_member_the_entry_and_the_station(client, make, make_station, people):
    member = make.member(people["units"]["community_a"], name="张建国")
    station = make_station(people["units"]["community_a"], name="社区A党群服务站")
    entry = _checked_out_entry(client, make, member, station, 50)
    asked = _ask(client, make, member, entry.id, minutes=80)

    [listed] = _queue(client, make, people["staff"], "&status=pending")
    assert listed["id"] == asked["id"]
    assert (listed["member_id"], listed["member_name"]) == (member.id, "张建国")
    assert (listed["entry_id"], listed["entry_minutes"], listed["requested_minutes"]) == (entry.id, 50, 80)
    assert (listed["source"], listed["source_id"]) == ("checkin", entry.source_id)
    assert (listed["station_name"], listed["request_title"]) == ("社区A党群服务站", None)
    assert listed["reason"] == "请核对"


def test_staff_see_a_request_correction_with_the_request_title(client, make, scene):
    entry = _confirmed_request_entry(client, make, scene, 45)
    asked = _ask(client, make, scene["members"][0], entry.id, minutes=60)

    [listed] = _queue(client, make, scene["staff"])
    assert listed["id"] == asked["id"]
    shown = (listed["member_name"], listed["entry_minutes"], listed["requested_minutes"])
    assert shown == (scene["members"][0].name, 45, 60)
    assert (listed["source"], listed["source_id"]) == ("request", entry.source_id)
    assert (listed["station_name"], listed["request_title"]) == (None, "水龙头漏水")


def test_a_source_without_a_name_gives_none_and_the_listed_minutes_follow_the_answer(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"], minutes=40)
    asked = _ask(client, make, people["member"], entry.id, minutes=70)
    answered = client.post(
        f"/api/v1/members/hour-corrections/{asked['id']}/answer",
        json={"accept": True, "answer": "已核实"},
        headers=make.headers(people["staff"]),
    )
    assert answered.status_code == 200

    [listed] = _queue(client, make, people["staff"])
    assert (listed["status"], listed["source"], listed["station_name"], listed["request_title"]) == (
        "accepted", "activity", None, None
    )
    assert (listed["minutes_before"], listed["entry_minutes"]) == (40, 70)
    assert _queue(client, make, people["staff"], "&status=pending") == []


def test_a_page_of_corrections_takes_the_same_queries_however_many_it_holds(client, make, make_station, people):
    """Entry, member and source names come with the page (a join, at most one query more), never one per item."""
    community = people["units"]["community_a"]
    station = make_station(community)
    headers = make.headers(people["staff"])

    def queries_for_one_page():
        with executed_statements() as statements:
            page = body(client.get("/api/v1/members/hour-corrections?per_page=100", headers=headers))
        db.session.expire_all()
        assert all(item["station_name"] == station.name for item in page["items"])
        return page["total"], len(statements)

    first = make.member(community)
    _ask(client, make, first, _checked_out_entry(client, make, first, station, 30).id)
    total, queries = queries_for_one_page()
    for _ in range(4):
        member = make.member(community)
        _ask(client, make, member, _checked_out_entry(client, make, member, station, 30).id)
    assert total == 1
    assert queries_for_one_page() == (5, queries)
