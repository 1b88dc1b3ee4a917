"""Who sees what of a request: an offer shows it only while open, and never the resident's private details."""
from datetime import timedelta

from sqlalchemy import update

from extensions import db
from models.base import utcnow
from models.orgs import OrgUnit
from models.requests import ServiceRequest
from tests.conftest import body
from tests.fixtures.members import CENTRE
from tests.test_requests import post, submit

PRIVATE_FIELDS = ("resident_id", "resident_name", "address", "lat", "lng")


def get(client, make, user, request_id):
    return client.get(f"/api/v1/requests/{request_id}", headers=make.headers(user))


def mine(client, make, user):
    return body(client.get("/api/v1/requests?mine=1", headers=make.headers(user)))


def test_member_no_longer_sees_a_request_after_declining(client, make, scene):
    declining, other, _ = scene["members"]
    created = submit(client, make, scene)
    assert get(client, make, declining, created["id"]).status_code == 200
    assert post(client, make, declining, created["id"], "decline").status_code == 200
    assert get(client, make, declining, created["id"]).status_code == 404
    assert mine(client, make, declining)["total"] == 0
    assert client.get("/api/v1/requests", headers=make.headers(declining)).get_json()["total"] == 0
    # The others' offers are still open, and they still see it.
    assert get(client, make, other, created["id"]).status_code == 200


def test_member_no_longer_sees_a_request_after_their_offer_expired(client, make, scene):
    member = scene["members"][0]
    created = submit(client, make, scene)
    db.session.execute(update(ServiceRequest).values(offer_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert get(client, make, member, created["id"]).status_code == 404
    assert mine(client, make, member)["total"] == 0


def test_member_no_longer_sees_a_request_once_someone_else_took_it(client, make, scene):
    winner, loser, _ = scene["members"]
    created = submit(client, make, scene)
    assert post(client, make, winner, created["id"], "accept").status_code == 200
    assert get(client, make, loser, created["id"]).status_code == 404
    assert mine(client, make, loser)["total"] == 0
    assert get(client, make, winner, created["id"]).status_code == 200


def test_open_offer_shows_building_and_rounded_distance_but_no_name_address_position_or_answers(client, make, scene):
    units, member = scene["units"], scene["members"][0]
    building = db.session.get(OrgUnit, units["building_a1"].id)
    building.lat, building.lng = CENTRE
    db.session.commit()
    created = submit(client, make, scene, address="幸福路 8 号 3 单元 502", lat=CENTRE[0] + 0.0042, lng=CENTRE[1])
    asked = post(client, make, scene["staff"], created["id"], "ask-resident", question="几点方便上门？")
    assert asked.status_code == 200
    answered = post(client, make, scene["resident"], created["id"], "answer", answer="晚上七点后，家里有老人")
    assert answered.status_code == 200

    seen = body(get(client, make, member, created["id"]))
    for name in PRIVATE_FIELDS:
        assert name not in seen, name
    assert seen["building_id"] == units["building_a1"].id
    assert seen["building_name"] == units["building_a1"].name
    assert seen["approximate_distance_m"] == 500  # 467 m, rounded to 100 m
    assert all(entry.get("reason") is None and entry.get("actor_id") is None for entry in seen["history"])
    assert "晚上七点后" not in str(seen)
    listed = body(client.get("/api/v1/requests?awaiting_me=1", headers=make.headers(member)))["items"]
    assert [item["id"] for item in listed] == [created["id"]]
    assert not set(PRIVATE_FIELDS) & set(listed[0])


def test_resident_assignee_and_staff_in_scope_see_everything(client, make, scene):
    member = scene["members"][0]
    created = submit(client, make, scene, address="幸福路 8 号", lat=CENTRE[0], lng=CENTRE[1])
    assert post(client, make, member, created["id"], "accept").status_code == 200
    for viewer in (scene["resident"], member, scene["staff"], make.staff(scene["units"]["street"])):
        seen = body(get(client, make, viewer, created["id"]))
        shown = (seen["address"], seen["lat"], seen["resident_name"])
        assert shown == ("幸福路 8 号", CENTRE[0], scene["resident"].name)
        assert "approximate_distance_m" not in seen


def test_staff_list_and_count_their_scope_and_their_own_requests_each_once(client, make, scene):
    """The staff queue holds the scope's requests and the staff member's own elsewhere; its total counts each
    once (an own request inside the scope too), under every narrowing filter and on every page."""
    units, staff = scene["units"], scene["staff"]
    now = utcnow()

    def add(community, status="submitted", resident=scene["resident"], assignee=None):
        request = ServiceRequest(
            resident_id=resident.id, assignee_id=assignee.id if assignee else None, community_id=community.id,
            category_id=scene["category"].id, title="求助", status=status, created_at=now, updated_at=now,
            sla_due_at=now + timedelta(hours=2),
        )
        db.session.add(request)
        return request

    in_scope = add(units["community_a"])
    own_in_scope = add(units["community_a"], resident=staff)
    own_elsewhere = add(units["community_b"], resident=staff)
    taken_elsewhere = add(units["community_b"], "accepted", assignee=staff)
    add(units["community_b"])
    db.session.commit()

    def listed(query):
        page = body(client.get(f"/api/v1/requests{query}", headers=make.headers(staff)))
        return [item["id"] for item in page["items"]], page["total"]

    everything = [taken_elsewhere.id, own_elsewhere.id, own_in_scope.id, in_scope.id]
    assert listed("") == (everything, 4)
    assert listed("?per_page=1&page=2") == ([own_elsewhere.id], 4)
    assert listed("?status=accepted") == ([taken_elsewhere.id], 1)
    assert listed("?status=submitted") == ([own_elsewhere.id, own_in_scope.id, in_scope.id], 3)
    assert listed("?mine=1") == ([taken_elsewhere.id, own_elsewhere.id, own_in_scope.id], 3)
