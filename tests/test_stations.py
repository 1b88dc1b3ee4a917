"""Stations: scoped management, distance listing, opening hours and the rotating QR code."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.stations import STATION_KINDS, Station, closing_time, is_open
from schemas.common import MAX_ID
from services.orgs import add_org
from tests.conftest import body
from tests.fixtures.members import ALWAYS_OPEN, CENTRE


def _station(org, **extra):
    payload = {
        "name": "幸福里社区党员服务站",
        "kind": "community_service_station",
        "org_id": org.id,
        "address": "幸福里12号",
        "lat": CENTRE[0],
        "lng": CENTRE[1],
        "radius_m": 150,
        "acquisition": "joint_built",
        "opening_hours": {"weekly": {"mon": [{"open": "08:30", "close": "17:30"}]}, "closed_days": ["2026-10-01"]},
    }
    payload.update(extra)
    return payload


def test_staff_create_a_station_in_scope(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"]))
    response = client.post("/api/v1/stations", json=_station(units["community_a"]), headers=headers)
    assert response.status_code == 201
    station = body(response)
    assert station["opening_hours"]["weekly"]["mon"] == [{"open": "08:30", "close": "17:30"}]
    assert station["opening_hours"]["weekly"]["sun"] == []
    assert station["opening_hours"]["closed_days"] == ["2026-10-01"]
    assert "qr_secret" not in station
    assert station["checklist"] is None


def test_station_outside_scope_is_404(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_b"]))
    assert client.post("/api/v1/stations", json=_station(units["community_a"]), headers=headers).status_code == 404
    station = body(
        client.post("/api/v1/stations", json=_station(units["community_a"]), headers=make.headers(make.admin()))
    )
    assert client.patch(f"/api/v1/stations/{station['id']}", json={"name": "改名"}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/stations/{station['id']}/qr", headers=headers).status_code == 404
    assert client.get(f"/api/v1/stations/{station['id']}/qr.png", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "palace"},
        {"acquisition": "stolen"},
        {"lat": 91},
        {"lng": -181},
        {"radius_m": 0},
        {"opening_hours": {"weekly": {"mon": [{"open": "18:00", "close": "09:00"}]}}},
        {"opening_hours": {"weekly": {"mon": [{"open": "25:00", "close": "26:00"}]}}},
        {"opening_hours": {"weekly": {"someday": []}}},
        {"name": "长" * 101},
    ],
)
def test_invalid_station_fields_are_422(client, make, change):
    units = make.tree()
    response = client.post(
        "/api/v1/stations", json=_station(units["community_a"], **change), headers=make.headers(make.admin())
    )
    assert response.status_code == 422


def test_checklist_only_for_enterprise_and_social_positions(client, make):
    units = make.tree()
    committee = add_org("非公企业党工委", "nonpublic_enterprise_committee", units["district"])
    enterprise = add_org("某科技公司党支部", "enterprise_branch", committee)
    db.session.commit()
    headers = make.headers(make.admin())
    checklist = {"has_place": True, "has_flag": True, "work_profile": True}
    refused = client.post("/api/v1/stations", json=_station(units["community_a"], checklist=checklist), headers=headers)
    assert refused.status_code == 422
    assert body(refused)["error"]["code"] == "checklist_not_applicable"
    created = body(client.post("/api/v1/stations", json=_station(enterprise, checklist=checklist), headers=headers))
    assert created["checklist_done"] == 3
    assert created["checklist_total"] == 12
    assert created["checklist"]["study_video_system"] is False


def test_near_lists_by_distance(client, make, make_station):
    units = make.tree()
    far = make_station(units["community_a"], name="远", lat=CENTRE[0] + 0.05)
    near = make_station(units["community_a"], name="近", lat=CENTRE[0] + 0.001)
    middle = make_station(units["community_b"], name="中", lat=CENTRE[0] + 0.01)
    listed = body(
        client.get(f"/api/v1/stations?near={CENTRE[0]},{CENTRE[1]}", headers=make.headers(make.resident()))
    )
    assert [item["id"] for item in listed["items"]] == [near.id, middle.id, far.id]
    assert 100 < listed["items"][0]["distance_m"] < 125
    assert listed["total"] == 3


def test_near_out_of_range_is_422(client, make):
    make.tree()
    headers = make.headers(make.resident())
    assert client.get("/api/v1/stations?near=95,117", headers=headers).status_code == 422
    assert client.get("/api/v1/stations?near=abc", headers=headers).status_code == 422


def test_qr_gives_token_and_png(client, make, make_station):
    units = make.tree()
    station = make_station(units["community_a"])
    headers = make.headers(make.staff(units["community_a"]))
    qr = body(client.get(f"/api/v1/stations/{station.id}/qr", headers=headers))
    assert qr["token"].startswith(f"{station.id}.")
    assert qr["token"] in qr["payload"]
    assert datetime.fromisoformat(qr["expires_at"]) > datetime.now(UTC)
    png = client.get(qr["png_url"], headers=headers)
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")


def test_qr_tells_the_display_when_the_code_changes(client, make, make_station, app):
    units = make.tree()
    station = make_station(units["community_a"])
    headers = make.headers(make.staff(units["community_a"]))
    before = datetime.now(UTC)
    qr = body(client.get(f"/api/v1/stations/{station.id}/qr", headers=headers))
    window = app.config["QR_WINDOW_SECONDS"]
    changes_at, expires_at = datetime.fromisoformat(qr["changes_at"]), datetime.fromisoformat(qr["expires_at"])
    assert qr["window_seconds"] == window
    assert before < changes_at <= before + timedelta(seconds=window)
    assert expires_at - changes_at == timedelta(seconds=window)
    assert changes_at.timestamp() % window == 0


def test_residents_do_not_get_the_qr(client, make, make_station):
    units = make.tree()
    station = make_station(units["community_a"])
    assert client.get(f"/api/v1/stations/{station.id}/qr", headers=make.headers(make.resident())).status_code == 404


def test_opening_hours_use_shanghai_time(make, make_station):
    units = make.tree()
    station = make_station(
        units["community_a"],
        opening_hours={"weekly": {"mon": [{"open": "08:30", "close": "17:30"}]}, "closed_days": ["2026-11-30"]},
    )
    # Monday 2026-11-23 09:00 in Shanghai is 01:00 UTC.
    assert is_open(station, datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    assert not is_open(station, datetime(2026, 11, 23, 0, 29, tzinfo=UTC))
    assert not is_open(station, datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    assert not is_open(station, datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    assert not is_open(station, datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    assert closing_time(station, datetime(2026, 11, 23, 1, 0, tzinfo=UTC)) == datetime(
        2026, 11, 23, 9, 30, tzinfo=UTC
    )
    assert ALWAYS_OPEN["weekly"]["sun"]


def test_demo_has_a_station_of_every_kind(app, app_context):
    app.test_cli_runner().invoke(args=["seed-demo"])
    demo = db.session.execute(select(Station)).scalars().all()
    assert {station.kind for station in demo} == set(STATION_KINDS)
    assert all(len(station.qr_secret) == 32 for station in demo)
    assert any(station.checklist for station in demo)


def test_patch_changes_only_the_given_fields(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"]))
    station = body(client.post("/api/v1/stations", json=_station(units["community_a"]), headers=headers))
    patched = client.patch(
        f"/api/v1/stations/{station['id']}", json={"radius_m": 300, "acquisition": "rented"}, headers=headers
    )
    assert patched.status_code == 200
    assert (body(patched)["radius_m"], body(patched)["acquisition"]) == (300, "rented")
    assert body(patched)["opening_hours"] == station["opening_hours"]
    assert body(patched)["name"] == station["name"]


def test_within_lists_the_stations_of_an_orgs_whole_subtree_and_org_id_stays_exact(client, make, make_station):
    units = make.tree()
    street = make_station(units["street"], name="街道站")
    community = make_station(units["community_a"], name="社区站")
    building = make_station(units["building_a1"], name="楼院站")
    make_station(units["community_b"], name="别的社区站")
    headers = make.headers(make.staff(units["street"]))

    def listed(query):
        response = client.get(f"/api/v1/stations?{query}", headers=headers)
        assert response.status_code == 200
        return [item["id"] for item in body(response)["items"]]

    assert listed(f"within={units['community_a'].id}") == [community.id, building.id]
    assert listed(f"within={units['street'].id}&org_id={units['street'].id}") == [street.id]
    assert listed(f"org_id={units['community_a'].id}") == [community.id]


def test_within_an_org_outside_the_scope_answers_404_like_a_missing_one(client, make, make_station):
    units = make.tree()
    make_station(units["community_b"])
    headers = make.headers(make.staff(units["community_a"]))
    hidden = client.get(f"/api/v1/stations?within={units['community_b'].id}", headers=headers)
    missing = client.get(f"/api/v1/stations?within={MAX_ID}", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert body(hidden)["error"]["code"] == body(missing)["error"]["code"] == "org_not_found"
    resident = client.get(f"/api/v1/stations?within={units['community_a'].id}", headers=make.headers(make.resident()))
    assert resident.status_code == 404
