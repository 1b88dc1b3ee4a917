"""Each job runs in its own app context and session: a failed job leaves nothing behind; logs carry the job id."""
import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from extensions import db
from jobs.queue import get_queue
from jobs.worker import LOG_FORMAT, make_worker
from models.base import utcnow
from models.users import User

REPO = Path(__file__).resolve().parent.parent


def rename_then_fail(user_id: int) -> None:
    db.session.execute(update(User).where(User.id == user_id).values(name="半途而废"))
    raise RuntimeError("the job fails half-way")


def commit_whatever_is_pending() -> None:
    db.session.commit()


def log_a_line() -> None:
    logging.getLogger("linli.test").info("a line from inside a job")


def test_a_job_that_fails_half_way_leaves_no_change_for_the_next_job(app, make):
    user = make.resident(name="原名")
    db.session.commit()
    queue = get_queue()
    failing = queue.enqueue(rename_then_fail, user.id)
    queue.enqueue(commit_whatever_is_pending)
    make_worker(app).work(burst=True, with_scheduler=False)
    assert failing.get_status(refresh=True) == "failed"
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "原名"


def test_log_lines_written_inside_a_job_carry_its_id(app, app_context, caplog):
    job = get_queue().enqueue(log_a_line)
    with caplog.at_level(logging.INFO, logger="linli.test"):
        make_worker(app).work(burst=True, with_scheduler=False)
    [record] = [record for record in caplog.records if record.name == "linli.test"]
    assert record.job == job.id
    assert f"[job {job.id}]" in logging.Formatter(LOG_FORMAT).format(record)


def test_the_periodic_purge_deletes_dead_tokens_and_old_idempotency_keys(app, make):
    from jobs.maintenance import purge_expired
    from jobs.periodic import PERIODIC_JOBS
    from models.idempotency import IdempotencyKey
    from models.users import AuthToken
    from services.idempotency import claim

    assert "jobs.maintenance.purge_expired" in PERIODIC_JOBS
    user = make.resident()
    for _ in range(3):
        make.headers(user)
    live, expired, revoked = db.session.execute(select(AuthToken.id).order_by(AuthToken.id)).scalars().all()
    now = utcnow()
    db.session.execute(update(AuthToken).where(AuthToken.id == expired).values(expires_at=now - timedelta(seconds=1)))
    db.session.execute(update(AuthToken).where(AuthToken.id == revoked).values(revoked_at=now))
    claim(user.id, "old", "0" * 64)
    claim(user.id, "fresh", "0" * 64)
    db.session.execute(
        update(IdempotencyKey).where(IdempotencyKey.key == "old").values(created_at=now - timedelta(days=2))
    )
    db.session.commit()
    with app.app_context():
        assert purge_expired() == {"tokens": 2, "idempotency_keys": 1}
    db.session.expire_all()
    assert db.session.execute(select(AuthToken.id)).scalars().all() == [live]
    assert db.session.execute(select(IdempotencyKey.key)).scalars().all() == ["fresh"]
