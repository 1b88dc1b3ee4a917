"""社会化服务 near a resident: by distance from their home to the offer's place within OFFER_NEAR_RADIUS_M,
nearest first with a rounded distance; the org tree decides only where a position is unknown."""
import math
from datetime import timedelta

import pytest

from extensions import db
from services.periods import local_today
from services.stations import EARTH_RADIUS_M
from tests.conftest import body

HOME = (31.2300, 121.4700)
RADIUS_M = 2000


def north_of(point, metres):
    """A point `metres` due north (haversine distance exactly `metres`)."""
    return point[0] + math.degrees(metres / EARTH_RADIUS_M), point[1]


@pytest.fixture
def scene(make, app, monkeypatch):
    monkeypatch.setitem(app.config, "OFFER_NEAR_RADIUS_M", RADIUS_M)
    units = make.tree()
    units["building_a1"].lat, units["building_a1"].lng = HOME
    units["community_a"].lat, units["community_a"].lng = north_of(HOME, 300)
    units["community_b"].lat, units["community_b"].lng = north_of(HOME, 5000)
    db.session.commit()
    return {
        "units": units,
        "clerk": make.staff(units["street"]),
        "secretary": make.staff(units["street"], role="secretary"),
        "resident": make.resident(units["community_a"], units["building_a1"]),
    }


def _offer(client, make, scene, org="community_a", place=None, approve=True, **extra) -> int:
    today = local_today()
    payload = {
        "org_id": scene["units"][org].id, "provider_name": "惠民药房", "provider_kind": "merchant", "kind": "discount",
        "title": extra.pop("title", "常用药九折"), "terms": "凭居民身份九折",
        "valid_from": (today - timedelta(days=1)).isoformat(), "valid_until": (today + timedelta(days=30)).isoformat(),
        **extra,
    }
    if place is not None:
        payload["lat"], payload["lng"] = place
    response = client.post("/api/v1/social-offers", json=payload, headers=make.headers(scene["clerk"]))
    assert response.status_code == 201, response.get_json()
    offer_id = body(response)["id"]
    if approve:
        approved = client.post(f"/api/v1/social-offers/{offer_id}/approve", json={},
                               headers=make.headers(scene["secretary"]))
        assert approved.status_code == 200, approved.get_json()
    return offer_id


def _browse(client, make, person, query="") -> dict:
    response = client.get(f"/api/v1/social-offers{query}", headers=make.headers(person))
    assert response.status_code == 200, response.get_json()
    return body(response)


def test_an_offer_just_inside_the_radius_is_shown_and_one_just_outside_is_not(client, make, scene):
    inside = _offer(client, make, scene, place=north_of(HOME, RADIUS_M - 30), title="半径内")
    # Its own community by the tree, but its place lies beyond the radius: the distance decides.
    outside = _offer(client, make, scene, place=north_of(HOME, RADIUS_M + 30), title="半径外")
    listed = _browse(client, make, scene["resident"])
    assert [(item["id"], item["distance_m"]) for item in listed["items"]] == [(inside, 2000)]
    assert listed["total"] == 1
    headers = make.headers(scene["resident"])
    shown = client.get(f"/api/v1/social-offers/{inside}", headers=headers)
    assert (shown.status_code, body(shown)["distance_m"]) == (200, 2000)
    hidden = client.get(f"/api/v1/social-offers/{outside}", headers=headers)
    assert (hidden.status_code, body(hidden)["error"]["code"]) == (404, "offer_not_found")


def test_another_communitys_offer_near_the_home_is_shown(client, make, scene):
    scene["units"]["community_b"].lat, scene["units"]["community_b"].lng = north_of(HOME, 800)
    db.session.commit()
    across = _offer(client, make, scene, org="community_b")
    assert [item["id"] for item in _browse(client, make, scene["resident"])["items"]] == [across]


