"""The scope gate compares whole path segments: a scope on org 70 never reaches org 701.

Their paths are "/d/s/70/" and "/d/s/701/"; a gate comparing against "/d/s/70" (without the
closing "/") would let staff of 70 into 701 and its subtree. Both gates are checked: the
Python one (permissions.reaches, for single objects) and the SQL one (permissions.within_scope,
for every list).
"""
import pytest

from extensions import db
from models.orgs import OrgUnit
from services.orgs import add_org
from services.stations import qr_token
from tests.conftest import body
from tests.fixtures.members import CENTRE

SHORT_ID, LONG_ID = 70, 701


def _community_with_id(org_id: int, name: str, street: OrgUnit) -> OrgUnit:
    """A community whose id is chosen, so two siblings' ids can share their leading digits."""
    org = OrgUnit(
        id=org_id, name=name, kind="community_general_branch", parent_id=street.id,
        path=f"{street.path}{org_id}/", depth=street.depth + 1,
    )
    db.session.add(org)
    db.session.flush()
    return org


@pytest.fixture
def prefix_scene(client, make, make_station, category):
    district = add_org("测试区委", "district_committee", None)
    street = add_org("测试街道党工委", "street_working_committee", district)
    short = _community_with_id(SHORT_ID, "七十社区", street)
    long = _community_with_id(LONG_ID, "七零一社区", street)
    long_building = add_org("七零一社区1号楼", "building_branch", long)
    db.session.commit()
    assert long.path.startswith(short.path.rstrip("/")), "the ids must share their leading digits"

    resident = make.resident(long, long_building)
    submitted = client.post(
        "/api/v1/requests",
        json={"category_id": category.id, "title": "水龙头漏水", "description": "厨房水龙头一直滴水"},
        headers=make.headers(resident),
    )
    assert submitted.status_code == 201, submitted.get_data(as_text=True)

    applicant = make.resident(long, long_building)
    registered = client.post(
        "/api/v1/members/registrations",
        json={"community_id": long.id, "employer_unit": "市供电公司", "home_branch": "第一党支部",
              "skills": ["维修"], "availability": []},
        headers=make.headers(applicant),
    )
    assert registered.status_code == 201, registered.get_data(as_text=True)

    station = make_station(long)
    member = make.member(long, long_building)
    checked_in = client.post(
        "/api/v1/checkins",
        json={"station_id": station.id, "qr_token": qr_token(station).token, "lat": CENTRE[0], "lng": CENTRE[1]},
        headers=make.headers(member),
    )
    assert checked_in.status_code == 201, checked_in.get_data(as_text=True)
    client.post(f"/api/v1/checkins/{body(checked_in)['id']}/checkout", headers=make.headers(member))

    return {
        "short": short,
        "long": long,
        "long_building": long_building,
        "request_id": body(submitted)["id"],
        "registration_id": body(registered)["id"],
        "station": station,
        "checkin_id": body(checked_in)["id"],
        "short_staff": make.headers(make.staff(short)),
        "long_staff": make.headers(make.staff(long)),
    }


def test_scope_on_70_gets_404_on_org_701_and_its_subtree(client, prefix_scene):
    headers = prefix_scene["short_staff"]
    assert client.get(f"/api/v1/orgs/{SHORT_ID}", headers=headers).status_code == 200
    for org_id in (LONG_ID, prefix_scene["long_building"].id):
        response = client.get(f"/api/v1/orgs/{org_id}", headers=headers)
        assert response.status_code == 404
        assert body(response)["error"]["code"] == "org_not_found"
    assert client.get(f"/api/v1/orgs/{LONG_ID}/tree", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/orgs/{LONG_ID}", json={"name": "改名"}, headers=headers).status_code == 404
    assert db.session.get(OrgUnit, LONG_ID).name == "七零一社区"


def test_scope_on_70_lists_no_rows_of_org_701(client, prefix_scene):
    headers = prefix_scene["short_staff"]
    orgs = body(client.get("/api/v1/orgs?per_page=100", headers=headers))
    assert [item["id"] for item in orgs["items"]] == [SHORT_ID]
    for path in ("/api/v1/requests", "/api/v1/members/registrations", "/api/v1/checkins"):
        listed = body(client.get(path, headers=headers))
        assert (listed["total"], listed["items"]) == (0, []), path


def test_scope_on_70_gets_404_on_the_objects_of_org_701(client, prefix_scene):
    headers = prefix_scene["short_staff"]
    request_id = prefix_scene["request_id"]
    assert client.get(f"/api/v1/requests/{request_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/requests/{request_id}/candidates", headers=headers).status_code == 404
    approve = client.post(f"/api/v1/members/registrations/{prefix_scene['registration_id']}/approve", json={},
                          headers=headers)
    assert approve.status_code == 404
    assert client.get(f"/api/v1/stations/{prefix_scene['station'].id}/qr", headers=headers).status_code == 404
    confirm = client.post(f"/api/v1/checkins/{prefix_scene['checkin_id']}/confirm", headers=headers)
    assert confirm.status_code == 404


def test_scope_on_701_still_reaches_its_own_objects(client, prefix_scene):
    """The control: the same calls succeed for the staff of 701, so the 404s above are the gate."""
    headers = prefix_scene["long_staff"]
    assert client.get(f"/api/v1/orgs/{LONG_ID}", headers=headers).status_code == 200
    # Registrations: the applicant's pending one and the checking-in member's approved one.
    expected = {"/api/v1/requests": 1, "/api/v1/members/registrations": 2, "/api/v1/checkins": 1}
    for path, total in expected.items():
        assert body(client.get(path, headers=headers))["total"] == total, path
    assert client.get(f"/api/v1/requests/{prefix_scene['request_id']}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/stations/{prefix_scene['station'].id}/qr", headers=headers).status_code == 200
    approve = client.post(f"/api/v1/members/registrations/{prefix_scene['registration_id']}/approve", json={},
                          headers=headers)
    assert approve.status_code == 200
