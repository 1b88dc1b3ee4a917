"""专业化基地化服务: staff route a request to a provider; its account acknowledges and reports; the resident rates."""
import pytest
from sqlalchemy import select

from extensions import db
from models.ledger import HourEntry
from tests.conftest import body


def _provider(client, make, staff, org, **extra) -> dict:
    payload = {
        "org_id": org.id,
        "name": "阳光社工服务中心",
        "kind": "social_work_org",
        "services": ["心理疏导", "康复护理"],
        **extra,
    }
    response = client.post("/api/v1/providers", json=payload, headers=make.headers(staff))
    assert response.status_code == 201, response.get_json()
    return body(response)


def _account(client, make, staff, provider_id, username="sunshine-desk") -> dict:
    response = client.post(f"/api/v1/providers/{provider_id}/accounts",
                           json={"username": username, "password": "provider-pass-2026", "name": "阳光社工"},
                           headers=make.headers(staff))
    assert response.status_code == 201, response.get_json()
    return body(response)


def _login(client, username) -> dict:
    response = client.post("/api/v1/auth/desk-login", json={"username": username, "password": "provider-pass-2026"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {body(response)['token']}"}


def _request(client, make, resident, category) -> dict:
    response = client.post("/api/v1/requests", json={"category_id": category.id, "title": "独居老人心理疏导"},
                           headers=make.headers(resident))
    assert response.status_code == 201
    return body(response)


def _code(response):
    return body(response)["error"]["code"]


@pytest.fixture
def world(make, category):
    units = make.tree()
    return {
        "units": units,
        "staff": make.staff(units["community_a"], role="secretary"),
        "street_staff": make.staff(units["street"], role="secretary"),
        "resident": make.resident(units["community_a"], units["building_a1"]),
        "category": category,
    }


def test_a_routed_request_is_acknowledged_reported_confirmed_and_rated(client, make, world):
    provider = _provider(client, make, world["street_staff"], world["units"]["street"])
    _account(client, make, world["street_staff"], provider["id"])
    provider_headers = _login(client, "sunshine-desk")
    request = _request(client, make, world["resident"], world["category"])
    staff = make.headers(world["staff"])
    hidden = client.get(f"/api/v1/requests/{request['id']}", headers=provider_headers)
    assert hidden.status_code == 404
    routed = client.post(f"/api/v1/requests/{request['id']}/route", json={"provider_id": provider["id"]}, headers=staff)
    assert routed.status_code == 200, routed.get_json()
    assert (body(routed)["status"], body(routed)["assigned_provider_id"], body(routed)["assignee_id"]) == (
        "accepted", provider["id"], None)
    listed = body(client.get("/api/v1/requests", headers=provider_headers))["items"]
    assert [item["id"] for item in listed] == [request["id"]]
    acknowledged = client.post(f"/api/v1/requests/{request['id']}/acknowledge", headers=provider_headers)
    assert body(acknowledged)["status"] == "in_progress"
    reported = client.post(f"/api/v1/requests/{request['id']}/report", json={"note": "已上门疏导两次"},
                           headers=provider_headers)
    assert body(reported)["status"] == "completed"
    assert body(client.post(f"/api/v1/requests/{request['id']}/confirm", headers=staff))["status"] == "confirmed"
    rated = client.post(f"/api/v1/requests/{request['id']}/rate", json={"stars": 5},
                        headers=make.headers(world["resident"]))
    assert body(rated)["stars"] == 5
    actions = [entry["action"] for entry in body(rated)["history"]]
    assert actions[-5:] == ["route", "acknowledge", "report", "confirm", "rate"]
    assert db.session.execute(select(HourEntry)).scalars().all() == []


def test_another_providers_account_cannot_touch_the_request(client, make, world):
    street = world["units"]["street"]
    ours = _provider(client, make, world["street_staff"], street)
    theirs = _provider(client, make, world["street_staff"], street, name="另一家机构")
    _account(client, make, world["street_staff"], theirs["id"], username="other-desk")
    request = _request(client, make, world["resident"], world["category"])
    client.post(f"/api/v1/requests/{request['id']}/route", json={"provider_id": ours["id"]},
                headers=make.headers(world["staff"]))
    response = client.post(f"/api/v1/requests/{request['id']}/acknowledge", headers=_login(client, "other-desk"))
    assert response.status_code == 404
    member = make.member(world["units"]["community_a"])
    response = client.post(f"/api/v1/requests/{request['id']}/acknowledge", headers=make.headers(member))
    assert response.status_code == 404


def test_only_a_provider_serving_the_community_can_be_routed_to(client, make, world):
    other_staff = make.staff(world["units"]["community_b"])
    elsewhere = _provider(client, make, other_staff, world["units"]["community_b"])
    request = _request(client, make, world["resident"], world["category"])
    response = client.post(f"/api/v1/requests/{request['id']}/route", json={"provider_id": elsewhere["id"]},
                           headers=make.headers(world["staff"]))
    assert (response.status_code, _code(response)) == (422, "invalid_provider")
    routed_twice = _provider(client, make, world["street_staff"], world["units"]["street"])
    headers = make.headers(world["staff"])
    client.post(f"/api/v1/requests/{request['id']}/route", json={"provider_id": routed_twice["id"]}, headers=headers)
    again = client.post(f"/api/v1/requests/{request['id']}/route", json={"provider_id": routed_twice["id"]},
                        headers=headers)
    assert (again.status_code, _code(again)) == (409, "illegal_transition")


def test_a_routed_request_can_be_handed_to_a_member_instead(client, make, world):
    provider = _provider(client, make, world["street_staff"], world["units"]["street"])
    member = make.member(world["units"]["community_a"])
    request = _request(client, make, world["resident"], world["category"])
    headers = make.headers(world["staff"])
    client.post(f"/api/v1/requests/{request['id']}/route", json={"provider_id": provider["id"]}, headers=headers)
    moved = client.post(f"/api/v1/requests/{request['id']}/assign", json={"member_id": member.id}, headers=headers)
    assert (body(moved)["assignee_id"], body(moved)["assigned_provider_id"]) == (member.id, None)


def test_a_service_base_belongs_to_a_social_work_organisation(client, make, world):
    staff, street = world["street_staff"], world["units"]["street"]
    organisation = _provider(client, make, staff, street)
    base = _provider(client, make, staff, street, name="康复基地", kind="service_base", parent_id=organisation["id"])
    assert base["parent_id"] == organisation["id"]
    response = client.post("/api/v1/providers", json={"org_id": street.id, "name": "x", "kind": "service_base",
                                                      "parent_id": base["id"]}, headers=make.headers(staff))
    assert (response.status_code, _code(response)) == (422, "invalid_parent")
    other = make.staff(world["units"]["community_b"])
    assert client.get(f"/api/v1/providers/{organisation['id']}", headers=make.headers(other)).status_code == 404
    duplicate = client.post(f"/api/v1/providers/{organisation['id']}/accounts", json={
        "username": other.username, "password": "provider-pass-2026", "name": "重名"}, headers=make.headers(staff))
    assert (duplicate.status_code, _code(duplicate)) == (409, "username_taken")


def test_staff_change_a_providers_offerings_and_list_its_accounts(client, make, world):
    staff = world["street_staff"]
    provider = _provider(client, make, staff, world["units"]["street"])
    headers = make.headers(staff)
    changed = client.patch(f"/api/v1/providers/{provider['id']}", headers=headers,
                           json={"services": ["康复护理"], "address": "幸福路 1 号"})
    assert changed.status_code == 200, changed.get_json()
    assert (body(changed)["services"], body(changed)["address"], body(changed)["name"]) == (
        ["康复护理"], "幸福路 1 号", "阳光社工服务中心")
    for fixed in ({"org_id": world["units"]["community_b"].id}, {"kind": "service_base"}, {"services": [""]}):
        refused = client.patch(f"/api/v1/providers/{provider['id']}", json=fixed, headers=headers)
        assert refused.status_code == 422, fixed
    account = _account(client, make, staff, provider["id"])
    listed = body(client.get(f"/api/v1/providers/{provider['id']}/accounts", headers=headers))
    assert [(item["user_id"], item["username"]) for item in listed["items"]] == [(account["user_id"], "sunshine-desk")]
    me = body(client.get("/api/v1/me", headers=_login(client, "sunshine-desk")))
    assert (me["provider_ids"], me["scopes"]) == ([provider["id"]], [])
    other = make.headers(make.staff(world["units"]["community_b"]))
    assert client.get(f"/api/v1/providers/{provider['id']}/accounts", headers=other).status_code == 404
    assert client.patch(f"/api/v1/providers/{provider['id']}", json={"name": "x"}, headers=other).status_code == 404


def test_the_providers_serving_a_community_are_listed_closest_first_whatever_scope_they_sit_in(client, make, world):
    units = world["units"]
    street = _provider(client, make, world["street_staff"], units["street"], name="街道中心")
    own = _provider(client, make, world["staff"], units["community_a"], name="社区站")
    _provider(client, make, world["street_staff"], units["community_b"], name="B 社区站")
    headers = make.headers(world["staff"])
    # Community A's staff do not see the street's provider in their scope, but may route to it.
    assert [item["id"] for item in body(client.get("/api/v1/providers", headers=headers))["items"]] == [own["id"]]
    serving = body(client.get(f"/api/v1/providers?serving={units['community_a'].id}", headers=headers))
    assert [item["id"] for item in serving["items"]] == [own["id"], street["id"]]
    hidden = client.get(f"/api/v1/providers?serving={units['community_b'].id}", headers=headers)
    assert (hidden.status_code, _code(hidden)) == (404, "org_not_found")
