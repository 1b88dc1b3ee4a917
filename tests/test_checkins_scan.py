"""Scanning a station's code (services.checkins.check_in): who is covered, each refusal with its
message, what the visit records, the lost race for the one open visit, and the anti-gaming flags
with their exact evidence and thresholds (_signals).

The clock is frozen at NOW, a moment long past; the stations are closed on the real days around
the run, so a check read against the wall clock instead of NOW would tell. Where a threshold is
pinned to the metre, the distances are fixed (`fixed_distances`), as no pair of coordinates lies
exactly 1000.0 m apart in floating point.
"""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from extensions import db
from localtime import to_local
from models.base import utcnow
from models.checkins import CheckIn
from models.orgs import OrgUnit
from services import checkins
from services.errors import Conflict, Forbidden, Invalid
from services.orgs import add_org
from services.qrcodes import window_of, window_seconds
from services.stations import qr_token
from tests.fixtures.members import ALWAYS_OPEN, CENTRE

# A Wednesday, 10:01:30 in Shanghai: halfway through a QR window (QR_WINDOW_SECONDS, 180 s).
NOW = datetime(2026, 6, 3, 2, 1, 30, tzinfo=UTC)
HERE = CENTRE
NEAR = (CENTRE[0] + 0.0003, CENTRE[1])
FAR = (CENTRE[0] + 2.7, CENTRE[1])


