"""Ending a visit: the member's check-out (services.checkins.check_out, _mine) and the periodic
job closing visits left open once the station has closed (close_forgotten).

The clock is frozen; visits are written directly with the check-in time each test needs. The
station keeps 08:00–12:00 (local time) every day unless a test says otherwise.
"""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from jobs.checkins import close_forgotten_checkins
from localtime import local_zone, to_local
from models.base import utcnow
from models.checkins import CheckIn
from models.ledger import HourEntry
from models.notifications import Notification
from models.stations import WEEKDAYS
from services import checkins
from services.errors import Conflict, NotFound
from tests.conftest import committed_before_the_first_update
from tests.fixtures.members import ALWAYS_OPEN, CENTRE

MORNINGS = {"weekly": {day: [{"open": "08:00", "close": "12:00"}] for day in WEEKDAYS}, "closed_days": []}


def local(hour: int, minute: int = 0) -> datetime:
    """That wall-clock time (LOCAL_TIMEZONE) on Wednesday 2026-06-03, in UTC."""
    return datetime(2026, 6, 3, hour, minute, tzinfo=local_zone()).astimezone(UTC)


def around_today() -> list[str]:
    """Yesterday, today and tomorrow by the wall clock, as closed days."""
    today = to_local(utcnow()).date()
    return [(today + timedelta(days=offset)).isoformat() for offset in (-1, 0, 1)]


@pytest.fixture
def clock(monkeypatch):
    """Set the service's clock: clock(at)."""

    def set_to(at: datetime):
        monkeypatch.setattr("services.checkins.utcnow", lambda: at)

    return set_to


@pytest.fixture
def scene(make, make_station):
    units = make.tree()
    return {
        "units": units,
        "station": make_station(units["community_a"], opening_hours=MORNINGS),
        "member": make.member(units["community_a"], units["building_a1"]),
    }


