"""社会化服务: offers entered by staff, approved by a colleague, browsed by residents near them while valid."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.notifications import Notification
from services.periods import local_today
from tests.conftest import body


@pytest.fixture
def scene(make):
    units = make.tree()
    return {
        "units": units,
        "clerk": make.staff(units["community_a"]),
        "secretary": make.staff(units["community_a"], role="secretary"),
        "resident": make.resident(units["community_a"], units["building_a1"]),
        "outsider": make.resident(units["community_b"]),
    }


def _payload(org, **extra):
    today = local_today()
    return {
        "org_id": org.id, "provider_name": "阳光书画培训学校", "provider_kind": "training_body", "kind": "discount",
        "title": "少儿书法课八折", "terms": "凭社区居民身份八折，每周六上午", "address": "和平路 8 号",
        "valid_from": (today - timedelta(days=1)).isoformat(), "valid_until": (today + timedelta(days=30)).isoformat(),
        **extra,
    }


def _enter(client, make, scene, **extra) -> dict:
    response = client.post("/api/v1/social-offers", json=_payload(scene["units"]["community_a"], **extra),
                           headers=make.headers(scene["clerk"]))
    assert response.status_code == 201, response.get_json()
    return body(response)


def _code(response):
    return body(response)["error"]["code"]


def _resident_sees(client, make, scene, person="resident") -> list[int]:
    listed = client.get("/api/v1/social-offers", headers=make.headers(scene[person]))
    return [item["id"] for item in body(listed)["items"]]


def test_an_offer_shows_to_residents_only_after_a_colleague_approves_it(client, make, scene):
    offer = _enter(client, make, scene)
    assert offer["status"] == "pending"
    assert _resident_sees(client, make, scene) == []
    hidden = client.get(f"/api/v1/social-offers/{offer['id']}", headers=make.headers(scene["resident"]))
    assert (hidden.status_code, _code(hidden)) == (404, "offer_not_found")
    own = client.post(f"/api/v1/social-offers/{offer['id']}/approve", json={}, headers=make.headers(scene["clerk"]))
    assert (own.status_code, _code(own)) == (403, "self_approval")
    approved = client.post(f"/api/v1/social-offers/{offer['id']}/approve", json={},
                           headers=make.headers(scene["secretary"]))
    assert approved.status_code == 200 and body(approved)["status"] == "approved"
    assert _resident_sees(client, make, scene) == [offer["id"]]
    shown = client.get(f"/api/v1/social-offers/{offer['id']}", headers=make.headers(scene["resident"]))
    assert shown.status_code == 200
    again = client.post(f"/api/v1/social-offers/{offer['id']}/approve", json={},
                        headers=make.headers(scene["secretary"]))
    assert (again.status_code, _code(again)) == (409, "illegal_transition")


def test_residents_of_another_community_and_expired_or_withdrawn_offers_are_not_shown(client, make, scene):
    offer = _enter(client, make, scene)
    today = local_today()
    expired = _enter(client, make, scene, valid_from=(today - timedelta(days=10)).isoformat(),
                     valid_until=(today - timedelta(days=1)).isoformat())
    for each in (offer, expired):
        client.post(f"/api/v1/social-offers/{each['id']}/approve", json={}, headers=make.headers(scene["secretary"]))
    assert _resident_sees(client, make, scene, "outsider") == []
    assert _resident_sees(client, make, scene) == [offer["id"]]
    withdrawn = client.post(f"/api/v1/social-offers/{offer['id']}/withdraw", headers=make.headers(scene["clerk"]))
    assert body(withdrawn)["status"] == "withdrawn"
    assert _resident_sees(client, make, scene) == []


def test_a_street_offer_reaches_every_community_of_the_street(client, make, scene):
    street_staff = [make.staff(scene["units"]["street"]) for _ in range(2)]
    created = client.post("/api/v1/social-offers", json=_payload(scene["units"]["street"], kind="free_service"),
                          headers=make.headers(street_staff[0]))
    offer_id = body(created)["id"]
    client.post(f"/api/v1/social-offers/{offer_id}/approve", json={}, headers=make.headers(street_staff[1]))
    assert _resident_sees(client, make, scene) == [offer_id]
    assert _resident_sees(client, make, scene, "outsider") == [offer_id]


def test_rejection_needs_a_reason_and_staff_see_their_queue(client, make, scene):
    offer = _enter(client, make, scene)
    headers = make.headers(scene["secretary"])
    assert client.post(f"/api/v1/social-offers/{offer['id']}/reject", json={}, headers=headers).status_code == 422
    rejected = client.post(f"/api/v1/social-offers/{offer['id']}/reject", json={"reason": "资质不全"}, headers=headers)
    assert (body(rejected)["status"], body(rejected)["decision_reason"]) == ("rejected", "资质不全")
    queue = body(client.get("/api/v1/social-offers?status=rejected", headers=headers))
    assert [item["id"] for item in queue["items"]] == [offer["id"]]
    other = make.staff(scene["units"]["community_b"])
    assert body(client.get("/api/v1/social-offers", headers=make.headers(other)))["total"] == 0
    hidden = client.post(f"/api/v1/social-offers/{offer['id']}/withdraw", headers=make.headers(other))
    assert (hidden.status_code, _code(hidden)) == (404, "offer_not_found")


def test_bad_offers_are_refused(client, make, scene):
    community = scene["units"]["community_a"]
    headers = make.headers(scene["clerk"])
    today = local_today()
    backwards = client.post("/api/v1/social-offers", json=_payload(
        community, valid_from=today.isoformat(), valid_until=(today - timedelta(days=1)).isoformat()), headers=headers)
    assert (backwards.status_code, _code(backwards)) == (422, "invalid_period")
    for bad in ({"kind": "coupon"}, {"provider_kind": "bank"}, {"title": ""}, {"valid_from": "2026-13-01"}):
        response = client.post("/api/v1/social-offers", json={**_payload(community), **bad}, headers=headers)
        assert response.status_code == 422
    refused = client.post("/api/v1/social-offers", json=_payload(community), headers=make.headers(scene["resident"]))
    assert (refused.status_code, _code(refused)) == (403, "staff_only")


def test_an_edited_offer_waits_for_a_colleague_who_neither_entered_nor_changed_it(client, make, scene):
    offer = _enter(client, make, scene)
    secretary = make.headers(scene["secretary"])
    client.post(f"/api/v1/social-offers/{offer['id']}/approve", json={}, headers=secretary)
    edited = client.patch(f"/api/v1/social-offers/{offer['id']}", json={"title": "少儿书法课七折"}, headers=secretary)
    assert edited.status_code == 200, edited.get_json()
    fields = ("title", "status", "edited_by_id", "decided_by_id")
    assert [body(edited)[name] for name in fields] == ["少儿书法课七折", "pending", scene["secretary"].id, None]
    assert _resident_sees(client, make, scene) == []
    for person in ("secretary", "clerk"):
        refused = client.post(f"/api/v1/social-offers/{offer['id']}/approve", json={},
                              headers=make.headers(scene[person]))
        assert (refused.status_code, _code(refused)) == (403, "self_approval")
    third = make.staff(scene["units"]["street"])
    approved = client.post(f"/api/v1/social-offers/{offer['id']}/approve", json={}, headers=make.headers(third))
    assert body(approved)["status"] == "approved"
    assert _resident_sees(client, make, scene) == [offer["id"]]


def test_a_withdrawn_offer_cannot_be_edited_and_bad_edits_are_refused(client, make, scene):
    offer = _enter(client, make, scene)
    headers = make.headers(scene["clerk"])
    today = local_today()
    backwards = client.patch(f"/api/v1/social-offers/{offer['id']}",
                             json={"valid_until": (today - timedelta(days=5)).isoformat()}, headers=headers)
    assert (backwards.status_code, _code(backwards)) == (422, "invalid_period")
    half = client.patch(f"/api/v1/social-offers/{offer['id']}", json={"lat": 31.2}, headers=headers)
    assert (half.status_code, _code(half)) == (422, "invalid_position")
    moved = client.patch(f"/api/v1/social-offers/{offer['id']}", json={"org_id": scene["units"]["community_b"].id},
                         headers=headers)
    assert moved.status_code == 422
    other = make.staff(scene["units"]["community_b"])
    hidden = client.patch(f"/api/v1/social-offers/{offer['id']}", json={"title": "x"}, headers=make.headers(other))
    assert (hidden.status_code, _code(hidden)) == (404, "offer_not_found")
    client.post(f"/api/v1/social-offers/{offer['id']}/withdraw", headers=headers)
    late = client.patch(f"/api/v1/social-offers/{offer['id']}", json={"title": "x"}, headers=headers)
    assert (late.status_code, _code(late)) == (409, "illegal_transition")


# --- who is told ---------------------------------------------------------------------------------


def _told(event) -> list[tuple[int, str, dict]]:
    db.session.expire_all()
    return [(row.user_id, row.body, row.data, row.page) for row in db.session.execute(
        select(Notification).where(Notification.event == event).order_by(Notification.id)).scalars()]


def _recipients(event) -> list[int]:
    return sorted(user_id for user_id, *_rest in _told(event))


@pytest.fixture
def deciders(make, scene):
    """Everyone who holds a staff scope over community A or beside it: who may decide on A's offers."""
    units = scene["units"]
    return {
        "street": make.staff(units["street"], role="secretary"),
        "colleague": make.staff(units["community_a"]),
        "other": make.staff(units["community_b"], role="secretary"),
        "admin": make.admin(),
    }


