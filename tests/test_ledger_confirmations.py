"""Recording, confirming and asking to correct a ledger entry: who may, once only, and the answers' own bodies."""
import pytest
from sqlalchemy import select

from extensions import db
from models.ledger import HourEntry
from services import ledger
from services.errors import Conflict, Forbidden
from tests.conftest import body
from tests.test_ledger import _entry


@pytest.fixture
def people(make):
    units = make.tree()
    return {"units": units, "member": make.member(units["community_a"]), "staff": make.staff(units["community_a"])}


def test_confirming_records_who_confirmed_and_when(people):
    entry = _entry(people["member"], people["units"]["community_a"], minutes=40)
    ledger.confirm_entry(people["staff"], entry)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.execute(select(HourEntry).where(HourEntry.id == entry.id)).scalar_one()
    assert (stored.status, stored.minutes, stored.confirmed_by_id) == ("confirmed", 40, people["staff"].id)
    assert stored.confirmed_at is not None


def test_confirming_ones_own_entry_is_refused_with_its_message(people):
    member = people["member"]
    entry = _entry(member, people["units"]["community_a"])
    with pytest.raises(Forbidden) as refused:
        ledger.confirm_entry(member, entry)
    assert (refused.value.code, refused.value.message) == ("self_confirmation", "不能确认自己的服务时长")


def test_an_entry_is_confirmed_once_then_409_entry_not_pending(people):
    entry = _entry(people["member"], people["units"]["community_a"])
    ledger.confirm_entry(people["staff"], entry)
    db.session.commit()
    with pytest.raises(Conflict) as again:
        ledger.confirm_entry(people["staff"], entry)
    assert (again.value.code, again.value.message) == ("entry_not_pending", "该时长记录已处理")


def test_asking_to_correct_an_absent_or_someone_elses_entry_answers_the_same_404(client, make, people):
    others = _entry(make.member(people["units"]["community_a"]), people["units"]["community_a"])
    headers = make.headers(people["member"])
    for entry_id in (others.id, others.id + 1000):
        response = client.post(
            f"/api/v1/members/me/hours/{entry_id}/corrections", json={"reason": "少记"}, headers=headers
        )
        assert response.status_code == 404
        assert body(response)["error"] == {"code": "entry_not_found", "message": "时长记录不存在"}


def test_a_second_open_correction_of_an_entry_answers_409_with_its_message(client, make, people):
    entry = _entry(people["member"], people["units"]["community_a"])
    headers = make.headers(people["member"])
    path = f"/api/v1/members/me/hours/{entry.id}/corrections"
    assert client.post(path, json={"reason": "少记"}, headers=headers).status_code == 201
    again = client.post(path, json={"reason": "还是少记"}, headers=headers)
    assert again.status_code == 409
    assert body(again)["error"] == {"code": "correction_pending", "message": "该记录已有待处理的更正申请"}


def test_an_entry_shows_the_member_the_note_its_source_gave(client, make, people):
    member = people["member"]
    entry = ledger.record_entry(member.id, people["units"]["community_a"].id, "checkin", 424242, 30, "社区A党群服务站")
    db.session.commit()
    hours = body(client.get("/api/v1/members/me/hours", headers=make.headers(member)))
    assert [(item["id"], item["note"]) for item in hours["entries"]] == [(entry.id, "社区A党群服务站")]
