"""Only 按需服务 is matched: a request in a category of another service model is refused, and one whose
category stopped being on demand goes to staff instead of being offered to members."""

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models.categories import SERVICE_MODELS, ServiceCategory
from models.requests import RequestOffer, ServiceRequest
from services import requests
from tests.conftest import body


@pytest.mark.parametrize("service_model", [model for model in SERVICE_MODELS if model != "on_demand"])
def test_a_request_in_a_category_that_is_not_on_demand_is_refused(client, make, scene, service_model):
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