def test_an_entered_offer_is_told_to_the_other_staff_over_its_unit_and_not_to_who_entered_it(
        client, make, scene, deciders):
    offer = _enter(client, make, scene)
    expected = sorted([scene["secretary"].id, deciders["colleague"].id, deciders["street"].id])
    assert _recipients("offer_pending") == expected
    told = _told("offer_pending")
    assert {(data["social_offer_id"], page) for _user, _body, data, page in told} == {(offer["id"], None)}
    assert all("少儿书法课八折" in text for _user, text, _data, _page in told)


def test_a_changed_offer_is_told_to_who_may_approve_it_not_to_its_author_or_editor(client, make, scene, deciders):
    offer = _enter(client, make, scene)
    client.post(f"/api/v1/social-offers/{offer['id']}/approve", json={}, headers=make.headers(deciders["colleague"]))
    before = len(_told("offer_pending"))
    edited = client.patch(f"/api/v1/social-offers/{offer['id']}", json={"title": "少儿书法课七折"},
                          headers=make.headers(scene["secretary"]))
    assert edited.status_code == 200
    again = _told("offer_pending")[before:]
    assert sorted(user_id for user_id, *_rest in again) == sorted([deciders["colleague"].id, deciders["street"].id])
    assert all("少儿书法课七折" in text for _user, text, _data, _page in again)


