"""Idempotency keys at their edges: what a key is bound to, the answers' own messages, a takeover
racing another request, what a release or a purge may delete, and failures after the commit
that only log."""
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.dml import Delete, Update

from extensions import db
from models.base import utcnow
from models.idempotency import IdempotencyKey
from services import idempotency
from services.errors import Conflict, Invalid
from tests.conftest import committed_before_the_first_update

REQUEST = "a" * 64


def _age(claimed, created_at) -> None:
    db.session.execute(update(IdempotencyKey).where(IdempotencyKey.id == claimed.id).values(created_at=created_at))
    db.session.commit()


def _row(claimed) -> IdempotencyKey | None:
    db.session.expire_all()
    return db.session.get(IdempotencyKey, claimed.id)


def another_request_just_before_the_takeover(change: dict, claimed):
    """Right before this session's takeover UPDATE runs, another request (its own connection)
    commits `change` to the same key row: the race the guarded update must lose."""
    return committed_before_the_first_update(lambda other, _takeover: other.execute(
        update(IdempotencyKey).where(IdempotencyKey.id == claimed.id).values(**change)))


# ------------------------------------------------------------------ what a key is bound to


def test_a_body_that_is_not_json_is_compared_byte_for_byte():
    form = idempotency.request_hash("POST", "/api/v1/x", b"a=1&b=2")
    assert form == idempotency.request_hash("POST", "/api/v1/x", b"a=1&b=2")
    assert form != idempotency.request_hash("POST", "/api/v1/x", b"a=1&b=3")
    assert form != idempotency.request_hash("POST", "/api/v1/x", b"")


def test_json_is_compared_by_content_only_when_its_text_is_valid_unicode():
    # The same characters, escaped or not, in another layout: one request.
    assert idempotency.request_hash("POST", "/p", '{"t":"灯","n":1}'.encode()) == idempotency.request_hash(
        "POST", "/p", b'{"n": 1, "t": "\\u706f"}'
    )
    # An unpaired surrogate has no UTF-8 form: no canonical text, so the bytes themselves count.
    assert idempotency.request_hash("POST", "/p", b'{"t":"\\ud800"}') != idempotency.request_hash(
        "POST", "/p", b'{"t": "\\ud800"}'
    )


# ------------------------------------------------------------------ the answers of claim


def test_a_key_reused_for_another_request_answers_422_with_its_message(make):
    user = make.resident()
    idempotency.claim(user.id, "k1", REQUEST)
    with pytest.raises(Invalid) as reused:
        idempotency.claim(user.id, "k1", "b" * 64)
    assert (reused.value.code, reused.value.message) == (
        "idempotency_key_mismatch", "该 Idempotency-Key 已用于另一个请求",
    )


def test_committed_work_without_an_answer_answers_409_with_its_message(make):
    user = make.resident()
    claimed = idempotency.claim(user.id, "k1", REQUEST)
    db.session.execute(update(IdempotencyKey).where(IdempotencyKey.id == claimed.id).values(committed_at=utcnow()))
    db.session.commit()
    with pytest.raises(Conflict) as unavailable:
        idempotency.claim(user.id, "k1", REQUEST)
    assert (unavailable.value.code, unavailable.value.message) == (
        "idempotency_answer_unavailable", "该请求已处理，请刷新查看结果",
    )


# ------------------------------------------------------------------ taking over a stale claim


def test_taking_over_a_stale_claim_leaves_another_stale_claim_of_the_same_moment_alone(make):
    first, second = make.resident(), make.resident()
    abandoned_at = utcnow() - idempotency.STALE_CLAIM - timedelta(minutes=1)
    for user in (first, second):
        _age(idempotency.claim(user.id, "k1", REQUEST), abandoned_at)
    assert not idempotency.claim(first.id, "k1", REQUEST).is_replay
    # The second user's claim is still stale: their retry takes it over too, rather than waiting.
    assert not idempotency.claim(second.id, "k1", REQUEST).is_replay


