"""Claiming idempotency keys: one claim per (user, endpoint, key), in-progress, stale and released claims."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.idempotency import IdempotencyKey
from services import idempotency
from services.errors import Conflict
from services.stations import qr_token
from tests.conftest import body
from tests.fixtures.members import CENTRE


def _age_claim(claimed, age: timedelta) -> None:
    db.session.execute(update(IdempotencyKey).where(IdempotencyKey.id == claimed.id).values(created_at=utcnow() - age))
    db.session.commit()


def test_a_running_claim_answers_409_in_progress(make):
    user = make.resident()
    first = idempotency.claim(user.id, "requests.create", "k1")
    assert not first.is_replay
    with pytest.raises(Conflict) as busy:
        idempotency.claim(user.id, "requests.create", "k1")
    assert (busy.value.code, busy.value.message) == ("idempotency_in_progress", "相同的请求正在处理中，请稍后重试")


def test_a_claim_just_under_the_stale_age_is_still_running(make, monkeypatch):
    user = make.resident()
    now = utcnow()
    monkeypatch.setattr("services.idempotency.utcnow", lambda: now)
    claimed = idempotency.claim(user.id, "requests.create", "k1")
    db.session.execute(
        update(IdempotencyKey).where(IdempotencyKey.id == claimed.id).values(created_at=now - idempotency.STALE_CLAIM)
    )
    db.session.commit()
    with pytest.raises(Conflict):
        idempotency.claim(user.id, "requests.create", "k1")


def test_a_stale_claim_is_taken_over_once_and_its_answer_recorded(make):
    user = make.resident()
    abandoned = idempotency.claim(user.id, "requests.create", "k1")
    _age_claim(abandoned, idempotency.STALE_CLAIM + timedelta(seconds=5))
    taken = idempotency.claim(user.id, "requests.create", "k1")
    assert (taken.id, taken.is_replay) == (abandoned.id, False)
    # The takeover restarts the clock: a third request now waits for it.
    with pytest.raises(Conflict):
        idempotency.claim(user.id, "requests.create", "k1")
    idempotency.record(taken, 201, {"id": 7})
    replay = idempotency.claim(user.id, "requests.create", "k1")
    assert (replay.status_code, replay.body) == (201, {"id": 7})


def test_one_user_keeps_answers_apart_per_endpoint_and_per_key(make):
    user = make.resident()
    for endpoint, key, answer in (("a.create", "k1", 1), ("b.create", "k1", 2), ("a.create", "k2", 3)):
        claimed = idempotency.claim(user.id, endpoint, key)
        assert not claimed.is_replay
        idempotency.record(claimed, 201, {"id": answer})
    for endpoint, key, answer in (("a.create", "k1", 1), ("b.create", "k1", 2), ("a.create", "k2", 3)):
        assert idempotency.claim(user.id, endpoint, key).body == {"id": answer}


def test_a_failed_request_releases_its_key_for_the_retry(client, make, make_station):
    units = make.tree()
    station = make_station(units["community_a"])
    member = make.member(units["community_a"], units["building_a1"])
    headers = {**make.headers(member), "Idempotency-Key": "scan-1"}
    payload = {"station_id": station.id, "qr_token": qr_token(station).token, "lat": CENTRE[0] + 0.01, "lng": CENTRE[1]}
    too_far = client.post("/api/v1/checkins", json=payload, headers=headers)
    assert body(too_far)["error"]["code"] == "outside_radius"
    assert db.session.execute(select(IdempotencyKey)).first() is None
    retried = client.post("/api/v1/checkins", json={**payload, "lat": CENTRE[0]}, headers=headers)
    assert retried.status_code == 201
