"""按需服务: the request lifecycle as one state machine, offer rounds, visibility and the staff queue.

Every transition is one guarded UPDATE (the row moves only from the status it was read in)
plus a history row; a lost race or an illegal move answers 409.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, true, union_all, update
from sqlalchemy.orm import selectinload

from extensions import db
from models.base import utcnow
from models.categories import SERVICE_MODEL_NAMES
from models.orgs import OrgUnit
from models.providers import ServiceProvider
from models.requests import STATUS_NAMES, UNTAKEN_STATUSES, RequestHistory, RequestOffer, ServiceRequest
from models.users import User
from services import ledger, limits, matching, moderation, providers, sla
from services.categories import get_category
from services.database import UNPAGED_LIMIT
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.notifications import notify
from services.orgs import community_ids
from services.permissions import is_staff, reaches, staff_reaching, within_scope
from services.stations import approximate_m, haversine_m
from wx import pages

# The one service model whose requests are offered to members.
ON_DEMAND = "on_demand"
# 专业化基地化服务: its requests go to a provider offering the category, never to members' matching.
PROFESSIONAL = "professional"
# What a resident may ask for by request; routine visits, cultural activities and socialised offers
# each have their own flow and never enter matching.
REQUESTABLE_MODELS = (ON_DEMAND, PROFESSIONAL)
# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "offer": (("submitted",), "offered"),
    "next_round": (("offered",), "offered"),
    "expire": (("offered",), "expired"),
    "escalate": (("submitted", "expired"), "escalated"),
    "accept": (("offered",), "accepted"),
    "assign": (("submitted", "offered", "expired", "escalated", "accepted"), "accepted"),
    "start": (("accepted",), "in_progress"),
    "complete": (("in_progress",), "completed"),
    "confirm": (("completed",), "confirmed"),
    "reject_completion": (("completed",), "in_progress"),
    "cancel": (("submitted", "offered", "accepted", "in_progress", "expired", "escalated"), "cancelled"),
    # 专业化基地化服务: staff hand the request to a provider, whose account acknowledges and reports it done.
    "route": (("submitted", "offered", "expired", "escalated"), "accepted"),
    "acknowledge": (("accepted",), "in_progress"),
    "report": (("in_progress",), "completed"),
}
# What the history of a request calls each action: the transitions above and the events
# that leave the status as it is (submitting, asking and answering, rating).
ACTION_NAMES = {
    "submit": "提交",
    "offer": "派单",
    "next_round": "下一轮派单",
    "expire": "超时无人接单",
    "escalate": "转工作人员",
    "accept": "接单",
    "assign": "指派",
    "start": "开始服务",
    "complete": "完成",
    "confirm": "确认",
    "reject_completion": "退回",
    "cancel": "取消",
    "rate": "评价",
    "ask_resident": "询问居民",
    "answer": "居民答复",
    "route": "转交服务机构",
    "acknowledge": "机构受理",
    "report": "机构报告完成",
}


def _illegal(status: str) -> Conflict:
    return Conflict(f"当前状态（{STATUS_NAMES[status]}）不允许该操作", code="illegal_transition")


def _state_changed() -> Conflict:
    """A guarded UPDATE found the request moved on since it was read."""
    return Conflict("请求状态已变化，请刷新后重试", code="request_state_changed")


def transition(
    request: ServiceRequest, action: str, actor: User | None, reason: str | None = None, **values
) -> ServiceRequest:
    """Move the request by `action`: one guarded UPDATE from the status it is in, plus history."""
    sources, target = TRANSITIONS[action]
    current = request.status
    if current not in sources:
        raise _illegal(current)
    guard = [ServiceRequest.id == request.id, ServiceRequest.status == current]
    if action == "next_round":
        guard.append(ServiceRequest.offer_round == request.offer_round)
    moved = db.session.execute(
        update(ServiceRequest)
        .where(*guard)
        .values(status=target, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise _state_changed()
    _history(request, action, actor, reason, from_status=current, to_status=target)
    return request


def _history(
    request: ServiceRequest, action: str, actor: User | None, reason: str | None = None,
    from_status: str | None = None, to_status: str | None = None,
) -> None:
    """One history row, then the request as stored; statuses left out stay as they are (something said)."""
    db.session.add(
        RequestHistory(
            request_id=request.id,
            action=action,
            from_status=request.status if from_status is None else from_status,
            to_status=request.status if to_status is None else to_status,
            actor_id=actor.id if actor else None,
            reason=reason,
        )
    )
    db.session.flush()
    db.session.refresh(request)


# --- creating and matching ---------------------------------------------------------------


def create_request(resident: User, fields: dict) -> ServiceRequest:
    """A resident asks for help in their community; matching starts at once."""
    if resident.community_id is None:
        raise Invalid("请先选择所在社区", code="community_required")
    category = get_category(fields.pop("category_id"))
    if category.service_model not in REQUESTABLE_MODELS:
        raise Invalid(
            f"“{category.name}”属于{SERVICE_MODEL_NAMES[category.service_model]}，不通过服务请求办理，请联系社区工作人员",
            code="category_not_on_demand",
            fields={"category_id": ["该类别不受理服务请求"]},
        )
    building_id = fields.pop("building_id", None) or resident.building_id
    if building_id is not None:
        building = db.session.get(OrgUnit, building_id)
        if building is None or building.parent_id != resident.community_id or building.kind != "building_branch":
            raise Invalid("楼院不属于所在社区", code="invalid_building")
    limits.spend(resident, "request")
    now = utcnow()
    request = ServiceRequest(
        resident_id=resident.id,
        community_id=resident.community_id,
        building_id=building_id,
        category=category,
        created_at=now,
        updated_at=now,
        **fields,
    )
    request.sla_due_at = sla.initial_due(request, now)
    db.session.add(request)
    db.session.flush()
    _history(request, "submit", resident, from_status="")
    if getattr(request, "moderation", None) == "review":
        # Held by WeChat's content check: no member hears of it until staff release it.
        return request
    dispatch(request)
    return request


def dispatch(request: ServiceRequest) -> None:
    """Send a new request on its way: 按需服务 is offered to members, 专业化基地化服务 routed to a provider."""
    if request.category.service_model == PROFESSIONAL:
        route_by_default(request)
    else:
        offer_round(request)


def _offer_released_request(request_id: int) -> None:
    """A request held by the content check goes on its way once staff release it."""
    request = db.session.get(ServiceRequest, request_id)
    if request is not None and request.status == "submitted":
        dispatch(request)


moderation.after_release(ServiceRequest.__tablename__, _offer_released_request)


def offer_round(request: ServiceRequest) -> bool:
    """Offer the request to the next k candidates; escalate when nobody is left. True if offered."""
    asked = set(
        db.session.execute(select(RequestOffer.member_id).where(RequestOffer.request_id == request.id)).scalars()
    )
    rounds = current_app.config["MATCH_ROUNDS"]
    chosen = []
    # Only 按需服务 is matched: a request whose category has since become another model goes to staff.
    if request.offer_round < rounds and request.category.service_model == ON_DEMAND:
        chosen = matching.candidates(request, exclude=asked)[: current_app.config["MATCH_OFFER_SIZE"]]
    if not chosen:
        _escalate(request)
        return False
    number = request.offer_round + 1
    expires = utcnow() + timedelta(seconds=current_app.config["MATCH_OFFER_WINDOW_SECONDS"])
    action = "offer" if request.status == "submitted" else "next_round"
    transition(request, action, None, reason=f"第 {number} 轮派单", offer_round=number, offer_expires_at=expires)
    for candidate in chosen:
        db.session.add(
            RequestOffer(
                request_id=request.id, member_id=candidate.member_id, round=number,
                score=candidate.score, reasons=candidate.reasons,
            )
        )
        notify(
            candidate.member_id, "request_offered", "有新的服务请求", request.title,
            {"request_id": request.id, "reasons": candidate.reasons}, page=pages.request_detail(request.id),
        )
    db.session.flush()
    return True


def _escalate(request: ServiceRequest, reason: str = "转入工作人员队列",
              staff_title: str = "有服务请求无人接单，请派单") -> None:
    if request.status == "offered":
        transition(request, "expire", None, reason="无人接单", offer_expires_at=None)
    transition(request, "escalate", None, reason=reason, offer_expires_at=None)
    notify(
        request.resident_id, "request_escalated", "您的请求已转交社区工作人员", request.title,
        {"request_id": request.id}, page=pages.request_detail(request.id),
    )
    for staff_id in staff_reaching(db.session.get(OrgUnit, request.community_id)):
        notify(staff_id, "request_escalated", staff_title, request.title, {"request_id": request.id})


def route_by_default(request: ServiceRequest) -> None:
    """A 专业化基地化服务 request goes to the provider offering its category closest to the community;
    with none, to the staff, who route it by hand."""
    provider = providers.default_for(db.session.get(OrgUnit, request.community_id), request.category)
    if provider is None:
        _escalate(request, reason="暂无提供该服务的专业机构，转入工作人员队列",
                  staff_title="有专业服务请求待转交服务机构")
        return
    _route(request, provider, None)


def alert_overdue() -> int:
    """Tell the staff once about each untaken request past its response deadline; returns how many."""
    overdue = db.session.execute(
        select(ServiceRequest).where(breached(), ServiceRequest.sla_alerted_at.is_(None))
    ).scalars().all()
    alerted = 0
    for request in overdue:
        claimed = db.session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id == request.id, ServiceRequest.sla_alerted_at.is_(None))
            .values(sla_alerted_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue  # another worker got there first
        for staff_id in staff_reaching(db.session.get(OrgUnit, request.community_id)):
            notify(staff_id, "request_overdue", "服务请求超时未接单", request.title, {"request_id": request.id})
        alerted += 1
    return alerted


def advance_offers(request_id: int, round_number: int) -> bool:
    """Close an expired offer round and open the next (or escalate). True if it moved."""
    request = db.session.get(ServiceRequest, request_id)
    if (
        request is None
        or request.status != "offered"
        or request.offer_round != round_number
        or request.offer_expires_at is None
        or request.offer_expires_at > utcnow()
    ):
        return False
    db.session.execute(
        update(RequestOffer)
        .where(RequestOffer.request_id == request_id, RequestOffer.status == "open")
        .values(status="expired", answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    offer_round(request)
    return True


def expired_offer_rounds() -> list[tuple[int, int]]:
    """(request id, round) of every offer round whose window has closed."""
    return db.session.execute(
        select(ServiceRequest.id, ServiceRequest.offer_round).where(
            ServiceRequest.status == "offered", ServiceRequest.offer_expires_at <= utcnow()
        )
    ).all()


# --- visibility ----------------------------------------------------------------------------


def _offer_to(request_id: int, member_id: int) -> RequestOffer | None:
    return db.session.execute(
        select(RequestOffer).where(RequestOffer.request_id == request_id, RequestOffer.member_id == member_id)
    ).scalar_one_or_none()


def _staff_reaches(user: User, request: ServiceRequest) -> bool:
    return user.is_admin or (bool(user.scopes) and reaches(user, request.community))


def _offer_is_open(offer: RequestOffer | None, request: ServiceRequest) -> bool:
    """An offer lets its member see the request only while both wait for an answer and the window is open."""
    return (
        offer is not None
        and offer.status == "open"
        and request.status == "offered"
        and (request.offer_expires_at is None or request.offer_expires_at > utcnow())
    )


def _sees_everything(user: User, request: ServiceRequest) -> bool:
    return (
        request.resident_id == user.id or request.assignee_id == user.id or _staff_reaches(user, request)
        or _provider_serving(user, request)
    )


def _provider_serving(user: User, request: ServiceRequest) -> bool:
    return request.assigned_provider_id is not None and request.assigned_provider_id in providers.provider_ids_of(user)


def get_visible(user: User, request_id: int) -> ServiceRequest:
    """The request if the caller may see it (resident, assignee, staff in scope, a member while their
    offer is open); else 404."""
    request = db.session.get(ServiceRequest, request_id)
    if request is None or not (
        _sees_everything(user, request) or _offer_is_open(_offer_to(request.id, user.id), request)
    ):
        raise NotFound("服务请求不存在", code="request_not_found")
    return request


def seen_by(user: User, request: ServiceRequest) -> ServiceRequest | dict:
    """What the caller may read of the request: all of it for the resident, the assignee and staff in
    scope; for an offered member, what they need to decide (building, rounded distance), without the
    resident's name, address, exact position or the conversation."""
    if _sees_everything(user, request):
        return request
    return {
        "id": request.id,
        "community_id": request.community_id,
        "building_id": request.building_id,
        "building_name": request.building_name,
        "category_id": request.category_id,
        "category": request.category,
        "title": request.title,
        "description": request.description,
        "preferred_time": request.preferred_time,
        "urgency": request.urgency,
        "status": request.status,
        "status_name": request.status_name,
        "offer_round": request.offer_round,
        "offer_expires_at": request.offer_expires_at,
        "sla_due_at": request.sla_due_at,
        "sla_breached": request.sla_breached,
        "sla_paused": request.sla_paused,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
        "approximate_distance_m": _approximate_distance(user, request),
        "history": [
            {"action": h.action, "from_status": h.from_status, "to_status": h.to_status, "at": h.at}
            for h in request.history
        ],
    }


