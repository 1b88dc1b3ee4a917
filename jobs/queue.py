"""The named RQ queues, on the app's Redis connection."""
from rq import Queue

from extensions import get_redis

DEFAULT_QUEUE = "linli"


def get_queue(name: str = DEFAULT_QUEUE) -> Queue:
    return Queue(name, connection=get_redis())
