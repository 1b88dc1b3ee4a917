"""The city load run: gunicorn, PostgreSQL and Redis on loopback, driven by Locust from its own process.

    .venv/bin/python bench/load/run.py [--dir DIR] [--users 64] [--duration 60] [--phase-seconds 15]
                                       [--workers 2] [--worker-class gthread] [--threads 8]
                                       [--profile ENDPOINT]

Needs the dataset of bench/city/generate.py in --dir (its cluster and accounts.json). Starts the cluster,
a redis-server, the WeChat sandbox (`flask wx-sandbox`) and gunicorn serving the app, then runs Locust
headless, one phase after another against the same server:

  1. baseline: every client asks for /healthz (no database, no authentication);
  2. one phase per flow (EndpointUser): every client repeats that flow alone, for its throughput;
  3. the mix: residents, members and staff through their flows, weighted like real use;
  4. the baseline again, to see whether the machine's load moved during the run.

Prints (and writes to <dir>/results-<time>.md) a table per endpoint: requests/s and its ratio to the
baseline, p50 and p99, against the goals (reads ≥ 0.5×, writes ≥ 0.25× the baseline, p99 < 100 ms).
--profile records the gunicorn workers with py-spy during that flow's phase.
"""
import argparse
import csv
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

import psutil
import psycopg
import requests

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.city.cluster import CityCluster  # noqa: E402

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


class Services:
    """Redis, the WeChat sandbox and gunicorn, started and stopped together."""

    def __init__(self, database_url: str, workdir: Path, workers: int, worker_class: str, threads: int):
        self.children = []
        self.workdir = workdir
        redis_port, sandbox_port, self.port = free_port(), free_port(), free_port()
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("WECHAT_")}
        self.env.update(
            DATABASE_URL=database_url, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            WECHAT_API_BASE=f"http://127.0.0.1:{sandbox_port}/", WECHAT_SANDBOX="1", SECRET_KEY=SECRET_KEY,
            LOG_LEVEL="WARNING", **SERVER_SETTINGS,
        )
        self.start([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(redis_port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)])
        sandbox_env = dict(self.env, DATABASE_URL=f"sqlite:///{workdir / 'sandbox.db'}")
        self.start([str(VENV_BIN / "flask"), "--app", "app", "wx-sandbox", "--port", str(sandbox_port)],
                   env=sandbox_env)
        self.sandbox = f"http://127.0.0.1:{sandbox_port}/"
        command = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", worker_class,
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "10",
                   "--backlog", "2048", "--no-control-socket"]
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        self.gunicorn = self.start([*command, "app:create_app()"], env=self.env)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_for(self.sandbox + "sandbox/stats")
        wait_for(self.url + "/healthz")

    def start(self, command, env=None) -> subprocess.Popen:
        child = subprocess.Popen(command, cwd=REPO, env=env or self.env, stdout=subprocess.DEVNULL,
                                 stderr=open(self.workdir / f"{Path(command[0]).name}.log", "ab"))  # noqa: SIM115
        self.children.append(child)
        return child

    def stop(self) -> None:
        for child in reversed(self.children):
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


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