def _approximate_distance(member: User, request: ServiceRequest) -> int | None:
    """From the member's home building to where help is needed, rounded (an offer tells how far the help
    is needed, never where exactly); None when unknown."""
    point = matching.request_point(request)
    home = member.building
    if point is None or home is None or home.lat is None:
        return None
    return approximate_m(haversine_m(point[0], point[1], home.lat, home.lng))


def listing(user: User, filters: dict):
    """The requests the caller may see, narrowed by `filters` (status, mine, sla_breached, awaiting_me)."""
    return counted_listing(user, filters)[0]


def counted_listing(user: User, filters: dict):
    """`listing` and a select of its total.

    A staff member sees their scope's requests and their own (asked, taken, offered, their provider's). The
    listing is one OR of the two, which the newest-first page reads along the primary key; counting that OR
    read the whole table, since no index serves it. The total is therefore counted as two disjoint parts,
    the scope's requests and the caller's own outside it, each from its own indexes.
    """
    # An ended offer (declined, expired, withdrawn) no longer shows the request.
    offered = and_(
        ServiceRequest.status == "offered",
        or_(ServiceRequest.offer_expires_at.is_(None), ServiceRequest.offer_expires_at > utcnow()),
        exists().where(
            RequestOffer.request_id == ServiceRequest.id,
            RequestOffer.member_id == user.id,
            RequestOffer.status == "open",
        ),
    )
    personal = or_(
        ServiceRequest.resident_id == user.id, ServiceRequest.assignee_id == user.id, offered,
        ServiceRequest.assigned_provider_id.in_(providers.provider_ids_of(user)),
    )
    narrowing = []
    if filters.get("status"):
        narrowing.append(ServiceRequest.status == filters["status"])
    if filters.get("sla_breached") is not None:
        narrowing.append(breached() if filters["sla_breached"] else ~breached())
    if filters.get("awaiting_me"):
        narrowing.append(offered)
    if filters.get("mine") or not is_staff(user):
        visible, parts = personal, [personal]
    elif user.is_admin:
        visible, parts = true(), [true()]
    else:
        in_scope = ServiceRequest.community_id.in_(community_ids(within_scope(user)))
        visible, parts = or_(in_scope, personal), [in_scope, and_(personal, ~in_scope)]
    statement = select(ServiceRequest).where(visible, *narrowing).order_by(ServiceRequest.id.desc())
    if is_staff(user) and not user.is_admin:
        # Each listed request's scope check reads its community: one statement for the page.
        statement = statement.options(selectinload(ServiceRequest.community))
    counted = union_all(*(select(ServiceRequest.id).where(part, *narrowing) for part in parts))
    return statement, select(func.count()).select_from(counted.subquery())


