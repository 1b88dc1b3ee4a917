"""Locust users for the city load run (bench/load/run.py starts them; bench/README.md explains).

Residents, members and staff go through the flows people use, logged in as the bench accounts the
dataset generator made (bench/city/generate.py, accounts.json). `BaselineUser` asks for the bare
/healthz. `EndpointUser` repeats one flow (LINLI_BENCH_ENDPOINT), for a per-endpoint throughput.

Environment (run.py sets it): LINLI_BENCH_ACCOUNTS (accounts.json), LINLI_BENCH_SANDBOX (the WeChat
sandbox's base URL), LINLI_BENCH_SECRET_KEY and LINLI_BENCH_QR_WINDOW (the server's, to show station
codes as the station screen would), LINLI_BENCH_ENDPOINT, LINLI_BENCH_ACCOUNT_OFFSET.
"""
import http.client
import itertools
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from locust import FastHttpUser, constant, task

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from services import qrcodes  # noqa: E402
from services.stations import QR_PURPOSE  # noqa: E402

ACCOUNTS = json.loads(Path(os.environ["LINLI_BENCH_ACCOUNTS"]).read_text())
SANDBOX = urlsplit(os.environ.get("LINLI_BENCH_SANDBOX", "http://127.0.0.1:8750/"))
OFFSET = int(os.environ.get("LINLI_BENCH_ACCOUNT_OFFSET", "0"))
# The station screen's side of a check-in: the code it shows now (services/qrcodes.py, same key and window).
QR_APP = Flask("bench-station-screen")
QR_APP.config.update(SECRET_KEY=os.environ.get("LINLI_BENCH_SECRET_KEY", ""),
                     QR_WINDOW_SECONDS=int(os.environ.get("LINLI_BENCH_QR_WINDOW", "180")))
_next_account = {role: itertools.count(OFFSET) for role in ("members", "residents", "staff")}
# wx-login is limited to 30 a minute per client address: each login comes from its own loopback address,
# as each phone has its own.
_login_addresses = (f"127.1.{n // 250}.{n % 250 + 1}" for n in itertools.cycle(range(250 * 250)))
STAFF_SCOPES = ("community", "street")


def take(role: str) -> dict:
    accounts = ACCOUNTS[role]
    if role == "staff":
        accounts = [account for account in accounts if account["scope"] in STAFF_SCOPES]
    return accounts[next(_next_account[role]) % len(accounts)]


