"""Categories' service_model drives a request: 按需服务 is matched to members; 专业化基地化服务 goes to a provider
offering it (to staff when none does) and never to members; routine visits, cultural activities and socialised
offers are refused as requests; a category that stopped being on demand goes to staff instead of members."""

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models.categories import SERVICE_MODELS, ServiceCategory
from models.moderation import ModerationHold
from models.notifications import Notification
from models.providers import ProviderAccount, ServiceProvider
from models.requests import RequestOffer, ServiceRequest
from services import requests
from tests.conftest import body
from wx.sandbox import SANDBOX_REVIEW_WORD

# Visits, activities and socialised offers have their own flows: never a request, never matching.
NOT_REQUESTABLE = ("routine", "cultural", "socialised")


def test_every_service_model_is_either_requestable_or_refused():
    assert set(SERVICE_MODELS) == {"on_demand", "professional", *NOT_REQUESTABLE}


@pytest.mark.parametrize("service_model", NOT_REQUESTABLE)
def test_a_request_in_a_routine_cultural_or_socialised_category_is_refused(client, make, scene, service_model):
    category = ServiceCategory(name=f"类别-{service_model}", skills=["维修"], service_model=service_model)
    db.session.add(category)
    db.session.commit()
    response = client.post(
        "/api/v1/requests",
        json={"category_id": category.id, "title": "上门看看"},
        headers=make.headers(scene["resident"]),
    )
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "category_not_on_demand"
    assert db.session.execute(select(func.count()).select_from(ServiceRequest)).scalar_one() == 0
    assert db.session.execute(select(func.count()).select_from(RequestOffer)).scalar_one() == 0


def test_an_on_demand_request_is_offered_to_members(client, make, scene):
    response = client.post(
        "/api/v1/requests",
        json={"category_id": scene["category"].id, "title": "换灯泡"},
        headers=make.headers(scene["resident"]),
    )
    assert response.status_code == 201
    assert body(response)["status"] == "offered"


def test_a_request_whose_category_became_routine_is_not_matched_again(client, make, scene):
    created = body(
        client.post(
            "/api/v1/requests",
            json={"category_id": scene["category"].id, "title": "换灯泡"},
            headers=make.headers(scene["resident"]),
        )
    )
    offered = db.session.execute(select(func.count()).select_from(RequestOffer)).scalar_one()
    db.session.execute(
        update(ServiceCategory).where(ServiceCategory.id == scene["category"].id).values(service_model="routine")
    )
    db.session.commit()
    request = db.session.get(ServiceRequest, created["id"])
    db.session.refresh(request)
    assert requests.offer_round(request) is False
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ServiceRequest, created["id"]).status == "escalated"
    assert db.session.execute(select(func.count()).select_from(RequestOffer)).scalar_one() == offered


@pytest.fixture
def counselling(scene):
    """A 专业化基地化服务 category whose skill the community's members have (so matching would find them)."""
    category = ServiceCategory(name="心理疏导", skills=["维修"], service_model="professional")
    db.session.add(category)
    db.session.commit()
    return category


def _provider(org, services, name="社工机构") -> ServiceProvider:
    provider = ServiceProvider(org_id=org.id, name=name, kind="social_work_org", services=services)
    db.session.add(provider)
    db.session.commit()
    return provider


def _notified(event) -> list[tuple[int, str]]:
    return db.session.execute(
        select(Notification.user_id, Notification.title).where(Notification.event == event).order_by(Notification.id)
    ).all()


def test_a_professional_request_goes_to_the_closest_provider_offering_it_and_never_to_members(
        client, make, scene, counselling):
    units = scene["units"]
    _provider(units["street"], ["心理疏导"], "街道社工中心")
    base = _provider(units["community_a"], ["心理疏导", "康复护理"], "社区心理服务站")
    _provider(units["community_a"], ["康复护理"], "康复站")
    _provider(units["community_b"], ["心理疏导"], "B 社区服务站")
    account = make.user(name="服务站账号", openid=None)
    db.session.add(ProviderAccount(provider_id=base.id, user_id=account.id))
    db.session.commit()
    response = client.post("/api/v1/requests", json={"category_id": counselling.id, "title": "独居老人心理疏导"},
                           headers=make.headers(scene["resident"]))
    assert response.status_code == 201, response.get_json()
    created = body(response)
    assert (created["status"], created["assigned_provider_id"], created["assignee_id"]) == ("accepted", base.id, None)
    assert [entry["action"] for entry in created["history"]] == ["submit", "route"]
    assert db.session.execute(select(func.count()).select_from(RequestOffer)).scalar_one() == 0
    assert _notified("request_routed") == [(account.id, "有服务请求转交本机构，请受理")]
    assert _notified("request_offered") == []


def test_a_professional_request_nobody_offers_goes_to_the_staff_who_route_it(client, make, scene, counselling):
    units = scene["units"]
    _provider(units["community_a"], ["康复护理"])
    response = client.post("/api/v1/requests", json={"category_id": counselling.id, "title": "心理疏导"},
                           headers=make.headers(scene["resident"]))
    created = body(response)
    assert (created["status"], created["assigned_provider_id"]) == ("escalated", None)
    assert db.session.execute(select(func.count()).select_from(RequestOffer)).scalar_one() == 0
    assert (scene["staff"].id, "有专业服务请求待转交服务机构") in _notified("request_escalated")
    chosen = _provider(units["street"], [], "街道社工中心")
    routed = client.post(f"/api/v1/requests/{created['id']}/route", json={"provider_id": chosen.id},
                         headers=make.headers(scene["staff"]))
    assert (body(routed)["status"], body(routed)["assigned_provider_id"]) == ("accepted", chosen.id)


def test_a_held_professional_request_is_routed_once_released(client, make, scene, counselling, wx):
    provider = _provider(scene["units"]["community_a"], ["心理疏导"])
    created = body(client.post("/api/v1/requests", json={"category_id": counselling.id,
                                                         "title": f"心理疏导{SANDBOX_REVIEW_WORD}"},
                               headers=make.headers(scene["resident"])))
    assert (created["moderation"], created["status"]) == ("review", "submitted")
    hold_id = db.session.execute(select(ModerationHold.id)).scalar_one()
    assert client.post(f"/api/v1/moderation/{hold_id}/release", headers=make.headers(scene["staff"])).status_code == 200
    db.session.expire_all()
    request = db.session.get(ServiceRequest, created["id"])
    assert (request.status, request.assigned_provider_id) == ("accepted", provider.id)
    assert db.session.execute(select(func.count()).select_from(RequestOffer)).scalar_one() == 0