def run_phase(label: str, user_class: str, args, services: Services, cluster, accounts_path: Path, outdir: Path,
              endpoint: str | None = None, offset: int = 0, seconds: int | None = None) -> dict:
    seconds = seconds or args.phase_seconds
    env = dict(os.environ, LINLI_BENCH_ACCOUNTS=str(accounts_path), LINLI_BENCH_SANDBOX=services.sandbox,
               LINLI_BENCH_SECRET_KEY=SECRET_KEY, LINLI_BENCH_QR_WINDOW=SERVER_SETTINGS["QR_WINDOW_SECONDS"],
               LINLI_BENCH_ACCOUNT_OFFSET=str(offset), LINLI_BENCH_ENDPOINT=endpoint or "")
    prefix = outdir / label
    command = [str(VENV_BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "--users", str(args.users),
               "--spawn-rate", str(args.users), "--run-time", f"{seconds}s", "--host", services.url, "--csv",
               str(prefix), "--reset-stats", "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
               *user_class.split()]
    postmaster = postmaster_pid(cluster)
    server_before = tree_cpu_seconds(services.gunicorn.pid)
    database_before = tree_cpu_seconds(postmaster)
    load_before = os.getloadavg()[0]
    profiler = None
    if args.profile and args.profile == endpoint:
        profiler = subprocess.Popen(
            [str(VENV_BIN / "py-spy"), "record", "--pid", str(services.gunicorn.pid), "--subprocesses",
             "--duration", str(seconds), "--rate", "200", "--format", "raw", "--output",
             str(outdir / f"profile-{endpoint}.txt"), "--nonblocking", "--idle"],
            stdout=subprocess.DEVNULL, stderr=open(outdir / "py-spy.log", "ab"))  # noqa: SIM115
    started = time.monotonic()
    locust = subprocess.Popen(command, cwd=REPO, env=env, stdout=open(outdir / f"{label}.log", "wb"),  # noqa: SIM115
                              stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(locust.pid, 0)
    locust.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if profiler is not None:
        profiler.wait(timeout=60)
    phase = {
        "label": label, "endpoint": endpoint, "rows": read_stats(prefix),
        "load_before": load_before, "load_after": os.getloadavg()[0], "elapsed": elapsed,
        "locust_cpu": usage.ru_utime + usage.ru_stime,
        "server_cpu": tree_cpu_seconds(services.gunicorn.pid) - server_before,
        "database_cpu": tree_cpu_seconds(postmaster) - database_before,
        "exit": locust.returncode,
    }
    total = sum(row["rps"] for row in phase["rows"].values())
    print(f"{label:<16} {total:8.1f} req/s  load {load_before:.1f}→{phase['load_after']:.1f}  cpu s: "
          f"locust {phase['locust_cpu']:.0f}, gunicorn {phase['server_cpu']:.0f}, postgres {phase['database_cpu']:.0f}",
          flush=True)
    return phase


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


def report(phases: list[dict], args, started: datetime, machine: str) -> str:
    baselines = [phase for phase in phases if phase["label"].startswith("baseline")]
    baseline = baselines[0]["rows"]["GET /healthz"]["rps"]
    mix = next((phase for phase in phases if phase["label"] == "mix"), None)
    lines = [
        f"Load run {started:%Y-%m-%d %H:%M} UTC: {args.users} clients, gunicorn {args.workers} × "
        f"{args.worker_class}" + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + f", {args.phase_seconds} s per flow, mix {args.duration} s. {machine}",
        "",
        "| endpoint | kind | flow req/s | × baseline | goal | p50 ms | p99 ms | mix req/s | mix p50 | mix p99 | "
        "failures | meets |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for phase in baselines:
        row = phase["rows"]["GET /healthz"]
        lines.append(f"| GET /healthz ({phase['label']}) | baseline | {row['rps']:.0f} | {row['rps'] / baseline:.2f} "
                     f"| — | {row['p50']:.0f} | {row['p99']:.0f} | — | — | — | {row['failures']} | — |")
    for phase in phases:
        if phase["endpoint"] is None:
            continue
        flow_rps = sum(row["rps"] for row in phase["rows"].values())
        for name, row in sorted(phase["rows"].items(), key=lambda item: -item[1]["count"]):
            kind = "read" if name.startswith("GET") else "write"
            goal = READ_GOAL if kind == "read" else WRITE_GOAL
            ratio = flow_rps / baseline
            mixed = mix["rows"].get(name) if mix else None
            mixed_cells = (f"{mixed['rps']:.1f} | {mixed['p50']:.0f} | {mixed['p99']:.0f}" if mixed else "— | — | —")
            p99_worst = max(row["p99"], mixed["p99"] if mixed else 0)
            meets = ratio >= goal and p99_worst < P99_GOAL_MS and row["failures"] == 0
            lines.append(f"| {name} ({phase['endpoint']}) | {kind} | {flow_rps:.0f} | {ratio:.2f} | {goal} | "
                         f"{row['p50']:.0f} | {row['p99']:.0f} | {mixed_cells} | {row['failures']} | "
                         f"{'yes' if meets else '**no**'} |")
    lines += ["", "| phase | req/s | load before → after | CPU s: locust | gunicorn | postgres | "
              "server CPU ms per request |", "|---|---|---|---|---|---|---|"]
    for phase in phases:
        total = sum(row["rps"] for row in phase["rows"].values())
        requests_served = sum(row["count"] for row in phase["rows"].values())
        per_request = (phase["server_cpu"] + phase["database_cpu"]) * 1000 / requests_served if requests_served else 0
        lines.append(f"| {phase['label']} | {total:.0f} | {phase['load_before']:.1f} → {phase['load_after']:.1f} | "
                     f"{phase['locust_cpu']:.0f} | {phase['server_cpu']:.0f} | {phase['database_cpu']:.0f} | "
                     f"{per_request:.1f} |")
    if mix:
        failures = Counter({name: row["failures"] for name, row in mix["rows"].items() if row["failures"]})
        lines += ["", f"Mix: {sum(row['rps'] for row in mix['rows'].values()):.0f} req/s in all"
                  + (f"; failures {dict(failures)}" if failures else "; no failures") + "."]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "linli-city",
                        help="where bench/city/generate.py put the cluster and accounts.json")
    parser.add_argument("--database-url", help="serve this database instead of the cluster in --dir")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--duration", type=int, default=60, help="seconds of the mixed phase (0: none)")
    parser.add_argument("--phase-seconds", type=int, default=15, help="seconds of each flow's own phase")
    parser.add_argument("--flows", default=",".join(FLOWS), help="the flows measured alone (comma-separated)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes (bench/README.md: why 2 × 8)")
    parser.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=8, help="threads per gthread worker")
    parser.add_argument("--profile", choices=FLOWS, help="record the workers with py-spy during this flow's phase")
    args = parser.parse_args()
    accounts_path = args.dir / "accounts.json"
    accounts = json.loads(accounts_path.read_text())
    cluster = None
    database_url = args.database_url
    if not database_url:
        cluster = CityCluster(args.dir)
        cluster.start()
        database_url = cluster.url
    started = datetime.now(UTC)
    outdir = args.dir / f"run-{started:%Y%m%d-%H%M%S}"
    outdir.mkdir(parents=True)
    services = None
    phases = []
    supply = OfferSupply(database_url.replace("+psycopg", ""), accounts)
    try:
        renew_tokens(database_url.replace("+psycopg", ""), accounts)
        services = Services(database_url, outdir, args.workers, args.worker_class, args.threads)
        supply.start()
        print(f"gunicorn {args.workers} × {args.worker_class} ({args.threads} threads if gthread) on {services.url}; "
              f"results in {outdir}", flush=True)
        phases.append(run_phase("baseline", "BaselineUser", args, services, cluster, accounts_path, outdir))
        for number, flow in enumerate(flow for flow in args.flows.split(",") if flow):
            phases.append(run_phase(flow, "EndpointUser", args, services, cluster, accounts_path, outdir,
                                    endpoint=flow, offset=number * args.users))
        if args.duration:
            phases.append(run_phase("mix", "ResidentUser MemberUser StaffUser", args, services, cluster,
                                    accounts_path, outdir, seconds=args.duration))
        phases.append(run_phase("baseline-after", "BaselineUser", args, services, cluster, accounts_path, outdir))
    finally:
        supply.finished.set()
        if supply.is_alive():
            supply.join(timeout=10)
        if services is not None:
            services.stop()
        if cluster is not None:
            cluster.stop()
    machine = (f"Data: scale {accounts['scale']} generated {accounts['generated_at'][:16]}; "
               f"{supply.supplied} requests put on offer to the bench members during the run. "
               f"Machine: {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f}.")
    text = report(phases, args, started, machine)
    if args.profile and (outdir / f"profile-{args.profile}.txt").exists():
        summary = summarize_profile(outdir / f"profile-{args.profile}.txt")
        (outdir / f"profile-{args.profile}-summary.txt").write_text(summary)
        text += f"\nProfile of {args.profile}: {outdir / f'profile-{args.profile}-summary.txt'}\n"
    (outdir / "results.md").write_text(text)
    print("\n" + text)


if __name__ == "__main__":
    main()