def station_code(station: dict) -> tuple[str, int]:
    with QR_APP.app_context():
        shown = qrcodes.issue(QR_PURPOSE, station["id"], station["qr_secret"])
        return shown.token, qrcodes.window_of(shown.changes_at) - 1


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def headers(self, account: dict) -> dict:
        return {"Authorization": f"Bearer {account['token']}"}

    def get(self, account: dict, path: str, name: str, **kwargs):
        return self.client.get(path, headers=self.headers(account), name=name, **kwargs)

    def post(self, account: dict, path: str, name: str, body=None):
        return self.client.post(path, headers=self.headers(account), name=name, json=body)

    # --- the flows ---------------------------------------------------------------------------

    def wx_login(self, account: dict) -> None:
        """A phone's login: a code from WeChat (the sandbox), exchanged for a token."""
        sandbox = http.client.HTTPConnection(SANDBOX.hostname, SANDBOX.port, timeout=10)
        sandbox.request("POST", "/sandbox/codes", json.dumps({"openid": account["openid"]}),
                        {"Content-Type": "application/json"})
        code = json.loads(sandbox.getresponse().read())["code"]
        sandbox.close()
        host = urlsplit(self.host)
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30,
                                                source_address=(next(_login_addresses), 0))
        started = time.perf_counter()
        error = None
        length = 0
        try:
            connection.request("POST", "/api/v1/auth/wx-login", json.dumps({"code": code}),
                               {"Content-Type": "application/json"})
            response = connection.getresponse()
            length = len(response.read())
            if response.status != 200:
                error = f"HTTP {response.status}"
        except OSError as failure:
            error = failure
        finally:
            connection.close()
        self.environment.events.request.fire(
            request_type="POST", name="/auth/wx-login", response_time=(time.perf_counter() - started) * 1000,
            response_length=length, exception=error, context={})

    def my_requests(self, account: dict) -> list[int]:
        with self.get(account, "/api/v1/requests?mine=1&per_page=20", "GET /requests?mine=1",
                      catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return []
            return [item["id"] for item in response.json()["items"]]

    def request_detail(self, account: dict, request_ids: list[int]) -> None:
        if request_ids:
            self.get(account, f"/api/v1/requests/{random.choice(request_ids)}", "GET /requests/{id}")

    def create_request(self, account: dict) -> None:
        self.post(account, "/api/v1/requests", "POST /requests", {
            "category_id": random.choice(ACCOUNTS["categories"]), "title": "帮忙修理水龙头",
            "description": "厨房水龙头漏水，想请懂维修的党员帮忙看看"})

    def inbox(self, account: dict) -> None:
        self.get(account, "/api/v1/notifications?per_page=20", "GET /notifications")

    def hours(self, account: dict) -> None:
        self.get(account, "/api/v1/members/me/hours", "GET /members/me/hours")

    def staff_queue(self, account: dict) -> None:
        self.get(account, "/api/v1/requests?per_page=20", "GET /requests (staff queue)")

    def dashboard(self, account: dict) -> None:
        self.get(account, f"/api/v1/dashboard?org_id={account['org_id']}", "GET /dashboard")

    def sign_up(self, account: dict) -> None:
        """A seat at an upcoming activity, given back at once so the next sign-up is a new one."""
        activity_id = random.choice(ACCOUNTS["activities"])
        self.post(account, f"/api/v1/activities/{activity_id}/signups", "POST /activities/{id}/signups")
        self.client.delete(f"/api/v1/activities/{activity_id}/signups/me", headers=self.headers(account),
                           name="DELETE /activities/{id}/signups/me")

    def check_in_and_out(self, state: dict) -> None:
        """Check in at a station of the member's community with the code it shows now, then check out.

        A code is good for one finished visit per member and station in its window: the member takes
        the next (member, station) pair not used in this window, and waits for the next window only
        when all are used.
        """
        while True:
            pairs = [(member, station) for member in state["members"] for station in ACCOUNTS["stations"]]
            token = window = None
            for member, station in pairs:
                token, window = station_code(station)
                if (member["user_id"], station["id"], window) not in state["used"]:
                    break
            else:
                time.sleep(0.2)
                continue
            state["used"].add((member["user_id"], station["id"], window))
            break
        with self.client.post("/api/v1/checkins", headers=self.headers(member), name="POST /checkins",
                              json={"station_id": station["id"], "qr_token": token, "lat": station["lat"],
                                    "lng": station["lng"], "device_id": member["device_id"]},
                              catch_response=True) as response:
            if response.status_code not in (200, 201):
                response.failure(f"HTTP {response.status_code}: {response.text[:120]}")
                return
            checkin_id = response.json()["id"]
        self.post(member, f"/api/v1/checkins/{checkin_id}/checkout", "POST /checkins/{id}/checkout")

    def accept(self, state: dict) -> None:
        """Take the next request on offer to the member, then start and complete it (the open-task cap)."""
        member = state["member"]
        if not state["offers"]:
            with self.get(member, "/api/v1/requests?awaiting_me=1&per_page=100", "GET /requests?awaiting_me=1",
                          catch_response=True) as response:
                if response.status_code == 200:
                    state["offers"] = [item["id"] for item in response.json()["items"]]
            if not state["offers"]:
                # This member's offers are used up: the next bench member takes over.
                state["member"] = take("members")
                return
        request_id = state["offers"].pop()
        with self.client.post(f"/api/v1/requests/{request_id}/accept", headers=self.headers(member),
                              name="POST /requests/{id}/accept", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:120]}")
                return
        self.post(member, f"/api/v1/requests/{request_id}/start", "POST /requests/{id}/start")
        self.post(member, f"/api/v1/requests/{request_id}/complete", "POST /requests/{id}/complete",
                  {"note": "已上门修好", "minutes": 45})


