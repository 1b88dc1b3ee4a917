"""Every (status, action) pair: legal moves succeed with a history row, all others answer 409."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models.base import utcnow
from models.requests import (
    REQUEST_STATUSES,
    RequestHistory,
    RequestOffer,
    ServiceRequest,
)
from services.errors import Conflict
from services.requests import TRANSITIONS, transition
from tests.conftest import body

# The rule, written out here rather than read from the code under test: for each state-machine
# action, the statuses it may start from and where it leads. Every other (status, action) pair
# must be refused.
STATUSES = (
    "submitted", "offered", "accepted", "in_progress", "completed", "confirmed", "cancelled", "expired", "escalated",
)
LEGAL = {
    "offer": ({"submitted"}, "offered"),
    "next_round": ({"offered"}, "offered"),
    "expire": ({"offered"}, "expired"),
    "escalate": ({"submitted", "expired"}, "escalated"),
    "accept": ({"offered"}, "accepted"),
    "assign": ({"submitted", "offered", "expired", "escalated", "accepted"}, "accepted"),
    "start": ({"accepted"}, "in_progress"),
    "complete": ({"in_progress"}, "completed"),
    "confirm": ({"completed"}, "confirmed"),
    "reject_completion": ({"completed"}, "in_progress"),
    "cancel": ({"submitted", "offered", "accepted", "in_progress", "expired", "escalated"}, "cancelled"),
    "route": ({"submitted", "offered", "expired", "escalated"}, "accepted"),
    "acknowledge": ({"accepted"}, "in_progress"),
    "report": ({"in_progress"}, "completed"),
}
# Actions only the matching and SLA jobs take; tested through services.requests.transition.
SYSTEM_ACTIONS = ("offer", "next_round", "expire", "escalate")
# A request routed to a service provider (专业化服务): who may take these is tested in
# test_providers.py; here, from which statuses, through services.requests.transition.
PROVIDER_ACTIONS = ("route", "acknowledge", "report")

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
    """The grids below cover every (status, action) pair, and the code's table is the rule."""
    assert set(REQUEST_STATUSES) == set(STATUSES)
    http_actions = [name for name, _, _ in ACTIONS.values()]
    assert len(http_actions) == len(set(http_actions))
    assert not set(http_actions) & (set(SYSTEM_ACTIONS) | set(PROVIDER_ACTIONS))
    assert set(http_actions) | set(SYSTEM_ACTIONS) | set(PROVIDER_ACTIONS) == set(TRANSITIONS) == set(LEGAL)
    for action, (sources, target) in TRANSITIONS.items():
        for status in STATUSES:
            assert (status in sources) == (status in LEGAL[action][0]), (status, action)
        assert target == LEGAL[action][1], action


@pytest.mark.parametrize("status", STATUSES)
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
    sources, target = LEGAL[name]
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


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", SYSTEM_ACTIONS + PROVIDER_ACTIONS)
def test_system_transition_is_legal_exactly_from_its_source_statuses(make, scene, status, action):
    units = scene["units"]
    request = ServiceRequest(
        resident_id=scene["resident"].id, community_id=units["community_a"].id, building_id=units["building_a1"].id,
        category_id=scene["category"].id, title="测试", status=status, sla_due_at=utcnow() + timedelta(hours=2),
        offer_round=1,
    )
    db.session.add(request)
    db.session.commit()
    sources, target = LEGAL[action]
    if status in sources:
        transition(request, action, None, reason="测试")
        db.session.commit()
    else:
        with pytest.raises(Conflict) as refused:
            transition(request, action, None, reason="测试")
        assert refused.value.code == "illegal_transition"
        db.session.rollback()
    db.session.expire_all()
    history = db.session.execute(
        select(func.count()).select_from(RequestHistory).where(RequestHistory.request_id == request.id)
    ).scalar_one()
    assert db.session.get(ServiceRequest, request.id).status == (target if status in sources else status)
    assert history == (1 if status in sources else 0)
