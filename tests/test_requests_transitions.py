"""Every (status, action) pair: legal moves succeed with a history row, all others answer 409."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models.base import utcnow
from models.requests import REQUEST_STATUSES, RequestHistory, RequestOffer, ServiceRequest
from services.requests import TRANSITIONS
from tests.conftest import body

# HTTP action → (state-machine action, who calls it, body)
ACTIONS = {
    "accept": ("accept", "bidder", {}),
    "start": ("start", "assignee", {}),
    "complete": ("complete", "assignee", {"note": "已完成", "minutes": 30}),
    "confirm": ("confirm", "staff", {}),
    "reject-completion": ("reject_completion", "staff", {"reason": "未完成"}),
    "assign": ("assign", "staff", None),
    "cancel": ("cancel", "resident", {}),
}


def test_every_status_and_action_is_covered():
    targets = {target for _, target in TRANSITIONS.values()}
    assert targets <= set(REQUEST_STATUSES)
    assert {name for name, _, _ in ACTIONS.values()} <= set(TRANSITIONS)


@pytest.mark.parametrize("status", REQUEST_STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_is_legal_exactly_from_its_source_statuses(client, make, scene, status, action):
    units = scene["units"]
    assignee, bidder, other = scene["members"]
    request_unassigned = status in ("submitted", "offered", "expired", "escalated")
    request = ServiceRequest(
        resident_id=scene["resident"].id, community_id=units["community_a"].id, building_id=units["building_a1"].id,
        category_id=scene["category"].id, title="测试", status=status, sla_due_at=utcnow() + timedelta(hours=2),
        assignee_id=None if request_unassigned else assignee.id,
        minutes=30 if status in ("completed", "confirmed") else None, offer_round=1,
    )
    db.session.add(request)
    db.session.flush()
    db.session.add(RequestOffer(request_id=request.id, member_id=bidder.id, round=1, status="open"))
    db.session.add(RequestOffer(request_id=request.id, member_id=assignee.id, round=1, status="declined"))
    db.session.commit()
    request_id = request.id
    name, caller, payload = ACTIONS[action]
    actor = {"bidder": bidder, "assignee": assignee, "staff": scene["staff"], "resident": scene["resident"]}[caller]
    if payload is None:
        payload = {"member_id": other.id}
    response = client.post(f"/api/v1/requests/{request_id}/{action}", json=payload, headers=make.headers(actor))
    sources, target = TRANSITIONS[name]
    history = db.session.execute(
        select(func.count()).select_from(RequestHistory).where(RequestHistory.request_id == request_id)
    ).scalar_one()
    if caller == "assignee" and request_unassigned:
        # Their declined offer ended their view of the request: not found, and nothing moves.
        assert response.status_code == 404, body(response)
        assert history == 0
    elif status in sources:
        assert response.status_code == 200, body(response)
        assert body(response)["status"] == target
        assert history == 1
    else:
        assert response.status_code == 409, body(response)
        assert body(response)["error"]["code"] in ("illegal_transition", "request_taken")
        assert history == 0
        assert db.session.get(ServiceRequest, request_id).status == status
