"""The guarded UPDATEs of the request flow against a competing commit: another connection commits its
change between this one's read and its write, and the guard decides — the overdue sweep's claim, a
question to a request that moved meanwhile, an answer to a question answered and asked again meanwhile."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from extensions import db
from models.requests import ServiceRequest
from services import requests
from services.errors import Conflict
from tests.conftest import committed_before_the_first_update
from tests.test_requests import post, submit
from tests.test_requests_notices import notices, stored


def the_same_claim_first(other, claim):
    """Another worker's sweep ran the very same claim a moment earlier."""
    other.execute(claim)


def overdue(client, make, scene, clock, *titles) -> list[int]:
    """Requests of the scene, with the clock set past their response deadline."""
    ids = [submit(client, make, scene, title=title)["id"] for title in titles]
    clock.at(max(stored(request_id).sla_due_at for request_id in ids) + timedelta(minutes=1))
    db.session.commit()
    return ids


def alerted_requests() -> set[int]:
    return {data["request_id"] for _user, _title, _body, data, _page in notices("request_overdue")}


def change_request(request_id: int, **values):
    def commit(other, _statement):
        other.execute(update(ServiceRequest).where(ServiceRequest.id == request_id).values(**values))

    return commit


# ------------------------------------------------------------------ the overdue sweep


def test_an_overdue_request_another_worker_claimed_meanwhile_is_not_alerted_again(client, make, scene, clock):
    [request_id] = overdue(client, make, scene, clock, "漏水严重")
    with committed_before_the_first_update(the_same_claim_first):
        assert requests.alert_overdue() == 0
    db.session.commit()
    assert alerted_requests() == set()
    assert stored(request_id).sla_alerted_at == clock.now


def test_a_claim_lost_to_another_worker_does_not_end_the_sweep(client, make, scene, clock):
    ids = overdue(client, make, scene, clock, "漏水严重", "灯不亮")
    with committed_before_the_first_update(the_same_claim_first):
        assert requests.alert_overdue() == 1
    db.session.commit()
    # The other worker alerted one of the two (its notices are its own); this sweep the other one.
    assert len(alerted_requests()) == 1 and alerted_requests() < set(ids)
    assert [stored(request_id).sla_alerted_at for request_id in ids] == [clock.now, clock.now]


# ------------------------------------------------------------------ asking the resident


def test_a_question_to_a_request_cancelled_meanwhile_is_refused_and_not_stored(client, make, scene):
    request_id = submit(client, make, scene)["id"]
    db.session.commit()
    with committed_before_the_first_update(change_request(request_id, status="cancelled")), \
            pytest.raises(Conflict) as refused:
        requests.ask_resident(scene["staff"], request_id, "几点方便？")
    db.session.rollback()
    assert (refused.value.code, refused.value.message) == ("request_state_changed", "请求状态已变化，请刷新后重试")
    request = stored(request_id)
    assert (request.status, request.pending_question, request.sla_paused_at) == ("cancelled", None, None)


# ------------------------------------------------------------------ answering


def asked(client, make, scene, question: str) -> int:
    request_id = submit(client, make, scene)["id"]
    assert post(client, make, scene["staff"], request_id, "ask-resident", question=question).status_code == 200
    db.session.commit()
    return request_id


def answer_refused(scene, request_id: int, change) -> Conflict:
    with committed_before_the_first_update(change), pytest.raises(Conflict) as refused:
        requests.answer_question(scene["resident"], request_id, "晚上七点以后")
    db.session.rollback()
    return refused.value


def test_an_answer_to_a_question_replaced_meanwhile_at_the_same_moment_leaves_the_new_one_pending(
        client, make, scene, clock):
    request_id = asked(client, make, scene, "几点方便？")
    # Answered and another question asked, all at the frozen moment: only the question tells them apart.
    refused = answer_refused(scene, request_id, change_request(request_id, pending_question="要带梯子吗？"))
    assert (refused.code, refused.message) == ("no_pending_question", "该问题已答复")
    request = stored(request_id)
    assert (request.pending_question, request.sla_paused_at) == ("要带梯子吗？", clock.now)


def test_an_answer_to_a_question_asked_again_meanwhile_in_the_same_words_leaves_it_pending(
        client, make, scene, clock):
    request_id = asked(client, make, scene, "几点方便？")
    again = clock.now + timedelta(minutes=5)
    # Answered, then asked again word for word: only the moment of the pause tells the questions apart.
    refused = answer_refused(scene, request_id, change_request(request_id, sla_paused_at=again))
    assert (refused.code, refused.message) == ("no_pending_question", "该问题已答复")
    request = stored(request_id)
    assert (request.pending_question, request.sla_paused_at) == ("几点方便？", again)
