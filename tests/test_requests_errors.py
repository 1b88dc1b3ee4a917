"""Every refusal of the request flow answers its own status, code and Chinese message, whole."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models.categories import ServiceCategory
from models.providers import ServiceProvider
from models.requests import RequestHistory, RequestOffer, ServiceRequest
from services import requests
from services.errors import Conflict
from tests.conftest import body, executed_statements
from tests.test_requests import post, submit


def refusal(response) -> tuple[int, dict]:
    return response.status_code, body(response)["error"]


def test_a_resident_without_a_community_is_told_to_choose_one(client, make, scene):
    homeless = make.resident()
    response = client.post("/api/v1/requests", json={"category_id": scene["category"].id, "title": "换灯泡"},
                           headers=make.headers(homeless))
    assert refusal(response) == (422, {"code": "community_required", "message": "请先选择所在社区"})


def test_a_category_outside_the_requestable_models_is_refused_with_its_model_named(client, make, scene):
    visits = ServiceCategory(name="定期探访", skills=[], service_model="routine")
    db.session.add(visits)
    db.session.commit()
    response = client.post("/api/v1/requests", json={"category_id": visits.id, "title": "探访"},
                           headers=make.headers(scene["resident"]))
    assert refusal(response) == (422, {
        "code": "category_not_on_demand",
        "message": "“定期探访”属于常态化服务，不通过服务请求办理，请联系社区工作人员",
        "fields": {"category_id": ["该类别不受理服务请求"]},
    })


@pytest.mark.parametrize("where", ["another_community", "the_community_itself", "missing"])
def test_a_building_must_be_a_building_of_the_residents_community(client, make, scene, where):
    units = scene["units"]
    building_id = {
        "another_community": units["building_b1"].id,
        "the_community_itself": units["community_a"].id,
        "missing": 999999,
    }[where]
    response = client.post(
        "/api/v1/requests", json={"category_id": scene["category"].id, "title": "换灯泡", "building_id": building_id},
        headers=make.headers(scene["resident"]),
    )
    assert refusal(response) == (422, {"code": "invalid_building", "message": "楼院不属于所在社区"})
    assert db.session.execute(select(ServiceRequest.id)).first() is None


def test_a_resident_may_name_another_building_of_their_community(client, make, scene):
    other = scene["units"]["building_a2"]
    created = submit(client, make, scene, building_id=other.id)
    assert created["building_id"] == other.id


def test_a_request_without_a_building_takes_the_residents_home_building(client, make, scene):
    created = submit(client, make, scene)
    assert created["building_id"] == scene["units"]["building_a1"].id


def test_a_request_nobody_may_see_answers_404_request_not_found(client, make, scene):
    created = submit(client, make, scene)
    stranger = make.resident(scene["units"]["community_b"])
    for path in (f"/api/v1/requests/{created['id']}", "/api/v1/requests/999999"):
        response = client.get(path, headers=make.headers(stranger))
        assert refusal(response) == (404, {"code": "request_not_found", "message": "服务请求不存在"})


def test_answering_an_offer_of_a_request_that_does_not_exist_answers_404_without_looking_for_the_offer(
        client, make, scene):
    member = scene["members"][0]
    for action in ("accept", "decline"):
        with executed_statements() as statements:
            response = post(client, make, member, 999999, action)
        assert refusal(response) == (404, {"code": "request_not_found", "message": "服务请求不存在"})
        assert not [statement for statement in statements if "request_offers" in statement]


def test_staff_actions_refuse_those_outside_the_scope_with_staff_only(client, make, scene):
    created = submit(client, make, scene)
    member = scene["members"][0]
    response = post(client, make, member, created["id"], "assign", member_id=member.id)
    assert refusal(response) == (403, {"code": "staff_only", "message": "仅限辖区工作人员操作"})


def test_a_member_who_sees_a_request_without_an_offer_may_not_answer_it(client, make, scene):
    created = submit(client, make, scene)
    # The staff member sees the request but was never offered it.
    response = post(client, make, scene["staff"], created["id"], "accept")
    assert refusal(response) == (403, {"code": "no_open_offer", "message": "您没有该请求的邀请"})
    response = post(client, make, scene["staff"], created["id"], "decline")
    assert refusal(response) == (403, {"code": "no_open_offer", "message": "您没有该请求的邀请"})


def test_a_declined_or_expired_offer_cannot_accept(client, make, scene):
    declining, expiring, _ = scene["members"]
    created = submit(client, make, scene)
    post(client, make, declining, created["id"], "decline")
    ended = {"code": "offer_ended", "message": "您的邀请已结束，不能再接单"}
    assert refusal(post(client, make, declining, created["id"], "accept")) == (409, ended)
    db.session.execute(update(RequestOffer).where(RequestOffer.member_id == expiring.id).values(status="expired"))
    db.session.commit()
    assert refusal(post(client, make, expiring, created["id"], "accept")) == (409, ended)


def test_a_withdrawn_offer_answers_request_taken(client, make, scene):
    winner, loser, _ = scene["members"]
    created = submit(client, make, scene)
    assert post(client, make, winner, created["id"], "accept").status_code == 200
    assert refusal(post(client, make, loser, created["id"], "accept")) == (
        409, {"code": "request_taken", "message": "该请求已被他人接单或已不可接单"})


def accept_refusal(member, request_id) -> Conflict:
    with pytest.raises(Conflict) as refused:
        requests.accept(member, request_id)
    db.session.rollback()
    return refused.value


def test_an_open_offer_on_a_request_no_longer_offered_answers_request_taken(client, make, scene):
    member = scene["members"][0]
    created = submit(client, make, scene)
    # The round was closed and escalated while this offer stayed open.
    db.session.execute(update(ServiceRequest).values(status="escalated"))
    db.session.commit()
    refused = accept_refusal(member, created["id"])
    assert (refused.code, refused.message) == ("request_taken", "该请求已被他人接单或已不可接单")


def test_an_accept_after_the_window_answers_offer_expired_with_its_message(client, make, scene, monkeypatch):
    created = submit(client, make, scene)
    closes = db.session.get(ServiceRequest, created["id"]).offer_expires_at
    monkeypatch.setattr("services.requests.utcnow", lambda: closes)
    refused = accept_refusal(scene["members"][0], created["id"])
    assert (refused.code, refused.message) == ("offer_expired", "邀请已过期")


def test_an_accept_just_inside_the_window_succeeds(client, make, scene, monkeypatch):
    created = submit(client, make, scene)
    closes = db.session.get(ServiceRequest, created["id"]).offer_expires_at
    monkeypatch.setattr("services.requests.utcnow", lambda: closes - timedelta(microseconds=1))
    accepted = requests.accept(scene["members"][0], created["id"])
    assert accepted.status == "accepted"


def test_an_accept_at_the_open_task_cap_answers_its_message(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MEMBER_OPEN_TASK_CAP", 1)
    member = scene["members"][0]
    first = submit(client, make, scene)
    second = submit(client, make, scene)
    assert post(client, make, member, first["id"], "accept").status_code == 200
    assert refusal(post(client, make, member, second["id"], "accept")) == (
        409, {"code": "open_task_cap", "message": "您手头未完成的服务已达上限，请先完成后再接单"})


def test_a_member_below_the_open_task_cap_may_accept(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MEMBER_OPEN_TASK_CAP", 2)
    member = scene["members"][0]
    first = submit(client, make, scene)
    second = submit(client, make, scene)
    assert post(client, make, member, first["id"], "accept").status_code == 200
    assert post(client, make, member, second["id"], "accept").status_code == 200


def test_an_accept_losing_the_race_answers_request_taken(client, make, scene, monkeypatch):
    member, rival, _ = scene["members"]
    created = submit(client, make, scene)
    original = requests.transition

    def rival_first(request, action, *args, **values):
        db.session.execute(
            update(ServiceRequest).where(ServiceRequest.id == request.id)
            .values(status="accepted", assignee_id=rival.id).execution_options(synchronize_session=False)
        )
        return original(request, action, *args, **values)

    monkeypatch.setattr(requests, "transition", rival_first)
    refused = accept_refusal(member, created["id"])
    assert (refused.code, refused.message) == ("request_taken", "该请求已被他人接单")


def test_a_transition_from_a_status_that_changed_meanwhile_answers_request_state_changed(client, make, scene):
    created = submit(client, make, scene)
    request = db.session.get(ServiceRequest, created["id"])
    db.session.execute(
        update(ServiceRequest).where(ServiceRequest.id == request.id).values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(Conflict) as refused:
        requests.transition(request, "expire", None)
    assert (refused.value.code, refused.value.message) == ("request_state_changed", "请求状态已变化，请刷新后重试")
    assert db.session.execute(
        select(RequestHistory.id).where(RequestHistory.action == "expire")
    ).first() is None


def test_a_next_round_from_a_round_that_moved_meanwhile_answers_request_state_changed(client, make, scene):
    created = submit(client, make, scene)
    request = db.session.get(ServiceRequest, created["id"])
    db.session.execute(
        update(ServiceRequest).where(ServiceRequest.id == request.id).values(offer_round=2)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(Conflict) as refused:
        requests.transition(request, "next_round", None, offer_round=2)
    assert refused.value.code == "request_state_changed"


def test_declining_twice_answers_offer_not_open(client, make, scene):
    created = submit(client, make, scene)
    member = scene["members"][0]
    assert post(client, make, member, created["id"], "decline").status_code == 200
    assert refusal(post(client, make, member, created["id"], "decline")) == (
        409, {"code": "offer_not_open", "message": "该邀请已处理"})


def test_only_the_assignee_works_on_a_taken_request(client, make, scene):
    member = scene["members"][0]
    created = submit(client, make, scene)
    assert refusal(post(client, make, scene["staff"], created["id"], "start")) == (
        409, {"code": "illegal_transition", "message": "当前状态（派单中）不允许该操作"})
    post(client, make, member, created["id"], "accept")
    assert refusal(post(client, make, scene["staff"], created["id"], "start")) == (
        403, {"code": "not_assignee", "message": "仅限接单党员操作"})
    assert db.session.get(ServiceRequest, created["id"]).status == "accepted"


def test_staff_cannot_confirm_their_own_service_with_its_message(client, make, scene):
    member = scene["members"][0]
    make.grant(member, scene["units"]["community_a"])
    created = submit(client, make, scene)
    for action, payload in (("accept", {}), ("start", {}), ("complete", {"note": "好了", "minutes": 20})):
        assert post(client, make, member, created["id"], action, **payload).status_code == 200
    assert refusal(post(client, make, member, created["id"], "confirm")) == (
        403, {"code": "self_confirmation", "message": "不能确认自己的服务"})


def test_assigning_refuses_strangers_the_resident_and_the_same_member_with_their_messages(client, make, scene):
    units, staff = scene["units"], scene["staff"]
    member = scene["members"][0]
    created = submit(client, make, scene)
    invalid = {"code": "invalid_member", "message": "该党员不在本街道的在职党员名单中"}
    assert refusal(post(client, make, staff, created["id"], "assign", member_id=999999)) == (422, invalid)
    resident_member = make.member(units["community_a"])
    db.session.execute(update(ServiceRequest).values(resident_id=resident_member.id))
    db.session.commit()
    assert refusal(post(client, make, staff, created["id"], "assign", member_id=resident_member.id)) == (
        422, {"code": "own_request", "message": "不能把请求指派给提出请求的居民本人"})
    assert post(client, make, staff, created["id"], "assign", member_id=member.id).status_code == 200
    assert refusal(post(client, make, staff, created["id"], "assign", member_id=member.id)) == (
        409, {"code": "already_assigned", "message": "已由该党员负责"})


def test_a_member_of_a_neighbouring_community_may_be_assigned_one_of_another_street_may_not(client, make, scene):
    units, staff = scene["units"], scene["staff"]
    neighbour = make.member(units["community_b"])
    other_street = make.tree()
    far = make.member(other_street["community_a"])
    pending = make.member(units["community_a"])
    from models.members import Registration
    db.session.execute(update(Registration).where(Registration.user_id == pending.id).values(status="pending"))
    db.session.commit()
    created = submit(client, make, scene)
    invalid = (422, {"code": "invalid_member", "message": "该党员不在本街道的在职党员名单中"})
    assert refusal(post(client, make, staff, created["id"], "assign", member_id=far.id)) == invalid
    assert refusal(post(client, make, staff, created["id"], "assign", member_id=pending.id)) == invalid
    assert refusal(post(client, make, staff, created["id"], "assign", member_id=scene["resident"].id)) == invalid
    assigned = post(client, make, staff, created["id"], "assign", member_id=neighbour.id)
    assert body(assigned)["assignee_id"] == neighbour.id


def test_routing_to_an_unknown_provider_answers_invalid_provider_with_the_field(client, make, scene):
    created = submit(client, make, scene)
    assert refusal(post(client, make, scene["staff"], created["id"], "route", provider_id=999999)) == (
        422, {"code": "invalid_provider", "message": "该服务机构不服务本社区",
              "fields": {"provider_id": ["该服务机构不服务本社区"]}})


def test_acknowledging_without_being_the_provider_answers_not_provider(client, make, scene):
    provider = ServiceProvider(org_id=scene["units"]["street"].id, name="社工站", kind="social_work_org", services=[])
    db.session.add(provider)
    db.session.commit()
    created = submit(client, make, scene)
    assert post(client, make, scene["staff"], created["id"], "route", provider_id=provider.id).status_code == 200
    for action, payload in (("acknowledge", {}), ("report", {"note": "好了"})):
        assert refusal(post(client, make, scene["staff"], created["id"], action, **payload)) == (
            403, {"code": "not_provider", "message": "仅限受理该请求的服务机构操作"})


def test_asking_refuses_the_uninvolved_and_a_second_question_with_their_messages(client, make, scene):
    created = submit(client, make, scene)
    assert refusal(post(client, make, scene["resident"], created["id"], "ask-resident", question="?")) == (
        403, {"code": "not_involved", "message": "仅限工作人员、接单或受邀党员向居民询问"})
    assert post(client, make, scene["staff"], created["id"], "ask-resident", question="几点？").status_code == 200
    assert refusal(post(client, make, scene["staff"], created["id"], "ask-resident", question="还有")) == (
        409, {"code": "question_pending", "message": "已有问题等待居民答复"})


def test_answering_without_a_question_and_by_others_answers_their_messages(client, make, scene):
    created = submit(client, make, scene)
    assert refusal(post(client, make, scene["resident"], created["id"], "answer", answer="好")) == (
        409, {"code": "no_pending_question", "message": "没有等待您答复的问题"})
    assert refusal(post(client, make, scene["staff"], created["id"], "answer", answer="好")) == (
        403, {"code": "not_requester", "message": "仅限提出请求的居民操作"})


def test_an_answer_racing_another_answer_answers_that_the_question_was_answered(client, make, scene, monkeypatch):
    from services import sla

    created = submit(client, make, scene)
    assert post(client, make, scene["staff"], created["id"], "ask-resident", question="几点？").status_code == 200
    original = sla.resumed_due

    def answered_meanwhile(request, now):
        db.session.execute(
            update(ServiceRequest).where(ServiceRequest.id == request.id)
            .values(pending_question=None, sla_paused_at=None).execution_options(synchronize_session=False)
        )
        return original(request, now)

    monkeypatch.setattr(sla, "resumed_due", answered_meanwhile)
    assert refusal(post(client, make, scene["resident"], created["id"], "answer", answer="晚上")) == (
        409, {"code": "no_pending_question", "message": "该问题已答复"})


def test_rating_before_completion_and_twice_answers_their_messages(client, make, scene):
    member, resident = scene["members"][0], scene["resident"]
    created = submit(client, make, scene)
    assert refusal(post(client, make, resident, created["id"], "rate", stars=4)) == (
        409, {"code": "not_completed", "message": "服务完成后才能评价"})
    for action, payload in (("accept", {}), ("start", {}), ("complete", {"note": "好了", "minutes": 20})):
        assert post(client, make, member, created["id"], action, **payload).status_code == 200
    assert post(client, make, resident, created["id"], "rate", stars=4).status_code == 200
    assert refusal(post(client, make, resident, created["id"], "rate", stars=5)) == (
        409, {"code": "already_rated", "message": "已评价过该服务"})


def test_a_confirmed_service_may_still_be_rated(client, make, scene):
    member, resident = scene["members"][0], scene["resident"]
    created = submit(client, make, scene)
    for action, payload in (("accept", {}), ("start", {}), ("complete", {"note": "好了", "minutes": 20})):
        assert post(client, make, member, created["id"], action, **payload).status_code == 200
    assert post(client, make, scene["staff"], created["id"], "confirm").status_code == 200
    rated = post(client, make, resident, created["id"], "rate", stars=3, comment="还行")
    assert (body(rated)["stars"], body(rated)["rating_comment"]) == (3, "还行")
    assert body(rated)["history"][-1]["reason"] == "3 星"


def test_a_unit_of_the_community_that_is_not_a_building_is_refused_as_the_building(client, make, scene):
    from services.orgs import add_org

    branch = add_org("功能型党支部", "functional_branch", scene["units"]["community_a"])
    db.session.commit()
    response = client.post(
        "/api/v1/requests", json={"category_id": scene["category"].id, "title": "换灯泡", "building_id": branch.id},
        headers=make.headers(scene["resident"]),
    )
    assert refusal(response) == (422, {"code": "invalid_building", "message": "楼院不属于所在社区"})


def _completed(client, make, scene, title="换灯泡") -> int:
    member = scene["members"][0]
    created = submit(client, make, scene, title=title)
    for action, payload in (("accept", {}), ("start", {}), ("complete", {"note": "好了", "minutes": 20})):
        assert post(client, make, member, created["id"], action, **payload).status_code == 200
    return created["id"]


def test_a_rating_sent_back_meanwhile_to_the_volunteer_is_refused(client, make, scene, monkeypatch):
    """Staff return the completion between the resident's check and the rating's UPDATE: nothing is rated."""
    request_id = _completed(client, make, scene)
    real_utcnow = requests.utcnow

    def returned_meanwhile():
        db.session.execute(
            update(ServiceRequest).where(ServiceRequest.id == request_id).values(status="in_progress")
            .execution_options(synchronize_session=False)
        )
        return real_utcnow()

    monkeypatch.setattr(requests, "utcnow", returned_meanwhile)
    with pytest.raises(Conflict) as refused:
        requests.rate(scene["resident"], request_id, 5, None)
    assert refused.value.code == "already_rated"
    db.session.rollback()
    monkeypatch.undo()
    assert db.session.get(ServiceRequest, request_id).stars is None
