"""What one request costs, in-process, on the city data: each endpoint against the bare baseline.

    .venv/bin/python bench/bench_request_cost.py [--dir DIR] [--calls 100] [--rounds 7]

No HTTP server and no concurrency: Flask's test client calls the app in this process, one request after
another, against the city cluster in DIR (bench/city/generate.py) and a private redis-server. For each endpoint
it reports the median over the rounds (taken in turn, so a change of the machine's load touches them alike) of:

- wall ms per request: the app's own CPU plus its waits for PostgreSQL (PostgreSQL's CPU included);
- app CPU ms per request: this process only;
- the baseline's wall time over the endpoint's: the throughput a server could reach relative to the bare
  endpoint if nothing but these costs counted (no HTTP parsing, no queueing).

Besides the API's endpoints it measures one route the bench adds to its own app instance: an endpoint whose
whole work is authentication (the token, its user, the staff scopes, in one statement), the floor under every
authenticated read.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from city.cluster import CityCluster  # noqa: E402

from tests.fixtures.services import free_port  # noqa: E402

SECRET_KEY = "linli-request-cost-bench"  # noqa: S105  # the throwaway key of an in-process benchmark app
AUTHENTICATED_ONLY = "/bench/authenticated"
# (label, path, account kind): the member and the street secretary of the load run's flows.
CALLS = [
    ("GET /healthz (baseline)", "/healthz", None),
    ("authentication only (bench route)", AUTHENTICATED_ONLY, "member"),
    ("GET /api/v1/me", "/api/v1/me", "member"),
    ("GET /api/v1/notifications", "/api/v1/notifications?per_page=20", "member"),
    ("GET /api/v1/members/me/hours", "/api/v1/members/me/hours", "member"),
    ("GET /api/v1/requests?mine=1", "/api/v1/requests?mine=1", "member"),
    ("GET /api/v1/requests (street's queue)", "/api/v1/requests?per_page=20", "street"),
    ("GET /api/v1/dashboard (street)", "/api/v1/dashboard", "street"),
]


def build_app(cluster: CityCluster, redis_port: int):
    os.environ.update(
        DATABASE_URL=cluster.url, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", SECRET_KEY=SECRET_KEY,
        WECHAT_SANDBOX="1", LOG_LEVEL="WARNING",
    )
    from app import create_app
    from blueprints.common import auth_required

    app = create_app()
    app.add_url_rule(AUTHENTICATED_ONLY, "bench_authenticated", auth_required(lambda: {"ok": True}))
    return app


def measure(client, path: str, headers: dict, calls: int) -> tuple[float, float]:
    """Wall and CPU ms per request over `calls` requests."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        answer = client.get(path, headers=headers)
    if answer.status_code != 200:
        raise SystemExit(f"{path}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
    return (time.perf_counter() - wall) * 1000 / calls, (time.process_time() - cpu) * 1000 / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "linli-city")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    accounts = json.loads((args.dir / "accounts.json").read_text())
    tokens = {"member": accounts["members"][0]["token"],
              "street": next(s["token"] for s in accounts["staff"] if s["username"] == "bench-street-0")}
    cluster = CityCluster(args.dir)
    cluster.start()
    redis_port = free_port()
    redis = subprocess.Popen(
        [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        client = build_app(cluster, redis_port).test_client()
        headers = {kind: {"Authorization": f"Bearer {token}"} for kind, token in tokens.items()}
        headers[None] = {}
        for _label, path, kind in CALLS:  # warm: pools, prepared statements, caches
            measure(client, path, headers[kind], 10)
        samples = {label: [] for label, _path, _kind in CALLS}
        for _ in range(args.rounds):
            for label, path, kind in CALLS:
                samples[label].append(measure(client, path, headers[kind], args.calls))
    finally:
        redis.terminate()
        cluster.stop()
    wall = {label: statistics.median(w for w, _c in values) for label, values in samples.items()}
    cpu = {label: statistics.median(c for _w, c in values) for label, values in samples.items()}
    baseline = wall[CALLS[0][0]]
    print(f"{args.rounds} rounds × {args.calls} calls, medians; machine load average {os.getloadavg()[0]:.1f}\n")
    print("| endpoint | wall ms | app CPU ms | baseline wall / wall |")
    print("|---|---|---|---|")
    for label, _path, _kind in CALLS:
        print(f"| {label} | {wall[label]:.2f} | {cpu[label]:.2f} | {baseline / wall[label]:.3f} |")


if __name__ == "__main__":
    main()
