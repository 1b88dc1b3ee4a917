"""An RQ worker that runs every job inside the app's context, with the scheduler and the periodic jobs."""
import logging
import threading

import redis
from rq import SimpleWorker

from extensions import get_redis
from jobs.periodic import PERIODIC_JOBS
from jobs.queue import DEFAULT_QUEUE, get_queue

log = logging.getLogger(__name__)

PERIODIC_LOCK_PREFIX = "linli-periodic:"


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
    # SimpleWorker runs jobs in this process, inside the pushed app context; forking per job
    # would share the database pool across processes.
    stop = threading.Event()
    ticker = threading.Thread(target=_periodic_loop, args=(app, stop), daemon=True)
    with app.app_context():
        if not burst:
            ticker.start()
        else:
            enqueue_due_periodic_jobs()
        try:
            worker = SimpleWorker([DEFAULT_QUEUE], connection=get_redis())
            worker.work(with_scheduler=True, burst=burst)
        finally:
            stop.set()
