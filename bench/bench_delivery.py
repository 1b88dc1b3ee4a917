"""Delivery throughput: messages/s that RQ workers deliver to the WeChat sandbox, against a plain loop of POSTs.

Runs everything locally: a temporary SQLite database (or, with --postgresql, a throwaway PostgreSQL
cluster), a private redis-server (or REDIS_URL), the sandbox as its own process (`flask wx-sandbox`),
and workers as `flask worker --burst` processes.

    .venv/bin/python bench/bench_delivery.py [--messages 1000] [--postgresql] [--record]

`--record` appends the results as a section of bench/RESULTS.md.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

EVENT = "request_offered"
# (workers, NOTIFY_BATCH_SIZE) per run: one row per job as before batching, then the default.
SETUPS = [(1, 1), (1, 20), (4, 20)]
TEMPLATE = f"tpl-{EVENT}"
OPENID = "bench-openid"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def environment(database_url: str, redis_url: str, sandbox_port: int) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WECHAT_")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        WECHAT_API_BASE=f"http://127.0.0.1:{sandbox_port}/",
        WECHAT_SANDBOX="1",  # the sandbox on a database of the bench's own, not the default file
        SECRET_KEY="bench-secret-key",  # noqa: S106  # throwaway key for a local benchmark database
    )
    return env


def flask(env, *args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, **kwargs,
    )


def prepare(env: dict, sandbox: str, messages: int) -> None:
    """Schema, one user known to WeChat with `messages` grants on both sides, `messages` queued rows."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app
    from extensions import db
    from jobs.notifications import relay
    from models.notifications import NotificationGrant
    from models.users import User
    from services.notifications import notify

    requests.post(sandbox + "sandbox/grants", json={"openid": OPENID, "template_id": TEMPLATE, "count": messages},
                  timeout=5).raise_for_status()
    app = create_app()
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"), revision="heads")
        user = User(openid=OPENID, name="压测用户")
        db.session.add(user)
        db.session.flush()
        db.session.add(NotificationGrant(user_id=user.id, template_id=TEMPLATE, remaining=messages))
        for n in range(messages):
            notify(user.id, EVENT, f"压测通知{n}", "帮忙修水管", {}, "pages/index/index")
        db.session.commit()
        while relay():
            pass


def login(sandbox: str) -> None:
    """Log the bench user in once, so WeChat knows its openid."""
    code = requests.post(sandbox + "sandbox/codes", json={"openid": OPENID}, timeout=5).json()["code"]
    requests.get(sandbox + "sns/jscode2session", params={
        "appid": "wx-sandbox-appid", "secret": "wx-sandbox-secret", "js_code": code,
        "grant_type": "authorization_code"}, timeout=5).raise_for_status()


def delivered_rate(env: dict) -> tuple[int, float]:
    """(rows sent, messages/s between the first and the last send)."""
    from sqlalchemy import func, select

    from app import create_app
    from extensions import db
    from models.notifications import Notification

    os.environ.update(env)
    app = create_app()
    with app.app_context():
        sent, first, last = db.session.execute(
            select(func.count(), func.min(Notification.sent_at), func.max(Notification.sent_at))
            .where(Notification.status == "sent")
        ).one()
        db.engine.dispose()
    seconds = (last - first).total_seconds() if sent > 1 else 0
    return sent, (sent - 1) / seconds if seconds else 0.0


def run_workers(database_url: str, redis_url: str, sandbox_port: int, sandbox: str, messages: int, workers: int,
                batch_size: int):
    env = {**environment(database_url, redis_url, sandbox_port), "NOTIFY_BATCH_SIZE": str(batch_size)}
    prepare(env, sandbox, messages)
    processes = [flask(env, "worker", "--burst", stderr=subprocess.DEVNULL) for _ in range(workers)]
    for process in processes:
        process.wait(timeout=600)
    return delivered_rate(env)