def open_except_around_the_real_today() -> dict:
    """Open around the clock, but closed yesterday, today and tomorrow by the wall clock."""
    today = to_local(utcnow()).date()
    days = [(today + timedelta(days=offset)).isoformat() for offset in (-1, 0, 1)]
    return {**ALWAYS_OPEN, "closed_days": days}


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("services.checkins.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def scene(make, make_station, frozen):
    units = make.tree()
    hours = open_except_around_the_real_today()
    return {
        "units": units,
        "station": make_station(units["community_a"], opening_hours=hours),
        "other_station": make_station(units["community_a"], opening_hours=hours),
        "member": make.member(units["community_a"], units["building_a1"]),
    }


@pytest.fixture
def fixed_distances(monkeypatch):
    """Replace the great-circle distance by a table of (position, position) -> metres; any
    other pair is 0 m apart."""
    table = {}

    def distance(lat1, lng1, lat2, lng2):
        pair = ((lat1, lng1), (lat2, lng2))
        return table.get(pair, table.get(pair[::-1], 0.0))

    monkeypatch.setattr("services.stations.haversine_m", distance)
    return table


def scan(member, station, at=HERE, device_id=None, token_at=NOW):
    return checkins.check_in(member, station.id, qr_token(station, token_at).token, at[0], at[1], device_id)


def past_visit(member, station, at, position=HERE, device_id=None, status="closed") -> CheckIn:
    visit = CheckIn(
        member_id=member.id, station_id=station.id, lat=position[0], lng=position[1], distance_m=0.0,
        device_id=device_id, qr_window=window_of(at), checked_in_at=at, status=status,
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def flags_of(checkin) -> dict:
    return {flag["code"]: flag["evidence"] for flag in checkin.flags}


# ------------------------------------------------------------------ who may check in where


def test_a_person_without_an_approved_registration_is_refused_with_its_message(make, scene):
    resident = make.resident(scene["units"]["community_a"])
    with pytest.raises(Forbidden) as refused:
        scan(resident, scene["station"])
    assert (refused.value.code, refused.value.message) == ("member_required", "请先完成在职党员报到")


def test_a_station_of_another_community_is_refused_with_its_message(make_station, scene):
    elsewhere = make_station(scene["units"]["community_b"], opening_hours=open_except_around_the_real_today())
    with pytest.raises(Forbidden) as refused:
        scan(scene["member"], elsewhere)
    assert (refused.value.code, refused.value.message) == ("station_not_covered", "该站点不在您报到社区的范围内")


def test_a_registration_covers_the_stations_of_its_buildings_and_its_own_street_only(make_station, scene):
    hours = open_except_around_the_real_today()
    building = make_station(scene["units"]["building_a2"], opening_hours=hours)
    own_street = make_station(scene["units"]["street"], opening_hours=hours)
    other_street = add_org("另一街道党工委", "street_working_committee", scene["units"]["district"])
    db.session.commit()
    foreign_centre = make_station(other_street, opening_hours=hours)
    community = db.session.get(OrgUnit, scene["units"]["community_a"].id)
    assert checkins.covers(community, building)
    assert checkins.covers(community, own_street)
    assert not checkins.covers(community, foreign_centre)
    assert not checkins.covers(community, make_station(scene["units"]["community_b"], opening_hours=hours))
    with pytest.raises(Forbidden):
        scan(scene["member"], foreign_centre)


def test_a_position_exactly_on_the_radius_is_inside(scene, fixed_distances):
    fixed_distances[(HERE, (scene["station"].lat, scene["station"].lng))] = 100.0
    checkin, created = scan(scene["member"], scene["station"])
    assert created and checkin.distance_m == 100.0


def test_outside_the_radius_the_refusal_tells_the_rounded_distance_and_the_radius(scene, fixed_distances):
    fixed_distances[(HERE, (scene["station"].lat, scene["station"].lng))] = 123.4
    with pytest.raises(Invalid) as refused:
        scan(scene["member"], scene["station"])
    assert refused.value.code == "outside_radius"
    assert refused.value.message == "您不在站点签到范围内（距离约 123 米，范围 100 米）"


def test_a_closed_station_is_refused_with_its_message_at_the_scan_time(make_station, scene):
    # Open on Thursdays only: closed at NOW, a Wednesday.
    thursdays = {"weekly": {"thu": ALWAYS_OPEN["weekly"]["thu"]}, "closed_days": []}
    closed_now = make_station(scene["units"]["community_a"], opening_hours=thursdays)
    with pytest.raises(Conflict) as refused:
        scan(scene["member"], closed_now)
    assert (refused.value.code, refused.value.message) == ("station_closed", "站点当前不在开放时间")
    # The scene's station is open at NOW though closed on the real day of the run.
    assert scan(scene["member"], scene["station"])[1] is True


# ------------------------------------------------------------------ what a visit records


def test_a_new_visit_records_the_scan(scene, fixed_distances):
    fixed_distances[(NEAR, (scene["station"].lat, scene["station"].lng))] = 42.37
    checkin, created = scan(scene["member"], scene["station"], at=NEAR, device_id="phone-7")
    db.session.commit()
    db.session.refresh(checkin)
    assert created is True
    recorded = (
        checkin.member_id, checkin.station_id, checkin.status, checkin.lat, checkin.lng, checkin.distance_m,
        checkin.device_id, checkin.qr_window, checkin.checked_in_at, checkin.flags, checkin.flagged,
    )
    assert recorded == (
        scene["member"].id, scene["station"].id, "open", NEAR[0], NEAR[1], 42.4, "phone-7", window_of(NOW), NOW, [],
        False,
    )


def test_a_code_of_the_previous_window_records_that_window(scene):
    checkin, _ = scan(scene["member"], scene["station"], token_at=NOW - timedelta(seconds=window_seconds()))
    assert checkin.qr_window == window_of(NOW) - 1


def test_a_flagged_visit_is_marked_flagged(scene, fixed_distances):
    fixed_distances[(HERE, (scene["station"].lat, scene["station"].lng))] = 95.0
    checkin, _ = scan(scene["member"], scene["station"])
    assert [flag["code"] for flag in checkin.flags] == ["radius_edge"]
    assert checkin.flagged is True


# ------------------------------------------------------------------ a code is used once


def test_a_replayed_code_is_refused_with_its_message(scene):
    past_visit(scene["member"], scene["station"], NOW - timedelta(seconds=30))
    with pytest.raises(Conflict) as refused:
        scan(scene["member"], scene["station"])
    assert refused.value.code == "qr_replayed"
    assert refused.value.message == "该二维码已用于一次签到，请扫描现场最新的二维码"


def test_a_code_counts_as_used_only_by_the_same_member_at_the_same_station_in_the_same_window(make, scene):
    member, station = scene["member"], scene["station"]
    # This window at another station, this window by another member, the previous window here.
    past_visit(member, scene["other_station"], NOW - timedelta(seconds=30))
    past_visit(make.member(scene["units"]["community_a"]), station, NOW - timedelta(seconds=30))
    past_visit(member, station, NOW - timedelta(seconds=window_seconds()))
    checkin, created = scan(member, station)
    assert created and checkin.qr_window == window_of(NOW)


def test_a_member_with_an_open_visit_gets_it_back_even_scanning_a_code_already_used(scene):
    # Checked in and out in the previous window, checked in again in this one; the previous
    # window's code, still valid, answers with the open visit rather than as a replay.
    member, station = scene["member"], scene["station"]
    previous_window = NOW - timedelta(seconds=window_seconds())
    past_visit(member, station, previous_window)
    still_open = past_visit(member, station, NOW - timedelta(seconds=10), status="open")
    assert scan(member, station, token_at=previous_window) == (still_open, False)


# ------------------------------------------------------------------ two scans at once


def _a_concurrent_scan_commits_after_the_lookup(monkeypatch, member, station, found_again=True):
    """The first lookup of an open visit finds none, and right after it another scan's request
    commits its open visit, so the insert meets the unique index. The second lookup finds that
    visit, or (found_again=False) no longer finds it, as when it was closed in between (on
    SQLite the failed insert keeps the database locked, so the closing is told, not done)."""
    real_lookup = checkins._open_checkin
    winner = []

    def lookup(member_id, station_id):
        if not winner:
            with db.engine.begin() as other:
                winner.append(other.execute(insert(CheckIn).values(
                    member_id=member.id, station_id=station.id, lat=HERE[0], lng=HERE[1], distance_m=0.0,
                    qr_window=window_of(NOW), checked_in_at=NOW, status="open", flags=[], flagged=False,
                )).inserted_primary_key[0])
            return None
        return real_lookup(member_id, station_id) if found_again else None

    monkeypatch.setattr("services.checkins._open_checkin", lookup)
    return winner


def test_a_scan_that_loses_the_race_answers_with_the_winners_visit(monkeypatch, scene):
    winner = _a_concurrent_scan_commits_after_the_lookup(monkeypatch, scene["member"], scene["station"])
    checkin, created = scan(scene["member"], scene["station"])
    assert (checkin.id, created) == (winner[0], False)


def test_a_scan_that_loses_the_race_to_a_visit_gone_by_the_second_lookup_is_asked_to_retry(monkeypatch, scene):
    _a_concurrent_scan_commits_after_the_lookup(monkeypatch, scene["member"], scene["station"], found_again=False)
    with pytest.raises(Conflict) as refused:
        scan(scene["member"], scene["station"])
    assert (refused.value.code, refused.value.message) == ("checkin_in_progress", "签到正在处理中，请稍后重试")


# ------------------------------------------------------------------ impossible travel


def test_impossible_travel_evidence_gives_the_previous_visit_distance_time_and_speed(scene, fixed_distances):
    previous = past_visit(scene["member"], scene["other_station"], NOW - timedelta(seconds=500), position=FAR)
    fixed_distances[(FAR, HERE)] = 300_000.0
    checkin, _ = scan(scene["member"], scene["station"])
    assert checkin.flags == [{
        "code": "impossible_travel",
        "evidence": {"previous_checkin_id": previous.id, "distance_m": 300000, "seconds": 500, "speed_kmh": 2160},
    }]


def test_travel_is_measured_from_the_members_own_latest_visit(make, scene, fixed_distances):
    member = scene["member"]
    # Long ago from far away: plausible. A minute ago from far away: not. Another member's visit,
    # later still, from nearby, is none of this member's travel.
    past_visit(member, scene["other_station"], NOW - timedelta(days=2), position=NEAR)
    latest = past_visit(member, scene["other_station"], NOW - timedelta(seconds=60), position=FAR)
    past_visit(make.member(scene["units"]["community_a"]), scene["other_station"], NOW - timedelta(seconds=5))
    fixed_distances[(FAR, HERE)] = 300_000.0
    fixed_distances[(NEAR, HERE)] = 2_000.0
    checkin, _ = scan(member, scene["station"])
    assert flags_of(checkin)["impossible_travel"]["previous_checkin_id"] == latest.id


def test_another_members_recent_far_visit_is_no_travel_of_this_member(make, scene, fixed_distances):
    other = make.member(scene["units"]["community_a"])
    past_visit(other, scene["other_station"], NOW - timedelta(seconds=60), position=FAR)
    fixed_distances[(FAR, HERE)] = 300_000.0
    checkin, _ = scan(scene["member"], scene["station"])
    assert checkin.flags == []


def test_a_jump_of_at_most_1000_metres_is_never_impossible_travel(scene, fixed_distances):
    past_visit(scene["member"], scene["other_station"], NOW - timedelta(seconds=1), position=NEAR)
    fixed_distances[(NEAR, HERE)] = 1000.0
    assert scan(scene["member"], scene["station"])[0].flags == []


def test_a_jump_just_over_1000_metres_in_a_second_is_impossible_travel(scene, fixed_distances):
    past_visit(scene["member"], scene["other_station"], NOW - timedelta(seconds=1), position=NEAR)
    fixed_distances[(NEAR, HERE)] = 1000.5
    assert list(flags_of(scan(scene["member"], scene["station"])[0])) == ["impossible_travel"]


def test_travel_at_exactly_the_speed_limit_is_not_flagged_and_just_above_it_is(scene, fixed_distances):
    member = scene["member"]
    past_visit(member, scene["other_station"], NOW - timedelta(hours=1), position=NEAR)
    fixed_distances[(NEAR, HERE)] = 120_000.0  # 120 km in one hour: CHECKIN_MAX_SPEED_KMH
    checkin, _ = scan(member, scene["station"])
    assert checkin.flags == []
    db.session.delete(checkin)
    db.session.commit()
    fixed_distances[(NEAR, HERE)] = 120_100.0
    assert list(flags_of(scan(member, scene["station"])[0])) == ["impossible_travel"]


def test_a_jump_within_the_same_instant_counts_as_one_second(scene, fixed_distances):
    past_visit(scene["member"], scene["other_station"], NOW, position=NEAR)
    fixed_distances[(NEAR, HERE)] = 5_000.0
    evidence = flags_of(scan(scene["member"], scene["station"])[0])["impossible_travel"]
    assert (evidence["seconds"], evidence["speed_kmh"]) == (1, 18000)


# ------------------------------------------------------------------ shared devices


def test_a_device_used_by_another_member_within_24_hours_is_flagged_with_its_evidence(make, scene):
    other = make.member(scene["units"]["community_a"])
    past_visit(other, scene["station"], NOW - timedelta(hours=24), device_id="phone-1")
    checkin, _ = scan(scene["member"], scene["station"], device_id="phone-1")
    assert checkin.flags == [{"code": "shared_device", "evidence": {"device_id": "phone-1", "other_members_24h": 1}}]


def test_a_device_used_by_another_member_more_than_24_hours_ago_is_not_flagged(make, scene):
    other = make.member(scene["units"]["community_a"])
    past_visit(other, scene["station"], NOW - timedelta(hours=24, seconds=1), device_id="phone-1")
    assert scan(scene["member"], scene["station"], device_id="phone-1")[0].flags == []


def test_a_device_used_only_by_the_member_is_not_flagged(scene):
    past_visit(scene["member"], scene["station"], NOW - timedelta(hours=1), device_id="phone-1")
    assert scan(scene["member"], scene["station"], device_id="phone-1")[0].flags == []


def test_shared_devices_count_the_other_members_of_that_device_not_their_visits(app, make, scene, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKIN_DEVICE_OTHER_MEMBERS", 2)
    first = make.member(scene["units"]["community_a"])
    for hours_ago in (1, 2, 3):
        past_visit(first, scene["station"], NOW - timedelta(hours=hours_ago), device_id="phone-1")
    assert scan(scene["member"], scene["station"], device_id="phone-1")[0].flags == []

    late = make.member(scene["units"]["community_a"])
    past_visit(make.member(scene["units"]["community_a"]), scene["other_station"], NOW - timedelta(hours=5),
               device_id="phone-1")
    past_visit(make.member(scene["units"]["community_a"]), scene["station"], NOW - timedelta(hours=1),
               device_id="phone-2")
    checkin, _ = scan(late, scene["station"], device_id="phone-1")
    assert flags_of(checkin)["shared_device"] == {"device_id": "phone-1", "other_members_24h": 3}


# ------------------------------------------------------------------ the edge of the radius


def test_exactly_at_90_percent_of_the_radius_is_not_the_edge(scene, fixed_distances):
    fixed_distances[(HERE, (scene["station"].lat, scene["station"].lng))] = 90.0
    assert scan(scene["member"], scene["station"])[0].flags == []


def test_beyond_90_percent_of_the_radius_is_flagged_with_the_distance_and_the_radius(scene, fixed_distances):
    fixed_distances[(HERE, (scene["station"].lat, scene["station"].lng))] = 95.37
    checkin, _ = scan(scene["member"], scene["station"])
    assert checkin.flags == [{"code": "radius_edge", "evidence": {"distance_m": 95.4, "radius_m": 100}}]
