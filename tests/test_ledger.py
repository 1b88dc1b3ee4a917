"""The hours ledger: corrections keep every change, and totals always equal the confirmed entries."""
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extensions import db
from models.ledger import HourEntry
from models.orgs import StaffScope
from services import ledger
from services.errors import Conflict, Forbidden
from tests.conftest import body

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
        f"/api/v1/members/me/hours/{entry.id}/corrections", json={"reason": "漏记了半小时", "minutes": 70}, headers=member_headers
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
        client.post(f"/api/v1/members/me/hours/{entry.id}/corrections", json={"reason": "少记"}, headers=make.headers(people["member"]))
    )
    outsider = make.headers(make.staff(people["units"]["community_b"]))
    response = client.post(
        f"/api/v1/members/hour-corrections/{asked['id']}/answer", json={"accept": False, "answer": "不予更正"}, headers=outsider
    )
    assert response.status_code == 404
    assert body(client.get("/api/v1/members/hour-corrections", headers=outsider))["total"] == 0


def test_nobody_answers_their_own_correction(client, make, people):
    member = people["member"]
    db.session.add(StaffScope(user_id=member.id, org_id=people["units"]["community_a"].id, role="staff"))
    db.session.commit()
    entry = _entry(member, people["units"]["community_a"])
    headers = make.headers(member)
    asked = body(client.post(f"/api/v1/members/me/hours/{entry.id}/corrections", json={"reason": "少记", "minutes": 90}, headers=headers))
    response = client.post(
        f"/api/v1/members/hour-corrections/{asked['id']}/answer", json={"accept": True, "answer": "自己批"}, headers=headers
    )
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "self_confirmation"
    db.session.refresh(entry)
    assert entry.minutes == 40


def test_accepting_without_minutes_is_422(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"])
    asked = body(
        client.post(f"/api/v1/members/me/hours/{entry.id}/corrections", json={"reason": "记错了"}, headers=make.headers(people["member"]))
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
