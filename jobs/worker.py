"""The RQ worker: every job in its own app context and session, with the scheduler and the periodic jobs."""
import contextvars
import logging
import threading

import redis
from flask import Flask
from rq import SimpleWorker
from rq.job import Job

from extensions import db, get_redis
from jobs.periodic import PERIODIC_JOBS
from jobs.queue import DEFAULT_QUEUE, get_queue

log = logging.getLogger(__name__)

PERIODIC_LOCK_PREFIX = "linli-periodic:"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [job %(job)s] %(message)s"

# The id of the job running in this thread (or task), stamped on every log record as `job`.
current_job_id: contextvars.ContextVar[str] = contextvars.ContextVar("linli_job_id", default="-")


class AppJob(Job):
    """A job run inside a fresh app context: its own session, rolled back on error and removed after.

    A job that fails half-way leaves nothing behind for the next job to commit.
    """

    flask_app: Flask  # bound by job_class_for()

    def _execute(self):
        token = current_job_id.set(self.id)
        try:
            with self.flask_app.app_context():
                try:
                    return super()._execute()
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()
        finally:
            current_job_id.reset(token)


def job_class_for(app: Flask) -> type[AppJob]:
    return type("LinliJob", (AppJob,), {"flask_app": app})


def install_job_id_in_log_records() -> None:
    """Give every log record a `job` attribute: the running job's id, "-" outside a job.

    Not `job_id`: RQ passes that one as `extra` on its own records.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "stamps_job_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.job = current_job_id.get()
        return record

    factory.stamps_job_id = True
    logging.setLogRecordFactory(factory)


def make_worker(app: Flask) -> SimpleWorker:
    """A worker on the default queue whose jobs run as AppJob of this app.

    SimpleWorker runs jobs in this process; forking per job would share the database pool
    across processes.
    """
    install_job_id_in_log_records()
    with app.app_context():
        connection = get_redis()
    return SimpleWorker([DEFAULT_QUEUE], connection=connection, job_class=job_class_for(app))


def enqueue_due_periodic_jobs(jobs: dict[str, int] | None = None) -> list[str]:
    """Enqueue each periodic job whose interval has passed, once across all workers (a Redis key per run)."""
    connection = get_redis()
    enqueued = []
    for path, seconds in (PERIODIC_JOBS if jobs is None else jobs).items():
        # SET NX EX: the first worker to claim this interval enqueues; the others see the key.
        if connection.set(PERIODIC_LOCK_PREFIX + path, "1", nx=True, ex=max(int(seconds), 1)):
            get_queue().enqueue(path)
            enqueued.append(path)
    return enqueued


def _periodic_loop(app, stop: threading.Event) -> None:
    with app.app_context():
        while not stop.wait(1):
            try:
                enqueue_due_periodic_jobs()
            except redis.RedisError:
                log.warning("Redis unavailable: periodic jobs wait")


def run_worker(app, burst: bool = False) -> None:
    worker = make_worker(app)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    stop = threading.Event()
    if burst:
        with app.app_context():
            enqueue_due_periodic_jobs()
    else:
        threading.Thread(target=_periodic_loop, args=(app, stop), daemon=True).start()
    try:
        worker.work(with_scheduler=True, burst=burst)
    finally:
        stop.set()