def test_the_decision_is_told_to_who_entered_the_offer_with_the_reason_of_a_rejection(client, make, scene, deciders):
    approved = _enter(client, make, scene)
    rejected = _enter(client, make, scene, title="理发九折")
    headers = make.headers(scene["secretary"])
    client.post(f"/api/v1/social-offers/{approved['id']}/approve", json={}, headers=headers)
    client.post(f"/api/v1/social-offers/{rejected['id']}/reject", json={"reason": "资质材料不全"}, headers=headers)
    client.post(f"/api/v1/social-offers/{approved['id']}/withdraw", headers=headers)
    told = _told("offer_decided")
    assert [(user_id, data["social_offer_id"], data["status"], page) for user_id, _body, data, page in told] == [
        (scene["clerk"].id, approved["id"], "approved", None),
        (scene["clerk"].id, rejected["id"], "rejected", None),
    ]
    assert "已上架" in told[0][1] and "资质材料不全" not in told[0][1]
    assert "未通过" in told[1][1] and "资质材料不全" in told[1][1]


def test_a_refused_decision_tells_nobody(client, make, scene, deciders):
    offer = _enter(client, make, scene)
    refused = client.post(f"/api/v1/social-offers/{offer['id']}/approve", json={}, headers=make.headers(scene["clerk"]))
    assert refused.status_code == 403
    assert _told("offer_decided") == []
