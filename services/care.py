"""常态化服务: care targets (帮扶对象), visit plans, visits whose hours staff confirm, overdue visits.

A care target is sensitive personal information. Only the staff over its building and its
assigned visitors (an active visit plan) see it; anyone else is told it does not exist, and
every read of it goes through `audit.read_sensitive`, which writes the read to the trail.
"""

from datetime import date, timedelta

from sqlalchemy import distinct, exists, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload, with_expression

from extensions import db
from models.base import utcnow
from models.care import VISIT_STATUS_NAMES, CareTarget, VisitPlan, VisitRecord
from models.members import Registration
from models.orgs import OrgUnit
from models.users import User
from schemas.common import SCENE_SOCIAL
from services import audit, ledger, moderation
from services.database import paginate
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.exports import Export
from services.notifications import notify
from services.periods import local_today, local_wall_time, period_or_this_year
from services.permissions import (
    is_staff,
    reaches,
    report_org,
    require_org,
    require_staff,
    staff_reaching,
    within_scope,
)
from services.spreadsheets import Column, workbook
from wx import pages

# What a read of a care target shows beyond its name: what the audit trail records as read.
SENSITIVE_FIELDS = ["kinds", "needs", "address"]
# What the visits workbook shows of a care target (its needs, address and the visits' photos stay out).
EXPORTED_FIELDS = ["name"]
VISIT_EXPORT_COLUMNS = [
    Column("走访日期"),
    Column("帮扶对象"),
    Column("楼院"),
    Column("走访人"),
    Column("时长（分钟）", "0"),
    Column("状态"),
    Column("审核人"),
    Column("审核时间"),
]
# action → (statuses it may start from, status it leads to)
VISIT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "confirm": (("pending",), "confirmed"),
    "reject": (("pending",), "rejected"),
}


def _not_found() -> NotFound:
    return NotFound("帮扶对象不存在", code="care_target_not_found")


def _not_in_future(day, field: str) -> None:
    if day > local_today():
        raise Invalid("日期不能晚于今天", code="date_in_future", fields={field: ["日期不能晚于今天"]})


# ------------------------------------------------------------------ care targets


def create_target(actor: User, fields: dict) -> CareTarget:
    """Staff over the building record a person in care, with the day they consented."""
    require_staff(actor)
    building = require_org(actor, fields["building_id"])
    if building.kind != "building_branch":
        raise Invalid("请选择楼院", code="invalid_building", fields={"building_id": ["请选择楼院"]})
    _not_in_future(fields["consent_on"], "consent_on")
    target = CareTarget(created_by_id=actor.id, **fields)
    db.session.add(target)
    db.session.flush()
    return target


def _visitor_ids(target_id: int) -> list[int]:
    return (
        db.session.execute(
            select(VisitPlan.visitor_id).where(VisitPlan.care_target_id == target_id, VisitPlan.active.is_(True))
        )
        .scalars()
        .all()
    )


def read_target(actor: User, target_id: int) -> CareTarget:
    """The care target for the staff over its building or an assigned visitor; the read is audited."""
    target = db.session.get(CareTarget, target_id)
    if target is None:
        raise _not_found()
    building = db.session.get(OrgUnit, target.building_id)
    try:
        return audit.read_sensitive(actor, target, building, _visitor_ids(target.id), fields=SENSITIVE_FIELDS)
    except NotFound:
        raise _not_found() from None


def _staff_target(actor: User, target_id: int) -> CareTarget:
    """The care target, for staff over its building (managing it is not reading it: no read recorded)."""
    target = db.session.get(CareTarget, target_id)
    if target is None or not reaches(actor, db.session.get(OrgUnit, target.building_id)):
        raise _not_found()
    return target


def _visible_targets(actor: User):
    """Care targets in the actor's staff scope, and those they are assigned to visit."""
    assigned = exists().where(
        VisitPlan.care_target_id == CareTarget.id, VisitPlan.visitor_id == actor.id, VisitPlan.active.is_(True)
    )
    return (
        select(CareTarget).join(OrgUnit, OrgUnit.id == CareTarget.building_id).where(or_(within_scope(actor), assigned))
    )


