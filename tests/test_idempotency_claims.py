"""Claiming idempotency keys: one claim per (user, key) bound to one request; in-progress, stale and released claims."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.idempotency import IdempotencyKey
from services import idempotency
from services.errors import Conflict, Invalid
from services.stations import qr_token
from tests.conftest import body
from tests.fixtures.members import CENTRE

# The fingerprint of one request (method, path and body, hashed by the caller).
REQUEST = "a" * 64


def _age_claim(claimed, age: timedelta) -> None:
    db.session.execute(update(IdempotencyKey).where(IdempotencyKey.id == claimed.id).values(created_at=utcnow() - age))
    db.session.commit()


def test_a_running_claim_answers_409_in_progress(make):
    user = make.resident()
    first = idempotency.claim(user.id, "k1", REQUEST)
    assert not first.is_replay
    with pytest.raises(Conflict) as busy:
        idempotency.claim(user.id, "k1", REQUEST)
    assert (busy.value.code, busy.value.message) == ("idempotency_in_progress", "相同的请求正在处理中，请稍后重试")


def test_a_claim_just_under_the_stale_age_is_still_running(make, monkeypatch):
    user = make.resident()
    now = utcnow()
    monkeypatch.setattr("services.idempotency.utcnow", lambda: now)
    claimed = idempotency.claim(user.id, "k1", REQUEST)
    db.session.execute(
        update(IdempotencyKey).where(IdempotencyKey.id == claimed.id).values(created_at=now - idempotency.STALE_CLAIM)
    )
    db.session.commit()
    with pytest.raises(Conflict):
        idempotency.claim(user.id, "k1", REQUEST)


def test_a_stale_claim_is_taken_over_once_and_its_answer_recorded(make):
    user = make.resident()
    abandoned = idempotency.claim(user.id, "k1", REQUEST)
    _age_claim(abandoned, idempotency.STALE_CLAIM + timedelta(seconds=5))
    taken = idempotency.claim(user.id, "k1", REQUEST)
    assert (taken.id, taken.is_replay) == (abandoned.id, False)
    # The takeover restarts the clock: a third request now waits for it.
    with pytest.raises(Conflict):
        idempotency.claim(user.id, "k1", REQUEST)
    idempotency.record(taken, 201, {"id": 7})
    replay = idempotency.claim(user.id, "k1", REQUEST)
    assert (replay.status_code, replay.body) == (201, {"id": 7})


def test_one_user_keeps_answers_apart_per_key_and_a_key_serves_one_request(make):
    user = make.resident()
    for key, answer in (("k1", 1), ("k2", 2)):
        claimed = idempotency.claim(user.id, key, REQUEST)
        assert not claimed.is_replay
        idempotency.record(claimed, 201, {"id": answer})
    for key, answer in (("k1", 1), ("k2", 2)):
        assert idempotency.claim(user.id, key, REQUEST).body == {"id": answer}
    with pytest.raises(Invalid) as reused:
        idempotency.claim(user.id, "k1", "b" * 64)
    assert reused.value.code == "idempotency_key_mismatch"


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