class BaselineUser(BenchUser):
    """The bare JSON endpoint: the same server, no database, no authentication."""

    @task
    def healthz(self):
        self.client.get("/healthz", name="GET /healthz")


class ResidentUser(BenchUser):
    weight = 6

    def on_start(self):
        self.account = take("residents")
        self.request_ids = self.my_requests(self.account)

    @task(6)
    def list_mine(self):
        self.request_ids = self.my_requests(self.account) or self.request_ids

    @task(6)
    def detail(self):
        self.request_detail(self.account, self.request_ids)

    @task(4)
    def notifications(self):
        self.inbox(self.account)

    @task(1)
    def ask_for_help(self):
        self.create_request(self.account)

    @task(1)
    def activity(self):
        self.sign_up(self.account)

    @task(1)
    def login(self):
        self.wx_login(self.account)


class MemberUser(BenchUser):
    weight = 3

    def on_start(self):
        member = take("members")
        self.account = member
        self.offers = {"member": member, "offers": []}
        self.visits = {"members": [member], "used": set()}

    @task(5)
    def offered(self):
        self.get(self.account, "/api/v1/requests?awaiting_me=1&per_page=20", "GET /requests?awaiting_me=1")

    @task(4)
    def notifications(self):
        self.inbox(self.account)

    @task(3)
    def my_hours(self):
        self.hours(self.account)

    @task(2)
    def station_visit(self):
        self.check_in_and_out(self.visits)

    @task(1)
    def take_request(self):
        self.accept(self.offers)

    @task(1)
    def login(self):
        self.wx_login(self.account)


class StaffUser(BenchUser):
    weight = 1

    def on_start(self):
        self.account = take("staff")
        self.request_ids = []

    @task(5)
    def queue(self):
        with self.get(self.account, "/api/v1/requests?per_page=20", "GET /requests (staff queue)",
                      catch_response=True) as response:
            if response.status_code == 200:
                self.request_ids = [item["id"] for item in response.json()["items"]]

    @task(3)
    def home(self):
        self.dashboard(self.account)

    @task(2)
    def detail(self):
        self.request_detail(self.account, self.request_ids)


def _one_flow(name: str):
    """The task of EndpointUser for one flow, with the state that flow keeps per user."""
    flows = {
        "wx-login": ("residents", lambda user: user.wx_login(user.account)),
        "checkin": ("members", lambda user: user.check_in_and_out(user.state)),
        "create-request": ("residents", lambda user: user.create_request(user.account)),
        "my-requests": ("residents", lambda user: user.my_requests(user.account)),
        "request-detail": ("residents", lambda user: user.request_detail(user.account, user.state["ids"])),
        "accept": ("members", lambda user: user.accept(user.state)),
        "inbox": ("residents", lambda user: user.inbox(user.account)),
        "staff-queue": ("staff", lambda user: user.staff_queue(user.account)),
        "hours": ("members", lambda user: user.hours(user.account)),
        "signup": ("residents", lambda user: user.sign_up(user.account)),
        "dashboard": ("staff", lambda user: user.dashboard(user.account)),
    }
    return flows.get(name)


ENDPOINTS = ("wx-login", "checkin", "create-request", "my-requests", "request-detail", "accept", "inbox",
             "staff-queue", "hours", "signup", "dashboard")


class EndpointUser(BenchUser):
    """Repeats the flow named by LINLI_BENCH_ENDPOINT."""

    def on_start(self):
        role, self.flow = _one_flow(os.environ["LINLI_BENCH_ENDPOINT"])
        self.account = take(role)
        name = os.environ["LINLI_BENCH_ENDPOINT"]
        # Check-ins: three members per client, so a station's code is seldom used up within its window.
        members = [self.account, take("members"), take("members")] if name == "checkin" else [self.account]
        self.state = {"member": self.account, "offers": [], "used": set(), "ids": [], "members": members}
        if role == "residents":
            self.state["ids"] = self.my_requests(self.account)

    @task
    def one(self):
        self.flow(self)
