"""Explainable matching: who may take a request, ranked, each with the reasons for their score."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import cast, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

from extensions import db
from models.base import utcnow
from models.members import Registration
from models.orgs import OrgUnit
from models.requests import RequestOffer, ServiceRequest
from services.database import is_postgresql

# Availability slots are wall-clock times where the members live (China Standard Time, no DST).
LOCAL_TIME = timezone(timedelta(hours=8))
OPEN_TASK_STATUSES = ("accepted", "in_progress")
FAIRNESS_DAYS = 30


@dataclass
class Candidate:
    member_id: int
    score: float
    reasons: list[str] = field(default_factory=list)


def is_available(availability: list, moment: datetime) -> bool:
    """Whether `moment` falls in one of the weekly slots; no slots stated means no limits."""
    if not availability:
        return True
    local = moment.astimezone(LOCAL_TIME)
    clock = local.strftime("%H:%M")
    return any(
        slot.get("weekday") == local.weekday() and slot.get("start", "") <= clock < slot.get("end", "")
        for slot in availability
    )


def candidates(request: ServiceRequest, exclude: set[int] = frozenset()) -> list[Candidate]:
    """Ranked candidates for the request: community first, widened to the street when too few."""
    wanted = current_app.config.get("MATCH_OFFER_SIZE", 3)
    found = _eligible(request, [request.community_id], exclude)
    if len(found) < wanted:
        street_id = db.session.execute(
            select(OrgUnit.parent_id).where(OrgUnit.id == request.community_id)
        ).scalar_one()
        neighbours = db.session.execute(
            select(OrgUnit.id).where(
                OrgUnit.parent_id == street_id,
                OrgUnit.kind == "community_general_branch",
                OrgUnit.id != request.community_id,
            )
        ).scalars().all()
        if neighbours:
            found += _eligible(request, neighbours, exclude | {c.member_id for c in found})
    found.sort(key=lambda candidate: (-candidate.score, candidate.member_id))
    return found


def eligible_statement(needed: set[str], community_ids: list[int]):
    """One query: the communities' approved members with their open tasks, recent offers and rating."""
    member = Registration.user_id
    open_tasks = (
        select(func.count())
        .where(ServiceRequest.assignee_id == member, ServiceRequest.status.in_(OPEN_TASK_STATUSES))
        .scalar_subquery()
    )
    recent_offers = (
        select(func.count())
        .where(RequestOffer.member_id == member, RequestOffer.created_at >= utcnow() - timedelta(days=FAIRNESS_DAYS))
        .scalar_subquery()
    )
    rating = (
        select(func.avg(ServiceRequest.stars))
        .where(ServiceRequest.assignee_id == member, ServiceRequest.stars.is_not(None))
        .scalar_subquery()
    )
    statement = select(
        member, Registration.community_id, Registration.building_id, Registration.skills,
        Registration.availability, open_tasks.label("open_tasks"), recent_offers.label("recent_offers"),
        rating.label("rating"),
    ).where(Registration.community_id.in_(community_ids), Registration.status == "approved")
    if is_postgresql():
        # Let PostgreSQL drop the unskilled before the per-member subqueries run; Python checks again below.
        statement = statement.where(cast(Registration.skills, JSONB).op("?|")(postgresql.array(sorted(needed))))
    return statement


def _eligible(request: ServiceRequest, community_ids: list[int], exclude: set[int]) -> list[Candidate]:
    needed = set(request.category.skills)
    moment = request.preferred_time or utcnow()
    cap = current_app.config.get("MEMBER_OPEN_TASK_CAP", 3)
    return [
        _scored(request, row, needed)
        for row in db.session.execute(eligible_statement(needed, community_ids)).all()
        if row.user_id not in exclude
        and row.user_id != request.resident_id
        and needed & set(row.skills or [])
        and row.open_tasks < cap
        and is_available(row.availability or [], moment)
    ]


def _scored(request, row, needed: set) -> Candidate:
    matched = sorted(needed & set(row.skills))
    score = 50.0 * len(matched) / len(needed)
    reasons = [f"技能匹配：{'、'.join(matched)}"]
    if request.building_id is not None and row.building_id == request.building_id:
        score += 30
        reasons.append("同一楼院")
    elif row.community_id == request.community_id:
        score += 15
        reasons.append("同一社区")
    else:
        reasons.append("同一街道")
    # Fairness: those asked least lately come first.
    score += 20.0 / (1 + row.recent_offers)
    reasons.append(f"近 {FAIRNESS_DAYS} 天受邀 {row.recent_offers} 次")
    if row.rating is not None:
        score += (float(row.rating) - 3) * 5
        reasons.append(f"评分 {float(row.rating):.1f}")
    return Candidate(member_id=row.user_id, score=round(score, 2), reasons=reasons)