def test_a_stale_claim_taken_over_meanwhile_by_another_request_answers_409(make):
    user = make.resident()
    abandoned = idempotency.claim(user.id, "k1", REQUEST)
    _age(abandoned, utcnow() - idempotency.STALE_CLAIM - timedelta(minutes=1))
    racing = another_request_just_before_the_takeover({"created_at": utcnow()}, abandoned)
    with racing, pytest.raises(Conflict) as busy:
        idempotency.claim(user.id, "k1", REQUEST)
    assert busy.value.code == "idempotency_in_progress"


def test_a_stale_claim_whose_work_commits_meanwhile_is_not_taken_over(make):
    user = make.resident()
    slow = idempotency.claim(user.id, "k1", REQUEST)
    stale_at = utcnow() - idempotency.STALE_CLAIM - timedelta(minutes=1)
    _age(slow, stale_at)
    racing = another_request_just_before_the_takeover({"committed_at": utcnow()}, slow)
    with racing, pytest.raises(Conflict):
        idempotency.claim(user.id, "k1", REQUEST)
    # Doing the committed work a second time is what the guard prevents; the claim is untouched.
    assert _row(slow).created_at.replace(tzinfo=None) == stale_at.replace(tzinfo=None)


# ------------------------------------------------------------------ release and purge


def test_releasing_a_claim_deletes_that_claim_only(make):
    user = make.resident()
    failed = idempotency.claim(user.id, "k1", REQUEST)
    running = idempotency.claim(user.id, "k2", REQUEST)
    idempotency.release(failed)
    assert _row(failed) is None
    assert _row(running) is not None
    with pytest.raises(Conflict):
        idempotency.claim(user.id, "k2", REQUEST)


def test_purge_keeps_a_key_exactly_at_the_age_limit(make, monkeypatch):
    user = make.resident()
    now = utcnow()
    monkeypatch.setattr("services.idempotency.utcnow", lambda: now)
    max_age = timedelta(days=1)
    at_limit = idempotency.claim(user.id, "at-limit", REQUEST)
    past_limit = idempotency.claim(user.id, "past-limit", REQUEST)
    _age(at_limit, now - max_age)
    _age(past_limit, now - max_age - timedelta(seconds=1))
    assert idempotency.purge_expired(max_age) == 1
    db.session.commit()
    assert db.session.execute(select(IdempotencyKey.key)).scalars().all() == ["at-limit"]


# ------------------------------------------------------------------ failures after the work


def _logged(caplog) -> logging.LogRecord:
    [logged] = [entry for entry in caplog.records if entry.name == "services.idempotency"]
    return logged


@pytest.fixture
def database_refuses(monkeypatch):
    """`database_refuses(Update)`: from then on the session's statements of that kind fail as
    a locked database would; `.stop()` ends it."""
    execute = db.session.execute

    class Refusal:
        def __call__(self, kind):
            def refusing(statement, *args, **kwargs):
                if isinstance(statement, kind):
                    raise OperationalError(str(statement), {}, Exception("database is locked"))
                return execute(statement, *args, **kwargs)

            monkeypatch.setattr(db.session, "execute", refusing)

        def stop(self):
            monkeypatch.undo()

    return Refusal()


def test_an_answer_the_database_refuses_is_logged_with_its_claim_and_the_key_stays_unanswered(
    make, caplog, database_refuses
):
    user = make.resident()
    claimed = idempotency.claim(user.id, "k1", REQUEST)
    database_refuses(Update)
    with caplog.at_level(logging.ERROR, logger="services.idempotency"):
        idempotency.record(claimed, 201, {"id": 7})
    database_refuses.stop()
    logged = _logged(caplog)
    assert logged.getMessage() == f"the answer for idempotency claim {claimed.id} was not recorded"
    assert logged.exc_info is not None
    # The session was rolled back and still works; nothing was stored for a replay.
    assert _row(claimed).status_code is None


def test_a_release_the_database_refuses_is_logged_with_its_claim(make, caplog, database_refuses):
    user = make.resident()
    claimed = idempotency.claim(user.id, "k1", REQUEST)
    database_refuses(Delete)
    with caplog.at_level(logging.ERROR, logger="services.idempotency"):
        idempotency.release(claimed)
    database_refuses.stop()
    logged = _logged(caplog)
    assert logged.getMessage() == (
        f"idempotency claim {claimed.id} was not released; it may be taken over once stale"
    )
    assert logged.exc_info is not None
    assert _row(claimed) is not None
