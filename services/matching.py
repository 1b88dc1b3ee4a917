"""Explainable matching: who may take a request, ranked, each with the reasons for their score."""
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import String, bindparam, cast, func, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased

from extensions import db
from localtime import to_local
from models.base import utcnow
from models.members import Registration
from models.orgs import COMMUNITY_KIND, OrgUnit
from models.requests import RequestOffer, ServiceRequest
from models.users import User
from services.database import is_postgresql
from services.stations import haversine_m

OPEN_TASK_STATUSES = ("accepted", "in_progress")
FAIRNESS_DAYS = 30


@dataclass
class Candidate:
    member_id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)


class MemberRow(NamedTuple):
    """One row of `eligible_statement`, in its column order (plain tuples read faster than Rows)."""

    user_id: int
    name: str
    community_id: int
    building_id: int | None
    lat: float | None
    lng: float | None
    skills: list
    availability: list
    recent_offers: int
    open_tasks: int
    recent_taken: int
    rating: float | None


@dataclass(frozen=True)
class Need:
    """What one request asks of a candidate, worked out once before the candidates are scored."""

    request: ServiceRequest
    skills: frozenset[str]
    point: tuple[float, float] | None
    weekday: int
    clock: str
    open_task_cap: int
    distance_limit_m: float


def need_of(request: ServiceRequest) -> Need:
    # Availability slots are wall-clock times where the members live.
    local = to_local(request.preferred_time)
    return Need(
        request=request,
        skills=frozenset(request.category.skills),
        point=request_point(request),
        weekday=local.weekday(),
        clock=local.strftime("%H:%M"),
        open_task_cap=current_app.config["MEMBER_OPEN_TASK_CAP"],
        distance_limit_m=current_app.config["MATCH_DISTANCE_LIMIT_M"],
    )


def open_task_count(member_id: int) -> int:
    """The requests the member has taken and not yet completed (the open-task cap counts these)."""
    return db.session.execute(
        select(func.count()).where(
            ServiceRequest.assignee_id == member_id, ServiceRequest.status.in_(OPEN_TASK_STATUSES)
        )
    ).scalar_one()


def is_available(availability: list, weekday: int, clock: str) -> bool:
    """Whether the weekday and local clock fall in one of the weekly slots; no slots means no limits."""
    return not availability or any(
        slot.get("weekday") == weekday and slot.get("start", "") <= clock < slot.get("end", "")
        for slot in availability
    )


def request_point(request: ServiceRequest) -> tuple[float, float] | None:
    """Where the help is needed: the request's own position, else its building's."""
    if request.lat is not None and request.lng is not None:
        return request.lat, request.lng
    if request.building_id is not None:
        building = db.session.get(OrgUnit, request.building_id)
        if building.lat is not None:
            return building.lat, building.lng
    return None


def candidates(request: ServiceRequest, exclude: set[int] = frozenset()) -> list[Candidate]:
    """Ranked candidates for the request: community first, widened to the street when too few."""
    need = need_of(request)
    found = _eligible(need, [request.community_id], exclude)
    if len(found) < current_app.config["MATCH_OFFER_SIZE"]:
        street_id = db.session.execute(
            select(OrgUnit.parent_id).where(OrgUnit.id == request.community_id)
        ).scalar_one()
        neighbours = db.session.execute(
            select(OrgUnit.id).where(
                OrgUnit.parent_id == street_id,
                OrgUnit.kind == COMMUNITY_KIND,
                OrgUnit.id != request.community_id,
            )
        ).scalars().all()
        if neighbours:
            found += _eligible(need, neighbours, exclude | {c.member_id for c in found})
    found.sort(key=lambda candidate: (-candidate.score, candidate.member_id))
    return found


