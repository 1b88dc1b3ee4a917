"""Matching benchmark on PostgreSQL: 50,000 approved members, ~500 per community.

Runs `services.matching.candidates` for requests spread over the communities and compares its
p50/p99 with a primary-key lookup on the same database; prints EXPLAIN for the queries matching
issues. Uses LINLI_BENCH_DATABASE_URL when set (the database is filled, so point it at a throwaway
one), otherwise starts its own throwaway cluster with the test helpers.

    .venv/bin/python bench/bench_matching.py
"""
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.categories import ServiceCategory  # noqa: E402
from models.members import Registration  # noqa: E402
from models.requests import RequestOffer, ServiceRequest  # noqa: E402
from models.users import User  # noqa: E402
from services import matching  # noqa: E402
from services.orgs import add_org  # noqa: E402

MEMBERS = 50_000
STREETS = 10
COMMUNITIES_PER_STREET = 10
SKILLS = ["维修", "电工", "医疗", "陪诊", "心理疏导", "法律咨询", "辅导", "陪伴", "跑腿", "摄影", "书法", "理发"]
SAMPLES = 1000
SEED = 20261126


def build(rng: random.Random) -> list[int]:
    """Fill the database; returns the ids of the benchmark requests."""
    district = add_org("基准区委", "district_committee", None)
    communities = []
    for s in range(STREETS):
        street = add_org(f"基准街道{s}", "street_working_committee", district)
        for c in range(COMMUNITIES_PER_STREET):
            lat, lng = 36.60 + 0.02 * s, 116.95 + 0.02 * c
            community = add_org(f"基准社区{s}-{c}", "community_general_branch", street, lat=lat, lng=lng)
            # Buildings within a few hundred metres of the community: distances feed the ranking.
            buildings = [
                add_org(f"{community.name}{b}号楼", "building_branch", community,
                        lat=lat + rng.uniform(-0.004, 0.004), lng=lng + rng.uniform(-0.004, 0.004))
                for b in range(5)
            ]
            communities.append((community, buildings))
    db.session.commit()
    now = utcnow()
    users = [{"name": f"党员{i}", "openid": f"bench-{i}", "skills": [], "created_at": now} for i in range(MEMBERS)]
    db.session.execute(insert(User), users)
    member_ids = db.session.execute(select(User.id).order_by(User.id)).scalars().all()
    registrations = []
    homes = {}
    for index, user_id in enumerate(member_ids):
        community, buildings = communities[index % len(communities)]
        building = rng.choice(buildings)
        homes[user_id] = (community, building)
        slots = [] if rng.random() < 0.5 else [
            {"weekday": day, "start": "08:00", "end": "22:00"} for day in range(7) if rng.random() < 0.7
        ]
        registrations.append({
            "user_id": user_id, "community_id": community.id, "building_id": building.id,
            "employer_unit": "单位", "home_branch": "支部", "skills": rng.sample(SKILLS, 2),
            "availability": slots, "status": "approved", "created_at": now,
        })
    db.session.execute(insert(Registration), registrations)
    category = ServiceCategory(name="小修小补", skills=["维修", "电工"], service_model="on_demand", expected_minutes=60)
    resident = User(name="居民", openid="bench-resident")
    db.session.add_all([category, resident])
    db.session.flush()

    def request_row(community, building, **extra):
        return {
            "resident_id": resident.id, "community_id": community.id, "building_id": building.id,
            "category_id": category.id, "title": "基准请求", "description": "", "urgency": "normal",
            "status": "submitted", "offer_round": 0, "sla_due_at": now + timedelta(hours=2),
            "created_at": now, "updated_at": now, **extra,
        }

    # History that the ranking aggregates over: finished (rated) and open tasks, taken dates, recent offers.
    history = []
    for _ in range(20_000):
        member_id = rng.choice(member_ids)
        community, building = homes[member_id]
        status = rng.choice(["confirmed", "confirmed", "accepted", "in_progress"])
        history.append(request_row(
            community, building, status=status, assignee_id=member_id,
            taken_at=now - timedelta(days=rng.randint(0, 60)),
            stars=rng.randint(1, 5) if status == "confirmed" else None,
        ))
    db.session.execute(insert(ServiceRequest), history)
    old_ids = db.session.execute(select(ServiceRequest.id)).scalars().all()
    offers, seen = [], set()
    for _ in range(60_000):
        pair = (rng.choice(old_ids), rng.choice(member_ids))
        if pair in seen:
            continue
        seen.add(pair)
        offers.append({
            "request_id": pair[0], "member_id": pair[1], "round": 1, "status": "expired", "score": 0.0,
            "reasons": [], "created_at": now - timedelta(days=rng.randint(0, 60)),
        })
    db.session.execute(insert(RequestOffer), offers)
    targets = [request_row(community, rng.choice(buildings)) for community, buildings in communities]
    db.session.execute(insert(ServiceRequest), targets)
    db.session.commit()
    # What autovacuum would have done by now: statistics and the visibility map (index-only scans).
    # The session's connection goes back first, so no open snapshot keeps pages from being all-visible.
    db.session.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return db.session.execute(
        select(ServiceRequest.id).where(ServiceRequest.status == "submitted").order_by(ServiceRequest.id)
    ).scalars().all()


def timed(action, samples: int) -> list[float]:
    durations = []
    for _ in range(samples):
        started = time.perf_counter()
        action()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def explain(statement) -> str:
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    rows = db.session.execute(text(f"EXPLAIN ANALYZE {compiled}")).scalars().all()
    return "\n".join(rows)


def run(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"), revision="heads")
        rng = random.Random(SEED)
        started = time.perf_counter()
        request_ids = build(rng)
        print(f"built {MEMBERS} members in {len(request_ids)} communities in {time.perf_counter() - started:.1f} s")
        requests = [db.session.get(ServiceRequest, request_id) for request_id in request_ids]
        sizes = [len(matching.candidates(request)) for request in requests]
        print(f"candidates per request: min {min(sizes)}, median {statistics.median(sizes)}, max {max(sizes)}")

        def match():
            matching.candidates(rng.choice(requests))

        def lookup():
            db.session.execute(select(ServiceRequest.id, ServiceRequest.status).where(
                ServiceRequest.id == rng.choice(request_ids))).one()

        timed(match, 50)
        timed(lookup, 50)
        matched = timed(match, SAMPLES)
        looked_up = timed(lookup, SAMPLES)
        p50, p99 = percentile(matched, 0.5), percentile(matched, 0.99)
        k50, k99 = percentile(looked_up, 0.5), percentile(looked_up, 0.99)
        print(f"matching   p50 {p50:.2f} ms  p99 {p99:.2f} ms  ({SAMPLES} samples)")
        print(f"pk lookup  p50 {k50:.2f} ms  p99 {k99:.2f} ms")
        print(f"ratio      p50 {p50 / k50:.1f}x  p99 {p99 / k99:.1f}x")
        print(f"goal p99 < 20 ms: {'met' if p99 < 20 else 'NOT met'}")
        sample = requests[0]
        parameters = matching.eligible_parameters(frozenset(sample.category.skills), [sample.community_id])
        statement = matching.eligible_statement(True).params(parameters)
        print(f"\n-- EXPLAIN ANALYZE: the matching query\n{explain(statement)}")


def main() -> None:
    url = os.environ.get("LINLI_BENCH_DATABASE_URL")
    if url:
        run(url)
        return
    from tests.fixtures.services import PostgresCluster, postgres_bin_dir

    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        sys.exit("no PostgreSQL found: install it or set LINLI_BENCH_DATABASE_URL")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.start()
        run(cluster.url)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
