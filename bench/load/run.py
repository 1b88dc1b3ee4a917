"""The city load run: gunicorn, PostgreSQL and Redis on loopback, driven by Locust from its own process.

    .venv/bin/python bench/load/run.py [--dir DIR] [--users 64] [--duration 60] [--phase-seconds 15]
                                       [--workers 2] [--worker-class gthread] [--threads 8]
                                       [--profile ENDPOINT] [--setup direct|nginx:N[xP][:W] ...]

Needs the dataset of bench/city/generate.py in --dir (its cluster and accounts.json). Starts the cluster,
a redis-server and the WeChat sandbox (`flask wx-sandbox`) once, then for each setup (default: one gunicorn
the clients reach directly; `nginx:N[xP][:W]`: N gunicorn servers of P processes on their own loopback ports
behind nginx, and W `flask worker` processes) checks how the app sees client addresses, and runs Locust
headless, one phase after another against that setup:

  1. baseline: every client asks for /healthz (no database, no authentication);
  2. one phase per flow (EndpointUser): every client repeats that flow alone, for its throughput;
  3. the mix: residents, members and staff through their flows, weighted like real use;
  4. the baseline again, to see whether the machine's load moved during the run.

Prints (and writes to <dir>/run-<time>/results.md) a table per endpoint and setup: requests/s and its ratio to
the first setup's baseline, p50 and p99, against the goals (reads ≥ 0.5×, writes ≥ 0.25× the baseline, p99 <
100 ms), and the setups side by side. --profile records the first gunicorn server with py-spy during that
flow's phase.
"""
import argparse
import csv
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import psutil
import psycopg
import redis
import requests
import rq

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.city.cluster import CityCluster  # noqa: E402
from bench.load import nginx  # noqa: E402
from config import SANDBOX_APPID, SANDBOX_SECRET  # noqa: E402
from jobs.queue import DEFAULT_QUEUE  # noqa: E402

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
SECRET_KEY = "linli-city-bench-key"  # noqa: S105  # the throwaway key of a local benchmark server
FLOWS = ("wx-login", "checkin", "create-request", "my-requests", "request-detail", "accept", "inbox",
         "staff-queue", "hours", "signup", "dashboard")