@cache
def eligible_statement(postgresql_dialect: bool):
    """One query, built once: the communities' approved members, where they live, their load,
    fairness and rating. Parameters: `eligible_parameters`."""
    member = Registration.user_id
    since = bindparam("since")
    home = aliased(OrgUnit)
    recent_offers = (
        select(func.count())
        .where(RequestOffer.member_id == member, RequestOffer.created_at >= since)
        .scalar_subquery()
        .label("recent_offers")
    )
    tasks = _task_aggregates(since)
    assigned = ServiceRequest.assignee_id == member
    statement = (
        select(
            member, User.name, Registration.community_id, Registration.building_id, home.lat, home.lng,
            Registration.skills, Registration.availability, recent_offers,
        )
        .join(User, User.id == member)
        .outerjoin(home, home.id == Registration.building_id)
        .where(
            Registration.community_id.in_(bindparam("community_ids", expanding=True)),
            Registration.status == "approved",
        )
    )
    if not postgresql_dialect:
        return statement.add_columns(
            *(select(aggregate).where(assigned, only).scalar_subquery().label(name)
              for name, (aggregate, only) in tasks.items())
        )
    # PostgreSQL: the three task aggregates in one pass over the member's requests, and the
    # unskilled dropped before any per-member work (Python checks the skills again).
    per_member = (
        select(*(aggregate.filter(only).label(name) for name, (aggregate, only) in tasks.items()))
        .where(assigned)
        .lateral("tasks")
    )
    skills = bindparam("skills", type_=postgresql.ARRAY(String))
    return (
        statement.add_columns(*per_member.c)
        .outerjoin(per_member, true())
        .where(cast(Registration.skills, JSONB).op("?|")(skills))
    )


def _task_aggregates(since) -> dict:
    """Per member, over the requests assigned to them: (aggregate, rows it counts)."""
    return {
        "open_tasks": (func.count(), ServiceRequest.status.in_(OPEN_TASK_STATUSES)),
        "recent_taken": (func.count(), ServiceRequest.taken_at >= since),
        "rating": (func.avg(ServiceRequest.stars), ServiceRequest.stars.is_not(None)),
    }


def eligible_parameters(skills: frozenset[str], community_ids: list[int]) -> dict:
    return {
        "community_ids": community_ids,
        "since": utcnow() - timedelta(days=FAIRNESS_DAYS),
        "skills": sorted(skills),
    }


def _eligible(need: Need, community_ids: list[int], exclude: set[int]) -> list[Candidate]:
    postgres = is_postgresql()
    parameters = eligible_parameters(need.skills, community_ids)
    if not postgres:
        del parameters["skills"]
    rows = map(MemberRow._make, db.session.execute(eligible_statement(postgres), parameters))
    return [
        _scored(need, row)
        for row in rows
        if row.user_id not in exclude
        and row.user_id != need.request.resident_id
        and need.skills.intersection(row.skills or ())
        and row.open_tasks < need.open_task_cap
        and is_available(row.availability, need.weekday, need.clock)
    ]


def _scored(need: Need, row: MemberRow) -> Candidate:
    matched = sorted(need.skills.intersection(row.skills))
    proximity, proximity_reason = _proximity(need, row)
    # Fairness: those who took and were asked least lately come first.
    fairness = 15.0 / (1 + row.recent_taken) + 5.0 / (1 + row.recent_offers)
    score = 50.0 * len(matched) / len(need.skills) + proximity + fairness
    reasons = [
        f"技能匹配：{'、'.join(matched)}",
        proximity_reason,
        f"近 {FAIRNESS_DAYS} 天接单 {row.recent_taken} 次",
        f"近 {FAIRNESS_DAYS} 天受邀 {row.recent_offers} 次",
    ]
    if row.rating is not None:
        score += (float(row.rating) - 3) * 5
        reasons.append(f"评分 {float(row.rating):.1f}")
    return Candidate(member_id=row.user_id, name=row.name, score=round(score, 2), reasons=reasons)


def _proximity(need: Need, row: MemberRow) -> tuple[float, str]:
    """Up to 30 points for living close: by distance when both places are known, else by org unit."""
    request = need.request
    if request.building_id is not None and row.building_id == request.building_id:
        return 30.0, "同一楼院"
    if need.point is not None and row.lat is not None:
        metres = haversine_m(need.point[0], need.point[1], row.lat, row.lng)
        return 30.0 * max(0.0, 1 - metres / need.distance_limit_m), f"距离 {_spoken_distance(metres)}"
    if row.community_id == request.community_id:
        return 15.0, "同一社区"
    return 0.0, "同一街道"


def _spoken_distance(metres: float) -> str:
    if metres < 1000:
        return f"{round(metres, -1):.0f} 米"
    return f"{metres / 1000:.1f} 公里"