def breached():
    """SQL twin of `ServiceRequest.sla_breached`: untaken and past due, the clock stopped while paused."""
    paused_at = ServiceRequest.sla_paused_at
    return and_(
        ServiceRequest.status.in_(UNTAKEN_STATUSES),
        or_(
            and_(paused_at.is_(None), ServiceRequest.sla_due_at < utcnow()),
            and_(paused_at.is_not(None), ServiceRequest.sla_due_at < paused_at),
        ),
    )


def staff_candidates(user: User, request_id: int) -> list[matching.Candidate]:
    request = _for_staff(user, request_id)
    declined = set(
        db.session.execute(
            select(RequestOffer.member_id).where(
                RequestOffer.request_id == request.id, RequestOffer.status == "declined"
            )
        ).scalars()
    )
    # The best UNPAGED_LIMIT: the answer is one ranked list, not a page.
    return matching.candidates(request, exclude=declined)[:UNPAGED_LIMIT]


def offers_seen_by(user: User, request_id: int) -> list[RequestOffer]:
    """Who was asked, when and why: staff in scope see every offer, a member their own, a resident none."""
    request = get_visible(user, request_id)
    # Rounds × offer size bound it already; the cap keeps it bounded whatever the settings.
    statement = (
        select(RequestOffer).where(RequestOffer.request_id == request.id).order_by(RequestOffer.id).limit(UNPAGED_LIMIT)
    )
    if not _staff_reaches(user, request):
        statement = statement.where(RequestOffer.member_id == user.id)
    return db.session.execute(statement).scalars().all()