def open_visit(member, station, at, flags=()) -> CheckIn:
    visit = CheckIn(
        member_id=member.id, station_id=station.id, lat=CENTRE[0], lng=CENTRE[1], distance_m=3.0,
        qr_window=1, checked_in_at=at, flags=list(flags), flagged=bool(flags),
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def check_out(member, visit):
    closed = checkins.check_out(member, visit.id)
    db.session.commit()
    return closed


def entry_of(visit) -> HourEntry | None:
    return db.session.execute(
        select(HourEntry).where(HourEntry.source == "checkin", HourEntry.source_id == visit.id)
    ).scalar_one_or_none()


RADIUS_EDGE = {"code": "radius_edge", "evidence": {"distance_m": 95.0, "radius_m": 100}}


# ------------------------------------------------------------------ check-out


def test_checking_out_closes_the_visit_at_the_checkout_time_and_credits_a_pending_entry(clock, scene):
    member, station = scene["member"], scene["station"]
    visit = open_visit(member, station, local(9, 0))
    clock(local(10, 15))
    closed = check_out(member, visit)
    db.session.refresh(closed)
    assert (closed.status, closed.checked_out_at, closed.minutes, closed.flags, closed.flagged) == (
        "closed", local(10, 15), 75, [], False,
    )
    entry = entry_of(visit)
    assert (entry.member_id, entry.org_id, entry.source, entry.minutes, entry.note, entry.status) == (
        member.id, station.org_id, "checkin", 75, station.name, "pending",
    )


def test_a_visit_checked_out_at_once_counts_zero_minutes(clock, scene):
    visit = open_visit(scene["member"], scene["station"], local(9, 0))
    clock(local(9, 0) + timedelta(seconds=59))
    assert check_out(scene["member"], visit).minutes == 0
    assert entry_of(visit).minutes == 0


def test_a_visit_whose_station_hours_no_longer_hold_its_start_counts_until_the_checkout(clock, scene):
    # Staff cut the hours after the member checked in: no opening span holds the check-in any more.
    visit = open_visit(scene["member"], scene["station"], local(9, 0))
    scene["station"].opening_hours = {"weekly": {}, "closed_days": []}
    db.session.commit()
    clock(local(9, 40))
    assert check_out(scene["member"], visit).minutes == 40


def test_a_visit_of_exactly_the_maximum_length_is_credited_unflagged(app, clock, make, make_station, scene):
    station = make_station(scene["units"]["community_a"], opening_hours=ALWAYS_OPEN)
    maximum = app.config["CHECKIN_MAX_MINUTES"]
    visit = open_visit(scene["member"], station, local(8, 0))
    clock(local(8, 0) + timedelta(minutes=maximum))
    closed = check_out(scene["member"], visit)
    assert (closed.minutes, closed.flags, closed.flagged) == (maximum, [], False)
    assert entry_of(visit).minutes == maximum


def test_an_overlong_visit_keeps_its_flags_adds_the_evidence_and_is_not_credited(app, clock, make_station, scene):
    station = make_station(scene["units"]["community_a"], opening_hours=ALWAYS_OPEN)
    maximum = app.config["CHECKIN_MAX_MINUTES"]
    visit = open_visit(scene["member"], station, local(8, 0), flags=[RADIUS_EDGE])
    clock(local(8, 0) + timedelta(minutes=maximum + 1))
    closed = check_out(scene["member"], visit)
    db.session.refresh(closed)
    assert closed.flags == [
        RADIUS_EDGE, {"code": "overlong", "evidence": {"minutes": maximum + 1, "max_minutes": maximum}},
    ]
    assert (closed.status, closed.minutes, closed.flagged) == ("closed", maximum + 1, True)
    assert entry_of(visit) is None


def test_a_flagged_visit_checked_out_in_time_stays_flagged_with_its_flags(clock, scene):
    visit = open_visit(scene["member"], scene["station"], local(9, 0), flags=[RADIUS_EDGE])
    clock(local(9, 30))
    closed = check_out(scene["member"], visit)
    db.session.refresh(closed)
    assert (closed.flags, closed.flagged, closed.minutes) == ([RADIUS_EDGE], True, 30)


def test_checking_out_closes_that_visit_only(clock, make, scene):
    other = make.member(scene["units"]["community_a"])
    others_visit = open_visit(other, scene["station"], local(9, 0))
    visit = open_visit(scene["member"], scene["station"], local(9, 0))
    clock(local(9, 30))
    check_out(scene["member"], visit)
    db.session.refresh(others_visit)
    assert (others_visit.status, others_visit.checked_out_at, others_visit.minutes) == ("open", None, None)


def test_checking_out_twice_is_refused_with_its_message(clock, scene):
    visit = open_visit(scene["member"], scene["station"], local(9, 0))
    clock(local(9, 30))
    check_out(scene["member"], visit)
    with pytest.raises(Conflict) as refused:
        check_out(scene["member"], visit)
    assert (refused.value.code, refused.value.message) == ("checkin_not_open", "该签到已签退")


def test_checking_out_of_an_absent_or_someone_elses_visit_answers_the_same_404(client, make, scene):
    visit = open_visit(scene["member"], scene["station"], utcnow() - timedelta(minutes=5))
    other = make.headers(make.member(scene["units"]["community_a"]))
    expected = {"error": {"code": "checkin_not_found", "message": "签到记录不存在"}}
    for checkin_id in (visit.id, visit.id + 1000):
        response = client.post(f"/api/v1/checkins/{checkin_id}/checkout", headers=other)
        assert (response.status_code, response.get_json()) == (404, expected)
    with pytest.raises(NotFound):
        checkins.check_out(scene["member"], visit.id + 1000)


# ------------------------------------------------------------------ visits left open


def test_a_forgotten_visit_is_closed_at_the_closing_time_flagged_with_its_evidence(clock, scene):
    visit = open_visit(scene["member"], scene["station"], local(9, 0), flags=[RADIUS_EDGE])
    assert checkins.close_forgotten(at=local(13, 0)) == 1
    db.session.commit()
    db.session.refresh(visit)
    assert (visit.status, visit.checked_out_at, visit.minutes, visit.flagged) == (
        "auto_closed", local(12, 0), None, True,
    )
    assert visit.flags == [
        RADIUS_EDGE, {"code": "forgotten_checkout", "evidence": {"checked_in_at": local(9, 0).isoformat()}},
    ]
    assert entry_of(visit) is None


def test_the_member_is_told_the_forgotten_visit_was_closed_with_a_link_to_their_hours(scene):
    visit = open_visit(scene["member"], scene["station"], local(9, 0))
    checkins.close_forgotten(at=local(13, 0))
    db.session.commit()
    told = db.session.execute(select(Notification).where(Notification.user_id == scene["member"].id)).scalar_one()
    assert (told.event, told.title, told.body, told.data, told.page) == (
        "checkin_flagged",
        "签到未签退，已自动结束",
        f"您在{scene['station'].name}的签到未签退，已在闭站时自动结束，时长需工作人员核实后才能计入。",
        {"checkin_id": visit.id, "station_id": scene["station"].id},
        "pages/member/hours",
    )


def test_visits_at_stations_still_open_are_left_open_and_the_others_all_closed(make, make_station, scene):
    # The open station's visit comes first whatever order the rows are read in (lowest id,
    # lowest member and station), so stopping at it would leave the others open.
    member = scene["member"]
    open_station = make_station(scene["units"]["community_a"], opening_hours=ALWAYS_OPEN)
    still_there = open_visit(member, open_station, local(9, 0))
    forgotten = [
        open_visit(member, scene["station"], local(9, 0)),
        open_visit(make.member(scene["units"]["community_a"]), scene["station"], local(10, 0)),
    ]
    assert checkins.close_forgotten(at=local(13, 0)) == 2
    db.session.commit()
    for visit in (still_there, *forgotten):
        db.session.refresh(visit)
    assert (still_there.status, still_there.flagged, still_there.checked_out_at) == ("open", False, None)
    assert [visit.status for visit in forgotten] == ["auto_closed", "auto_closed"]


def test_whether_the_station_has_closed_is_read_at_the_given_time(make_station, scene):
    # Open at 11:00 that day, and closed on the real days around the run: the given time decides.
    station = make_station(scene["units"]["community_a"], opening_hours={**MORNINGS, "closed_days": around_today()})
    visit = open_visit(scene["member"], station, local(9, 0))
    assert checkins.close_forgotten(at=local(11, 0)) == 0
    db.session.refresh(visit)
    assert visit.status == "open"


def test_without_a_time_the_job_reads_the_wall_clock(make_station, scene):
    # Open around the clock except on the real days around the run: closed now, by the wall clock.
    station = make_station(scene["units"]["community_a"], opening_hours={**ALWAYS_OPEN, "closed_days": around_today()})
    visit = open_visit(scene["member"], station, local(9, 0))
    assert close_forgotten_checkins() == 1
    db.session.refresh(visit)
    assert visit.status == "auto_closed"


def test_a_visit_checked_out_while_the_job_runs_is_left_as_the_member_closed_it(scene):
    visit = open_visit(scene["member"], scene["station"], local(9, 0))
    member_checks_out_first = committed_before_the_first_update(lambda other, _close: other.execute(
        update(CheckIn).where(CheckIn.id == visit.id).values(
            status="closed", checked_out_at=local(11, 0), minutes=120,
        )))
    with member_checks_out_first:
        assert checkins.close_forgotten(at=local(13, 0)) == 0
    db.session.commit()
    db.session.refresh(visit)
    assert (visit.status, visit.minutes, visit.flags, visit.flagged) == ("closed", 120, [], False)
    assert db.session.execute(select(Notification)).first() is None
