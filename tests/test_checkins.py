"""QR check-in: tokens, radius, opening hours, one open visit, confirmation and the flags."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from extensions import db
from jobs.checkins import close_forgotten_checkins
from models.base import utcnow
from models.checkins import CheckIn
from models.ledger import HourEntry
from models.notifications import Notification
from models.orgs import StaffScope
from models.stations import WEEKDAYS
from services.qrcodes import window_seconds
from services.stations import qr_token
from tests.conftest import body, executed_statements
from tests.fixtures.members import CENTRE


@pytest.fixture
def scene(station_scene):
    return station_scene


def _check_in(client, make, user, station, token=None, lat=CENTRE[0], lng=CENTRE[1], headers=None, **extra):
    payload = {"station_id": station.id, "qr_token": token or make_token(station), "lat": lat, "lng": lng, **extra}
    return client.post("/api/v1/checkins", json=payload, headers=headers or make.headers(user))


def make_token(station, at=None):
    return qr_token(station, at).token


def _code(response):
    return body(response)["error"]["code"]


def test_member_checks_in_with_a_fresh_code(client, make, scene):
    response = _check_in(client, make, scene["member"], scene["station"])
    assert response.status_code == 201
    assert body(response)["station_id"] == scene["station"].id
    assert body(response)["checked_in_at"]
    assert body(response)["flags"] == []


def test_previous_window_code_still_works(client, make, scene):
    token = make_token(scene["station"], utcnow() - timedelta(seconds=window_seconds()))
    assert _check_in(client, make, scene["member"], scene["station"], token).status_code == 201


def test_expired_code_is_refused(client, make, scene):
    token = make_token(scene["station"], utcnow() - timedelta(seconds=2 * window_seconds()))
    response = _check_in(client, make, scene["member"], scene["station"], token)
    assert response.status_code == 422
    assert _code(response) == "qr_expired"


def test_forged_code_is_refused(client, make, scene):
    station_id, window, signature = make_token(scene["station"]).split(".")
    forged = f"{station_id}.{window}.{'0' * len(signature)}"
    for token in (forged, "not-a-token", f"{station_id}.{int(window) + 1}.{signature}"):
        response = _check_in(client, make, scene["member"], scene["station"], token)
        assert response.status_code == 422
        assert _code(response) == "qr_invalid"


def test_code_of_another_station_is_refused(client, make, make_station, scene):
    other = make_station(scene["units"]["community_a"])
    response = _check_in(client, make, scene["member"], scene["station"], make_token(other))
    assert response.status_code == 422
    assert _code(response) == "qr_wrong_station"


def test_rotated_secret_voids_shown_codes(client, make, scene):
    token = make_token(scene["station"])
    staff_headers = make.headers(scene["staff"])
    assert client.post(f"/api/v1/stations/{scene['station'].id}/qr/rotate", headers=staff_headers).status_code == 200
    response = _check_in(client, make, scene["member"], scene["station"], token)
    assert _code(response) == "qr_invalid"


def test_replayed_code_after_checkout_is_refused(client, make, scene):
    token = make_token(scene["station"])
    headers = make.headers(scene["member"])
    first = body(_check_in(client, make, scene["member"], scene["station"], token, headers=headers))
    assert client.post(f"/api/v1/checkins/{first['id']}/checkout", headers=headers).status_code == 200
    replay = _check_in(client, make, scene["member"], scene["station"], token, headers=headers)
    assert replay.status_code == 409
    assert _code(replay) == "qr_replayed"


def test_outside_the_radius_is_refused(client, make, scene):
    response = _check_in(client, make, scene["member"], scene["station"], lat=CENTRE[0] + 0.002)
    assert response.status_code == 422
    assert _code(response) == "outside_radius"


def test_closed_station_refuses(client, make, make_station, scene):
    closed = make_station(scene["units"]["community_a"], opening_hours={"weekly": {}, "closed_days": []})
    response = _check_in(client, make, scene["member"], closed)
    assert response.status_code == 409
    assert _code(response) == "station_closed"


@pytest.mark.parametrize("lat,lng", [(91, 117), (-90.5, 117), (36, 181), (36, -200)])
def test_coordinates_out_of_range_are_422(client, make, scene, lat, lng):
    response = _check_in(client, make, scene["member"], scene["station"], lat=lat, lng=lng)
    assert response.status_code == 422
    assert _code(response) == "validation_error"


def test_non_member_cannot_check_in(client, make, scene):
    response = _check_in(client, make, make.resident(scene["units"]["community_a"]), scene["station"])
    assert response.status_code == 403
    assert _code(response) == "member_required"


def test_station_of_another_community_is_not_covered(client, make, make_station, scene):
    other = make_station(scene["units"]["community_b"])
    response = _check_in(client, make, scene["member"], other)
    assert response.status_code == 403
    assert _code(response) == "station_not_covered"


def test_street_station_covers_its_communities(client, make, make_station, scene):
    centre = make_station(scene["units"]["street"], kind="street_service_centre")
    assert _check_in(client, make, scene["member"], centre).status_code == 201


def test_open_checkin_is_returned_not_duplicated(client, make, scene):
    headers = make.headers(scene["member"])
    first = _check_in(client, make, scene["member"], scene["station"], headers=headers)
    second = _check_in(client, make, scene["member"], scene["station"], headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert body(first)["id"] == body(second)["id"]


def test_idempotency_key_replays_the_first_answer(client, make, scene):
    headers = {**make.headers(scene["member"]), "Idempotency-Key": "scan-1"}
    first = _check_in(client, make, scene["member"], scene["station"], headers=headers)
    second = _check_in(client, make, scene["member"], scene["station"], headers=headers)
    assert first.status_code == second.status_code == 201
    assert body(first) == body(second)


def test_twenty_concurrent_checkins_make_one_open_visit(live_server, make, scene):
    headers = make.headers(scene["member"])
    payload = {
        "station_id": scene["station"].id,
        "qr_token": make_token(scene["station"]),
        "lat": CENTRE[0],
        "lng": CENTRE[1],
    }

    def scan(_):
        return requests.post(f"{live_server}/api/v1/checkins", json=payload, headers=headers, timeout=30)

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(scan, range(20)))
    failures = [r.text for r in responses if r.status_code > 201]
    assert {response.status_code for response in responses} <= {200, 201}, failures
    assert sum(response.status_code == 201 for response in responses) == 1
    assert len({response.json()["id"] for response in responses}) == 1
    db.session.expire_all()
    count = db.session.execute(
        select(func.count(CheckIn.id)).where(CheckIn.member_id == scene["member"].id)
    ).scalar_one()
    assert count == 1


def _backdate(checkin_id, minutes):
    db.session.execute(
        update(CheckIn).where(CheckIn.id == checkin_id).values(checked_in_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_checkout_gives_minutes_and_a_pending_entry(client, make, scene):
    headers = make.headers(scene["member"])
    checkin = body(_check_in(client, make, scene["member"], scene["station"], headers=headers))
    _backdate(checkin["id"], 95)
    response = client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers)
    assert response.status_code == 200
    assert body(response)["minutes"] == 95
    entry = db.session.execute(select(HourEntry).where(HourEntry.source_id == checkin["id"])).scalar_one()
    assert (entry.source, entry.minutes, entry.status) == ("checkin", 95, "pending")
    again = client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers)
    assert again.status_code == 409


def test_someone_elses_checkout_is_404(client, make, scene):
    checkin = body(_check_in(client, make, scene["member"], scene["station"]))
    other = make.member(scene["units"]["community_a"])
    assert client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=make.headers(other)).status_code == 404


def test_overlong_visit_is_flagged_not_credited(client, make, scene):
    headers = make.headers(scene["member"])
    checkin = body(_check_in(client, make, scene["member"], scene["station"], headers=headers))
    _backdate(checkin["id"], 9 * 60)
    closed = body(client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers))
    assert closed["flagged"] is True
    assert [flag["code"] for flag in closed["flags"]] == ["overlong"]
    assert db.session.execute(select(func.count(HourEntry.id))).scalar_one() == 0


def test_staff_confirm_credits_the_ledger(client, make, scene):
    headers = make.headers(scene["member"])
    checkin = body(_check_in(client, make, scene["member"], scene["station"], headers=headers))
    _backdate(checkin["id"], 60)
    client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers)
    response = client.post(f"/api/v1/checkins/{checkin['id']}/confirm", headers=make.headers(scene["staff"]))
    assert response.status_code == 200
    assert body(response)["status"] == "confirmed"
    hours = body(client.get("/api/v1/members/me/hours", headers=headers))
    assert hours["confirmed_minutes"] == 60 and hours["pending_minutes"] == 0
    events = (
        db.session.execute(select(Notification.event).where(Notification.user_id == scene["member"].id)).scalars().all()
    )
    # An event with a subscribe-message template, so the member can also hear it in WeChat.
    assert events == ["checkin_confirmed"]
    assert "checkin_confirmed" in {
        item["event"] for item in body(client.get("/api/v1/notifications/templates"))["items"]
    }


def test_self_confirmation_is_403_even_for_staff(client, make, scene):
    member_staff = scene["member"]
    db.session.add(StaffScope(user_id=member_staff.id, org_id=scene["units"]["community_a"].id, role="staff"))
    db.session.commit()
    headers = make.headers(member_staff)
    checkin = body(_check_in(client, make, member_staff, scene["station"], headers=headers))
    client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers)
    response = client.post(f"/api/v1/checkins/{checkin['id']}/confirm", headers=headers)
    assert response.status_code == 403
    assert _code(response) == "self_confirmation"


def test_plain_member_confirming_own_is_403(client, make, scene):
    headers = make.headers(scene["member"])
    checkin = body(_check_in(client, make, scene["member"], scene["station"], headers=headers))
    client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers)
    response = client.post(f"/api/v1/checkins/{checkin['id']}/confirm", headers=headers)
    assert response.status_code == 403


def test_staff_of_another_community_get_404(client, make, scene):
    headers = make.headers(scene["member"])
    checkin = body(_check_in(client, make, scene["member"], scene["station"], headers=headers))
    client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers)
    outsider = make.headers(make.staff(scene["units"]["community_b"]))
    response = client.post(f"/api/v1/checkins/{checkin['id']}/confirm", headers=outsider)
    assert response.status_code == 404
    listed = body(client.get("/api/v1/checkins", headers=outsider))
    assert listed["total"] == 0


def test_listing_for_staff_and_member(client, make, scene):
    _check_in(client, make, scene["member"], scene["station"])
    staff = body(
        client.get(
            f"/api/v1/checkins?station_id={scene['station'].id}&status=open", headers=make.headers(scene["staff"])
        )
    )
    assert staff["total"] == 1
    other = make.member(scene["units"]["community_a"])
    assert body(client.get("/api/v1/checkins", headers=make.headers(other)))["total"] == 0
    assert body(client.get("/api/v1/checkins", headers=make.headers(scene["member"])))["total"] == 1


def test_edge_of_radius_and_shared_device_are_flagged(client, make, scene):
    other = make.member(scene["units"]["community_a"])
    _check_in(client, make, other, scene["station"], device_id="phone-1")
    response = _check_in(client, make, scene["member"], scene["station"], lat=CENTRE[0] + 0.00085, device_id="phone-1")
    assert response.status_code == 201
    flags = {flag["code"]: flag["evidence"] for flag in body(response)["flags"]}
    assert flags["shared_device"]["other_members_24h"] == 1
    assert 90 < flags["radius_edge"]["distance_m"] <= 100
    flagged = body(client.get("/api/v1/checkins?flagged=1", headers=make.headers(scene["staff"])))
    assert [item["member_id"] for item in flagged["items"]] == [scene["member"].id]


def test_impossible_travel_is_flagged(client, make, make_station, scene):
    far = make_station(scene["units"]["community_a"], lat=CENTRE[0] + 0.5)
    headers = make.headers(scene["member"])
    first = body(_check_in(client, make, scene["member"], scene["station"], headers=headers))
    response = _check_in(client, make, scene["member"], far, lat=CENTRE[0] + 0.5, headers=headers)
    flags = {flag["code"]: flag["evidence"] for flag in body(response)["flags"]}
    assert flags["impossible_travel"]["previous_checkin_id"] == first["id"]
    assert flags["impossible_travel"]["distance_m"] > 50000


def test_forgotten_checkout_is_closed_and_flagged(client, make, make_station, scene):
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = {"weekly": {day: [{"open": "00:00", "close": "24:00"}] for day in every_day}}
    station = make_station(scene["units"]["community_a"], opening_hours=hours)
    checkin = body(_check_in(client, make, scene["member"], station))
    assert close_forgotten_checkins() == 0
    station.opening_hours = {"weekly": {}, "closed_days": []}
    db.session.commit()
    assert close_forgotten_checkins() == 1
    row = db.session.get(CheckIn, checkin["id"])
    db.session.refresh(row)
    assert row.status == "auto_closed" and row.flagged
    assert row.flags[-1]["code"] == "forgotten_checkout"
    events = (
        db.session.execute(select(Notification.event).where(Notification.user_id == scene["member"].id)).scalars().all()
    )
    assert events == ["checkin_flagged"]
    assert db.session.execute(select(func.count(HourEntry.id))).scalar_one() == 0


def test_auto_closed_visit_has_no_hours_to_confirm(client, make, make_station, scene):
    checkin = body(_check_in(client, make, scene["member"], scene["station"]))
    scene["station"].opening_hours = {"weekly": {}, "closed_days": []}
    db.session.commit()
    close_forgotten_checkins()
    response = client.post(f"/api/v1/checkins/{checkin['id']}/confirm", headers=make.headers(scene["staff"]))
    assert response.status_code == 409
    assert _code(response) == "no_pending_hours"


def _visit(client, make, member, station, minutes, **scan):
    """A visit the member checked out of `minutes` after scanning; the checkout answer."""
    headers = make.headers(member)
    checkin = body(_check_in(client, make, member, station, headers=headers, **scan))
    _backdate(checkin["id"], minutes)
    response = client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=headers)
    assert response.status_code == 200
    return body(response)


def _listed(client, make, user, query=""):
    return body(client.get(f"/api/v1/checkins?per_page=100{query}", headers=make.headers(user)))["items"]


def test_every_checkin_answer_names_the_member_and_station_and_tells_the_hours_status(client, make, scene):
    member, station = scene["member"], scene["station"]
    headers = make.headers(member)
    opened = body(_check_in(client, make, member, station, headers=headers))
    assert (opened["member_name"], opened["station_name"], opened["hours_status"]) == (member.name, station.name, None)
    _backdate(opened["id"], 50)
    closed = body(client.post(f"/api/v1/checkins/{opened['id']}/checkout", headers=headers))
    assert (closed["member_name"], closed["hours_status"]) == (member.name, "pending")
    mine = _listed(client, make, member, "&mine=1")
    assert [(item["id"], item["member_name"], item["hours_status"]) for item in mine] == [
        (opened["id"], member.name, "pending")
    ]


def test_hours_status_follows_the_ledger_entry_and_filters_the_list(client, make, make_station, scene):
    member, station, staff = scene["member"], scene["station"], scene["staff"]
    other = make.member(scene["units"]["community_a"], name="李红")
    # A second station, as a code already used for a finished visit is not taken again.
    second = make_station(scene["units"]["community_a"])
    confirmed = _visit(client, make, member, station, 60)
    pending = _visit(client, make, other, station, 30)
    overlong = _visit(client, make, member, second, 9 * 60)
    still_open = body(_check_in(client, make, other, second))
    assert client.post(f"/api/v1/checkins/{confirmed['id']}/confirm", headers=make.headers(staff)).status_code == 200

    listed = {item["id"]: (item["member_name"], item["hours_status"]) for item in _listed(client, make, staff)}
    assert listed == {
        confirmed["id"]: (member.name, "confirmed"),
        pending["id"]: ("李红", "pending"),
        overlong["id"]: (member.name, None),
        still_open["id"]: ("李红", None),
    }
    assert [item["id"] for item in _listed(client, make, staff, "&hours_status=pending")] == [pending["id"]]
    assert [item["id"] for item in _listed(client, make, staff, "&hours_status=confirmed")] == [confirmed["id"]]
    narrowed = _listed(client, make, staff, f"&hours_status=pending&status=closed&station_id={station.id}")
    assert [item["id"] for item in narrowed] == [pending["id"]]
    assert _listed(client, make, staff, "&hours_status=pending&flagged=1") == []


def test_hours_status_filter_keeps_to_the_staff_scope(client, make, make_station, scene):
    _visit(client, make, scene["member"], scene["station"], 40)
    outsider = make.staff(scene["units"]["community_b"])
    elsewhere = _visit(
        client, make, make.member(scene["units"]["community_b"]), make_station(scene["units"]["community_b"]), 40
    )
    assert [item["id"] for item in _listed(client, make, outsider, "&hours_status=pending")] == [elsewhere["id"]]


def test_unknown_hours_status_is_422(client, make, scene):
    response = client.get("/api/v1/checkins?hours_status=unknown", headers=make.headers(scene["staff"]))
    assert response.status_code == 422
    assert _code(response) == "validation_error"


def test_a_page_of_checkins_takes_the_same_queries_however_many_visits_it_holds(client, make, scene):
    """Names and hours come with the page (a join, at most one query more), never one query per visit."""
    station, staff = scene["station"], scene["staff"]
    headers = make.headers(staff)

    def queries_for_one_page():
        with executed_statements() as statements:
            page = body(client.get("/api/v1/checkins?per_page=100", headers=headers))
        db.session.expire_all()
        return page["total"], len(statements)

    _visit(client, make, scene["member"], station, 30)
    total, queries = queries_for_one_page()
    for _ in range(4):
        _visit(client, make, make.member(scene["units"]["community_a"]), station, 30)
    assert total == 1
    assert queries_for_one_page() == (5, queries)


def test_checkout_after_closing_counts_minutes_only_up_to_the_closing_time(client, make, scene):
    from localtime import to_local

    # Checked in at 22:00 yesterday (local) at a station open from 06:00 until midnight, checked out today.
    scene["station"].opening_hours = {"weekly": {day: [{"open": "06:00", "close": "24:00"}] for day in WEEKDAYS},
                                      "closed_days": []}
    midnight = to_local(utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    checkin = CheckIn(
        member_id=scene["member"].id, station_id=scene["station"].id, lat=CENTRE[0], lng=CENTRE[1],
        distance_m=1.0, qr_window=1, checked_in_at=midnight - timedelta(hours=2),
    )
    db.session.add(checkin)
    db.session.commit()
    response = client.post(f"/api/v1/checkins/{checkin.id}/checkout", headers=make.headers(scene["member"]))
    assert response.status_code == 200
    assert body(response)["minutes"] == 120
    assert db.session.execute(select(HourEntry.minutes)).scalar_one() == 120
