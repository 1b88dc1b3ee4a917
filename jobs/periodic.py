"""Jobs the worker runs on a fixed interval: dotted path of the job function → seconds."""

PERIODIC_JOBS: dict[str, int] = {}