# The requests that carry each flow's goal; the flow's other requests (the check-out after a check-in,
# the sign-up given back) are reported beside it.
READ_GOAL, WRITE_GOAL, P99_GOAL_MS = 0.5, 0.25, 100
# What the bench changes in the app's settings, and why (bench/README.md).
SERVER_SETTINGS = {
    # A station's code changes every 10 s instead of 180 s: a code serves one finished visit per member
    # and station and window, and the check-in phase makes thousands of visits a minute. (2 s was too short:
    # under load a code expired before the server read it.)
    "QR_WINDOW_SECONDS": "10",
    # The bench residents ask for help far more often than the daily limit (10) lets a person.
    "REQUESTS_PER_DAY": "1000000",
    # The accept phase takes offers without finishing them; the cap is still counted on every accept.
    "MEMBER_OPEN_TASK_CAP": "1000000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def wait_for_rq_workers(redis_url: str, count: int, seconds: float = 120) -> None:
    """Until `count` workers are registered and idle with nothing queued: their start and the periodic jobs a
    fresh Redis lets them run at once (the hourly ones included) must not fall into the first phase."""
    connection = redis.Redis.from_url(redis_url)
    queue = rq.Queue(DEFAULT_QUEUE, connection=connection)
    deadline = time.monotonic() + seconds
    idle_checks = 0
    while True:
        workers = rq.Worker.all(connection=connection)
        idle = len(workers) >= count and not queue.count and all(worker.get_state() == "idle" for worker in workers)
        idle_checks = idle_checks + 1 if idle else 0
        # Idle for two seconds running: the periodic loop (one pass a second) has enqueued what was due.
        if idle_checks >= 5:
            return
        if time.monotonic() > deadline:
            print(f"warning: the {count} flask workers were not idle within {seconds} s (a backlog?)", flush=True)
            return
        time.sleep(0.5)


def grant_offer_messages(libpq_url: str, sandbox: str, accounts: dict) -> int:
    """Every approved member of the bench community may receive a million offer messages (grants on both
    sides, the app's and the sandbox's), so the workers send offers through the WeChat path instead of
    skipping them for want of a grant; other events stay without grants (skipped)."""
    community_id = next(account["org_id"] for account in accounts["staff"] if account["scope"] == "community")
    template = "tpl-request_offered"  # the sandbox's template id for the event (config._templates)
    with psycopg.connect(libpq_url) as connection:
        members = connection.execute(
            "SELECT u.id, u.openid FROM registrations r JOIN users u ON u.id = r.user_id "
            "WHERE r.community_id = %s AND r.status = 'approved' AND u.openid IS NOT NULL", (community_id,)).fetchall()
        connection.execute(
            "INSERT INTO notification_grants (user_id, template_id, remaining, updated_at) "
            "SELECT unnest(%s::int[]), %s, 1000000, now() "
            "ON CONFLICT (user_id, template_id) DO UPDATE SET remaining = 1000000",
            ([user_id for user_id, _ in members], template))
    with requests.Session() as session:
        for _, openid in members:
            session.post(sandbox + "sandbox/grants", json={"openid": openid, "template_id": template,
                                                           "count": 1000000}, timeout=10).raise_for_status()
            # WeChat sends only to an openid that has logged in to the mini-program once.
            code = session.post(sandbox + "sandbox/codes", json={"openid": openid}, timeout=10).json()["code"]
            session.get(sandbox + "sns/jscode2session", params={
                "appid": SANDBOX_APPID, "secret": SANDBOX_SECRET, "js_code": code,
                "grant_type": "authorization_code"}, timeout=10).raise_for_status()
    return len(members)


def renew_tokens(libpq_url: str, accounts: dict) -> None:
    """The bench accounts' tokens live again from now (a desk token ends after 30 idle minutes)."""
    from services.auth import _digest

    digests = [_digest(account["token"]) for role in ("members", "residents", "staff") for account in accounts[role]]
    with psycopg.connect(libpq_url) as connection:
        connection.execute(
            "UPDATE auth_tokens SET last_used_at = now(), revoked_at = NULL, "
            "expires_at = now() + CASE kind WHEN 'desk' THEN interval '12 hours' ELSE interval '7 days' END "
            "WHERE digest = ANY(%s)", (digests,))


class OfferSupply(threading.Thread):
    """Keeps one request on offer to every bench member, as residents' new requests would.

    The accept flow takes them. At most one open offer per member keeps the number of offered requests
    near what a city has at once (a few hundred): thousands of them would change the plans PostgreSQL
    picks for every listing of requests (bench/RESULTS.md, 2026-11-30).
    """

    def __init__(self, libpq_url: str, accounts: dict):
        super().__init__(daemon=True)
        self.url = libpq_url
        self.members = [account["user_id"] for account in accounts["members"]]
        self.residents = [(account["user_id"], account["building_id"]) for account in accounts["residents"]]
        self.categories = accounts["categories"]
        self.community_id = next(account["org_id"] for account in accounts["staff"] if account["scope"] == "community")
        self.rng = random.Random(20261130)
        self.finished = threading.Event()
        self.supplied = 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            others = [row[0] for row in connection.execute(
                "SELECT user_id FROM registrations WHERE community_id = %s AND status = 'approved' "
                "AND user_id <> ALL(%s) ORDER BY user_id LIMIT 100", (self.community_id, self.members))]
            while not self.finished.wait(0.5):
                waiting = [row[0] for row in connection.execute(
                    "SELECT member FROM unnest(%s::int[]) AS member WHERE NOT EXISTS ("
                    " SELECT 1 FROM request_offers o JOIN service_requests r ON r.id = o.request_id"
                    " WHERE o.member_id = member AND o.status = 'open' AND r.status = 'offered'"
                    " AND r.offer_expires_at > now())", (self.members,))]
                for member in waiting[:50]:
                    with connection.transaction():
                        self.offer(connection, member, self.rng.sample(others, 2))
                    self.supplied += 1

    def offer(self, connection, member: int, others: list[int]) -> None:
        """A request as submitted and matched: its history, three open offers (a 10-minute window), their
        notifications waiting in the outbox."""
        resident, building = self.rng.choice(self.residents)
        request_id = connection.execute(
            "INSERT INTO service_requests (resident_id, community_id, building_id, category_id, title, description,"
            " urgency, status, offer_round, offer_expires_at, sla_due_at, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, '帮忙搬运家具', '请党员帮忙', 'normal', 'offered', 1,"
            " now() + interval '10 minutes', now() + interval '120 minutes', now(), now()) RETURNING id",
            (resident, self.community_id, building, self.rng.choice(self.categories))).fetchone()[0]
        connection.execute(
            "INSERT INTO request_history (request_id, action, from_status, to_status, actor_id, reason, at) VALUES"
            " (%s, 'submit', '', 'submitted', %s, NULL, now()), (%s, 'offer', 'submitted', 'offered', NULL,"
            " '第 1 轮派单', now())", (request_id, resident, request_id))
        for member_id in (member, *others):
            connection.execute(
                "INSERT INTO request_offers (request_id, member_id, round, status, score, reasons, created_at)"
                " VALUES (%s, %s, 1, 'open', 60, '[]', now())", (request_id, member_id))
            connection.execute(
                "INSERT INTO notifications (user_id, event, title, body, data, page, status, attempts, created_at)"
                " VALUES (%s, 'request_offered', '有新的服务请求', '帮忙搬运家具', %s, %s, 'pending', 0, now())",
                (member_id, json.dumps({"request_id": request_id}), f"pages/requests/detail?id={request_id}"))


class Setup(NamedTuple):
    """How the app is served in one part of a run: `direct` is one gunicorn server that the clients reach
    themselves (as one machine would be), `nginx` is `servers` gunicorn servers on their own loopback ports
    behind nginx (as that many machines behind a load balancer); each server runs `processes` gunicorn
    workers, and `rq_workers` `flask worker` processes deliver the outbox and run the timers meanwhile."""

    kind: str
    servers: int
    processes: int
    rq_workers: int

    @classmethod
    def parse(cls, text: str, default_processes: int) -> "Setup":
        """`direct[:W]` or `nginx:N[xP][:W]`: N servers of P gunicorn workers (default --workers), W `flask
        worker` processes (default 0)."""
        kind, _, rest = text.partition(":")
        fields = rest.split(":") if rest else []
        try:
            if kind == "direct" and len(fields) <= 1:
                return cls("direct", 1, default_processes, int(fields[0]) if fields else 0)
            if kind == "nginx" and 1 <= len(fields) <= 2:
                servers, _, processes = fields[0].partition("x")
                return cls("nginx", int(servers), int(processes or default_processes),
                           int(fields[1]) if len(fields) > 1 else 0)
        except ValueError:
            pass
        raise argparse.ArgumentTypeError(f"{text!r}: a setup is direct[:W] or nginx:N[xP][:W]")

    def describe(self, worker_class: str, threads: int) -> str:
        one = f"{self.processes} × {worker_class}" + (f" × {threads} threads" if worker_class == "gthread" else "")
        served = (f"one gunicorn ({one}), clients connect to it" if self.kind == "direct" else
                  f"nginx → {self.servers} gunicorn server{'s' if self.servers > 1 else ''} on their own ports "
                  f"(each {one})")
        return served + f", {self.rq_workers} `flask worker`" + ("s" if self.rq_workers != 1 else "")


class Children:
    """Processes started by the run, stopped together, newest first."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.processes = []

    def start(self, command, env: dict, log_name: str | None = None) -> subprocess.Popen:
        log = self.workdir / f"{log_name or Path(command[0]).name}.log"
        child = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                 stderr=open(log, "ab"))  # noqa: SIM115
        self.processes.append(child)
        return child

    def stop(self) -> None:
        for child in reversed(self.processes):
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.processes = []


class Backends(Children):
    """Redis and the WeChat sandbox: one of each for the whole run, shared by every setup (as the machines
    of a deployment share one Redis)."""

    def __init__(self, database_url: str, workdir: Path):
        super().__init__(workdir)
        redis_port, sandbox_port = free_port(), free_port()
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("WECHAT_")}
        self.env.update(
            DATABASE_URL=database_url, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            WECHAT_API_BASE=f"http://127.0.0.1:{sandbox_port}/", WECHAT_SANDBOX="1", SECRET_KEY=SECRET_KEY,
            LOG_LEVEL="WARNING", **SERVER_SETTINGS,
        )
        self.start([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(redis_port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)], self.env)
        sandbox_env = dict(self.env, DATABASE_URL=f"sqlite:///{workdir / 'sandbox.db'}")
        self.start([str(VENV_BIN / "flask"), "--app", "app", "wx-sandbox", "--port", str(sandbox_port)],
                   sandbox_env)
        self.sandbox = f"http://127.0.0.1:{sandbox_port}/"
        wait_for(self.sandbox + "sandbox/stats")

    def sandbox_stats(self) -> Counter:
        return Counter(requests.get(self.sandbox + "sandbox/stats", timeout=10).json())


class WebSetup(Children):
    """The gunicorn servers (behind nginx for an `nginx` setup) and the `flask worker` processes of one setup."""

    def __init__(self, setup: Setup, backends: Backends, workdir: Path, args, number: int):
        super().__init__(workdir)
        self.setup = setup
        self.sandbox = backends.sandbox
        # Behind nginx the app must take the client's address from X-Forwarded-For (one proxy appends it):
        # the wx-login limit and the desk-login locks are per client address (README: PROXY_HOPS).
        hops = 0 if setup.kind == "direct" else (1 if args.proxy_hops is None else args.proxy_hops)
        env = dict(backends.env, PROXY_HOPS=str(hops))
        self.proxy_hops = hops
        ports = [free_port() for _ in range(setup.servers)]
        self.servers = []
        for index, port in enumerate(ports):
            command = [str(VENV_BIN / "gunicorn"), "--workers", str(setup.processes), "--worker-class",
                       args.worker_class, "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout",
                       "10", "--backlog", "2048", "--no-control-socket"]
            if args.worker_class == "gthread":
                command += ["--threads", str(args.threads)]
            if setup.kind == "nginx":
                # Longer than nginx keeps an idle upstream connection (60 s, bench/load/nginx.py), so nginx,
                # not gunicorn, always closes it.
                command += ["--keep-alive", "75"]
            self.servers.append(self.start([*command, "app:create_app()"], env, f"s{number}-gunicorn-{index}"))
        for port in ports:
            wait_for(f"http://127.0.0.1:{port}/healthz")
        self.nginx = None
        self.nginx_prefix = None
        if setup.kind == "nginx":
            prefix = self.nginx_prefix = workdir / f"s{number}-nginx"
            prefix.mkdir()
            listen = free_port()
            nginx.write_config(prefix, listen, ports, keepalive=args.nginx_keepalive)
            self.nginx = self.start(nginx.command(prefix), env, f"s{number}-nginx")
            self.url = f"http://127.0.0.1:{listen}"
        else:
            self.url = f"http://127.0.0.1:{ports[0]}"
        wait_for(self.url + "/healthz")
        self.rq_workers = [self.start([str(VENV_BIN / "flask"), "--app", "app", "worker"], env,
                                      f"s{number}-worker-{index}") for index in range(setup.rq_workers)]
        if self.rq_workers:
            # Their start (imports, the app, the connections) must not fall into the first phase.
            wait_for_rq_workers(backends.env["REDIS_URL"], len(self.rq_workers))

    @property
    def server_pids(self) -> list[int]:
        return [server.pid for server in self.servers]

    def nginx_errors(self) -> list[str]:
        """What nginx logged at level error or worse (a server that refused or dropped a proxied request)."""
        log = self.nginx_prefix / "error.log" if self.nginx_prefix else None
        if log is None or not log.exists():
            return []
        return [line for line in log.read_text().splitlines()
                if any(f"[{level}]" in line for level in ("error", "crit", "alert", "emerg"))]


def tree_cpu_seconds(root: int | None) -> float:
    """CPU seconds of a process and its children, the ones already ended and reaped included (so PostgreSQL's
    parallel workers and closed backends still count)."""
    if root is None:
        return 0.0
    try:
        process = psutil.Process(root)
        times = process.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in process.children():
            try:
                child_times = child.cpu_times()
                total += child_times.user + child_times.system
            except psutil.NoSuchProcess:
                pass
        return total
    except psutil.NoSuchProcess:
        return 0.0


def postmaster_pid(cluster: CityCluster | None) -> int | None:
    if cluster is None:
        return None
    return int((cluster.data / "postmaster.pid").read_text().split()[0])


def run_phase(label: str, user_class: str, args, web: WebSetup, cluster, accounts_path: Path, outdir: Path,
              endpoint: str | None = None, offset: int = 0, seconds: int | None = None) -> dict:
    seconds = seconds or args.phase_seconds
    env = dict(os.environ, LINLI_BENCH_ACCOUNTS=str(accounts_path), LINLI_BENCH_SANDBOX=web.sandbox,
               LINLI_BENCH_SECRET_KEY=SECRET_KEY, LINLI_BENCH_QR_WINDOW=SERVER_SETTINGS["QR_WINDOW_SECONDS"],
               LINLI_BENCH_ACCOUNT_OFFSET=str(offset), LINLI_BENCH_ENDPOINT=endpoint or "")
    prefix = outdir / label
    command = [str(VENV_BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "--users", str(args.users),
               "--spawn-rate", str(args.users), "--run-time", f"{seconds}s", "--host", web.url, "--csv",
               str(prefix), "--reset-stats", "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
               *user_class.split()]
    postmaster = postmaster_pid(cluster)
    nginx_pid = web.nginx.pid if web.nginx else None
    worker_pids = [worker.pid for worker in web.rq_workers]

    def cpu() -> dict:
        return {"server_cpu": sum(tree_cpu_seconds(pid) for pid in web.server_pids),
                **{f"server_{index}_cpu": tree_cpu_seconds(pid) for index, pid in enumerate(web.server_pids)},
                "database_cpu": tree_cpu_seconds(postmaster), "nginx_cpu": tree_cpu_seconds(nginx_pid),
                "rq_cpu": sum(tree_cpu_seconds(pid) for pid in worker_pids)}

    before = cpu()
    load_before = os.getloadavg()[0]
    profiler = None
    if args.profile and args.profile == endpoint:
        profiler = subprocess.Popen(
            [str(VENV_BIN / "py-spy"), "record", "--pid", str(web.server_pids[0]), "--subprocesses",
             "--duration", str(seconds), "--rate", "200", "--format", "raw", "--output",
             str(outdir / f"{label}-profile.txt"), "--nonblocking", "--idle"],
            stdout=subprocess.DEVNULL, stderr=open(outdir / "py-spy.log", "ab"))  # noqa: SIM115
    started = time.monotonic()
    locust = subprocess.Popen(command, cwd=REPO, env=env, stdout=open(outdir / f"{label}.log", "wb"),  # noqa: SIM115
                              stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(locust.pid, 0)
    locust.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if profiler is not None:
        profiler.wait(timeout=60)
    after = cpu()
    phase = {
        "label": label, "endpoint": endpoint, "rows": read_stats(prefix),
        "load_before": load_before, "load_after": os.getloadavg()[0], "elapsed": elapsed,
        "locust_cpu": usage.ru_utime + usage.ru_stime, "exit": locust.returncode,
        **{key: after[key] - before[key] for key in after},
    }
    total = sum(row["rps"] for row in phase["rows"].values())
    print(f"{label:<20} {total:8.1f} req/s  load {load_before:.1f}→{phase['load_after']:.1f}  cpu s: "
          f"locust {phase['locust_cpu']:.0f}, gunicorn {phase['server_cpu']:.0f}, postgres {phase['database_cpu']:.0f}"
          + (f", nginx {phase['nginx_cpu']:.1f}" if web.nginx else "")
          + (f", workers {phase['rq_cpu']:.1f}" if web.rq_workers else ""), flush=True)
    return phase


def check_client_addresses(url: str, block: int) -> dict:
    """How the app sees a client's address through this setup, read from the wx-login limit (30 a minute per
    address, counted in Redis by every server): X-RateLimit-Remaining after logins without a code (422, still
    counted) from 127.3.<block>.1 twice, once more from there with an X-Forwarded-For the client made up, and
    from 127.3.<block>.2. Each client must have its own count that a made-up header does not reset."""
    target = urlsplit(url)

    def remaining(source: str, forged: str | None = None) -> int | None:
        headers = {"Content-Type": "application/json"}
        if forged:
            headers["X-Forwarded-For"] = forged
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10, source_address=(source, 0))
        try:
            connection.request("POST", "/api/v1/auth/wx-login", "{}", headers)
            response = connection.getresponse()
            response.read()
            value = response.getheader("X-RateLimit-Remaining")
            return int(value) if value is not None else None
        finally:
            connection.close()

    first, second = f"127.3.{block}.1", f"127.3.{block}.2"
    counts = [remaining(first), remaining(first), remaining(first, forged=f"127.3.{block}.200"), remaining(second)]
    one_client_counted = counts[1] == counts[0] - 1
    header_ignored = counts[2] == counts[1] - 1
    clients_apart = counts[3] == counts[0]
    problems = []
    if not clients_apart:
        problems.append("**two clients share one count** (the proxy's address)")
    if not header_ignored:
        problems.append("**a client's own X-Forwarded-For chose its address**")
    if not one_client_counted and header_ignored and clients_apart:
        problems.append("**one client's logins were not counted together** (limit storage not shared?)")
    if None in counts:
        verdict = "no X-RateLimit-Remaining header: cannot tell"
    else:
        verdict = ("; ".join(problems) + " — PROXY_HOPS must be the number of proxies in front of the app"
                   if problems else "each client address counted on its own; a made-up X-Forwarded-For changes "
                                    "nothing")
    return {"remaining": counts, "verdict": verdict,
            "ok": None not in counts and one_client_counted and header_ignored and clients_apart}


def max_notification_id(libpq_url: str) -> int:
    with psycopg.connect(libpq_url) as connection:
        return connection.execute("SELECT coalesce(max(id), 0) FROM notifications").fetchone()[0]


def outbox(libpq_url: str, after_id: int, up_to_id: int | None = None) -> Counter:
    """Outbox rows with ids in (after_id, up_to_id], by status."""
    with psycopg.connect(libpq_url) as connection:
        rows = connection.execute(
            "SELECT status, count(*) FROM notifications WHERE id > %s AND id <= coalesce(%s, id) GROUP BY status",
            (after_id, up_to_id)).fetchall()
    return Counter(dict(rows))


def drain_outbox(libpq_url: str, after_id: int, up_to_id: int | None, seconds: float) -> tuple[Counter, float]:
    """Waits until no row in the range is pending or queued (the workers delivered or skipped each), at most
    `seconds`; the rows by status, and the seconds it took."""
    started = time.monotonic()
    while True:
        counts = outbox(libpq_url, after_id, up_to_id)
        if not counts["pending"] + counts["queued"] or time.monotonic() - started > seconds:
            return counts, time.monotonic() - started
        time.sleep(1)


def read_stats(prefix: Path) -> dict:
    rows = {}
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return rows
    with path.open() as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == "Aggregated":
                continue
            name = row["Name"] if row["Name"].startswith(("GET", "POST", "DELETE")) else f"{row['Type']} {row['Name']}"
            rows[name] = {
                "count": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]), "p50": float(row["50%"] or 0), "p99": float(row["99%"] or 0),
                "mean": float(row["Average Response Time"] or 0),
            }
    return rows


def phase_rps(phase: dict) -> float:
    return sum(row["rps"] for row in phase["rows"].values())


def setup_report(result: dict, reference: float) -> list[str]:
    """One setup's tables: every flow against the run's reference baseline, CPU per phase, and whether the
    setup served correctly (failures, client addresses, the outbox)."""
    phases = result["phases"]
    baselines = [phase for phase in phases if phase["label"].endswith("baseline") or "baseline-" in phase["label"]]
    mix = next((phase for phase in phases if phase["label"].endswith("mix")), None)
    lines = [
        "| endpoint | kind | flow req/s | × baseline | goal | p50 ms | p99 ms | mix req/s | mix p50 | mix p99 | "
        "failures | meets |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for phase in baselines:
        row = phase["rows"]["GET /healthz"]
        lines.append(f"| GET /healthz ({phase['label']}) | baseline | {row['rps']:.0f} | {row['rps'] / reference:.2f} "
                     f"| — | {row['p50']:.0f} | {row['p99']:.0f} | — | — | — | {row['failures']} | — |")
    for phase in phases:
        if phase["endpoint"] is None:
            continue
        flow_rps = phase_rps(phase)
        for name, row in sorted(phase["rows"].items(), key=lambda item: -item[1]["count"]):
            kind = "read" if name.startswith("GET") else "write"
            goal = READ_GOAL if kind == "read" else WRITE_GOAL
            ratio = flow_rps / reference
            mixed = mix["rows"].get(name) if mix else None
            mixed_cells = (f"{mixed['rps']:.1f} | {mixed['p50']:.0f} | {mixed['p99']:.0f}" if mixed else "— | — | —")
            p99_worst = max(row["p99"], mixed["p99"] if mixed else 0)
            meets = ratio >= goal and p99_worst < P99_GOAL_MS and row["failures"] == 0
            lines.append(f"| {name} ({phase['endpoint']}) | {kind} | {flow_rps:.0f} | {ratio:.2f} | {goal} | "
                         f"{row['p50']:.0f} | {row['p99']:.0f} | {mixed_cells} | {row['failures']} | "
                         f"{'yes' if meets else '**no**'} |")
    lines += ["", "| phase | req/s | load before → after | CPU s: locust | gunicorn | postgres | nginx | workers | "
              "server CPU ms per request | nginx CPU ms per request |", "|---|---|---|---|---|---|---|---|---|---|"]
    for phase in phases:
        served = sum(row["count"] for row in phase["rows"].values())
        per_request = (phase["server_cpu"] + phase["database_cpu"]) * 1000 / served if served else 0
        nginx_per_request = phase["nginx_cpu"] * 1000 / served if served else 0
        lines.append(f"| {phase['label']} | {phase_rps(phase):.0f} | {phase['load_before']:.1f} → "
                     f"{phase['load_after']:.1f} | {phase['locust_cpu']:.0f} | {phase['server_cpu']:.1f} | "
                     f"{phase['database_cpu']:.1f} | {phase['nginx_cpu']:.1f} | {phase['rq_cpu']:.1f} | "
                     f"{per_request:.1f} | {nginx_per_request:.2f} |")
    failures = Counter()
    for phase in phases:
        failures.update({name: row["failures"] for name, row in phase["rows"].items() if row["failures"]})
    addresses = result["addresses"]
    lines += [
        "",
        f"- Requests failed (any phase): {dict(failures) if failures else 'none'}.",
        f"- Client addresses (PROXY_HOPS={result['proxy_hops']}): wx-login limit remaining "
        f"{' → '.join(str(count) for count in addresses['remaining'])} (first client twice, again with a made-up "
        f"X-Forwarded-For, a second client): {addresses['verdict']}.",
    ]
    outbox_rows = ", ".join(f"{status} {count}" for status, count in sorted(result["outbox"].items())) or "none"
    if result["setup"].rq_workers:
        backlog = (f"{result['backlog_left']} rows from before still pending or queued after "
                   f"{result['backlog_seconds']:.0f} s (left by a run stopped half-way? they return to the relay "
                   f"when stale)" if result["backlog_left"] else
                   f"backlog from before drained in {result['backlog_seconds']:.0f} s before the first")
        lines.append(f"- Outbox rows written during the phases: {outbox_rows} — {result['drain_seconds']:.0f} s after "
                     f"the last phase ({backlog}). WeChat sandbox during the setup: {dict(result['sandbox'])}.")
    else:
        lines.append(f"- Outbox rows written during the phases: {outbox_rows} (no worker runs in this setup). "
                     f"WeChat sandbox during the setup: {dict(result['sandbox'])}.")
    if result["setup"].servers > 1:
        shares = [sum(phase.get(f"server_{index}_cpu", 0) for phase in phases)
                  for index in range(result["setup"].servers)]
        lines.append("- CPU seconds of each gunicorn server over the phases (nginx's balance): "
                     + " / ".join(f"{share:.1f}" for share in shares) + ".")
    if result["setup"].kind == "nginx":
        errors = result["nginx_errors"]
        lines.append(f"- nginx error log: {len(errors)} errors" + (f", the first: `{errors[0]}`" if errors else "")
                     + ".")
    if mix:
        lines.append(f"- Mix: {phase_rps(mix):.0f} req/s in all.")
    return lines


def comparison(results: list[dict], reference: float) -> list[str]:
    """The setups side by side: each flow's req/s and its ratio to the run's reference baseline, p99, and the
    last setup against the first."""
    header = "| endpoint (flow) | " + " | ".join(f"setup {n} req/s (× baseline), p99 ms"
                                                 for n in range(1, len(results) + 1))
    lines = [header + f" | setup {len(results)} / setup 1 |", "|---" * (len(results) + 2) + "|"]
    labelled = [{phase["endpoint"] or phase["label"].split("-", 1)[1]: phase for phase in result["phases"]}
                for result in results]
    for key in labelled[0]:
        if not all(key in phases for phases in labelled):
            continue
        cells = []
        for phases in labelled:
            phase = phases[key]
            rps = phase_rps(phase)
            p99 = max((row["p99"] for row in phase["rows"].values()), default=0)
            cells.append(f"{rps:.0f} ({rps / reference:.2f}), {p99:.0f}")
        first, last = phase_rps(labelled[0][key]), phase_rps(labelled[-1][key])
        lines.append(f"| {key} | " + " | ".join(cells) + (f" | {last / first:.2f} |" if first else " | — |"))
    return lines


def report(results: list[dict], args, started: datetime, machine: str) -> str:
    reference = results[0]["phases"][0]["rows"].get("GET /healthz", {}).get("rps")
    if not reference:
        raise SystemExit("the first baseline phase served nothing: no ratio can be taken")
    lines = [
        f"Load run {started:%Y-%m-%d %H:%M} UTC: {args.users} clients, {args.phase_seconds} s per flow, mix "
        f"{args.duration} s. {machine}",
        "",
        f"Baseline of every ratio: GET /healthz in setup 1's first phase, {reference:.0f} req/s.",
    ]
    for number, result in enumerate(results, start=1):
        lines += ["", f"### Setup {number}: {result['description']}", ""]
        lines += setup_report(result, reference)
    if len(results) > 1:
        lines += ["", "### The setups side by side", ""] + comparison(results, reference)
    return "\n".join(lines) + "\n"


APP_FILES = ("(services/", "(blueprints/", "(models/", "(schemas/", "(wx/", "(jobs/", "(app.py", "(errors.py",
             "(extensions.py")


def wait_kind(leaf: str) -> str:
    if "psycopg" in leaf:
        return "PostgreSQL (sending, waiting, reading)"
    if "redis" in leaf:
        return "Redis"
    if any(part in leaf for part in ("urllib3", "http/client", "socket.py", "selectors.py", "ssl.py")):
        return "HTTP to the WeChat sandbox"
    return "Python"


def summarize_profile(path: Path, top: int = 25) -> str:
    """Where the workers' time inside requests goes, from py-spy's raw stacks (idle ones included, so waits on
    PostgreSQL, Redis or the sandbox show): by kind of wait, by app function (inclusive), by the app's call
    sites of PostgreSQL round trips."""
    inclusive, kinds, database_sites, total = defaultdict(int), defaultdict(int), defaultdict(int), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        # Only samples taken inside a request: a sync worker's idle time is spent waiting in accept().
        if not stack or "wsgi_app (" not in stack:
            continue
        samples = int(count)
        frames = stack.split(";")
        total += samples
        kind = wait_kind(frames[-1])
        kinds[kind] += samples
        app = [frame for frame in frames if any(part in frame for part in APP_FILES)]
        for frame in set(app):
            inclusive[frame] += samples
        if kind.startswith("PostgreSQL") and app:
            database_sites[app[-1]] += samples
    if not total:
        return "(no samples)\n"

    def block(title, counts):
        ranked = sorted(counts.items(), key=lambda item: -item[1])[:top]
        return ["", title] + [f"{100 * n / total:5.1f}%  {name}" for name, n in ranked]

    lines = [f"{total} samples inside requests (py-spy --idle, all workers)"]
    lines += block("by kind:", kinds)
    lines += block("app functions, inclusive:", inclusive)
    lines += block("PostgreSQL round trips, by the app line that made them:", database_sites)
    return "\n".join(lines) + "\n"


def run_setup(number: int, setup: Setup, args, backends: Backends, cluster, accounts_path: Path, outdir: Path,
              libpq_url: str) -> dict:
    """Starts the setup, checks how it sees client addresses, runs every phase against it, lets its workers
    finish the outbox, and stops it."""
    web = WebSetup(setup, backends, outdir, args, number)
    description = setup.describe(args.worker_class, args.threads)
    result = {"setup": setup, "description": description, "proxy_hops": web.proxy_hops, "phases": [],
              "backlog_seconds": 0.0, "backlog_left": 0, "drain_seconds": 0.0}
    try:
        print(f"setup {number}: {description}, on {web.url}", flush=True)
        if setup.rq_workers:
            # Rows left pending by an earlier setup or run are delivered first, so the phases measure only
            # what they make the workers do.
            backlog, result["backlog_seconds"] = drain_outbox(libpq_url, 0, None, args.drain_seconds)
            result["backlog_left"] = backlog["pending"] + backlog["queued"]
        result["addresses"] = check_client_addresses(web.url, number)
        print(f"  client addresses: {result['addresses']['verdict']}", flush=True)
        first_id = max_notification_id(libpq_url)
        sandbox_before = backends.sandbox_stats()
        label = f"s{number}-"
        phases = result["phases"]
        phases.append(run_phase(label + "baseline", "BaselineUser", args, web, cluster, accounts_path, outdir))
        for index, flow in enumerate(flow for flow in args.flows.split(",") if flow):
            phases.append(run_phase(label + flow, "EndpointUser", args, web, cluster, accounts_path, outdir,
                                    endpoint=flow, offset=index * args.users))
        if args.duration:
            phases.append(run_phase(label + "mix", "ResidentUser MemberUser StaffUser", args, web, cluster,
                                    accounts_path, outdir, seconds=args.duration))
        phases.append(run_phase(label + "baseline-after", "BaselineUser", args, web, cluster, accounts_path, outdir))
        last_id = max_notification_id(libpq_url)
        if setup.rq_workers:
            result["outbox"], result["drain_seconds"] = drain_outbox(libpq_url, first_id, last_id,
                                                                     args.drain_seconds)
        else:
            result["outbox"] = outbox(libpq_url, first_id, last_id)
        result["sandbox"] = +(backends.sandbox_stats() - sandbox_before)
    finally:
        web.stop()
    result["nginx_errors"] = web.nginx_errors()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "linli-city",
                        help="where bench/city/generate.py put the cluster and accounts.json")
    parser.add_argument("--database-url", help="serve this database instead of the cluster in --dir")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--duration", type=int, default=60, help="seconds of the mixed phase (0: none)")
    parser.add_argument("--phase-seconds", type=int, default=15, help="seconds of each flow's own phase")
    parser.add_argument("--flows", default=",".join(FLOWS), help="the flows measured alone (comma-separated)")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn processes per server (bench/README.md: why 2 × 8)")
    parser.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=8, help="threads per gthread worker")
    parser.add_argument("--profile", choices=FLOWS, help="record the workers with py-spy during this flow's phase")
    parser.add_argument("--setup", action="append", dest="setups", metavar="SETUP",
                        help="direct[:W] or nginx:N[xP][:W], repeatable, measured one after another in this order "
                             "(default: direct): N gunicorn servers of P processes (default --workers) behind "
                             "nginx, W `flask worker` processes")
    parser.add_argument("--proxy-hops", type=int,
                        help="PROXY_HOPS for the servers behind nginx (default 1, the right value; 0 shows what "
                             "a missing setting does)")
    parser.add_argument("--nginx-keepalive", type=int, default=64,
                        help="idle connections nginx keeps to the gunicorn servers")
    parser.add_argument("--drain-seconds", type=float, default=120,
                        help="how long the workers may take to empty the outbox after a setup's phases")
    args = parser.parse_args()
    setups = [Setup.parse(text, args.workers) for text in (args.setups or ["direct"])]
    if any(setup.kind == "nginx" for setup in setups):
        nginx.ensure_nginx()
    accounts_path = args.dir / "accounts.json"
    accounts = json.loads(accounts_path.read_text())
    cluster = None
    database_url = args.database_url
    if not database_url:
        cluster = CityCluster(args.dir)
        cluster.start()
        database_url = cluster.url
    libpq_url = database_url.replace("+psycopg", "")
    started = datetime.now(UTC)
    outdir = args.dir / f"run-{started:%Y%m%d-%H%M%S}"
    outdir.mkdir(parents=True)
    backends = None
    granted = 0
    results = []
    supply = OfferSupply(libpq_url, accounts)
    try:
        renew_tokens(libpq_url, accounts)
        backends = Backends(database_url, outdir)
        granted = grant_offer_messages(libpq_url, backends.sandbox, accounts)
        supply.start()
        print(f"results in {outdir}", flush=True)
        for number, setup in enumerate(setups, start=1):
            results.append(run_setup(number, setup, args, backends, cluster, accounts_path, outdir, libpq_url))
    finally:
        supply.finished.set()
        if supply.is_alive():
            supply.join(timeout=10)
        if backends is not None:
            backends.stop()
        if cluster is not None:
            cluster.stop()
    machine = (f"Data: scale {accounts['scale']} generated {accounts['generated_at'][:16]}; "
               f"{supply.supplied} requests put on offer to the bench members during the run; offer messages "
               f"granted to the bench community's {granted} members. "
               f"Machine: {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f}.")
    text = report(results, args, started, machine)
    if args.profile:
        for profile in sorted(outdir.glob(f"*-{args.profile}-profile.txt")):
            summary = profile.with_name(profile.name.replace("-profile.txt", "-profile-summary.txt"))
            summary.write_text(summarize_profile(profile))
            text += f"\nProfile of {args.profile}: {summary}\n"
    (outdir / "results.md").write_text(text)
    print("\n" + text)


if __name__ == "__main__":
    main()
