"""Answering a correction: the staff's minutes win, refusals carry their full error body, the answer is
recorded with who gave it, a correction is answered once, and only its own, unchanged entry is written."""

import pytest
from sqlalchemy import update

from extensions import db
from models.ledger import HourEntry
from models.orgs import StaffScope
from services import ledger
from services.errors import Conflict
from tests.conftest import body, committed_before_the_first_update
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


def _my_entry(client, make, member, entry_id) -> dict:
    hours = body(client.get("/api/v1/members/me/hours", headers=make.headers(member)))
    return next(item for item in hours["entries"] if item["id"] == entry_id)


def test_a_rejected_correction_leaves_the_entry_as_it_was_and_says_so(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"], minutes=40)
    correction_id = _ask(client, make, people["member"], entry, minutes=90)
    staff = people["staff"]
    answered = _answer(client, make.headers(staff), correction_id, accept=False, answer="记录无误")
    assert answered.status_code == 200, answered.get_data(as_text=True)
    shown = body(answered)
    assert (shown["status"], shown["answer"], shown["answered_by_id"]) == ("rejected", "记录无误", staff.id)
    assert (shown["minutes_before"], shown["status_before"]) == (40, "pending")
    assert (shown["minutes_after"], shown["status_after"]) == (40, "pending")
    assert shown["answered_at"] is not None
    mine = _my_entry(client, make, people["member"], entry.id)
    assert (mine["minutes"], mine["status"], mine["confirmed_by_id"]) == (40, "pending", None)


def test_an_accepted_correction_confirms_the_entry_in_the_answering_staffs_name(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"], minutes=40)
    correction_id = _ask(client, make, people["member"], entry, minutes=70)
    staff = people["staff"]
    shown = body(_answer(client, make.headers(staff), correction_id, accept=True, answer="已核实"))
    assert (shown["status"], shown["answered_by_id"], shown["minutes_after"], shown["status_after"]) == (
        "accepted", staff.id, 70, "confirmed",
    )
    assert shown["answered_at"] is not None
    mine = _my_entry(client, make, people["member"], entry.id)
    assert (mine["minutes"], mine["status"], mine["confirmed_by_id"]) == (70, "confirmed", staff.id)
    assert mine["confirmed_at"] is not None


def test_a_correction_is_answered_once_then_409_correction_not_pending(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"], minutes=40)
    correction_id = _ask(client, make, people["member"], entry, minutes=70)
    headers = make.headers(people["staff"])
    assert _answer(client, headers, correction_id, accept=True, answer="已核实").status_code == 200
    again = _answer(client, headers, correction_id, accept=True, answer="再次核实", minutes=80)
    assert again.status_code == 409
    assert body(again)["error"] == {"code": "correction_not_pending", "message": "该更正申请已处理"}
    assert _my_entry(client, make, people["member"], entry.id)["minutes"] == 70


def test_accepting_a_correction_changes_that_entry_only(client, make, people):
    community = people["units"]["community_a"]
    corrected = _entry(people["member"], community, minutes=40)
    alike = _entry(people["member"], community, minutes=40)
    correction_id = _ask(client, make, people["member"], corrected, minutes=70)
    answered = _answer(client, make.headers(people["staff"]), correction_id, accept=True, answer="已核实")
    assert answered.status_code == 200
    mine = _my_entry(client, make, people["member"], alike.id)
    assert (mine["minutes"], mine["status"]) == (40, "pending")


def entry_changed_before_the_answer_is_written(entry_id, **change):
    """Right before the answer's first UPDATE, another connection commits `change` to the entry:
    a confirmation or another correction that landed after this answer read the entry."""
    return committed_before_the_first_update(lambda other, _answer: other.execute(
        update(HourEntry).where(HourEntry.id == entry_id).values(**change)))


@pytest.mark.parametrize("change", [{"minutes": 55}, {"status": "confirmed"}], ids=["minutes", "status"])
def test_an_entry_changed_after_the_answer_read_it_is_not_overwritten(make, people, change):
    entry = _entry(people["member"], people["units"]["community_a"], minutes=40)
    correction = ledger.request_correction(people["member"], entry.id, "少记", 70)
    db.session.commit()
    racing = entry_changed_before_the_answer_is_written(entry.id, **change)
    with racing, pytest.raises(Conflict) as refused:
        ledger.answer_correction(people["staff"], correction.id, True, "已核实", None)
    assert (refused.value.code, refused.value.message) == ("entry_changed", "时长记录已被修改，请刷新后重试")
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(HourEntry, entry.id).minutes == change.get("minutes", 40)


@pytest.mark.parametrize(("accept", "said"), [(True, "已采纳：已核实"), (False, "未采纳：已核实")])
def test_the_member_is_told_of_the_answer_with_a_link_to_their_hours(client, make, people, accept, said):
    entry = _entry(people["member"], people["units"]["community_a"], minutes=40)
    correction_id = _ask(client, make, people["member"], entry, minutes=70)
    answered = _answer(client, make.headers(people["staff"]), correction_id, accept=accept, answer="已核实")
    assert answered.status_code == 200
    inbox = body(client.get("/api/v1/notifications", headers=make.headers(people["member"])))["items"]
    told = [(item["event"], item["title"], item["body"], item["data"], item["page"]) for item in inbox]
    assert told == [(
        "hour_correction_answered", "时长更正申请已处理", said,
        {"correction_id": correction_id, "entry_id": entry.id, "accepted": accept}, "pages/member/hours",
    )]


def test_answering_a_correction_leaves_the_other_pending_ones_pending(client, make, people):
    community = people["units"]["community_a"]
    answered_id = _ask(client, make, people["member"], _entry(people["member"], community), minutes=70)
    other_id = _ask(client, make, people["member"], _entry(people["member"], community), minutes=80)
    refused = _answer(client, make.headers(people["staff"]), answered_id, accept=False, answer="不予更正")
    assert refused.status_code == 200
    queue = body(client.get("/api/v1/members/hour-corrections?status=pending", headers=make.headers(people["staff"])))
    assert [item["id"] for item in queue["items"]] == [other_id]