def test_offers_come_nearest_first_with_rounded_distances_and_tree_ones_last(client, make, scene):
    far = _offer(client, make, scene, place=north_of(HOME, 1234))
    near = _offer(client, make, scene, place=north_of(HOME, 260))
    # Its unit (the community) lies 300 m away.
    by_unit = _offer(client, make, scene)
    # The street has no position and the offer none of its own: the tree rule places it, after the others.
    by_tree = _offer(client, make, scene, org="street")
    edge = _offer(client, make, scene, place=north_of(HOME, 1960))
    listed = _browse(client, make, scene["resident"])
    assert [(item["id"], item["distance_m"]) for item in listed["items"]] == [
        (near, 300), (by_unit, 300), (far, 1200), (edge, 2000), (by_tree, None),
    ]
    second = _browse(client, make, scene["resident"], "?per_page=2&page=2")
    assert ([item["id"] for item in second["items"]], second["total"]) == ([far, edge], 5)


@pytest.mark.parametrize("case", ["pending", "rejected", "withdrawn", "expired", "not_yet_valid"])
def test_an_offer_not_approved_or_not_valid_today_is_never_shown(client, make, scene, case):
    today = local_today()
    dates = {
        "expired": {"valid_from": (today - timedelta(days=9)).isoformat(),
                    "valid_until": (today - timedelta(days=1)).isoformat()},
        "not_yet_valid": {"valid_from": (today + timedelta(days=1)).isoformat(),
                          "valid_until": (today + timedelta(days=9)).isoformat()},
    }.get(case, {})
    offer_id = _offer(client, make, scene, place=north_of(HOME, 100), approve=case not in ("pending", "rejected"),
                      **dates)
    decider = make.headers(scene["secretary"])
    if case == "rejected":
        client.post(f"/api/v1/social-offers/{offer_id}/reject", json={"reason": "资质不全"}, headers=decider)
    if case == "withdrawn":
        client.post(f"/api/v1/social-offers/{offer_id}/withdraw", headers=decider)
    assert _browse(client, make, scene["resident"])["items"] == []
    assert _browse(client, make, scene["resident"], "?status=approved")["total"] == 0
    hidden = client.get(f"/api/v1/social-offers/{offer_id}", headers=make.headers(scene["resident"]))
    assert hidden.status_code == 404


def test_without_a_home_position_the_tree_rule_decides(client, make, scene):
    units = scene["units"]
    mine = _offer(client, make, scene, place=north_of(HOME, 9000))
    street = _offer(client, make, scene, org="street")
    other = _offer(client, make, scene, org="community_b", place=HOME)
    # Community B's building and community have no position... B itself has one: take it away.
    units["community_b"].lat = units["community_b"].lng = None
    db.session.commit()
    elsewhere = make.resident(units["community_b"], units["building_b1"])
    listed = _browse(client, make, elsewhere)
    assert [(item["id"], item["distance_m"]) for item in listed["items"]] == [(other, None), (street, None)]
    assert mine not in [item["id"] for item in listed["items"]]


def test_staff_see_their_scope_and_the_residents_view_on_asking(client, make, scene):
    pending = _offer(client, make, scene, approve=False)
    shown = _offer(client, make, scene, place=north_of(HOME, 500))
    secretary = scene["secretary"]
    scope = _browse(client, make, secretary)
    assert [item["id"] for item in scope["items"]] == [shown, pending]
    assert all(item["distance_m"] is None for item in scope["items"])
    # The secretary lives in building A1 too.
    secretary.community_id, secretary.building_id = scene["units"]["community_a"].id, scene["units"]["building_a1"].id
    db.session.commit()
    near = _browse(client, make, secretary, "?near=1")
    assert [(item["id"], item["distance_m"]) for item in near["items"]] == [(shown, 500)]


def test_a_too_deep_page_of_the_residents_view_is_refused(client, make, scene):
    response = client.get("/api/v1/social-offers?page=101&per_page=100", headers=make.headers(scene["resident"]))
    assert (response.status_code, body(response)["error"]["code"]) == (422, "page_too_deep")