def target_page(actor: User, args: dict) -> dict:
    """One page of the care targets the actor may see; each one shown is a recorded read."""
    statement = _visible_targets(actor).order_by(CareTarget.id.desc())
    if args.get("building_id") is not None:
        statement = statement.where(CareTarget.building_id == args["building_id"])
    items, total = paginate(statement, args["page"], args["per_page"])
    for target in items:
        audit.record_read(actor, target, SENSITIVE_FIELDS, org_id=target.building_id)
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


# ------------------------------------------------------------------ visit plans


def _may_visit(visitor: User, building: OrgUnit) -> bool:
    """A visitor is an approved member of the building's community, or staff over the building."""
    if reaches(visitor, building) and is_staff(visitor):
        return True
    return db.session.execute(
        select(
            exists().where(
                Registration.user_id == visitor.id,
                Registration.status == "approved",
                Registration.community_id == building.parent_id,
            )
        )
    ).scalar()


def create_plan(actor: User, target_id: int, fields: dict) -> VisitPlan:
    """Staff assign a visitor to go every N weeks; the visitor is told."""
    target = _staff_target(actor, target_id)
    building = db.session.get(OrgUnit, target.building_id)
    visitor = db.session.get(User, fields["visitor_id"])
    if visitor is None or visitor.disabled_at is not None or not _may_visit(visitor, building):
        raise Invalid(
            "走访人应为本社区在职党员或管辖该楼院的工作人员",
            code="invalid_visitor",
            fields={"visitor_id": ["走访人应为本社区在职党员或管辖该楼院的工作人员"]},
        )
    plan = VisitPlan(
        care_target_id=target.id,
        building_id=target.building_id,
        visitor_id=visitor.id,
        every_weeks=fields["every_weeks"],
        next_due_on=fields.get("first_due_on") or local_today(),
    )
    if db.session.execute(
        select(exists().where(VisitPlan.care_target_id == target.id, VisitPlan.visitor_id == visitor.id))
    ).scalar():
        raise Conflict("该走访人已在走访计划中", code="visit_plan_exists")
    db.session.add(plan)
    db.session.flush()
    notify(
        visitor.id,
        "visit_assigned",
        "新的走访任务",
        f"每 {plan.every_weeks} 周走访一次，首次请在 {plan.next_due_on.isoformat()} 前完成",
        {"plan_id": plan.id},
        pages.MEMBER_VISITS,
    )
    return plan


def overdue_condition():
    return VisitPlan.next_due_on < local_today()


def plan_listing(actor: User, filters: dict):
    """Plans in the actor's staff scope and the actor's own, soonest due first (`overdue`: past due only)."""
    statement = (
        select(VisitPlan)
        .options(with_expression(VisitPlan.overdue, overdue_condition()), joinedload(VisitPlan.visitor))
        .join(OrgUnit, OrgUnit.id == VisitPlan.building_id)
        .where(VisitPlan.active.is_(True), or_(within_scope(actor), VisitPlan.visitor_id == actor.id))
        .order_by(VisitPlan.next_due_on, VisitPlan.id)
    )
    if filters.get("mine"):
        statement = statement.where(VisitPlan.visitor_id == actor.id)
    if filters.get("overdue"):
        statement = statement.where(overdue_condition())
    if filters.get("care_target_id") is not None:
        statement = statement.where(VisitPlan.care_target_id == filters["care_target_id"])
    return statement


