"""GET /api/v1/dashboard: today's figures and twelve weeks, equal to direct counts, in a fixed number of queries."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from localtime import local_zone, to_local
from models.base import utcnow
from models.checkins import CheckIn
from models.ledger import HourCorrection, HourEntry
from models.members import Registration
from models.requests import REQUEST_STATUSES, ServiceRequest
from tests.conftest import body, executed_statements

_source_ids = iter(range(1, 10**6))


def _request(scene, community, status="submitted", created_at=None, sla_due_at=None):
    now = utcnow()
    request = ServiceRequest(
        resident_id=scene["resident"].id, community_id=community.id, category_id=scene["category"].id,
        title="求助", status=status, created_at=created_at or now, updated_at=now,
        sla_due_at=sla_due_at or now + timedelta(hours=2),
    )
    db.session.add(request)
    return request


def _checkin(member, station, status="open", checked_in_at=None):
    db.session.add(CheckIn(
        member_id=member.id, station_id=station.id, status=status, lat=station.lat, lng=station.lng,
        distance_m=1.0, qr_window=1, checked_in_at=checked_in_at or utcnow(),
    ))


def _entry(member, org, minutes, confirmed_at=None, confirmer=None):
    entry = HourEntry(
        member_id=member.id, org_id=org.id, source="visit", source_id=next(_source_ids), minutes=minutes,
        status="confirmed" if confirmed_at else "pending",
        confirmed_at=confirmed_at, confirmed_by_id=confirmer.id if confirmer else None,
    )
    db.session.add(entry)
    return entry


def _fill(scene, make, make_station, copies=1):
    """Work in communities A and B: requests, visits, hours, a registration and a correction per copy."""
    units, staff = scene["units"], scene["staff"]
    now = utcnow()
    station_a, station_b = make_station(units["building_a1"]), make_station(units["community_b"])
    for _ in range(copies):
        for community in (units["community_a"], units["community_b"]):
            _request(scene, community, "submitted", sla_due_at=now - timedelta(minutes=5))  # overdue
            _request(scene, community, "accepted")
            _request(scene, community, "confirmed", created_at=now - timedelta(weeks=3))
            _request(scene, community, "cancelled", created_at=now - timedelta(weeks=20))
        member_a = make.member(units["community_a"], units["building_a1"])
        member_b = make.member(units["community_b"])
        _checkin(member_a, station_a)
        _checkin(member_a, make_station(units["community_a"]), "closed", now - timedelta(days=3))
        _checkin(member_b, station_b)
        _entry(member_a, units["community_a"], 40, now, staff)
        _entry(member_a, units["building_a1"], 25, now - timedelta(weeks=5), staff)
        pending = _entry(member_a, units["community_a"], 15)
        _entry(member_b, units["community_b"], 60, now, staff)
        db.session.flush()
        db.session.add(HourCorrection(entry_id=pending.id, member_id=member_a.id, reason="少算了"))
        applicant = make.resident(units["community_a"])
        db.session.add(Registration(
            user_id=applicant.id, community_id=units["community_a"].id, employer_unit="单位",
            home_branch="支部", skills=[], availability=[],
        ))
    db.session.commit()


def _dashboard(client, make, user, query=""):
    response = client.get(f"/api/v1/dashboard{query}", headers=make.headers(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return body(response)


def _local_monday(moment: datetime) -> date:
    day = to_local(moment).date()
    return day - timedelta(days=day.weekday())


def test_figures_equal_direct_counts(client, make, scene, make_station):
    _fill(scene, make, make_station)
    community_a = scene["units"]["community_a"]
    answer = _dashboard(client, make, scene["staff"])
    assert (answer["org_id"], answer["org_name"]) == (community_a.id, community_a.name)
    requests = db.session.execute(
        select(ServiceRequest).where(ServiceRequest.community_id == community_a.id)
    ).scalars().all()
    today = answer["today"]
    assert today["requests_by_status"] == {
        status: sum(1 for request in requests if request.status == status) for status in REQUEST_STATUSES
    }
    assert today["overdue_requests"] == sum(1 for request in requests if request.sla_breached) == 1
    checkins = db.session.execute(select(CheckIn)).scalars().all()
    in_a = [checkin for checkin in checkins if checkin.station.org_id != scene["units"]["community_b"].id]
    midnight = datetime.combine(to_local().date(), datetime.min.time(), local_zone())
    assert today["checkins_today"] == sum(1 for checkin in in_a if checkin.checked_in_at >= midnight) == 1
    assert today["members_on_duty"] == len({checkin.member_id for checkin in in_a if checkin.status == "open"}) == 1
    month_start = midnight.replace(day=1)
    entries = db.session.execute(
        select(HourEntry).where(HourEntry.org_id.in_([community_a.id, scene["units"]["building_a1"].id]))
    ).scalars().all()
    assert today["hours_confirmed_this_month_minutes"] == sum(
        entry.minutes for entry in entries if entry.status == "confirmed" and entry.confirmed_at >= month_start
    )
    assert today["registrations_waiting"] == 1 and today["corrections_waiting"] == 1

    weeks = answer["weeks"]
    assert len(weeks) == 12
    starts = [date.fromisoformat(week["week_start"]) for week in weeks]
    assert starts == sorted(starts) and all(day.weekday() == 0 for day in starts)
    assert starts[-1] == _local_monday(utcnow())
    by_week = {week["week_start"]: week for week in weeks}
    for week_start, week in by_week.items():
        assert week["requests"] == sum(
            1 for request in requests if _local_monday(request.created_at).isoformat() == week_start
        )
        assert week["confirmed_minutes"] == sum(
            entry.minutes for entry in entries
            if entry.status == "confirmed" and _local_monday(entry.confirmed_at).isoformat() == week_start
        )
    assert sum(week["requests"] for week in weeks) == 3
    assert sum(week["confirmed_minutes"] for week in weeks) == 65


def test_visits_count_today_by_start_and_on_duty_while_open(client, make, scene, make_station):
    """A visit open since yesterday is on duty but not today's; one closed today is today's, not on duty."""
    units = scene["units"]
    station = make_station(units["building_a1"])
    midnight = datetime.combine(to_local().date(), datetime.min.time(), local_zone())
    overnight, early, elsewhere = (make.member(units["community_a"]) for _ in range(3))
    _checkin(overnight, station, "open", midnight - timedelta(hours=2))
    _checkin(early, station, "closed", midnight + timedelta(seconds=1))
    _checkin(early, station, "closed", midnight - timedelta(seconds=1))
    _checkin(elsewhere, make_station(units["community_b"]), "open")
    db.session.commit()
    today = _dashboard(client, make, scene["staff"])["today"]
    assert (today["checkins_today"], today["members_on_duty"]) == (1, 1)


def test_admin_default_is_the_whole_tree(client, make, scene, make_station):
    _fill(scene, make, make_station)
    answer = _dashboard(client, make, make.admin())
    assert answer["org_id"] == scene["units"]["district"].id
    assert answer["today"]["overdue_requests"] == 2
    assert answer["today"]["members_on_duty"] == 2


def test_org_outside_scope_answers_404(client, make, scene):
    response = client.get(
        f"/api/v1/dashboard?org_id={scene['units']['community_b'].id}", headers=make.headers(scene["staff"])
    )
    assert response.status_code == 404
    assert body(response)["error"]["code"] == "org_not_found"


@pytest.mark.parametrize("query", ["?org_id=abc", "?org_id=99999999999"])
def test_bad_org_id_answers_422(client, make, scene, query):
    assert client.get(f"/api/v1/dashboard{query}", headers=make.headers(scene["staff"])).status_code == 422


def test_residents_cannot_see_the_dashboard(client, make, scene):
    assert client.get("/api/v1/dashboard", headers=make.headers(scene["resident"])).status_code == 403


def test_statements_do_not_grow_with_the_rows(client, make, scene, make_station):
    _fill(scene, make, make_station)
    headers = make.headers(scene["staff"])
    with executed_statements() as few:
        assert client.get("/api/v1/dashboard", headers=headers).status_code == 200
    _fill(scene, make, make_station, copies=6)
    with executed_statements() as many:
        answer = client.get("/api/v1/dashboard", headers=headers)
    assert body(answer)["today"]["registrations_waiting"] == 7
    assert len(many) == len(few)


def test_dashboard_is_documented_in_openapi(client):
    spec = body(client.get("/api/v1/openapi.json"))
    operation = spec["paths"]["/api/v1/dashboard"]["get"]
    assert "org_id" in {parameter["name"] for parameter in operation["parameters"]}
    assert "Dashboard" in spec["components"]["schemas"]
