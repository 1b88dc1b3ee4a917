"""Matching explained: distance from where help is needed, fairness over taken requests, names."""
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.base import utcnow
from models.orgs import OrgUnit
from models.requests import ServiceRequest
from tests.conftest import body
from tests.test_requests import post, submit

# About 350 m of latitude.
NORTH_350_M = 0.00315
HOME = (36.6600, 117.0000)


def place(unit: OrgUnit, lat: float, lng: float) -> None:
    unit.lat, unit.lng = lat, lng
    db.session.commit()


def ranked(client, make, scene, request_id):
    response = client.get(f"/api/v1/requests/{request_id}/candidates", headers=make.headers(scene["staff"]))
    assert response.status_code == 200
    return body(response)


@pytest.fixture
def spread(make, scene):
    """The resident's building at HOME; members in it, 350 m away, and one with no building."""
    units = scene["units"]
    place(units["building_a1"], *HOME)
    place(units["building_a2"], HOME[0] + NORTH_350_M, HOME[1])
    near = make.member(units["community_a"], units["building_a2"], skills=("维修",), name="近邻党员")
    unplaced = make.member(units["community_a"], skills=("维修",), name="未登记楼院党员")
    return {"same": scene["members"][0], "near": near, "unplaced": unplaced}


def test_candidates_rank_by_distance_and_say_it(client, make, scene, spread):
    created = submit(client, make, scene)
    candidates = {item["member_id"]: item for item in ranked(client, make, scene, created["id"])}
    same, near, unplaced = (candidates[spread[key].id] for key in ("same", "near", "unplaced"))
    assert "同一楼院" in same["reasons"]
    assert "距离 350 米" in near["reasons"]
    assert "同一社区" in unplaced["reasons"]
    assert same["score"] > near["score"] > unplaced["score"]
    assert near["name"] == "近邻党员"


def test_the_request_position_wins_over_its_building(client, make, scene, spread):
    # Help needed 1.45 km south of the building: the member 350 m north is about 1.8 km away.
    created = submit(client, make, scene, lat=HOME[0] - 0.0130, lng=HOME[1])
    candidates = {item["member_id"]: item for item in ranked(client, make, scene, created["id"])}
    assert "距离 1.8 公里" in candidates[spread["near"].id]["reasons"]


def test_beyond_the_distance_limit_proximity_adds_nothing(client, make, scene, spread, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_DISTANCE_LIMIT_M", 300)
    created = submit(client, make, scene)
    scores = {item["member_id"]: item["score"] for item in ranked(client, make, scene, created["id"])}
    # Both have every skill, no history: they differ only in proximity (15 for the same community).
    assert scores[spread["unplaced"].id] - scores[spread["near"].id] == 15


def test_fairness_counts_requests_taken_in_the_last_30_days(client, make, scene, monkeypatch, app):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 1)
    busy, idle = scene["members"][0], scene["members"][1]
    first = submit(client, make, scene)
    assert post(client, make, scene["staff"], first["id"], "assign", member_id=busy.id).status_code == 200
    taken = db.session.get(ServiceRequest, first["id"])
    assert taken.taken_at is not None
    second = submit(client, make, scene)
    candidates = {item["member_id"]: item for item in ranked(client, make, scene, second["id"])}
    assert "近 30 天接单 1 次" in candidates[busy.id]["reasons"]
    assert "近 30 天接单 0 次" in candidates[idle.id]["reasons"]
    assert candidates[idle.id]["score"] > candidates[busy.id]["score"]

    db.session.execute(
        update(ServiceRequest).where(ServiceRequest.id == first["id"]).values(taken_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()
    candidates = {item["member_id"]: item for item in ranked(client, make, scene, second["id"])}
    assert "近 30 天接单 0 次" in candidates[busy.id]["reasons"]


def test_accepting_stamps_the_time_it_was_taken(client, make, scene):
    created = submit(client, make, scene)
    member = scene["members"][0]
    accepted = body(post(client, make, member, created["id"], "accept"))
    assert accepted["taken_at"] is not None
    assert (accepted["status"], accepted["status_name"]) == ("accepted", "已接单")
    assert (accepted["assignee_name"], accepted["resident_name"]) == (member.name, scene["resident"].name)
    assert accepted["history"][-1]["actor_name"] == member.name
    assert accepted["history"][-2]["actor_name"] is None  # the offer round was the system's
    assert accepted["sla_breached"] is False


def test_org_coordinates_come_in_pairs_and_in_range(client, make):
    units = make.tree()
    admin = make.headers(make.admin())
    path = f"/api/v1/orgs/{units['building_a1'].id}"
    assert client.patch(path, json={"lat": 36.66}, headers=admin).status_code == 422
    assert client.patch(path, json={"lat": 91, "lng": 117.0}, headers=admin).status_code == 422
    answered = client.patch(path, json={"lat": 36.66, "lng": 117.0}, headers=admin)
    assert (body(answered)["lat"], body(answered)["lng"]) == (36.66, 117.0)
    created = client.post(
        "/api/v1/orgs",
        json={
            "name": "社区A3号楼",
            "kind": "building_branch",
            "parent_id": units["community_a"].id,
            "lat": 36.7,
            "lng": 117.1,
        },
        headers=admin,
    )
    assert created.status_code == 201 and body(created)["lat"] == 36.7
    cleared = client.patch(path, json={"lat": None, "lng": None}, headers=admin)
    assert body(cleared)["lat"] is None


def test_the_database_refuses_half_a_position(make):
    units = make.tree()
    with pytest.raises(IntegrityError, match="lat_lng_together"):
        db.session.execute(update(OrgUnit).where(OrgUnit.id == units["building_a1"].id).values(lat=36.66))
    db.session.rollback()