def alert_overdue_visits() -> int:
    """Tell the visitor and the staff over the building once about each missed visit; returns how many."""
    today = local_today()
    due = (
        db.session.execute(
            select(VisitPlan).where(
                VisitPlan.active.is_(True),
                VisitPlan.next_due_on < today,
                or_(VisitPlan.overdue_alerted_for.is_(None), VisitPlan.overdue_alerted_for != VisitPlan.next_due_on),
            )
        )
        .scalars()
        .all()
    )
    alerted = 0
    for plan in due:
        claimed = db.session.execute(
            update(VisitPlan)
            .where(
                VisitPlan.id == plan.id,
                VisitPlan.next_due_on == plan.next_due_on,
                or_(VisitPlan.overdue_alerted_for.is_(None), VisitPlan.overdue_alerted_for != plan.next_due_on),
            )
            .values(overdue_alerted_for=plan.next_due_on)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue  # another worker got there first, or a visit moved the due day
        body = f"应于 {plan.next_due_on.isoformat()} 前完成的走访已逾期"
        data = {"plan_id": plan.id, "care_target_id": plan.care_target_id}
        notify(plan.visitor_id, "visit_overdue", "走访已逾期", body, data, pages.MEMBER_VISITS)
        for staff_id in staff_reaching(db.session.get(OrgUnit, plan.building_id)):
            if staff_id != plan.visitor_id:
                notify(staff_id, "visit_overdue", "走访已逾期", body, data)
        alerted += 1
    return alerted


# ------------------------------------------------------------------ visits


def record_visit(actor: User, target_id: int, fields: dict) -> VisitRecord:
    """The assigned visitor records a visit; the next one falls due N weeks after it.

    Staff over the building who are not assigned answer 403; anyone else sees no such target."""
    target = db.session.get(CareTarget, target_id)
    if target is None:
        raise _not_found()
    plan = db.session.execute(
        select(VisitPlan).where(
            VisitPlan.care_target_id == target.id, VisitPlan.visitor_id == actor.id, VisitPlan.active.is_(True)
        )
    ).scalar_one_or_none()
    if plan is None:
        if reaches(actor, db.session.get(OrgUnit, target.building_id)):
            raise Forbidden("只有被指派的走访人可以登记走访", code="not_assigned_visitor")
        raise _not_found()
    _not_in_future(fields["visited_on"], "visited_on")
    visit = VisitRecord(
        plan_id=plan.id, care_target_id=target.id, building_id=target.building_id, visitor_id=actor.id, **fields
    )
    db.session.add(visit)
    db.session.flush()
    # Staff confirming the visit see its photos: each goes to WeChat's image check first.
    moderation.check_media_items(actor, visit, "photos", visit.photos, SCENE_SOCIAL)
    following = fields["visited_on"] + timedelta(weeks=plan.every_weeks)
    db.session.execute(
        update(VisitPlan)
        .where(VisitPlan.id == plan.id, VisitPlan.next_due_on < following)
        .values(next_due_on=following)
        .execution_options(synchronize_session=False)
    )
    return visit


def visit_in_scope(actor: User, visit_id: int) -> VisitRecord:
    """The visit, for staff over its building or its own visitor; 404 otherwise."""
    visit = db.session.get(VisitRecord, visit_id)
    if visit is None or not (
        visit.visitor_id == actor.id or reaches(actor, db.session.get(OrgUnit, visit.building_id))
    ):
        raise NotFound("走访记录不存在", code="visit_not_found")
    return visit


def _move(visit: VisitRecord, action: str, **values) -> None:
    sources, target = VISIT_TRANSITIONS[action]
    if visit.status not in sources:
        raise Conflict(f"当前状态（{VISIT_STATUS_NAMES[visit.status]}）不允许该操作", code="visit_not_pending")
    moved = db.session.execute(
        update(VisitRecord)
        .where(VisitRecord.id == visit.id, VisitRecord.status == visit.status)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该走访记录已处理", code="visit_not_pending")
    db.session.refresh(visit)


def _decider(actor: User, visit_id: int) -> VisitRecord:
    visit = visit_in_scope(actor, visit_id)
    if visit.visitor_id == actor.id:
        raise Forbidden("不能确认自己的走访", code="self_confirmation")
    if not reaches(actor, db.session.get(OrgUnit, visit.building_id)):
        raise NotFound("走访记录不存在", code="visit_not_found")
    return visit


def confirm_visit(actor: User, visit_id: int) -> VisitRecord:
    """Staff over the building confirm the visit: only now do its minutes enter the hours ledger
    (source `visit`, one entry per visit), confirmed at once."""
    visit = _decider(actor, visit_id)
    _move(visit, "confirm", confirmed_by_id=actor.id, confirmed_at=utcnow())
    entry = ledger.record_entry(visit.visitor_id, visit.building_id, "visit", visit.id, visit.minutes)
    ledger.confirm_entry(actor, entry)
    notify(
        visit.visitor_id,
        "visit_confirmed",
        "走访时长已确认",
        f"{visit.visited_on.isoformat()} 走访 {visit.minutes} 分钟",
        {"visit_id": visit.id, "entry_id": entry.id, "minutes": visit.minutes},
        pages.MEMBER_HOURS,
    )
    return visit


def reject_visit(actor: User, visit_id: int, reason: str) -> VisitRecord:
    visit = _decider(actor, visit_id)
    _move(visit, "reject", confirmed_by_id=actor.id, confirmed_at=utcnow(), reject_reason=reason)
    return visit


def visit_listing(actor: User, filters: dict):
    """Visits in the actor's staff scope and the actor's own, newest first."""
    statement = (
        select(VisitRecord)
        .options(joinedload(VisitRecord.visitor))
        .join(OrgUnit, OrgUnit.id == VisitRecord.building_id)
        .where(or_(within_scope(actor), VisitRecord.visitor_id == actor.id))
        .order_by(VisitRecord.id.desc())
    )
    if filters.get("mine"):
        statement = statement.where(VisitRecord.visitor_id == actor.id)
    for name in ("status", "care_target_id"):
        if filters.get(name) is not None:
            statement = statement.where(getattr(VisitRecord, name) == filters[name])
    return statement


def visits_export(actor: User, org_id: int | None, first: date | None, last: date | None) -> Export:
    """走访记录 (.xlsx): the visits made in the org's subtree on the local days first..last (default: this year),
    oldest first, for staff whose scope covers the org (outside it: 404). Each care target listed is a
    sensitive read, recorded through `audit.read_sensitive`."""
    org = report_org(actor, org_id)
    first, last = period_or_this_year(first, last)
    visitor, decider = aliased(User), aliased(User)
    rows = db.session.execute(
        select(VisitRecord, CareTarget, OrgUnit, visitor, decider)
        .join(CareTarget, CareTarget.id == VisitRecord.care_target_id)
        .join(OrgUnit, OrgUnit.id == VisitRecord.building_id)
        .join(visitor, visitor.id == VisitRecord.visitor_id)
        .outerjoin(decider, decider.id == VisitRecord.confirmed_by_id)
        .where(OrgUnit.path.startswith(org.path), VisitRecord.visited_on.between(first, last))
        .order_by(VisitRecord.visited_on, VisitRecord.id)
    ).all()
    read = set()
    for _visit, target, building, _visitor, _decider in rows:
        if target.id not in read:
            audit.read_sensitive(actor, target, building, (), fields=EXPORTED_FIELDS)
            read.add(target.id)

    def name(person: User | None) -> str:
        return moderation.shown(actor, person, "name", person.name) if person is not None else ""

    content = workbook("走访记录", VISIT_EXPORT_COLUMNS, (
        (
            visit.visited_on.isoformat(),
            moderation.shown(actor, target, "name", target.name),
            moderation.shown(actor, building, "name", building.name),
            name(visitor_row),
            visit.minutes,
            VISIT_STATUS_NAMES[visit.status],
            name(decider_row),
            local_wall_time(visit.confirmed_at),
        )
        for visit, target, building, visitor_row, decider_row in rows
    ))
    period = f"{first.isoformat()}_{last.isoformat()}"
    return Export(content, f"走访记录_{org.name}_{period}.xlsx", f"visits_{org.id}_{period}.xlsx")


# ------------------------------------------------------------------ figures


def visit_figures(org: OrgUnit, first: date, last: date) -> dict:
    """帮扶走访 in the org's subtree on the local days `first` to `last` (both included): the visits made
    (one staff sent back does not count), those confirmed and their minutes, and how many people in care
    were visited. The street's annual report and the evaluation record both read it."""
    subtree = select(OrgUnit.id).where(OrgUnit.path.startswith(org.path))
    confirmed = VisitRecord.status == "confirmed"
    made, confirmed_count, minutes, targets = db.session.execute(
        select(func.count(), func.count().filter(confirmed),
               func.coalesce(func.sum(VisitRecord.minutes).filter(confirmed), 0),
               func.count(distinct(VisitRecord.care_target_id)))
        .where(VisitRecord.building_id.in_(subtree), VisitRecord.visited_on.between(first, last),
               VisitRecord.status != "rejected")
    ).one()
    return {"visits_made": made, "visits_confirmed": confirmed_count, "visit_minutes_confirmed": int(minutes),
            "care_targets_visited": targets}
