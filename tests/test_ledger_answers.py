"""Answering a correction: the staff's minutes win, and refusals carry their full error body."""
import pytest

from extensions import db
from models.ledger import HourEntry
from models.orgs import StaffScope
from tests.conftest import body
from tests.test_ledger import _entry


@pytest.fixture
def people(make):
    units = make.tree()
    return {"units": units, "member": make.member(units["community_a"]), "staff": make.staff(units["community_a"])}


def _ask(client, make, member, entry, **payload):
    response = client.post(
        f"/api/v1/members/me/hours/{entry.id}/corrections", json={"reason": "少记", **payload},
        headers=make.headers(member),
    )
    assert response.status_code == 201
    return body(response)["id"]


def _answer(client, headers, correction_id, **payload):
    return client.post(f"/api/v1/members/hour-corrections/{correction_id}/answer", json=payload, headers=headers)


def test_minutes_given_by_staff_win_over_the_requested_ones(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"], minutes=40)
    correction_id = _ask(client, make, people["member"], entry, minutes=90)
    answered = _answer(client, make.headers(people["staff"]), correction_id,
                       accept=True, answer="核实为60分钟", minutes=60)
    assert answered.status_code == 200
    assert db.session.get(HourEntry, entry.id).minutes == 60


def test_answering_ones_own_correction_is_refused_with_its_message(client, make, people):
    member = people["member"]
    db.session.add(StaffScope(user_id=member.id, org_id=people["units"]["community_a"].id, role="staff"))
    db.session.commit()
    correction_id = _ask(client, make, member, _entry(member, people["units"]["community_a"]), minutes=90)
    response = _answer(client, make.headers(member), correction_id, accept=True, answer="自己批")
    assert response.status_code == 403
    assert body(response)["error"] == {"code": "self_confirmation", "message": "不能处理自己的更正申请"}


def test_accepting_without_any_minutes_names_the_missing_field(client, make, people):
    correction_id = _ask(client, make, people["member"], _entry(people["member"], people["units"]["community_a"]))
    response = _answer(client, make.headers(people["staff"]), correction_id, accept=True, answer="好")
    assert response.status_code == 422
    assert body(response)["error"] == {
        "code": "minutes_required",
        "message": "请填写更正后的分钟数",
        "fields": {"minutes": ["请填写更正后的分钟数"]},
    }
