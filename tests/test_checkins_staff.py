"""What staff do with visits: confirm their minutes (services.checkins.confirm, checkin_in_scope)
and list them (checkin_listing): each refusal's full error body, the member's notification, and
each filter of the list shown to narrow it.
"""
from datetime import timedelta

import pytest

from extensions import db
from models.base import utcnow
from models.checkins import CheckIn
from models.notifications import Notification
from models.orgs import StaffScope
from services import ledger
from tests.conftest import body
from tests.fixtures.members import CENTRE


@pytest.fixture
def scene(station_scene):
    return station_scene


def visit(member, station, minutes=None, status="open", flags=()) -> CheckIn:
    """A visit begun an hour ago; closed ones with `minutes` get their pending ledger entry."""
    row = CheckIn(
        member_id=member.id, station_id=station.id, lat=CENTRE[0], lng=CENTRE[1], distance_m=3.0, qr_window=1,
        checked_in_at=utcnow() - timedelta(hours=1), status=status, flags=list(flags), flagged=bool(flags),
    )
    if status != "open":
        row.checked_out_at = utcnow()
        row.minutes = minutes
    db.session.add(row)
    db.session.flush()
    if minutes is not None:
        ledger.record_entry(member.id, station.org_id, "checkin", row.id, minutes, station.name)
    db.session.commit()
    return row


def confirm(client, make, user, checkin_id):
    return client.post(f"/api/v1/checkins/{checkin_id}/confirm", headers=make.headers(user))


def error(code, message):
    return {"error": {"code": code, "message": message}}


# ------------------------------------------------------------------ confirming


def test_the_member_is_told_of_the_confirmed_minutes_with_a_link_to_their_hours(client, make, scene):
    station = scene["station"]
    closed = visit(scene["member"], station, minutes=45, status="closed")
    response = confirm(client, make, scene["staff"], closed.id)
    assert response.status_code == 200
    told = db.session.query(Notification).filter_by(user_id=scene["member"].id).one()
    assert (told.event, told.title, told.body, told.data, told.page) == (
        "checkin_confirmed",
        "服务时长已确认",
        f"{station.name} 45 分钟",
        {"checkin_id": closed.id, "entry_id": body(response)["entry_id"], "minutes": 45},
        "pages/member/hours",
    )


def test_confirming_ones_own_visit_is_refused_with_its_message_before_its_hours_are_looked_at(
    client, make, scene
):
    member = scene["member"]
    db.session.add(StaffScope(user_id=member.id, org_id=scene["units"]["community_a"].id, role="staff"))
    db.session.commit()
    # Still open: no hours yet, and still the answer is about whose visit it is.
    still_open = visit(member, scene["station"])
    response = confirm(client, make, member, still_open.id)
    assert (response.status_code, body(response)) == (403, error("self_confirmation", "不能确认自己的服务时长"))


def test_a_visit_without_pending_hours_answers_409_with_its_message(client, make, scene):
    still_open = visit(scene["member"], scene["station"])
    response = confirm(client, make, scene["staff"], still_open.id)
    assert (response.status_code, body(response)) == (
        409, error("no_pending_hours", "该签到没有待确认的时长（未签退或已被标记）"),
    )


def test_an_absent_visit_and_one_outside_the_staff_scope_answer_the_same_404(client, make, scene):
    closed = visit(scene["member"], scene["station"], minutes=30, status="closed")
    outsider = make.staff(scene["units"]["community_b"])
    expected = (404, error("checkin_not_found", "签到记录不存在"))
    for user, checkin_id in ((scene["staff"], closed.id + 1000), (outsider, closed.id)):
        response = confirm(client, make, user, checkin_id)
        assert (response.status_code, body(response)) == expected


# ------------------------------------------------------------------ the list


def listed_ids(client, make, user, query=""):
    response = client.get(f"/api/v1/checkins?per_page=100{query}", headers=make.headers(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in body(response)["items"]]


def test_the_list_shows_the_newest_visit_first(client, make, scene):
    others = [make.member(scene["units"]["community_a"]) for _ in range(2)]
    visits = [visit(person, scene["station"]) for person in (scene["member"], *others)]
    assert listed_ids(client, make, scene["staff"]) == [row.id for row in reversed(visits)]


def test_staff_who_are_members_too_see_their_own_visits_only_when_asking_for_theirs(client, make, scene):
    staff_member = scene["member"]
    db.session.add(StaffScope(user_id=staff_member.id, org_id=scene["units"]["community_a"].id, role="staff"))
    db.session.commit()
    own = visit(staff_member, scene["station"])
    others = visit(make.member(scene["units"]["community_a"]), scene["station"])
    assert listed_ids(client, make, staff_member, "&mine=1") == [own.id]
    assert listed_ids(client, make, staff_member) == [others.id, own.id]


def test_each_filter_of_the_list_keeps_only_the_matching_visits(client, make, make_station, scene):
    staff, member = scene["staff"], scene["member"]
    second = make_station(scene["units"]["community_a"])
    here_open = visit(member, scene["station"])
    there_open = visit(make.member(scene["units"]["community_a"]), second)
    here_closed_flagged = visit(
        make.member(scene["units"]["community_a"]), scene["station"], minutes=20, status="closed",
        flags=[{"code": "radius_edge", "evidence": {"distance_m": 95.0, "radius_m": 100}}],
    )
    assert listed_ids(client, make, staff, f"&station_id={second.id}") == [there_open.id]
    assert listed_ids(client, make, staff, f"&station_id={scene['station'].id}") == [
        here_closed_flagged.id, here_open.id,
    ]
    assert listed_ids(client, make, staff, "&status=open") == [there_open.id, here_open.id]
    assert listed_ids(client, make, staff, "&status=closed") == [here_closed_flagged.id]
    assert listed_ids(client, make, staff, "&flagged=false") == [there_open.id, here_open.id]
    assert listed_ids(client, make, staff, "&flagged=true") == [here_closed_flagged.id]
