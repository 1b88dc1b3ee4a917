"""Request rules a careless change could drop: who may accept, be assigned, and confirm."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.ledger import HourEntry
from models.orgs import StaffScope
from models.requests import RequestOffer, ServiceRequest
from services import requests
from services.errors import Forbidden
from tests.conftest import body
from tests.test_requests import post, submit


def code(response):
    return body(response)["error"]["code"]


def test_member_who_declined_cannot_accept_while_others_offers_are_open(client, make, scene):
    declined, _, _ = scene["members"]
    created = submit(client, make, scene)
    assert post(client, make, declined, created["id"], "decline").status_code == 200
    response = post(client, make, declined, created["id"], "accept")
    assert response.status_code == 409
    assert code(response) == "offer_ended"
    request = db.session.get(ServiceRequest, created["id"])
    assert (request.status, request.assignee_id) == ("offered", None)


def test_accept_after_the_offer_window_closed_gets_409(client, make, scene):
    created = submit(client, make, scene)
    db.session.execute(update(ServiceRequest).values(offer_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = post(client, make, scene["members"][0], created["id"], "accept")
    assert response.status_code == 409
    assert code(response) == "offer_expired"
    assert db.session.get(ServiceRequest, created["id"]).assignee_id is None


def test_accept_beyond_the_open_task_cap_gets_409(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MEMBER_OPEN_TASK_CAP", 1)
    member = scene["members"][0]
    first = submit(client, make, scene)
    second = submit(client, make, scene, title="灯不亮")
    assert db.session.execute(
        select(RequestOffer.id).where(RequestOffer.request_id == second["id"], RequestOffer.member_id == member.id)
    ).first() is not None
    assert post(client, make, member, first["id"], "accept").status_code == 200
    response = post(client, make, member, second["id"], "accept")
    assert response.status_code == 409
    assert code(response) == "open_task_cap"


@pytest.fixture
def resident_member(make, scene):
    """A resident who is also an approved member of the community with the needed skill."""
    units = scene["units"]
    return make.member(units["community_a"], units["building_a1"], skills=("维修",))


def _submit_as(client, make, scene, resident):
    payload = {"category_id": scene["category"].id, "title": "门锁坏了"}
    response = client.post("/api/v1/requests", json=payload, headers=make.headers(resident))
    assert response.status_code == 201
    return body(response)


def test_resident_who_is_a_skilled_member_is_never_offered_their_own_request(
    client, make, scene, resident_member, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 10)
    created = _submit_as(client, make, scene, resident_member)
    offered = db.session.execute(
        select(RequestOffer.member_id).where(RequestOffer.request_id == created["id"])
    ).scalars().all()
    assert sorted(offered) == sorted(member.id for member in scene["members"])
    candidates = body(client.get(f"/api/v1/requests/{created['id']}/candidates", headers=make.headers(scene["staff"])))
    assert candidates and resident_member.id not in {c["member_id"] for c in candidates}


def test_staff_cannot_assign_a_request_to_its_own_resident(client, make, scene, resident_member):
    created = _submit_as(client, make, scene, resident_member)
    response = post(client, make, scene["staff"], created["id"], "assign", member_id=resident_member.id)
    assert response.status_code == 422
    assert code(response) == "own_request"
    assert db.session.get(ServiceRequest, created["id"]).assignee_id is None


def test_staff_who_is_the_assignee_cannot_confirm_and_no_hours_are_recorded(client, make, scene):
    member = scene["members"][0]
    db.session.add(StaffScope(user_id=member.id, org_id=scene["units"]["community_a"].id, role="staff"))
    db.session.commit()
    created = submit(client, make, scene)
    for action, payload in (("accept", {}), ("start", {}), ("complete", {"note": "修好了", "minutes": 40})):
        assert post(client, make, member, created["id"], action, **payload).status_code == 200
    with pytest.raises(Forbidden) as refused:
        requests.confirm(member, created["id"])
    assert refused.value.code == "self_confirmation"
    # Refused by the request's own rule, before any ledger entry is written.
    assert db.session.execute(select(HourEntry)).first() is None
    db.session.rollback()
    response = post(client, make, member, created["id"], "confirm")
    assert response.status_code == 403
    assert code(response) == "self_confirmation"
    assert db.session.execute(select(HourEntry)).first() is None
    assert db.session.get(ServiceRequest, created["id"]).status == "completed"
