"""Idempotency keys: bound to one request, never released once the work committed, Redis errors never undo it."""
import redis
from sqlalchemy import func, select

from extensions import db
from models.requests import RequestOffer, ServiceRequest
from tests.conftest import body


def _create(client, headers, scene, title="换灯泡"):
    return client.post(
        "/api/v1/requests", json={"category_id": scene["category"].id, "title": title}, headers=headers
    )


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


class _TimingOutQueue:
    def enqueue_at(self, *args, **kwargs):
        raise redis.TimeoutError("Timeout reading from socket")


def test_redis_timeout_after_the_commit_answers_201_and_the_retry_replays_it(client, make, scene, monkeypatch):
    monkeypatch.setattr("jobs.requests.get_queue", lambda: _TimingOutQueue())
    headers = {**make.headers(scene["resident"]), "Idempotency-Key": "req-timeout"}
    first = _create(client, headers, scene)
    assert first.status_code == 201, first.get_data(as_text=True)
    second = _create(client, headers, scene)
    assert (second.status_code, body(second)["id"]) == (201, body(first)["id"])
    assert _count(ServiceRequest) == 1
    # One round of offers, not a second one for the retry.
    assert _count(RequestOffer) == len(scene["members"])


def test_a_failure_after_the_commit_never_releases_the_key(client, make, scene, monkeypatch):
    def fail_after_commit(request):
        raise RuntimeError("something breaks after the commit")

    monkeypatch.setattr("blueprints.requests.schedule_offer_timer", fail_after_commit)
    headers = {**make.headers(scene["resident"]), "Idempotency-Key": "req-after-commit"}
    assert _create(client, headers, scene).status_code == 500
    retry = _create(client, headers, scene)
    assert (retry.status_code, body(retry)["error"]["code"]) == (409, "idempotency_answer_unavailable")
    assert _count(ServiceRequest) == 1


def test_a_failure_before_the_commit_releases_the_key_for_the_retry(client, make, scene):
    headers = {**make.headers(scene["resident"]), "Idempotency-Key": "req-invalid"}
    refused = client.post("/api/v1/requests", json={"category_id": 999999, "title": "换灯泡"}, headers=headers)
    assert refused.status_code == 404
    # The same body again: the key was released, so it is tried again (and refused again, not 409).
    again = client.post("/api/v1/requests", json={"category_id": 999999, "title": "换灯泡"}, headers=headers)
    assert (again.status_code, body(again)["error"]["code"]) == (404, body(refused)["error"]["code"])


def test_a_key_reused_with_another_body_answers_422(client, make, scene):
    headers = {**make.headers(scene["resident"]), "Idempotency-Key": "req-body"}
    assert _create(client, headers, scene, title="换灯泡").status_code == 201
    reused = _create(client, headers, scene, title="修水管")
    assert (reused.status_code, body(reused)["error"]["code"]) == (422, "idempotency_key_mismatch")
    assert _count(ServiceRequest) == 1


def test_a_key_reused_on_another_path_replays_nothing_and_answers_422(client, make, scene):
    headers = {**make.headers(scene["resident"]), "Idempotency-Key": "shared-key"}
    created = _create(client, headers, scene)
    assert created.status_code == 201
    member = scene["members"][0]
    reused = client.post(f"/api/v1/contacts/{member.id}/messages", json={"text": "您好"}, headers=headers)
    assert (reused.status_code, body(reused)["error"]["code"]) == (422, "idempotency_key_mismatch")


def test_the_same_json_in_another_layout_is_the_same_request(client, make, scene):
    headers = {**make.headers(scene["resident"]), "Idempotency-Key": "req-layout", "Content-Type": "application/json"}
    category_id = scene["category"].id
    first = client.post(
        "/api/v1/requests", data=f'{{"category_id": {category_id}, "title": "换灯泡"}}', headers=headers
    )
    second = client.post("/api/v1/requests", data=f'{{"title":"换灯泡","category_id":{category_id}}}', headers=headers)
    assert first.status_code == 201 and body(second)["id"] == body(first)["id"]