def _for_staff(user: User, request_id: int) -> ServiceRequest:
    request = get_visible(user, request_id)
    if not _staff_reaches(user, request):
        raise Forbidden("仅限辖区工作人员操作", code="staff_only")
    return request


# --- the member's side ---------------------------------------------------------------------


def _with_offer(member: User, request_id: int) -> tuple[ServiceRequest, RequestOffer]:
    """The request and the member's offer for it, whatever the offer's status (its answer says why it is
    closed); 404 for those who may not know the request exists, 403 for those who can see it unoffered."""
    request = db.session.get(ServiceRequest, request_id)
    offer = _offer_to(request_id, member.id) if request is not None else None
    if offer is None:
        get_visible(member, request_id)
        raise Forbidden("您没有该请求的邀请", code="no_open_offer")
    return request, offer


def accept(member: User, request_id: int) -> ServiceRequest:
    """The member takes the request: only on their own open offer, inside its window, below their open-task cap."""
    request, offer = _with_offer(member, request_id)
    if offer.status in ("declined", "expired"):
        raise Conflict("您的邀请已结束，不能再接单", code="offer_ended")
    # A withdrawn offer or a moved request both mean someone else got there first.
    if offer.status != "open" or request.status != "offered":
        raise Conflict("该请求已被他人接单或已不可接单", code="request_taken")
    if request.offer_expires_at is not None and request.offer_expires_at <= utcnow():
        raise Conflict("邀请已过期", code="offer_expired")
    if matching.open_task_count(member.id) >= current_app.config["MEMBER_OPEN_TASK_CAP"]:
        raise Conflict("您手头未完成的服务已达上限，请先完成后再接单", code="open_task_cap")
    try:
        transition(request, "accept", member, assignee_id=member.id, taken_at=utcnow(), offer_expires_at=None)
    except Conflict:
        raise Conflict("该请求已被他人接单", code="request_taken") from None
    _close_offers(request.id, member.id)
    notify(
        request.resident_id, "request_accepted", "您的请求已有党员接单", request.title,
        {"request_id": request.id, "member_name": member.name}, page=pages.request_detail(request.id),
    )
    return request


