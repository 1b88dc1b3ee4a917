"""Generate the city-scale dataset on PostgreSQL with COPY.

    .venv/bin/python bench/city/generate.py --scale 0.1 [--dir DIR] [--seed 20261130]

Creates a fresh cluster in --dir (or fills --database-url, which must be an empty database), brings the
schema up with the app's migrations, and loads, at --scale 1.0: one district, 10 streets, 100 communities,
2,000 buildings, 300 stations, 50,000 approved in-service members, 200,000 residents and a year of history
(500,000 requests with their offers, history and notifications, ~2,000,000 ledger entries from confirmed
requests, check-ins, visits and activities). The org tree and the people scale together (a community always
has 20 buildings, 500 members and 2,000 residents), so --scale 0.1 is a street of ten communities.
Writes the bench accounts (bearer tokens, openids, stations) to <dir>/accounts.json for bench/load/.
"""
import argparse
import hashlib
import json
import math
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from bench.city.cluster import CityCluster  # noqa: E402

SEED = 20261130
STREETS = 10
COMMUNITIES_PER_STREET = 10
BUILDINGS_PER_COMMUNITY = 20
MEMBERS_PER_COMMUNITY = 500
RESIDENTS_PER_COMMUNITY = 2000
STATIONS_PER_COMMUNITY = 3
REQUESTS = 500_000
LEDGER_ENTRIES = 2_000_000
ACTIVITIES_PER_COMMUNITY = 20
UPCOMING_ACTIVITIES_PER_COMMUNITY = 3
CARE_TARGETS_PER_BUILDING = 3
# The accounts bench/load logs in as: all in the first community, so their requests, offers,
# stations and activities meet.
BENCH_MEMBERS = 200
BENCH_RESIDENTS = 1000
# Offered requests waiting for each bench member at the start; during a run bench/load/run.py keeps one
# on offer to each (thousands at once would not be a city's state, and change PostgreSQL's plans).
BENCH_OFFERS_PER_MEMBER = 1
BENCH_PASSWORD = "linli-bench-2026"  # noqa: S105  # the bench staff accounts' published password
SKILLS = ["维修", "电工", "医疗", "陪诊", "心理疏导", "法律咨询", "辅导", "陪伴", "跑腿", "摄影", "书法", "理发"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
CHUNK = 20_000
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class Community:
    id: int
    street_id: int
    path: str
    lat: float
    lng: float
    secretary_id: int = 0
    staff_id: int = 0
    buildings: list = field(default_factory=list)  # (id, lat, lng)
    members: list = field(default_factory=list)  # user ids
    members_by_skill: dict = field(default_factory=lambda: defaultdict(list))
    residents: list = field(default_factory=list)  # (user id, building id)
    stations: list = field(default_factory=list)  # (id, org id, lat, lng, radius, name, qr_secret)


class Loader:
    """COPY into the schema, one table at a time, adding up rows and seconds per table."""

    def __init__(self, connection: psycopg.Connection):
        self.connection = connection
        self.timings = defaultdict(lambda: [0, 0.0])
        self.next_ids = defaultdict(lambda: 1)

    def ids(self, table: str, count: int) -> range:
        first = self.next_ids[table]
        self.next_ids[table] = first + count
        return range(first, first + count)

    def next_id(self, table: str) -> int:
        return self.ids(table, 1)[0]

    def copy(self, table: str, columns: tuple, rows: list) -> None:
        if not rows:
            return
        started = time.perf_counter()
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        timing = self.timings[table]
        timing[0] += len(rows)
        timing[1] += time.perf_counter() - started


class City:
    def __init__(self, loader: Loader, rng: random.Random, scale: float, now: datetime):
        self.load = loader
        self.rng = rng
        self.now = now
        self.year_ago = now - timedelta(days=365)
        self.streets = max(1, math.ceil(STREETS * scale))
        self.community_count = max(1, round(STREETS * COMMUNITIES_PER_STREET * scale))
        self.requests = round(REQUESTS * scale)
        self.ledger_target = round(LEDGER_ENTRIES * scale)
        self.communities: list[Community] = []
        self.ledger_rows = 0
        self.accounts = {"members": [], "residents": [], "staff": [], "stations": [], "activities": []}
        self.bench_member_ids: set[int] = set()
        self.categories: dict[str, tuple[int, list, int]] = {}
        # Tokens and QR secrets from their own seeded generator: a run is repeatable end to end.
        self.secrets_rng = random.Random(rng.random())
        self.eligible: dict[tuple[int, int], tuple[list, list]] = {}

    def secret(self, size: int = 16) -> str:
        return self.secrets_rng.randbytes(size).hex()

    # --- people and places ----------------------------------------------------------------

    def org_tree_and_people(self, password_hash: str) -> None:
        rng, now = self.rng, self.now
        orgs, users, scopes, registrations = [], [], [], []
        district_id = self.load.next_id("org_units")
        orgs.append((district_id, "城区党委", "district_committee", None, f"/{district_id}/", 0, 36.65, 117.0, now))
        admin_id = self.load.next_id("users")
        users.append(self.staff_user(admin_id, "bench-admin", "区级管理员", password_hash, is_admin=True))
        self.accounts["staff"].append({"user_id": admin_id, "username": "bench-admin", "scope": "district"})
        per_street = math.ceil(self.community_count / self.streets)
        for s in range(self.streets):
            street_id = self.load.next_id("org_units")
            street_path = f"/{district_id}/{street_id}/"
            orgs.append((street_id, f"第{s + 1}街道党工委", "street_working_committee", district_id, street_path, 1,
                         36.60 + 0.03 * s, 116.95, now))
            secretary_id = self.load.next_id("users")
            users.append(self.staff_user(secretary_id, f"bench-street-{s}", name(rng), password_hash))
            scopes.append((self.load.next_id("staff_scopes"), secretary_id, street_id, "secretary", now))
            if s == 0:
                self.accounts["staff"].append(
                    {"user_id": secretary_id, "username": "bench-street-0", "scope": "street", "org_id": street_id})
            for c in range(per_street):
                if len(self.communities) == self.community_count:
                    break
                community_id = self.load.next_id("org_units")
                lat, lng = 36.60 + 0.03 * s, 116.95 + 0.02 * c
                community = Community(community_id, street_id, f"{street_path}{community_id}/", lat, lng)
                orgs.append((community_id, f"第{s + 1}街道第{c + 1}社区党总支", "community_general_branch", street_id,
                             community.path, 2, lat, lng, now))
                for b in range(BUILDINGS_PER_COMMUNITY):
                    building_id = self.load.next_id("org_units")
                    blat, blng = lat + rng.uniform(-0.006, 0.006), lng + rng.uniform(-0.006, 0.006)
                    community.buildings.append((building_id, blat, blng))
                    orgs.append((building_id, f"{c + 1}社区{b + 1}号楼院党支部", "building_branch", community_id,
                                 f"{community.path}{building_id}/", 3, blat, blng, now))
                number = len(self.communities)
                for role in ("secretary", "staff"):
                    user_id = self.load.next_id("users")
                    username = f"bench-c{number}-{role}"
                    users.append(self.staff_user(user_id, username, name(rng), password_hash))
                    scopes.append((self.load.next_id("staff_scopes"), user_id, community_id, role, now))
                    setattr(community, f"{role}_id", user_id)
                    if number == 0:
                        self.accounts["staff"].append(
                            {"user_id": user_id, "username": username, "scope": "community", "org_id": community_id})
                self.people(community, number, users, registrations)
                self.communities.append(community)
        self.load.copy("org_units", ("id", "name", "kind", "parent_id", "path", "depth", "lat", "lng", "created_at"),
                       orgs)
        self.load.copy("users", USER_COLUMNS, users)
        self.load.copy("staff_scopes", ("id", "user_id", "org_id", "role", "created_at"), scopes)
        self.load.copy("registrations", REGISTRATION_COLUMNS, registrations)

    def staff_user(self, user_id, username, person, password_hash, is_admin=False):
        created = self.year_ago - timedelta(days=30)
        return (user_id, None, person, username, password_hash, is_admin, None, None, None, "[]", created, None)

    def people(self, community: Community, number: int, users: list, registrations: list) -> None:
        rng = self.rng
        for m in range(MEMBERS_PER_COMMUNITY):
            user_id = self.load.next_id("users")
            building_id = rng.choice(community.buildings)[0]
            skills = rng.sample(SKILLS, rng.randint(1, 3))
            joined = self.year_ago - timedelta(days=rng.randint(0, 700))
            openid = f"city-m{number}-{m}"
            users.append((user_id, openid, name(rng), None, None, False, community.id, building_id, joined,
                          json.dumps(skills, ensure_ascii=False), joined, joined))
            slots = [] if rng.random() < 0.5 else [
                {"weekday": day, "start": "08:00", "end": "21:00"} for day in range(7) if rng.random() < 0.7
            ]
            registrations.append((
                self.load.next_id("registrations"), user_id, community.id, building_id,
                rng.choice(["市税务局", "区人民医院", "第一中学", "市供电公司", "区市场监管局"]), "机关第一党支部",
                json.dumps(skills, ensure_ascii=False), json.dumps(slots), "approved", community.secretary_id,
                joined + timedelta(days=2), joined,
            ))
            community.members.append(user_id)
            for skill in skills:
                community.members_by_skill[skill].append(user_id)
            if number == 0 and m < BENCH_MEMBERS:
                self.bench_member_ids.add(user_id)
                self.accounts["members"].append({"user_id": user_id, "openid": openid, "device_id": f"dev-{user_id}"})
        for r in range(RESIDENTS_PER_COMMUNITY):
            user_id = self.load.next_id("users")
            building_id = rng.choice(community.buildings)[0]
            joined = self.year_ago - timedelta(days=rng.randint(0, 700))
            openid = f"city-r{number}-{r}"
            users.append((user_id, openid, name(rng), None, None, False, community.id, building_id, joined, "[]",
                          joined, joined))
            community.residents.append((user_id, building_id))
            if number == 0 and r < BENCH_RESIDENTS:
                self.accounts["residents"].append({"user_id": user_id, "openid": openid, "building_id": building_id})
            # A few residents have asked to serve as members and wait for the staff's decision.
            if rng.random() < 0.005:
                registrations.append((
                    self.load.next_id("registrations"), user_id, community.id, building_id, "区教育局", "教育局党支部",
                    json.dumps(rng.sample(SKILLS, 2), ensure_ascii=False), "[]", "pending", None, None,
                    self.now - timedelta(days=rng.randint(0, 10)),
                ))

    def stations(self) -> None:
        rng, rows = self.rng, []
        weekday_hours = {day: [{"open": "08:30", "close": "12:00"}, {"open": "13:30", "close": "17:30"}]
                         for day in ("mon", "tue", "wed", "thu", "fri")}
        weekday_hours["sat"] = [{"open": "09:00", "close": "12:00"}]
        # The bench community's stations are open round the clock, so the load run works at any hour.
        all_day = {day: [{"open": "00:00", "close": "23:59"}]
                   for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        for number, community in enumerate(self.communities):
            places = [(community.id, community.lat, community.lng, "community_service_station", "党员服务站")]
            for building_id, lat, lng in rng.sample(community.buildings, STATIONS_PER_COMMUNITY - 1):
                places.append((building_id, lat, lng, "building_named_station", "冠名服务点"))
            for org_id, lat, lng, kind, label in places:
                station_id = self.load.next_id("stations")
                secret = self.secret()
                radius = rng.choice([100, 150, 200, 300])
                station_name = f"{label}{station_id}"
                hours = {"weekly": all_day if number == 0 else weekday_hours, "closed_days": []}
                rows.append((station_id, station_name, kind, org_id, f"{station_name}所在地址", lat, lng, radius,
                             rng.choice(["purchased", "self_built", "joint_built", "rented", "exchanged"]),
                             json.dumps(hours), secret, self.year_ago - timedelta(days=60)))
                community.stations.append((station_id, org_id, lat, lng, radius, station_name, secret))
                if number == 0:
                    self.accounts["stations"].append(
                        {"id": station_id, "lat": lat, "lng": lng, "qr_secret": secret, "radius_m": radius})
        self.load.copy("stations", ("id", "name", "kind", "org_id", "address", "lat", "lng", "radius_m", "acquisition",
                                    "opening_hours", "qr_secret", "created_at"), rows)

    def categories_table(self) -> None:
        from services.demo import CATEGORIES

        rows = []
        for category_name, skills, model, minutes, opening_hours in CATEGORIES:
            category_id = self.load.next_id("service_categories")
            self.categories[category_name] = (category_id, skills, minutes, model)
            rows.append((category_id, category_name, json.dumps(skills, ensure_ascii=False), model, minutes,
                         opening_hours, True, self.year_ago - timedelta(days=90)))
        self.load.copy("service_categories", ("id", "name", "skills", "service_model", "expected_minutes",
                                              "sla_opening_hours", "active", "created_at"), rows)
        self.accounts["categories"] = [
            category_id for category_id, _, _, model in self.categories.values() if model == "on_demand"
        ]

    def tokens(self) -> None:
        """Bearer tokens of the bench accounts; the raw values go to accounts.json only."""
        rows = []
        for kind, accounts in (("mini_program", self.accounts["members"] + self.accounts["residents"]),
                               ("desk", self.accounts["staff"])):
            for account in accounts:
                raw = self.secret(32)
                account["token"] = raw
                ttl = timedelta(hours=12) if kind == "desk" else timedelta(days=7)
                rows.append((self.load.next_id("auth_tokens"), digest(raw), account["user_id"], kind, self.now,
                             self.now, self.now + ttl))
        self.load.copy("auth_tokens", ("id", "digest", "user_id", "kind", "created_at", "last_used_at", "expires_at"),
                       rows)

    # --- requests: status, offers, history, ledger and notifications together --------------

    def all_requests(self) -> None:
        on_demand = [value for value in self.categories.values() if value[3] == "on_demand"]
        span = (self.now - self.year_ago).total_seconds()
        done = 0
        while done < self.requests:
            batch = Batch()
            for _ in range(min(CHUNK, self.requests - done)):
                community = self.rng.choice(self.communities)
                created = self.year_ago + timedelta(seconds=self.rng.random() * span)
                self.one_request(batch, community, self.rng.choice(on_demand), created)
            done += CHUNK
            batch.copy(self.load)
        self.ledger_rows += self.load.timings["hour_entries"][0]
        self.bench_offers()

    def bench_offers(self) -> None:
        """Requests on offer to each bench member (with two other members), inside a week-long window."""
        community = self.communities[0]
        on_demand = [value for value in self.categories.values() if value[3] == "on_demand"]
        others = [member for member in community.members if member not in self.bench_member_ids]
        batch = Batch()
        for account in self.accounts["members"]:
            for _ in range(BENCH_OFFERS_PER_MEMBER):
                created = self.now - timedelta(seconds=self.rng.randint(30, 300))
                resident_id, building_id = self.rng.choice(community.residents)
                category_id, _, _, _ = self.rng.choice(on_demand)
                request_id = self.load.next_id("service_requests")
                offered_at = created + timedelta(seconds=1)
                batch.requests.append(request_row(
                    request_id, resident_id, community.id, building_id, category_id, "帮忙搬运家具", "normal",
                    "offered", None, 1, self.now + timedelta(days=7), None, created + timedelta(minutes=120),
                    None, None, None, None, None, created, offered_at))
                batch.history.append(history_row(self.load, request_id, "submit", "", "submitted", resident_id, None,
                                                 created))
                batch.history.append(history_row(self.load, request_id, "offer", "submitted", "offered", None,
                                                 "第 1 轮派单", offered_at))
                for member_id in [account["user_id"], *self.rng.sample(others, 2)]:
                    batch.offers.append((self.load.next_id("request_offers"), request_id, member_id, 1, "open",
                                         60.0, "[]", offered_at, None))
                    batch.notifications.append(self.notification(member_id, "request_offered", "有新的服务请求",
                                                                 request_id, offered_at))
        batch.copy(self.load)

    def one_request(self, batch: "Batch", community: Community, category: tuple, created: datetime) -> None:
        rng, now = self.rng, self.now
        category_id, skills, expected_minutes, _ = category
        request_id = self.load.next_id("service_requests")
        resident_id, building_id = rng.choice(community.residents)
        urgency = "urgent" if rng.random() < 0.1 else "normal"
        sla_due = created + timedelta(minutes=30 if urgency == "urgent" else 120)
        age = now - created
        status = self.status_for(age, rng)
        offered_at = created + timedelta(seconds=rng.randint(1, 5))
        history = [("submit", "", "submitted", resident_id, None, created)]
        key = (community.id, category_id)
        if key not in self.eligible:
            skilled = sorted({m for skill in skills for m in community.members_by_skill[skill]}) or community.members
            self.eligible[key] = (skilled, [m for m in skilled if m not in self.bench_member_ids])
        skilled, not_bench = self.eligible[key]
        # The bench members start with no open task: the load's accept flow stays under their cap.
        pool = not_bench if status in ("accepted", "in_progress") else skilled
        offered = rng.sample(pool, min(3, len(pool)))
        assignee = taken = offer_expires = completed_at = confirmed_at = minutes = stars = rated_at = None
        alerted = None
        offer_status = {}
        round_number = 1
        if status == "submitted":
            history, offered, round_number = history[:1], [], 0
        elif status == "offered":
            history.append(("offer", "submitted", "offered", None, "第 1 轮派单", offered_at))
            offer_expires = offered_at + timedelta(minutes=10)
            offer_status = dict.fromkeys(offered, ("open", None))
        elif status in ("expired", "escalated"):
            round_number = 3
            offered = rng.sample(pool, min(9, len(pool)))
            rounds_at = [offered_at + timedelta(minutes=10 * r) for r in range(3)]
            history.append(("offer", "submitted", "offered", None, "第 1 轮派单", rounds_at[0]))
            history.append(("next_round", "offered", "offered", None, "第 2 轮派单", rounds_at[1]))
            history.append(("next_round", "offered", "offered", None, "第 3 轮派单", rounds_at[2]))
            expired_at = rounds_at[2] + timedelta(minutes=10)
            history.append(("expire", "offered", "expired", None, None, expired_at))
            if status == "escalated":
                history.append(("escalate", "expired", "escalated", None, None, expired_at))
            offer_status = {m: ("expired", None) for m in offered}
            alerted = sla_due + timedelta(minutes=1) if sla_due < now else None
        elif status == "cancelled" and rng.random() < 0.6:
            history.append(("offer", "submitted", "offered", None, "第 1 轮派单", offered_at))
            cancelled_at = offered_at + timedelta(minutes=rng.randint(1, 9))
            history.append(("cancel", "offered", "cancelled", resident_id, "已自行解决", cancelled_at))
            offer_status = dict.fromkeys(offered, ("withdrawn", cancelled_at))
        elif status == "cancelled":
            history, offered, round_number = history[:1], [], 0
            history.append(
                ("cancel", "submitted", "cancelled", resident_id, "已自行解决", created + timedelta(minutes=1)))
        else:  # taken: accepted and beyond
            assignee = offered[0]
            taken = offered_at + timedelta(minutes=min(rng.expovariate(1 / 25), 100))
            if taken > now:
                taken = now
            history.append(("offer", "submitted", "offered", None, "第 1 轮派单", offered_at))
            history.append(("accept", "offered", "accepted", assignee, None, taken))
            offer_status = {m: ("withdrawn", taken) for m in offered}
            offer_status[assignee] = ("accepted", taken)
            alerted = sla_due + timedelta(minutes=1) if taken > sla_due else None
            started = min(now, taken + timedelta(minutes=rng.randint(10, 600)))
            if status != "accepted":
                history.append(("start", "accepted", "in_progress", assignee, None, started))
            if status in ("completed", "confirmed"):
                minutes = max(15, int(rng.gauss(expected_minutes, expected_minutes / 3)))
                completed_at = min(now, started + timedelta(minutes=minutes))
                history.append(("complete", "in_progress", "completed", assignee, "已完成服务", completed_at))
            if status == "confirmed":
                confirmed_at = min(now, completed_at + timedelta(hours=rng.uniform(1, 72)))
                history.append(("confirm", "completed", "confirmed", community.secretary_id, None, confirmed_at))
                batch.ledger.append((self.load.next_id("hour_entries"), assignee, community.id, "request", request_id,
                                     minutes, "confirmed", "帮忙修理水龙头", community.secretary_id, confirmed_at,
                                     confirmed_at))
                if rng.random() < 0.6:
                    stars = rng.choices([5, 4, 3, 2, 1], [60, 25, 8, 4, 3])[0]
                    rated_at = min(now, confirmed_at + timedelta(hours=rng.uniform(0, 48)))
        updated = history[-1][5]
        batch.requests.append(request_row(
            request_id, resident_id, community.id, building_id, category_id, "帮忙修理水龙头", urgency, status,
            assignee, round_number, offer_expires, taken, sla_due, alerted,
            minutes, "已完成服务" if minutes else None, stars, rated_at, created, updated))
        for action, before, after, actor, reason, at in history:
            batch.history.append(history_row(self.load, request_id, action, before, after, actor, reason, at))
        for index, member_id in enumerate(offered):
            offer, answered = offer_status.get(member_id, ("expired", None))
            batch.offers.append((self.load.next_id("request_offers"), request_id, member_id, index // 3 + 1, offer,
                                 round(rng.uniform(20, 95), 1), json.dumps(["同一社区"], ensure_ascii=False),
                                 offered_at, answered))
            batch.notifications.append(self.notification(member_id, "request_offered", "有新的服务请求", request_id,
                                                         offered_at))
        if taken is not None:
            batch.notifications.append(self.notification(resident_id, "request_accepted", "您的请求已有党员接单",
                                                         request_id, taken))
        if confirmed_at is not None:
            batch.notifications.append(self.notification(assignee, "request_confirmed", "服务时长已确认",
                                                         request_id, confirmed_at))

    @staticmethod
    def status_for(age: timedelta, rng: random.Random) -> str:
        if age < timedelta(minutes=1):
            return rng.choice(["submitted", "offered"])
        if age < timedelta(minutes=10):
            return rng.choices(["offered", "accepted", "cancelled"], [70, 25, 5])[0]
        if age < timedelta(days=3):
            return rng.choices(["accepted", "in_progress", "completed", "confirmed", "cancelled", "escalated"],
                               [15, 15, 20, 40, 5, 5])[0]
        return rng.choices(["confirmed", "completed", "cancelled", "expired", "escalated", "in_progress"],
                           [80, 3, 9, 3, 3, 2])[0]

    def notification(self, user_id: int, event: str, title: str, request_id: int, at: datetime) -> tuple:
        """An outbox row in a final state: sent (most), skipped (no grant left) or failed."""
        rng = self.rng
        outcome = rng.choices(["sent", "skipped", "failed"], [85, 12, 3])[0]
        sent_at = at + timedelta(seconds=rng.uniform(0.5, 4)) if outcome == "sent" else None
        error = {"sent": None, "skipped": "no_grant", "failed": "47003 argument invalid! data invalid"}[outcome]
        read_at = at + timedelta(hours=rng.uniform(0, 30)) if rng.random() < 0.7 else None
        if read_at is not None and read_at > self.now:
            read_at = None
        return (self.load.next_id("notifications"), user_id, event, title, "帮忙修理水龙头",
                json.dumps({"request_id": request_id}), f"pages/requests/detail?id={request_id}", outcome,
                1 if outcome == "skipped" else rng.randint(1, 3), error, at, sent_at, read_at,
                at + timedelta(seconds=0.3), f"tpl-{event}", str(1_000_000 + request_id) if sent_at else None)

    # --- care, activities, check-ins -----------------------------------------------------------

    def care(self) -> None:
        rng, now = self.rng, self.now
        targets, plans, visits, ledger = [], [], [], []
        for community in self.communities:
            for building_id, _, _ in community.buildings:
                for _ in range(CARE_TARGETS_PER_BUILDING):
                    target_id = self.load.next_id("care_targets")
                    consent = (self.year_ago - timedelta(days=rng.randint(0, 400))).date()
                    targets.append((target_id, name(rng), building_id,
                                    json.dumps(rng.sample(["poverty", "disability", "elderly_alone", "sick"], 1)),
                                    json.dumps(["代购生活用品", "陪同就医"], ensure_ascii=False), "楼院内",
                                    consent, community.secretary_id, self.year_ago))
                    visitor = rng.choice(community.members)
                    weeks = rng.choice([2, 4])
                    plan_id = self.load.next_id("visit_plans")
                    day = self.year_ago.date() + timedelta(days=rng.randint(0, 13))
                    while day <= now.date() - timedelta(days=1):
                        visit_id = self.load.next_id("visit_records")
                        minutes = rng.randint(20, 90)
                        recorded = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
                        recent = now.date() - day < timedelta(days=5)
                        status = "pending" if recent else rng.choices(["confirmed", "rejected"], [98, 2])[0]
                        confirmed_at = recorded + timedelta(days=1) if status == "confirmed" else None
                        visits.append((visit_id, plan_id, target_id, building_id, visitor, day, minutes,
                                       "了解近况，帮助打扫卫生", "[]", status,
                                       community.secretary_id if status != "pending" else None, confirmed_at,
                                       "记录不完整" if status == "rejected" else None, recorded))
                        if status == "confirmed":
                            ledger.append((self.load.next_id("hour_entries"), visitor, building_id, "visit", visit_id,
                                           minutes, "confirmed", None, community.secretary_id, confirmed_at,
                                           confirmed_at))
                        day += timedelta(weeks=weeks)
                    plans.append((plan_id, target_id, building_id, visitor, weeks, day, None, True, self.year_ago))
        self.load.copy("care_targets", ("id", "name", "building_id", "kinds", "needs", "address", "consent_on",
                                        "created_by_id", "created_at"), targets)
        self.load.copy("visit_plans", ("id", "care_target_id", "building_id", "visitor_id", "every_weeks",
                                       "next_due_on", "overdue_alerted_for", "active", "created_at"), plans)
        self.load.copy("visit_records", ("id", "plan_id", "care_target_id", "building_id", "visitor_id",
                                         "visited_on", "minutes", "summary", "photos", "status", "confirmed_by_id",
                                         "confirmed_at", "reject_reason", "created_at"), visits)
        self.load.copy("hour_entries", LEDGER_COLUMNS, ledger)
        self.ledger_rows += len(ledger)

    def activities(self) -> None:
        rng, now = self.rng, self.now
        activities, signups, ledger = [], [], []
        for number, community in enumerate(self.communities):
            starts = [self.year_ago + timedelta(days=rng.uniform(0, 360)) for _ in range(ACTIVITIES_PER_COMMUNITY)]
            starts += [now + timedelta(days=rng.uniform(1, 14)) for _ in range(UPCOMING_ACTIVITIES_PER_COMMUNITY)]
            for starts_at in starts:
                activity_id = self.load.next_id("activities")
                hours = rng.choice([1, 2, 3])
                upcoming = starts_at > now
                capacity = rng.choice([30, 50, 100]) if not upcoming else 200
                participants = [] if upcoming else rng.sample(
                    [r for r, _ in community.residents[:400]], rng.randint(5, capacity))
                level = rng.choice(["family", "corridor", "lane", "square"])
                activities.append((activity_id, "邻里文化活动", "", level, community.id, "本社区居民", starts_at,
                                   starts_at + timedelta(hours=hours), capacity, len(participants),
                                   "社区广场", community.lat, community.lng, 200,
                                   self.secret(), community.secretary_id, starts_at - timedelta(days=10)))
                if upcoming and number == 0:
                    self.accounts["activities"].append(activity_id)
                for user_id in participants:
                    signed = starts_at - timedelta(days=rng.uniform(1, 9))
                    checked = starts_at + timedelta(minutes=5) if rng.random() < 0.8 else None
                    signups.append((self.load.next_id("activity_signups"), activity_id, user_id, "participant",
                                    "confirmed", signed, signed, checked, starts_at - timedelta(hours=2)))
                if upcoming:
                    continue
                for role, helper in zip(("organiser", "volunteer", "volunteer"), rng.sample(community.members, 3),
                                        strict=True):
                    signup_id = self.load.next_id("activity_signups")
                    signups.append((signup_id, activity_id, helper, role, "confirmed", starts_at - timedelta(days=5),
                                    starts_at - timedelta(days=5), starts_at - timedelta(minutes=20),
                                    starts_at - timedelta(hours=2)))
                    confirmed = starts_at + timedelta(hours=hours + 1)
                    ledger.append((self.load.next_id("hour_entries"), helper, community.id, "activity", signup_id,
                                   hours * 60 + 30, "confirmed", "邻里文化活动", community.secretary_id, confirmed,
                                   confirmed))
        self.load.copy("activities", ("id", "title", "description", "level", "org_id", "audience", "starts_at",
                                      "ends_at", "capacity", "confirmed_count", "address", "lat", "lng", "radius_m",
                                      "qr_secret", "created_by_id", "created_at"), activities)
        self.load.copy("activity_signups", ("id", "activity_id", "user_id", "role", "status", "created_at",
                                            "confirmed_at", "checked_in_at", "reminded_at"), signups)
        self.load.copy("hour_entries", LEDGER_COLUMNS, ledger)
        self.ledger_rows += len(ledger)

    def checkins(self) -> None:
        """Closed visits to stations filling the ledger up to its target; a few auto-closed without hours."""
        rng, now = self.rng, self.now
        wanted = max(0, self.ledger_target - self.ledger_rows)
        members = [(community, member) for community in self.communities for member in community.members]
        window = 180
        done = 0
        while done < wanted:
            checkins, ledger = [], []
            for _ in range(min(CHUNK, wanted - done)):
                community, member_id = rng.choice(members)
                station_id, org_id, lat, lng, radius, station_name, _ = rng.choice(community.stations)
                day = now - timedelta(days=rng.randint(1, 364))
                # 08:30 to 16:30 local (UTC+8): inside the stations' opening hours.
                checked_in = datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC) + timedelta(
                    minutes=rng.randint(0, 480))
                minutes = rng.randint(20, 240)
                distance = rng.uniform(0, radius * 0.8)
                position = (lat + distance / 111_000 * rng.choice([-1, 1]), lng)
                coarse = now - checked_in > timedelta(days=90)
                auto = rng.random() < 0.03
                checkin_id = self.load.next_id("checkins")
                flags = [{"code": "forgotten_checkout", "evidence": {}}] if auto else []
                checkins.append((
                    checkin_id, member_id, station_id, "auto_closed" if auto else "closed",
                    round(position[0], 2) if coarse else position[0], round(position[1], 2) if coarse else position[1],
                    round(distance, 1), None if coarse else f"dev-{member_id}",
                    int(checked_in.timestamp()) // window, checked_in, checked_in + timedelta(minutes=minutes),
                    minutes, json.dumps(flags), auto, checked_in + timedelta(days=90) if coarse else None))
                if not auto:
                    confirmed = now - checked_in > timedelta(days=7)
                    at = checked_in + timedelta(minutes=minutes)
                    ledger.append((self.load.next_id("hour_entries"), member_id, org_id, "checkin", checkin_id, minutes,
                                   "confirmed" if confirmed else "pending", station_name,
                                   community.secretary_id if confirmed else None,
                                   at + timedelta(days=1) if confirmed else None, at))
                    done += 1
            self.load.copy("checkins", ("id", "member_id", "station_id", "status", "lat", "lng", "distance_m",
                                        "device_id", "qr_window", "checked_in_at", "checked_out_at", "minutes",
                                        "flags", "flagged", "coarsened_at"), checkins)
            self.load.copy("hour_entries", LEDGER_COLUMNS, ledger)
        self.ledger_rows += done


USER_COLUMNS = ("id", "openid", "name", "username", "password_hash", "is_admin", "community_id", "building_id",
                "home_confirmed_at", "skills", "created_at", "last_login_at")
REGISTRATION_COLUMNS = ("id", "user_id", "community_id", "building_id", "employer_unit", "home_branch", "skills",
                        "availability", "status", "decided_by_id", "decided_at", "created_at")
LEDGER_COLUMNS = ("id", "member_id", "org_id", "source", "source_id", "minutes", "status", "note", "confirmed_by_id",
                  "confirmed_at", "created_at")
REQUEST_COLUMNS = ("id", "resident_id", "community_id", "building_id", "category_id", "title", "description",
                   "urgency", "status", "assignee_id", "offer_round", "offer_expires_at", "taken_at", "sla_due_at",
                   "sla_alerted_at", "minutes", "completion_note", "stars", "rated_at", "created_at", "updated_at")
HISTORY_COLUMNS = ("id", "request_id", "action", "from_status", "to_status", "actor_id", "reason", "at")
OFFER_COLUMNS = ("id", "request_id", "member_id", "round", "status", "score", "reasons", "created_at", "answered_at")
NOTIFICATION_COLUMNS = ("id", "user_id", "event", "title", "body", "data", "page", "status", "attempts", "last_error",
                        "created_at", "sent_at", "read_at", "queued_at", "template_id", "msgid")


def request_row(request_id, resident_id, community_id, building_id, category_id, title, urgency, status, assignee,
                round_number, offer_expires, taken, sla_due, alerted, minutes, note, stars, rated_at, created, updated):
    return (request_id, resident_id, community_id, building_id, category_id, title, "请党员帮忙", urgency, status,
            assignee, round_number, offer_expires, taken, sla_due, alerted, minutes, note, stars, rated_at, created,
            updated)


def history_row(loader, request_id, action, before, after, actor, reason, at):
    return (loader.next_id("request_history"), request_id, action, before, after, actor, reason, at)


class Batch:
    """One chunk of requests and the rows that belong to them."""

    def __init__(self):
        self.requests, self.history, self.offers, self.ledger, self.notifications = [], [], [], [], []

    def copy(self, loader: Loader) -> None:
        loader.copy("service_requests", REQUEST_COLUMNS, self.requests)
        loader.copy("request_history", HISTORY_COLUMNS, self.history)
        loader.copy("request_offers", OFFER_COLUMNS, self.offers)
        loader.copy("hour_entries", LEDGER_COLUMNS, self.ledger)
        loader.copy("notifications", NOTIFICATION_COLUMNS, self.notifications)


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"), revision="heads")
        from extensions import db

        db.engine.dispose()


def password_hash() -> str:
    from services.auth import hash_password

    return hash_password(BENCH_PASSWORD)


def foreign_key_orphans(connection: psycopg.Connection) -> list[str]:
    """Every foreign key checked after the load (COPY ran with triggers, hence FK checks, off)."""
    keys = connection.execute("""
        SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1
    """).fetchall()
    problems = []
    for table, column, parent, parent_column in keys:
        orphans = connection.execute(
            f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608  # catalog names
            f"(SELECT 1 FROM {parent} p WHERE p.{parent_column} = t.{column})"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{table}.{column} → {parent}: {orphans} rows")
    return problems


def generate(libpq_url: str, scale: float, seed: int, now: datetime) -> dict:
    rng = random.Random(seed)
    started = time.perf_counter()
    staff_password = password_hash()
    with psycopg.connect(libpq_url, autocommit=False) as connection:
        # Foreign keys are triggers: off while loading, checked once at the end.
        connection.execute("SET session_replication_role = replica")
        loader = Loader(connection)
        city = City(loader, rng, scale, now)
        city.org_tree_and_people(staff_password)
        city.stations()
        city.categories_table()
        city.tokens()
        city.all_requests()
        city.care()
        city.activities()
        city.checkins()
        for table in loader.next_ids:
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {loader.next_ids[table]})")
        connection.execute("SET session_replication_role = origin")
        connection.commit()
        loaded = time.perf_counter()
        check_started = time.perf_counter()
        problems = foreign_key_orphans(connection)
        if problems:
            raise SystemExit("foreign keys broken:\n  " + "\n  ".join(problems))
        checked = time.perf_counter() - check_started
    vacuum_started = time.perf_counter()
    with psycopg.connect(libpq_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        sizes = connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    vacuumed = time.perf_counter() - vacuum_started
    print(f"\n{'table':<22}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    for table, (rows, seconds) in sorted(loader.timings.items(), key=lambda item: -item[1][0]):
        print(f"{table:<22}{rows:>12,}{seconds:>10.1f}{rows / seconds if seconds else 0:>12,.0f}")
    total_rows = sum(rows for rows, _ in loader.timings.values())
    print(f"{'all tables':<22}{total_rows:>12,}{loaded - started:>10.1f}   (generation and COPY)")
    print(f"foreign keys checked in {checked:.1f} s; VACUUM ANALYZE {vacuumed:.1f} s; database size {sizes}")
    city.accounts["password"] = BENCH_PASSWORD
    city.accounts["generated_at"] = now.isoformat()
    city.accounts["scale"] = scale
    return city.accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the issue's sizes; 0.02 for a quick run")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "linli-city",
                        help="the cluster's directory (recreated) and accounts.json")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to fill instead of a new cluster")
    parser.add_argument("--now", help="the end of the year of history (ISO 8601, UTC); default: this minute")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC).replace(second=0, microsecond=0)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    cluster = None
    if args.database_url:
        sqlalchemy_url, libpq_url = args.database_url, args.database_url.replace("+psycopg", "")
    else:
        cluster = CityCluster(args.dir)
        cluster.create()
        sqlalchemy_url, libpq_url = cluster.url, cluster.libpq_url
    started = time.perf_counter()
    try:
        migrate(sqlalchemy_url)
        print(f"schema (flask db upgrade) in {time.perf_counter() - started:.1f} s")
        accounts = generate(libpq_url, args.scale, args.seed, now)
    finally:
        if cluster is not None:
            cluster.stop()
    accounts["database_url"] = sqlalchemy_url
    args.dir.mkdir(parents=True, exist_ok=True)
    (args.dir / "accounts.json").write_text(json.dumps(accounts, ensure_ascii=False, indent=1))
    print(f"done in {time.perf_counter() - started:.1f} s; accounts in {args.dir / 'accounts.json'}")


if __name__ == "__main__":
    main()
