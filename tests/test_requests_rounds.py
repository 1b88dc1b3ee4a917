"""Offer rounds against the clock: when a round closes and the next opens, how many are asked, the sweep's
boundary, the overdue alerts, and a held request going on its way once released."""
from datetime import timedelta

from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.notifications import Notification
from models.requests import RequestOffer, ServiceRequest
from services import requests
from tests.test_requests import post, submit


def reread(request_id: int) -> ServiceRequest:
    db.session.expire_all()
    return db.session.get(ServiceRequest, request_id)


def offer_statuses(request_id: int) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(
        select(RequestOffer.member_id, RequestOffer.status).where(RequestOffer.request_id == request_id)
    ).all())


def test_a_round_offers_to_at_most_the_offer_size(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 2)
    created = submit(client, make, scene)
    assert len(offer_statuses(created["id"])) == 2


def test_a_round_closes_exactly_when_its_window_ends(client, make, scene, clock):
    created = submit(client, make, scene)
    request_id = created["id"]
    closes = reread(request_id).offer_expires_at
    clock.at(closes - timedelta(microseconds=1))
    assert requests.expired_offer_rounds() == []
    assert requests.advance_offers(request_id, 1) is False
    assert set(offer_statuses(request_id).values()) == {"open"}
    clock.at(closes)
    assert [tuple(row) for row in requests.expired_offer_rounds()] == [(request_id, 1)]
    assert requests.advance_offers(request_id, 1) is True
    db.session.commit()
    # Nobody else has the skill: the closed round escalates.
    assert reread(request_id).status == "escalated"
    assert set(offer_statuses(request_id).values()) == {"expired"}


def test_closing_a_round_expires_only_its_open_offers_and_opens_the_next(client, make, scene, app, monkeypatch, clock):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 2)
    declining = scene["members"][0]
    created = submit(client, make, scene)
    other = submit(client, make, scene)
    request_id = created["id"]
    first_round = offer_statuses(request_id)
    assert declining.id in first_round
    assert post(client, make, declining, request_id, "decline").status_code == 200
    clock.at(reread(request_id).offer_expires_at)
    assert requests.advance_offers(request_id, 1) is True
    db.session.commit()
    statuses = offer_statuses(request_id)
    waited = next(member_id for member_id in first_round if member_id != declining.id)
    assert (statuses[declining.id], statuses[waited]) == ("declined", "expired")
    expired = db.session.execute(
        select(RequestOffer).where(RequestOffer.request_id == request_id, RequestOffer.member_id == waited)
    ).scalar_one()
    assert expired.answered_at == clock.now
    request = reread(request_id)
    assert (request.status, request.offer_round) == ("offered", 2)
    assert [status for member_id, status in statuses.items() if member_id not in first_round] == ["open"]
    # The other request's round is untouched.
    assert set(offer_statuses(other["id"]).values()) == {"open"}


def test_a_round_is_not_advanced_twice_nor_for_the_wrong_round(client, make, scene, clock):
    created = submit(client, make, scene)
    request_id = created["id"]
    clock.at(reread(request_id).offer_expires_at + timedelta(minutes=1))
    assert requests.advance_offers(request_id, 2) is False
    assert requests.advance_offers(999999, 1) is False
    assert set(offer_statuses(request_id).values()) == {"open"}
    db.session.execute(update(ServiceRequest).values(status="escalated"))
    db.session.commit()
    assert requests.advance_offers(request_id, 1) is False
    assert requests.expired_offer_rounds() == []
    assert set(offer_statuses(request_id).values()) == {"open"}


def test_a_round_without_a_deadline_is_never_advanced(client, make, scene, clock):
    created = submit(client, make, scene)
    db.session.execute(update(ServiceRequest).values(offer_expires_at=None))
    db.session.commit()
    clock.at(utcnow() + timedelta(days=1))
    assert requests.advance_offers(created["id"], 1) is False
    assert requests.expired_offer_rounds() == []


def test_after_the_last_round_the_request_goes_to_the_staff(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 1)
    monkeypatch.setitem(app.config, "MATCH_ROUNDS", 2)
    created = submit(client, make, scene)
    request_id = created["id"]
    for round_number in (1, 2):
        waiting = next(m for m, status in offer_statuses(request_id).items() if status == "open")
        member = next(m for m in scene["members"] if m.id == waiting)
        assert reread(request_id).offer_round == round_number
        assert post(client, make, member, request_id, "decline").status_code == 200
    request = reread(request_id)
    assert (request.status, request.offer_round) == ("escalated", 2)
    assert len(offer_statuses(request_id)) == 2


def test_staff_are_alerted_once_per_overdue_request_with_its_title(client, make, scene, clock):
    second_staff = make.staff(scene["units"]["street"])
    late = submit(client, make, scene, title="漏水严重")
    later = submit(client, make, scene, title="灯不亮")
    due = reread(late["id"]).sla_due_at
    db.session.execute(update(ServiceRequest).values(sla_due_at=due))
    db.session.commit()
    clock.at(due)
    assert requests.alert_overdue() == 0
    clock.at(due + timedelta(microseconds=1))
    assert requests.alert_overdue() == 2
    db.session.commit()
    assert reread(late["id"]).sla_alerted_at == clock.now
    alerts = db.session.execute(
        select(Notification.user_id, Notification.title, Notification.body, Notification.data, Notification.page)
        .where(Notification.event == "request_overdue").order_by(Notification.id)
    ).all()
    staff = sorted([scene["staff"].id, second_staff.id])
    expected = [
        (staff_id, "服务请求超时未接单", title, {"request_id": request_id}, None)
        for request_id, title in ((late["id"], "漏水严重"), (later["id"], "灯不亮"))
        for staff_id in staff
    ]
    assert sorted(alerts) == sorted(expected)
    assert requests.alert_overdue() == 0