def _close_offers(request_id: int, winner_id: int | None) -> None:
    now = utcnow()
    if winner_id is not None:
        db.session.execute(
            update(RequestOffer)
            .where(RequestOffer.request_id == request_id, RequestOffer.member_id == winner_id)
            .values(status="accepted", answered_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(RequestOffer)
        .where(RequestOffer.request_id == request_id, RequestOffer.status == "open")
        .values(status="withdrawn", answered_at=now)
        .execution_options(synchronize_session=False)
    )


def decline(member: User, request_id: int) -> ServiceRequest:
    """The member passes; when the whole round has passed, the next round opens at once."""
    request, offer = _with_offer(member, request_id)
    moved = db.session.execute(
        update(RequestOffer)
        .where(RequestOffer.id == offer.id, RequestOffer.status == "open")
        .values(status="declined", answered_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该邀请已处理", code="offer_not_open")
    still_open = db.session.execute(
        select(RequestOffer.id).where(RequestOffer.request_id == request.id, RequestOffer.status == "open").limit(1)
    ).first()
    if request.status == "offered" and still_open is None:
        offer_round(request)
    return request


def _for_assignee(member: User, request_id: int) -> ServiceRequest:
    request = get_visible(member, request_id)
    if request.assignee_id is None:
        raise _illegal(request.status)
    if request.assignee_id != member.id:
        raise Forbidden("仅限接单党员操作", code="not_assignee")
    return request


def start(member: User, request_id: int) -> ServiceRequest:
    return transition(_for_assignee(member, request_id), "start", member)


def complete(member: User, request_id: int, note: str, minutes: int) -> ServiceRequest:
    request = transition(
        _for_assignee(member, request_id), "complete", member, completion_note=note, minutes=minutes
    )
    notify(
        request.resident_id, "request_completed", "服务已完成", request.title,
        {"request_id": request.id}, page=pages.request_detail(request.id),
    )
    return request


# --- staff ------------------------------------------------------------------------------------


def confirm(staff: User, request_id: int) -> ServiceRequest:
    """Staff confirm the completed service; the volunteer's minutes are credited exactly once."""
    request = _for_staff(staff, request_id)
    if request.assignee_id == staff.id:
        raise Forbidden("不能确认自己的服务", code="self_confirmation")
    request = transition(request, "confirm", staff)
    if request.assignee_id is None:
        return request  # served by a provider: no member's hours to credit
    entry = ledger.record_entry(
        request.assignee_id, org_id=request.community_id, source="request", source_id=request.id,
        minutes=request.minutes or 0, note=request.title[:200],
    )
    ledger.confirm_entry(staff, entry)
    notify(
        request.assignee_id, "request_confirmed", "服务时长已确认", request.title,
        {"request_id": request.id, "minutes": request.minutes}, page=pages.MEMBER_HOURS,
    )
    return request


def reject_completion(staff: User, request_id: int, reason: str) -> ServiceRequest:
    request = transition(_for_staff(staff, request_id), "reject_completion", staff,
                         reason=reason, rejection_reason=reason)
    if request.assignee_id is not None:  # a provider reads it in its list
        notify(
            request.assignee_id, "request_rejected", "服务完成情况被退回", reason,
            {"request_id": request.id, "reason": reason}, page=pages.request_detail(request.id),
        )
    return request


def assign(staff: User, request_id: int, member_id: int) -> ServiceRequest:
    """Staff hand the request to a member of their scope (or move it to another one)."""
    request = _for_staff(staff, request_id)
    member = db.session.get(User, member_id)
    if member is None or not _is_member_near(member_id, request):
        raise Invalid("该党员不在本街道的在职党员名单中", code="invalid_member")
    if member_id == request.resident_id:
        # Nobody serves (and earns hours on) their own request.
        raise Invalid("不能把请求指派给提出请求的居民本人", code="own_request")
    if member_id == request.assignee_id:
        raise Conflict("已由该党员负责", code="already_assigned")
    previous = request.assignee_id
    transition(
        request, "assign", staff, reason=f"指派给 {member.name}",
        assignee_id=member_id, assigned_provider_id=None, taken_at=utcnow(), offer_expires_at=None,
    )
    _close_offers(request.id, None)
    notify(
        member_id, "request_accepted", "工作人员为您指派了服务请求", request.title,
        {"request_id": request.id}, page=pages.request_detail(request.id),
    )
    if previous is not None:
        notify(previous, "request_reassigned", "服务请求已改派他人", request.title, {"request_id": request.id})
    return request


def _is_member_near(member_id: int, request: ServiceRequest) -> bool:
    from models.members import Registration

    street_id = db.session.get(OrgUnit, request.community_id).parent_id
    return db.session.execute(
        select(Registration.id)
        .join(OrgUnit, OrgUnit.id == Registration.community_id)
        .where(
            Registration.user_id == member_id,
            Registration.status == "approved",
            or_(OrgUnit.id == request.community_id, OrgUnit.parent_id == street_id),
        )
    ).first() is not None


def route(staff: User, request_id: int, provider_id: int) -> ServiceRequest:
    """Staff hand the request to a professional provider serving its community, instead of a member."""
    request = _for_staff(staff, request_id)
    provider = db.session.get(ServiceProvider, provider_id)
    if provider is None or not providers.serves(provider, db.session.get(OrgUnit, request.community_id)):
        raise Invalid("该服务机构不服务本社区", code="invalid_provider",
                      fields={"provider_id": ["该服务机构不服务本社区"]})
    return _route(request, provider, staff)


def _route(request: ServiceRequest, provider: ServiceProvider, actor: User | None) -> ServiceRequest:
    transition(request, "route", actor, reason=f"转交 {provider.name}", assigned_provider_id=provider.id,
               taken_at=utcnow(), offer_expires_at=None)
    _close_offers(request.id, None)
    notify(
        request.resident_id, "request_accepted", "您的请求已转交专业服务机构", request.title,
        {"request_id": request.id, "provider_name": provider.name}, page=pages.request_detail(request.id),
    )
    # Provider accounts work at the desk: the in-app inbox tells them (no mini-program page).
    for user_id in providers.account_user_ids(provider.id):
        notify(user_id, "request_routed", "有服务请求转交本机构，请受理", request.title, {"request_id": request.id})
    return request


def _for_provider(user: User, request_id: int) -> ServiceRequest:
    request = get_visible(user, request_id)
    if not _provider_serving(user, request):
        raise Forbidden("仅限受理该请求的服务机构操作", code="not_provider")
    return request


def acknowledge(user: User, request_id: int) -> ServiceRequest:
    """The provider's account takes the routed request on."""
    return transition(_for_provider(user, request_id), "acknowledge", user)


def report(user: User, request_id: int, note: str) -> ServiceRequest:
    """The provider reports the service done; staff confirm it and the resident rates it like any request."""
    request = transition(_for_provider(user, request_id), "report", user, reason=note[:200], completion_note=note)
    notify(
        request.resident_id, "request_completed", "服务已完成", request.title,
        {"request_id": request.id}, page=pages.request_detail(request.id),
    )
    return request


# --- waiting on the resident ------------------------------------------------------------------

# Before completion: whatever the resident may still cancel.
OPEN_STATUSES = TRANSITIONS["cancel"][0]


def ask_resident(asker: User, request_id: int, question: str) -> ServiceRequest:
    """Staff in scope, the assignee or an offered member ask the resident; the response clock stops."""
    request = get_visible(asker, request_id)
    offer = _offer_to(request.id, asker.id)
    if not (request.assignee_id == asker.id or (offer and offer.status == "open") or _staff_reaches(asker, request)):
        raise Forbidden("仅限工作人员、接单或受邀党员向居民询问", code="not_involved")
    if request.status not in OPEN_STATUSES:
        raise _illegal(request.status)
    limits.spend(asker, "question")
    moved = db.session.execute(
        update(ServiceRequest)
        .where(
            ServiceRequest.id == request.id,
            ServiceRequest.status.in_(OPEN_STATUSES),
            ServiceRequest.pending_question.is_(None),
        )
        .values(pending_question=question, sla_paused_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        still_asked = db.session.execute(
            select(ServiceRequest.pending_question).where(ServiceRequest.id == request.id)
        ).scalar_one()
        if still_asked is None:
            raise _state_changed()  # closed meanwhile: no question is waiting
        raise Conflict("已有问题等待居民答复", code="question_pending")
    _history(request, "ask_resident", asker, question)
    notify(
        request.resident_id, "request_question", "服务请求需要您补充信息", question,
        {"request_id": request.id}, page=pages.request_detail(request.id),
    )
    return request


def answer_question(resident: User, request_id: int, answer: str) -> ServiceRequest:
    """The resident answers; the response clock runs again with the time it had left."""
    request = _for_resident(resident, request_id)
    if request.pending_question is None:
        raise Conflict("没有等待您答复的问题", code="no_pending_question")
    asker_id = db.session.execute(
        select(RequestHistory.actor_id)
        .where(RequestHistory.request_id == request.id, RequestHistory.action == "ask_resident")
        .order_by(RequestHistory.id.desc())
        .limit(1)
    ).scalar_one()
    moved = db.session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request.id, ServiceRequest.pending_question == request.pending_question,
               ServiceRequest.sla_paused_at == request.sla_paused_at)
        .values(
            pending_question=None, sla_paused_at=None,
            sla_due_at=sla.resumed_due(request, utcnow()), updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该问题已答复", code="no_pending_question")
    _history(request, "answer", resident, answer)
    notify(asker_id, "request_answered", "居民已补充信息", answer, {"request_id": request.id})
    return request


# --- the resident -----------------------------------------------------------------------------


def _for_resident(user: User, request_id: int) -> ServiceRequest:
    request = get_visible(user, request_id)
    if request.resident_id != user.id:
        raise Forbidden("仅限提出请求的居民操作", code="not_requester")
    return request


def cancel(resident: User, request_id: int, reason: str | None) -> ServiceRequest:
    request = _for_resident(resident, request_id)
    assignee = request.assignee_id
    transition(request, "cancel", resident, reason=reason, offer_expires_at=None)
    _close_offers(request.id, None)
    if assignee is not None:
        notify(assignee, "request_cancelled", "居民已取消服务请求", request.title, {"request_id": request.id})
    return request


def rate(resident: User, request_id: int, stars: int, comment: str | None) -> ServiceRequest:
    """Once, after completion; the stars feed the member's ranking."""
    request = _for_resident(resident, request_id)
    if request.status not in ("completed", "confirmed"):
        raise Conflict("服务完成后才能评价", code="not_completed")
    moved = db.session.execute(
        update(ServiceRequest)
        .where(
            ServiceRequest.id == request.id,
            ServiceRequest.stars.is_(None),
            ServiceRequest.status.in_(("completed", "confirmed")),
        )
        .values(stars=stars, rating_comment=comment, rated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("已评价过该服务", code="already_rated")
    _history(request, "rate", resident, f"{stars} 星")
    return request
