"""An RQ worker that runs every job inside the app's context, with the scheduler on."""
from rq import SimpleWorker

from extensions import get_redis
from jobs.queue import DEFAULT_QUEUE


def run_worker(app, burst: bool = False) -> None:
    # SimpleWorker runs jobs in this process, inside the pushed app context; forking per job
    # would share the database pool across processes.
    with app.app_context():
        worker = SimpleWorker([DEFAULT_QUEUE], connection=get_redis())
        worker.work(with_scheduler=True, burst=burst)