def test_a_taken_request_past_its_deadline_is_not_overdue(client, make, scene, clock):
    created = submit(client, make, scene)
    post(client, make, scene["members"][0], created["id"], "accept")
    clock.at(reread(created["id"]).sla_due_at + timedelta(hours=1))
    assert requests.alert_overdue() == 0


def test_a_request_released_by_the_content_check_is_offered_then(client, make, scene, wx):
    from wx.sandbox import SANDBOX_REVIEW_WORD

    created = client.post("/api/v1/requests", json={"category_id": scene["category"].id,
                                                    "title": f"漏水{SANDBOX_REVIEW_WORD}"},
                          headers=make.headers(scene["resident"])).get_json()
    assert (created["moderation"], created["status"]) == ("review", "submitted")
    assert offer_statuses(created["id"]) == {}
    requests._offer_released_request(created["id"])
    db.session.commit()
    assert reread(created["id"]).status == "offered"
    assert len(offer_statuses(created["id"])) == 3
    # Released again (or released after staff already moved it): nothing more happens.
    requests._offer_released_request(created["id"])
    requests._offer_released_request(999999)
    assert len(offer_statuses(created["id"])) == 3


def test_a_new_request_is_stamped_and_offered_from_one_moment(client, make, scene, app, clock):
    moment = utcnow() - timedelta(days=3)
    clock.at(moment)
    created = submit(client, make, scene)
    request = reread(created["id"])
    assert (request.created_at, request.updated_at) == (moment, moment)
    assert request.sla_due_at == moment + timedelta(minutes=app.config["REQUEST_SLA_MINUTES"])
    assert request.offer_expires_at == moment + timedelta(seconds=app.config["MATCH_OFFER_WINDOW_SECONDS"])


def test_a_request_held_by_the_content_check_is_stamped_at_the_moment_it_was_made(client, make, scene, wx, clock):
    from wx.sandbox import SANDBOX_REVIEW_WORD

    moment = utcnow() - timedelta(days=3)
    clock.at(moment)
    created = submit(client, make, scene, title=f"漏水{SANDBOX_REVIEW_WORD}")
    assert (created["moderation"], created["status"]) == ("review", "submitted")
    request = reread(created["id"])
    assert (request.created_at, request.updated_at) == (moment, moment)


def test_a_round_that_offers_says_so(client, make, scene):
    scene["category"].skills = ["法律咨询"]
    db.session.commit()
    created = submit(client, make, scene)
    assert reread(created["id"]).status == "escalated"
    scene["category"].skills = ["维修"]
    db.session.execute(update(ServiceRequest).values(status="submitted"))
    db.session.commit()
    request = reread(created["id"])
    assert requests.offer_round(request) is True
    assert request.status == "offered"


def test_members_asked_for_another_request_are_asked_for_this_one_in_its_next_round(
        client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 2)
    first = submit(client, make, scene)
    second = submit(client, make, scene)
    asked = set(offer_statuses(first["id"]))
    left = {member.id for member in scene["members"]} - asked
    # The member left out of the first request's round was asked for the second.
    assert left <= set(offer_statuses(second["id"]))
    for member in scene["members"]:
        if member.id in asked:
            assert post(client, make, member, first["id"], "decline").status_code == 200
    # The next round of the first goes to the member not yet asked for it.
    statuses = offer_statuses(first["id"])
    assert reread(first["id"]).offer_round == 2
    assert {member_id for member_id, status in statuses.items() if status == "open"} == left


def test_declining_a_request_ignores_the_open_offers_of_other_requests(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_ROUNDS", 1)
    first = submit(client, make, scene)
    second = submit(client, make, scene)
    for member in scene["members"]:
        assert post(client, make, member, first["id"], "decline").status_code == 200
    assert reread(first["id"]).status == "escalated"
    assert reread(second["id"]).status == "offered"


def test_accepting_one_request_leaves_the_offers_of_another_request_open(client, make, scene):
    winner = scene["members"][0]
    taken = submit(client, make, scene)
    other = submit(client, make, scene)
    assert post(client, make, winner, taken["id"], "accept").status_code == 200
    assert set(offer_statuses(other["id"]).values()) == {"open"}


def test_a_professional_request_nobody_offers_is_escalated_with_that_reason(client, make, scene):
    from models.categories import ServiceCategory
    from models.requests import RequestHistory

    counselling = ServiceCategory(name="心理疏导", skills=["维修"], service_model="professional")
    db.session.add(counselling)
    db.session.commit()
    created = client.post("/api/v1/requests", json={"category_id": counselling.id, "title": "心理疏导"},
                          headers=make.headers(scene["resident"])).get_json()
    reasons = db.session.execute(
        select(RequestHistory.action, RequestHistory.reason).where(RequestHistory.request_id == created["id"])
        .order_by(RequestHistory.id)
    ).all()
    assert [tuple(row) for row in reasons] == [
        ("submit", None), ("escalate", "暂无提供该服务的专业机构，转入工作人员队列"),
    ]