def plain_loop(sandbox: str, messages: int) -> float:
    """messages/s of a plain loop of subscribe-message POSTs to the same sandbox."""
    requests.post(sandbox + "sandbox/grants", json={"openid": OPENID, "template_id": TEMPLATE, "count": messages},
                  timeout=5).raise_for_status()
    token = requests.get(sandbox + "cgi-bin/token", params={
        "grant_type": "client_credential", "appid": "wx-sandbox-appid", "secret": "wx-sandbox-secret"},
        timeout=5).json()["access_token"]
    session = requests.Session()
    data = {"thing1": {"value": "压测通知"}, "thing2": {"value": "帮忙修水管"}, "phrase3": {"value": "待接单"},
            "time4": {"value": "2026-11-26 08:00"}}
    started = time.perf_counter()
    for _ in range(messages):
        answer = session.post(sandbox + "cgi-bin/message/subscribe/send", params={"access_token": token},
                              json={"touser": OPENID, "template_id": TEMPLATE, "data": data,
                                    "page": "pages/index/index"}, timeout=5).json()
        assert answer["errcode"] == 0, answer
    return messages / (time.perf_counter() - started)


def start_postgresql():
    from tests.fixtures.services import PostgresCluster, postgres_bin_dir

    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL found: install it or run without --postgresql")
    cluster = PostgresCluster(bin_dir)
    cluster.start()
    return cluster


def fresh_database(cluster, run: int) -> str:
    """An empty database in the cluster for one run, so each run starts from the same state."""
    from sqlalchemy import create_engine, text

    name = f"bench_run_{run}"
    engine = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--postgresql", action="store_true", help="a throwaway PostgreSQL cluster, not SQLite")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    children = []
    cluster = start_postgresql() if args.postgresql else None
    try:
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            redis_port = free_port()
            children.append(subprocess.Popen(
                [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(redis_port),
                 "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                stdout=subprocess.DEVNULL))
            wait_for_port(redis_port)
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
        sandbox_port = free_port()
        sandbox_env = environment(f"sqlite:///{workdir / 'sandbox.db'}", redis_url, sandbox_port)
        children.append(flask(sandbox_env, "wx-sandbox", "--port", str(sandbox_port), stderr=subprocess.DEVNULL))
        wait_for_port(sandbox_port)
        sandbox = f"http://127.0.0.1:{sandbox_port}/"

        login(sandbox)
        loop_before = plain_loop(sandbox, args.messages)
        results = []
        for run, (workers, batch_size) in enumerate(SETUPS):
            database_url = fresh_database(cluster, run) if cluster else f"sqlite:///{workdir / f'bench-{run}.db'}"
            sent, rate = run_workers(database_url, redis_url, sandbox_port, sandbox, args.messages, workers, batch_size)
            if sent != args.messages:
                raise SystemExit(f"{workers} worker(s) sent {sent} of {args.messages}")
            results.append((workers, batch_size, rate))
        loop_after = plain_loop(sandbox, args.messages)
    finally:
        for child in children:
            child.terminate()
            child.wait(timeout=10)
        if cluster:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    loop_rate = (loop_before + loop_after) / 2
    lines = [
        f"## Notification delivery ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.messages} messages, "
        f"{'PostgreSQL' if args.postgresql else 'SQLite'})",
        "",
        "`bench/bench_delivery.py`: outbox rows relayed to RQ and sent by `flask worker --burst` processes to the",
        "local WeChat sandbox (one token, one grant spent per message, every row marked), against a plain loop of",
        "subscribe-message POSTs over one kept-alive connection to the same sandbox, measured before and after",
        "the workers (the ratio is to their mean).",
        "",
        "| sender | rows per job | messages/s | vs plain loop |",
        "|---|---|---|---|",
        f"| plain loop of HTTP POSTs, before / after | — | {loop_before:.0f} / {loop_after:.0f} | 1.00 |",
    ]
    for workers, batch_size, rate in results:
        lines.append(f"| {workers} worker{'s' if workers > 1 else ''} | {batch_size} | {rate:.0f} | "
                     f"{rate / loop_rate:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.record:
        results_path = REPO / "bench" / "RESULTS.md"
        existing = results_path.read_text() if results_path.exists() else "# Benchmarks\n"
        results_path.write_text(existing.rstrip("\n") + "\n\n" + text)


if __name__ == "__main__":
    main()
