"""区域化党建三级协调机制: resident units and their liaisons, the three bodies, meetings, resolutions.

Scope: a unit belongs to a street; the street's staff (and those above) manage it, staff inside the
street read its list (to name a member's employer). A unit's liaison is a desk account with no org
scope at all, only a row in `unit_liaisons`: the org scope gate never reaches anything for it, and
the unit gate here lets it read its own unit's in-service members and nothing else.
A body, its members, meetings and resolutions belong to the body's org: staff reaching it.
"""
import io
import statistics
from datetime import date, timedelta

from docx import Document
from flask import current_app
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import delete, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.activities import ACTIVITY_LEVEL_NAMES
from models.base import utcnow
from models.categories import ServiceCategory
from models.coordination import (
    BODY_ORG_KINDS,
    LEADERSHIP_POST_NAMES,
    LEADERSHIP_POSTS,
    ROSTER_BRANCH_KINDS,
    TERM_ORG_KINDS,
    AnnualReport,
    BodyMember,
    BranchMember,
    CommunityNeed,
    CoordinationBody,
    JointProject,
    LeadershipTerm,
    MassOrganisation,
    Meeting,
    MeetingAttendance,
    ProjectOffer,
    ReportComment,
    ResidentUnit,
    Resolution,
    ResourceOffer,
    UnitLiaison,
)
from models.ledger import HourEntry
from models.members import Registration
from models.orgs import COMMUNITY_KIND, ORG_KIND_NAMES, OrgUnit
from models.requests import REQUEST_STATUSES, ServiceRequest
from models.requests import STATUS_NAMES as REQUEST_STATUS_NAMES
from models.users import User
from services import ledger
from services.activities import activity_figures
from services.audit import record_read
from services.auth import hash_password
from services.care import visit_figures
from services.database import add_or_conflict, update_row
from services.errors import Conflict, Invalid, NotFound
from services.notifications import notify
from services.periods import local_days, local_today
from services.permissions import (
    MANAGING_ROLES,
    reaches,
    require_org,
    require_staff,
    require_visible,
    scope_paths,
    staff_reaching,
    within_scope,
)
from services.spreadsheets import Column, workbook
from services.stations import haversine_m

# --- resident units --------------------------------------------------------------------------


def _unit_not_found() -> NotFound:
    return NotFound("驻区单位不存在", code="unit_not_found")


def _readable_streets(actor: User):
    """Streets whose unit list the staff member reads: those in scope, and the one above their scope."""
    if actor.is_admin:
        return None
    paths = scope_paths(actor)
    return or_(within_scope(actor), *(literal(path).startswith(OrgUnit.path) for path in paths))


def unit_listing(actor: User, street_id: int | None = None, kind: str | None = None, name: str | None = None):
    require_staff(actor)
    statement = select(ResidentUnit).join(OrgUnit, OrgUnit.id == ResidentUnit.street_id).order_by(ResidentUnit.id)
    condition = _readable_streets(actor)
    if condition is not None:
        statement = statement.where(condition)
    if street_id is not None:
        statement = statement.where(ResidentUnit.street_id == street_id)
    if kind is not None:
        statement = statement.where(ResidentUnit.kind == kind)
    if name:
        statement = statement.where(ResidentUnit.name.contains(name, autoescape=True))
    return statement


def _is_liaison(actor: User, unit_id: int) -> bool:
    return db.session.execute(
        select(UnitLiaison.id).where(UnitLiaison.user_id == actor.id, UnitLiaison.unit_id == unit_id)
    ).first() is not None


def unit_readable(actor: User, unit_id: int) -> ResidentUnit:
    """The unit for its liaisons and the staff who read its street's list; 404 for anyone else."""
    unit = db.session.get(ResidentUnit, unit_id)
    if unit is None:
        raise _unit_not_found()
    if _is_liaison(actor, unit.id):
        return unit
    condition = _readable_streets(actor)
    if condition is None:
        return unit
    visible = db.session.execute(
        select(OrgUnit.id).where(OrgUnit.id == unit.street_id, condition)
    ).first()
    if visible is None:
        raise _unit_not_found()
    return unit


def unit_managed(actor: User, unit_id: int, roles: tuple[str, ...] | None = None) -> ResidentUnit:
    """The unit for staff reaching its street (of `roles`, if given); 404 (or 403 for the role) otherwise."""
    return require_visible(
        actor, db.session.get(ResidentUnit, unit_id), _unit_not_found(),
        org_of=lambda unit: unit.street_id, roles=roles,
    )


def _street(actor: User, street_id: int) -> OrgUnit:
    street = require_org(actor, street_id)
    if street.kind != "street_working_committee":
        raise Invalid("驻区单位应登记在街道党工委下", code="unit_street_required",
                      fields={"street_id": ["应为街道党工委"]})
    return street


def _unique_name(flush) -> None:
    try:
        with db.session.begin_nested():
            flush()
    except IntegrityError:
        raise Conflict("该街道已有同名驻区单位", code="unit_name_taken") from None


def create_unit(actor: User, fields: dict) -> ResidentUnit:
    _street(actor, fields["street_id"])
    unit = ResidentUnit(**fields)
    _unique_name(lambda: (db.session.add(unit), db.session.flush()))
    return unit


def update_unit(actor: User, unit_id: int, changes: dict) -> ResidentUnit:
    unit = unit_managed(actor, unit_id)
    if "street_id" in changes:
        _street(actor, changes["street_id"])
    merged = {"lat": unit.lat, "lng": unit.lng, **changes}
    if (merged["lat"] is None) != (merged["lng"] is None):
        raise Invalid("经纬度须同时填写", code="lat_lng_together", fields={"lng": ["经纬度须同时填写"]})
    _unique_name(lambda: update_row(unit, changes))
    return unit


def add_liaison(actor: User, unit_id: int, fields: dict) -> UnitLiaison:
    """A liaison account for the unit: a new desk account, or an existing account named by id.

    Like staff accounts, only a secretary over the unit's street (or an administrator) makes one.
    """
    unit = unit_managed(actor, unit_id, roles=MANAGING_ROLES)
    if fields.get("user_id") is not None:
        user = db.session.get(User, fields["user_id"])
        if user is None or not user.username:
            raise NotFound("服务台账号不存在", code="user_not_found")
    else:
        user = User(username=fields["username"], password_hash=hash_password(fields["password"]), name=fields["name"])
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise Conflict("用户名已被使用", code="username_taken") from None
    liaison = db.session.execute(
        select(UnitLiaison).where(UnitLiaison.user_id == user.id, UnitLiaison.unit_id == unit.id)
    ).scalar_one_or_none()
    if liaison is None:
        liaison = UnitLiaison(user_id=user.id, unit_id=unit.id)
        db.session.add(liaison)
        db.session.flush()
    return liaison


def liaisons_of(unit: ResidentUnit) -> list[UnitLiaison]:
    return db.session.execute(
        select(UnitLiaison).where(UnitLiaison.unit_id == unit.id).order_by(UnitLiaison.id)
    ).scalars().all()


def link_registration(actor: User, unit_id: int, registration_id: int) -> Registration:
    """Staff over the registration's community name its employer from the list."""
    unit = unit_readable(actor, unit_id)
    require_staff(actor)
    registration = db.session.get(Registration, registration_id)
    if registration is None or not reaches(actor, db.session.get(OrgUnit, registration.community_id)):
        raise Invalid("报到申请不存在", code="registration_not_found",
                      fields={"registration_id": ["报到申请不存在"]})
    registration.employer_unit_id = unit.id
    db.session.flush()
    return registration


def _unit_member_reader(actor: User, unit_id: int) -> ResidentUnit:
    """Who reads a unit's in-service members: its liaisons, and the staff over the unit's street."""
    unit = db.session.get(ResidentUnit, unit_id)
    if unit is None:
        raise _unit_not_found()
    if _is_liaison(actor, unit.id) or reaches(actor, db.session.get(OrgUnit, unit.street_id)):
        return unit
    raise _unit_not_found()


def unit_members(actor: User, unit_id: int) -> list[dict]:
    """The unit's in-service members as the community reports them back: registration, hours, services."""
    unit = _unit_member_reader(actor, unit_id)
    registrations = db.session.execute(
        select(Registration, User.name, OrgUnit.name)
        .join(User, User.id == Registration.user_id)
        .join(OrgUnit, OrgUnit.id == Registration.community_id)
        .where(Registration.employer_unit_id == unit.id)
        .order_by(Registration.id)
    ).all()
    member_ids = [registration.user_id for registration, _name, _community in registrations]
    minutes: dict[tuple[int, str], int] = {}
    services: dict[int, int] = {}
    if member_ids:
        for member_id, status, total in db.session.execute(
            select(HourEntry.member_id, HourEntry.status, func.sum(HourEntry.minutes))
            .where(HourEntry.member_id.in_(member_ids)).group_by(HourEntry.member_id, HourEntry.status)
        ):
            minutes[(member_id, status)] = int(total or 0)
        services = dict(db.session.execute(
            select(ServiceRequest.assignee_id, func.count())
            .where(ServiceRequest.assignee_id.in_(member_ids), ServiceRequest.status == "confirmed")
            .group_by(ServiceRequest.assignee_id)
        ).all())
    return [
        {
            "registration_id": registration.id,
            "member_id": registration.user_id,
            "name": name,
            "community_id": registration.community_id,
            "community_name": community_name,
            "status": registration.status,
            "decided_at": registration.decided_at,
            "confirmed_minutes": minutes.get((registration.user_id, "confirmed"), 0),
            "pending_minutes": minutes.get((registration.user_id, "pending"), 0),
            "services_confirmed": services.get(registration.user_id, 0),
        }
        for registration, name, community_name in registrations
    ]


def unit_member_hours(actor: User, unit_id: int, member_id: int) -> dict:
    """One of the unit's members' hour entries; a person not registered with the unit is not found."""
    unit = _unit_member_reader(actor, unit_id)
    registered = db.session.execute(
        select(Registration.id).where(Registration.employer_unit_id == unit.id, Registration.user_id == member_id)
    ).first()
    if registered is None:
        raise NotFound("该单位没有这位在职党员", code="member_not_found")
    totals = ledger.minutes_by_status(member_id)
    entries = db.session.execute(
        select(HourEntry).where(HourEntry.member_id == member_id).order_by(HourEntry.id.desc())
    ).scalars().all()
    return {"member_id": member_id, "confirmed_minutes": totals["confirmed"],
            "pending_minutes": totals["pending"], "entries": entries}


# --- bodies ------------------------------------------------------------------------------------


def _body_not_found() -> NotFound:
    return NotFound("协调机构不存在", code="body_not_found")


def create_body(actor: User, fields: dict) -> CoordinationBody:
    org = require_org(actor, fields["org_id"])
    wanted = BODY_ORG_KINDS[fields["kind"]]
    if org.kind != wanted:
        message = f"该机构应设在{ORG_KIND_NAMES[wanted]}"
        raise Invalid(message, code="body_level_mismatch", fields={"org_id": [message]})
    body = CoordinationBody(**fields)
    add_or_conflict(body, Conflict("该组织已设立此机构", code="body_exists"))
    return body


def body_listing(actor: User, kind: str | None = None, org_id: int | None = None):
    require_staff(actor)
    statement = (
        select(CoordinationBody).join(OrgUnit, OrgUnit.id == CoordinationBody.org_id)
        .where(within_scope(actor)).order_by(CoordinationBody.id)
    )
    if kind is not None:
        statement = statement.where(CoordinationBody.kind == kind)
    if org_id is not None:
        statement = statement.where(CoordinationBody.org_id == org_id)
    return statement


def body_in_scope(actor: User, body_id: int) -> CoordinationBody:
    return require_visible(actor, db.session.get(CoordinationBody, body_id), _body_not_found())


def body_detail(actor: User, body_id: int) -> dict:
    """The body's page: members, meetings, and its resolutions past their due date."""
    body = body_in_scope(actor, body_id)
    members = db.session.execute(
        select(BodyMember).where(BodyMember.body_id == body.id).order_by(BodyMember.id)
    ).scalars().all()
    meetings = db.session.execute(
        select(Meeting).where(Meeting.body_id == body.id).order_by(Meeting.held_at.desc())
    ).scalars().all()
    overdue = db.session.execute(
        overdue_resolutions_statement().where(Resolution.body_id == body.id)
    ).scalars().all()
    return {"body": body, "members": members, "meetings": meetings, "overdue_resolutions": overdue}


def add_member(actor: User, body_id: int, fields: dict) -> BodyMember:
    body = body_in_scope(actor, body_id)
    if db.session.get(ResidentUnit, fields["unit_id"]) is None:
        raise Invalid("驻区单位不存在", code="unit_not_found", fields={"unit_id": ["驻区单位不存在"]})
    member = BodyMember(body_id=body.id, org_id=body.org_id, **fields)
    add_or_conflict(member, Conflict("该单位已是成员单位", code="body_member_exists"))
    return member


def _member_unit_ids(body_id: int) -> set[int]:
    return set(db.session.execute(select(BodyMember.unit_id).where(BodyMember.body_id == body_id)).scalars())


# --- meetings and resolutions ------------------------------------------------------------------


def create_meeting(actor: User, body_id: int, fields: dict) -> Meeting:
    body = body_in_scope(actor, body_id)
    attended = fields.pop("attended_unit_ids", None)
    meeting = Meeting(body_id=body.id, org_id=body.org_id, **fields)
    db.session.add(meeting)
    db.session.flush()
    if attended is not None:
        _set_attendance(meeting, attended)
    return meeting


def meeting_in_scope(actor: User, meeting_id: int) -> Meeting:
    return require_visible(
        actor, db.session.get(Meeting, meeting_id), NotFound("会议不存在", code="meeting_not_found"),
    )


def attended_unit_ids(meeting: Meeting) -> list[int]:
    return db.session.execute(
        select(MeetingAttendance.unit_id).where(MeetingAttendance.meeting_id == meeting.id)
        .order_by(MeetingAttendance.unit_id)
    ).scalars().all()


def _set_attendance(meeting: Meeting, unit_ids: list[int]) -> None:
    """Who was there: member units of the body only."""
    strangers = set(unit_ids) - _member_unit_ids(meeting.body_id)
    if strangers:
        raise Invalid("出席单位须为成员单位", code="not_a_member_unit",
                      fields={"attended_unit_ids": [f"不是成员单位：{sorted(strangers)}"]})
    present = set(attended_unit_ids(meeting))
    for row in db.session.execute(
        select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
    ).scalars():
        if row.unit_id not in unit_ids:
            db.session.delete(row)
    for unit_id in sorted(set(unit_ids) - present):
        db.session.add(MeetingAttendance(meeting_id=meeting.id, org_id=meeting.org_id, unit_id=unit_id))
    db.session.flush()


def update_meeting(actor: User, meeting_id: int, changes: dict) -> Meeting:
    meeting = meeting_in_scope(actor, meeting_id)
    attended = changes.pop("attended_unit_ids", None)
    update_row(meeting, changes)
    if attended is not None:
        _set_attendance(meeting, attended)
    return meeting


def meeting_resolutions(meeting: Meeting) -> list[Resolution]:
    return db.session.execute(
        select(Resolution).where(Resolution.meeting_id == meeting.id).order_by(Resolution.id)
    ).scalars().all()


def add_resolution(actor: User, meeting_id: int, fields: dict) -> Resolution:
    meeting = meeting_in_scope(actor, meeting_id)
    if fields["owner_unit_id"] not in _member_unit_ids(meeting.body_id):
        raise Invalid("牵头单位须为成员单位", code="not_a_member_unit", fields={"owner_unit_id": ["须为成员单位"]})
    resolution = Resolution(meeting_id=meeting.id, body_id=meeting.body_id, org_id=meeting.org_id, **fields)
    db.session.add(resolution)
    db.session.flush()
    return resolution


def resolution_in_scope(actor: User, resolution_id: int) -> Resolution:
    return require_visible(
        actor, db.session.get(Resolution, resolution_id), NotFound("决议事项不存在", code="resolution_not_found"),
    )


# action → (from status, to status): every change of a resolution's status, applied by one guarded UPDATE.
RESOLUTION_TRANSITIONS = {"close": ("open", "done"), "drop": ("open", "dropped")}


def change_resolution(actor: User, resolution_id: int, action: str, outcome: str) -> Resolution:
    """办结 (with what was done) or 撤销 (with why); a resolution no longer open → 409."""
    resolution = resolution_in_scope(actor, resolution_id)
    source, target = RESOLUTION_TRANSITIONS[action]
    moved = db.session.execute(
        update(Resolution)
        .where(Resolution.id == resolution.id, Resolution.status == source)
        .values(status=target, outcome=outcome, closed_by_id=actor.id, closed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该决议事项已办结或撤销", code="resolution_not_open")
    db.session.refresh(resolution)
    return resolution


def overdue_resolutions_statement():
    """Open resolutions whose due date (a local date) has passed."""
    return (
        select(Resolution).where(Resolution.status == "open", Resolution.due_date < local_today())
        .order_by(Resolution.due_date, Resolution.id)
    )


def resolution_listing(actor: User, status: str | None = None, overdue: bool = False, body_id: int | None = None):
    require_staff(actor)
    statement = (
        overdue_resolutions_statement() if overdue
        else select(Resolution).order_by(Resolution.due_date, Resolution.id)
    )
    statement = statement.join(OrgUnit, OrgUnit.id == Resolution.org_id).where(within_scope(actor))
    if status is not None:
        statement = statement.where(Resolution.status == status)
    if body_id is not None:
        statement = statement.where(Resolution.body_id == body_id)
    return statement


def _resolution_audience(resolution: Resolution) -> set[int]:
    """The body's staff and the owner unit's liaisons."""
    audience = set(staff_reaching(db.session.get(OrgUnit, resolution.org_id)))
    audience.update(
        db.session.execute(select(UnitLiaison.user_id).where(UnitLiaison.unit_id == resolution.owner_unit_id)).scalars()
    )
    return audience


def _claim(model, row_id: int, column, extra=()) -> bool:
    """Take a reminder for one row: a guarded UPDATE, so of two workers only one sends it."""
    return db.session.execute(
        update(model).where(model.id == row_id, column.is_(None), *extra)
        .values({column.key: utcnow()})
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def remind_resolutions() -> int:
    """Reminders through the outbox: once when the due date draws near, once when it has passed."""
    today = local_today()
    ahead = today + timedelta(days=current_app.config["RESOLUTION_REMINDER_DAYS"])
    sent = 0
    for column, condition, event, title in (
        (Resolution.overdue_reminded_at, Resolution.due_date < today, "resolution_overdue", "决议事项已逾期"),
        (Resolution.due_soon_reminded_at, Resolution.due_date.between(today, ahead), "resolution_due_soon",
         "决议事项即将到期"),
    ):
        candidates = db.session.execute(
            select(Resolution.id).where(Resolution.status == "open", column.is_(None), condition)
        ).scalars().all()
        for resolution_id in candidates:
            if not _claim(Resolution, resolution_id, column, (Resolution.status == "open",)):
                continue
            resolution = db.session.get(Resolution, resolution_id)
            for user_id in sorted(_resolution_audience(resolution)):
                notify(user_id, event, title, f"{resolution.text}（到期日 {resolution.due_date.isoformat()}）",
                       {"resolution_id": resolution.id, "body_id": resolution.body_id})
            sent += 1
    return sent


# --- terms of office (班子成员职务任期制) ----------------------------------------------------------


def _term_not_found() -> NotFound:
    return NotFound("任期记录不存在", code="term_not_found")


def _term_org(actor: User, org_id: int) -> OrgUnit:
    org = require_org(actor, org_id)
    if org.kind not in TERM_ORG_KINDS:
        raise Invalid("任期制适用于街道党工委和社区党总支", code="term_org_kind",
                      fields={"org_id": ["应为街道党工委或社区党总支"]})
    return org


def _term_end(term: LeadershipTerm):
    return term.left_on if term.left_on is not None else term.ends_on


def create_term(actor: User, fields: dict) -> LeadershipTerm:
    """A holder's term on a post; overlapping an unfinished term of the same post → 409."""
    org = _term_org(actor, fields["org_id"])
    if fields["starts_on"] > fields["ends_on"]:
        raise Invalid("任期开始日期不能晚于结束日期", code="invalid_period", fields={"ends_on": ["应不早于开始日期"]})
    others = db.session.execute(
        select(LeadershipTerm).where(LeadershipTerm.org_id == org.id, LeadershipTerm.post == fields["post"])
    ).scalars()
    if any(other.starts_on <= fields["ends_on"] and _term_end(other) >= fields["starts_on"] for other in others):
        raise Conflict("该职务在这段时间已有任职", code="post_occupied")
    term = LeadershipTerm(**fields)
    db.session.add(term)
    db.session.flush()
    return term


def term_in_scope(actor: User, term_id: int) -> LeadershipTerm:
    return require_visible(actor, db.session.get(LeadershipTerm, term_id), _term_not_found())


def end_term(actor: User, term_id: int, left_on) -> LeadershipTerm:
    """The holder leaves the post early (the row stays as history); a term already ended → 409."""
    term = term_in_scope(actor, term_id)
    if not term.starts_on <= left_on <= term.ends_on:
        raise Invalid("离任日期应在任期之内", code="left_outside_term", fields={"left_on": ["应在任期之内"]})
    moved = db.session.execute(
        update(LeadershipTerm).where(LeadershipTerm.id == term.id, LeadershipTerm.left_on.is_(None))
        .values(left_on=left_on).execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该任期已结束", code="term_ended")
    db.session.refresh(term)
    return term


def term_listing(actor: User, org_id: int | None = None, post: str | None = None):
    """Every term, past ones included (the history), newest first."""
    require_staff(actor)
    statement = (
        select(LeadershipTerm).join(OrgUnit, OrgUnit.id == LeadershipTerm.org_id).where(within_scope(actor))
        .order_by(LeadershipTerm.org_id, LeadershipTerm.post, LeadershipTerm.starts_on.desc())
    )
    if org_id is not None:
        statement = statement.where(LeadershipTerm.org_id == org_id)
    if post is not None:
        statement = statement.where(LeadershipTerm.post == post)
    return statement


def leadership(actor: User, org_id: int) -> dict:
    """Each post of the org with its holder today, or none (a vacant post)."""
    org = _term_org(actor, org_id)
    today = local_today()
    current = {
        term.post: term
        for term in db.session.execute(
            select(LeadershipTerm).where(
                LeadershipTerm.org_id == org.id, LeadershipTerm.starts_on <= today, LeadershipTerm.ends_on >= today,
                or_(LeadershipTerm.left_on.is_(None), LeadershipTerm.left_on > today),
            )
        ).scalars()
    }
    posts = [{"post": post, "term": current.get(post), "vacant": post not in current} for post in LEADERSHIP_POSTS]
    return {"org_id": org.id, "posts": posts}


# Days before a term ends when its org's staff (and the holder) are reminded, nearest first.
TERM_REMINDER_DAYS = ((30, LeadershipTerm.reminded_30_at), (90, LeadershipTerm.reminded_90_at))


def remind_terms() -> int:
    """One reminder at each threshold; a term found already inside 30 days gets the 30-day one only."""
    today = local_today()
    sent = 0
    for days, column in TERM_REMINDER_DAYS:
        candidates = db.session.execute(
            select(LeadershipTerm.id).where(
                column.is_(None), LeadershipTerm.left_on.is_(None),
                LeadershipTerm.ends_on >= today, LeadershipTerm.ends_on <= today + timedelta(days=days),
            )
        ).scalars().all()
        for term_id in candidates:
            if not _claim(LeadershipTerm, term_id, column):
                continue
            if days == 30:
                _claim(LeadershipTerm, term_id, LeadershipTerm.reminded_90_at)
            term = db.session.get(LeadershipTerm, term_id)
            org = db.session.get(OrgUnit, term.org_id)
            audience = set(staff_reaching(org)) | ({term.user_id} if term.user_id else set())
            left = (term.ends_on - today).days
            for user_id in sorted(audience):
                notify(user_id, "term_ending", "班子成员任期即将届满",
                       f"{org.name}{LEADERSHIP_POST_NAMES[term.post]}{term.holder_name}的任期将于"
                       f"{term.ends_on.isoformat()}届满（还有 {left} 天）",
                       {"term_id": term.id, "org_id": org.id})
            sent += 1
    return sent


# --- the annual work report (年度工作报告制) ---------------------------------------------------------


def _report_not_found() -> NotFound:
    return NotFound("年度工作报告不存在", code="report_not_found")


def coordination_figures(org: OrgUnit, first: date, last: date) -> dict:
    """The coordination bodies' work in the org's subtree on the local days `first` to `last`: meetings
    held, the resolutions made at them, resolutions carried out, joint projects completed. The street's
    annual report and the evaluation record both read it."""
    start, end = local_days(first, last)
    subtree = select(OrgUnit.id).where(OrgUnit.path.startswith(org.path))

    def within(column):
        return (column >= start) & (column < end)

    meetings = db.session.execute(
        select(func.count()).select_from(Meeting).where(Meeting.org_id.in_(subtree), within(Meeting.held_at))
    ).scalar_one()
    resolutions_made = db.session.execute(
        select(func.count()).select_from(Resolution).join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(Resolution.org_id.in_(subtree), within(Meeting.held_at))
    ).scalar_one()
    resolutions_done = db.session.execute(
        select(func.count()).select_from(Resolution).where(
            Resolution.org_id.in_(subtree), Resolution.status == "done", within(Resolution.closed_at))
    ).scalar_one()
    projects_done = db.session.execute(
        select(func.count()).select_from(JointProject).where(
            JointProject.community_id.in_(subtree), JointProject.status == "done", within(JointProject.closed_at))
    ).scalar_one()
    return {"meetings_held": meetings, "resolutions_made": resolutions_made, "resolutions_done": resolutions_done,
            "projects_done": projects_done}


def compile_figures(org: OrgUnit, year: int) -> dict:
    """The year's figures for the org's subtree, from Linli's own records (local calendar year)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    start, end = local_days(first, last)
    subtree = select(OrgUnit.id).where(OrgUnit.path.startswith(org.path))

    def in_year(column):
        return (column >= start) & (column < end)

    requests = ServiceRequest.community_id.in_(subtree), in_year(ServiceRequest.created_at)
    by_status = dict(db.session.execute(
        select(ServiceRequest.status, func.count()).where(*requests).group_by(ServiceRequest.status)
    ).all())
    by_category = [
        {"category_id": category_id, "name": name, "count": count}
        for category_id, name, count in db.session.execute(
            select(ServiceRequest.category_id, ServiceCategory.name, func.count())
            .join(ServiceCategory, ServiceCategory.id == ServiceRequest.category_id)
            .where(*requests).group_by(ServiceRequest.category_id, ServiceCategory.name)
            .order_by(ServiceRequest.category_id)
        )
    ]
    waits = sorted(
        (taken - created).total_seconds() / 60
        for created, taken in db.session.execute(
            select(ServiceRequest.created_at, ServiceRequest.taken_at)
            .where(*requests, ServiceRequest.taken_at.is_not(None))
        )
    )
    confirmed_minutes = db.session.execute(
        select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(
            HourEntry.org_id.in_(subtree), HourEntry.status == "confirmed", in_year(HourEntry.confirmed_at))
    ).scalar_one()
    registered = db.session.execute(
        select(func.count()).select_from(Registration).where(
            Registration.community_id.in_(subtree), Registration.status.in_(("approved", "ended")),
            in_year(Registration.decided_at))
    ).scalar_one()
    return {
        "year": year,
        "requests_total": sum(by_status.values()),
        "requests_by_status": {status: by_status.get(status, 0) for status in REQUEST_STATUSES},
        "requests_by_category": by_category,
        "requests_taken": len(waits),
        "response_mean_minutes": round(sum(waits) / len(waits), 1) if waits else None,
        "response_median_minutes": round(statistics.median(waits), 1) if waits else None,
        "hours_confirmed_minutes": int(confirmed_minutes),
        "members_registered": registered,
        **coordination_figures(org, first, last),
        **visit_figures(org, first, last),
        **activity_figures(org, first, last),
    }


def _report_org(actor: User, org_id: int) -> OrgUnit:
    org = require_org(actor, org_id)
    if org.kind != "street_working_committee":
        raise Invalid("年度工作报告由街道党工委作出", code="report_org_kind", fields={"org_id": ["应为街道党工委"]})
    return org


def create_report(actor: User, fields: dict) -> AnnualReport:
    org = _report_org(actor, fields["org_id"])
    report = AnnualReport(figures=compile_figures(org, fields["year"]), compiled_at=utcnow(), **fields)
    add_or_conflict(report, Conflict("该年度的工作报告已存在", code="report_exists"))
    return report


def report_in_scope(actor: User, report_id: int) -> AnnualReport:
    return require_visible(actor, db.session.get(AnnualReport, report_id), _report_not_found())


def report_listing(actor: User, org_id: int | None = None, year: int | None = None):
    require_staff(actor)
    statement = (
        select(AnnualReport).join(OrgUnit, OrgUnit.id == AnnualReport.org_id).where(within_scope(actor))
        .order_by(AnnualReport.year.desc(), AnnualReport.id)
    )
    if org_id is not None:
        statement = statement.where(AnnualReport.org_id == org_id)
    if year is not None:
        statement = statement.where(AnnualReport.year == year)
    return statement


def _change_draft(report: AnnualReport, **values) -> None:
    """A draft changes; a report already presented stays as it was presented (409)."""
    moved = db.session.execute(
        update(AnnualReport).where(AnnualReport.id == report.id, AnnualReport.status == "draft")
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("报告已在会上报告，不能再修改", code="report_presented")
    db.session.refresh(report)


def update_report(actor: User, report_id: int, narrative: str) -> AnnualReport:
    report = report_in_scope(actor, report_id)
    _change_draft(report, narrative=narrative)
    return report


def recompile_report(actor: User, report_id: int) -> AnnualReport:
    report = report_in_scope(actor, report_id)
    org = db.session.get(OrgUnit, report.org_id)
    _change_draft(report, figures=compile_figures(org, report.year), compiled_at=utcnow())
    return report


def present_report(actor: User, report_id: int, meeting_id: int) -> AnnualReport:
    """The report is presented at a meeting of the street's own coordination committee."""
    report = report_in_scope(actor, report_id)
    meeting = db.session.get(Meeting, meeting_id)
    body = db.session.get(CoordinationBody, meeting.body_id) if meeting is not None else None
    if body is None or body.kind != "coordination_committee" or body.org_id != report.org_id:
        raise Invalid("应在本街道协调委员会的会议上报告", code="meeting_not_of_committee",
                      fields={"meeting_id": ["应为本街道协调委员会的会议"]})
    _change_draft(report, status="presented", meeting_id=meeting.id)
    return report


def report_comments(report: AnnualReport) -> list[ReportComment]:
    return db.session.execute(
        select(ReportComment).where(ReportComment.report_id == report.id).order_by(ReportComment.id)
    ).scalars().all()


def add_comment(actor: User, report_id: int, fields: dict) -> ReportComment:
    report = report_in_scope(actor, report_id)
    if report.status != "presented":
        raise Conflict("报告尚未在会上报告", code="report_not_presented")
    if fields.get("unit_id") is not None and db.session.get(ResidentUnit, fields["unit_id"]) is None:
        raise Invalid("驻区单位不存在", code="unit_not_found", fields={"unit_id": ["驻区单位不存在"]})
    comment = ReportComment(report_id=report.id, org_id=report.org_id, **fields)
    db.session.add(comment)
    db.session.flush()
    return comment


def answer_comment(actor: User, comment_id: int, answer: str) -> ReportComment:
    comment = require_visible(
        actor, db.session.get(ReportComment, comment_id), NotFound("意见不存在", code="comment_not_found"),
    )
    moved = db.session.execute(
        update(ReportComment).where(ReportComment.id == comment.id, ReportComment.answer.is_(None))
        .values(answer=answer, answered_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该意见已答复", code="comment_answered")
    db.session.refresh(comment)
    return comment


def figure_rows(figures: dict) -> list[tuple[str, object]]:
    """The figures as (label, value) lines, the same in the spreadsheet, the document and the desk.
    A figure the report was compiled without (it was not counted yet) shows no value."""
    rows = [("服务需求总数", figures.get("requests_total"))]
    rows += [
        (f"服务需求·{REQUEST_STATUS_NAMES[status]}", count)
        for status, count in figures.get("requests_by_status", {}).items()
    ]
    rows += [(f"服务需求类别·{item['name']}", item["count"]) for item in figures.get("requests_by_category", [])]
    rows += [
        ("已接单需求数", figures.get("requests_taken")),
        ("平均响应时间（分钟）", figures.get("response_mean_minutes")),
        ("响应时间中位数（分钟）", figures.get("response_median_minutes")),
        ("确认服务时长（小时）", _hours(figures.get("hours_confirmed_minutes"))),
        ("新报到在职党员", figures.get("members_registered")),
        ("召开协调会议", figures.get("meetings_held")),
        ("形成决议事项", figures.get("resolutions_made")),
        ("办结决议事项", figures.get("resolutions_done")),
        ("完成共建项目", figures.get("projects_done")),
        ("帮扶走访（次）", figures.get("visits_made")),
        ("已确认走访（次）", figures.get("visits_confirmed")),
        ("已确认走访时长（小时）", _hours(figures.get("visit_minutes_confirmed"))),
        ("走访帮扶对象（人）", figures.get("care_targets_visited")),
        ("开展文化活动（场）", figures.get("activities_held")),
    ]
    rows += [
        (f"文化活动·{ACTIVITY_LEVEL_NAMES[level]}", count)
        for level, count in figures.get("activities_by_level", {}).items()
    ]
    rows += [
        ("活动报名确认（人次）", figures.get("activity_seats_taken")),
        ("活动到场签到（人次）", figures.get("activity_participants_attended")),
        ("活动组织与志愿服务（人次）", figures.get("activity_helpers")),
    ]
    return rows


def _hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def _report_title(report: AnnualReport) -> str:
    org = db.session.get(OrgUnit, report.org_id)
    return f"{org.name}{report.year}年度工作报告"


def report_spreadsheet(actor: User, report_id: int) -> tuple[bytes, str]:
    report = report_in_scope(actor, report_id)
    content = workbook(f"{report.year}年度工作报告", [Column("项目"), Column("数值")], figure_rows(report.figures))
    return content, _report_title(report)


def report_document(actor: User, report_id: int) -> tuple[bytes, str]:
    """The report as a Word document: the narrative, the figures, the representatives' comments and answers."""
    report = report_in_scope(actor, report_id)
    title = _report_title(report)
    document = Document()
    document.add_heading(_xml_text(title), level=0)
    for paragraph in report.narrative.splitlines() or [""]:
        document.add_paragraph(_xml_text(paragraph))
    document.add_heading("主要数据", level=1)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "项目", "数值"
    for label, value in figure_rows(report.figures):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, "—" if value is None else str(value)
    comments = report_comments(report)
    if comments:
        document.add_heading("代表意见与答复", level=1)
        for comment in comments:
            document.add_paragraph(_xml_text(f"{comment.representative_name}：{comment.comment}"))
            document.add_paragraph(_xml_text(f"答复：{comment.answer or '（待答复）'}"))
    output = io.BytesIO()
    document.save(output)
    return output.getvalue(), title


def _xml_text(value: str) -> str:
    """Text a .docx can hold: control characters XML refuses are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


# --- resource and need lists, joint projects (资源清单, 需求清单, 共建项目) --------------------------------


def _offer_not_found() -> NotFound:
    return NotFound("资源不存在", code="offer_not_found")


def _check_amount(kind: str, amount_cents) -> None:
    if amount_cents is not None and kind != "funds":
        raise Invalid("只有资金类资源填写金额", code="amount_only_for_funds",
                      fields={"amount_cents": ["只有资金类资源填写金额"]})


def create_offer(actor: User, unit_id: int, fields: dict) -> ResourceOffer:
    """A unit's offer, entered by the staff over the unit's street."""
    unit = unit_managed(actor, unit_id)
    _check_amount(fields["kind"], fields.get("amount_cents"))
    offer = ResourceOffer(unit_id=unit.id, street_id=unit.street_id, **fields)
    db.session.add(offer)
    db.session.flush()
    return offer


def offer_listing(actor: User, kind: str | None = None, unit_id: int | None = None, active: bool | None = None):
    """The offers of the streets whose unit list the caller reads (communities look for resources there)."""
    require_staff(actor)
    statement = select(ResourceOffer).join(OrgUnit, OrgUnit.id == ResourceOffer.street_id).order_by(ResourceOffer.id)
    condition = _readable_streets(actor)
    if condition is not None:
        statement = statement.where(condition)
    if kind is not None:
        statement = statement.where(ResourceOffer.kind == kind)
    if unit_id is not None:
        statement = statement.where(ResourceOffer.unit_id == unit_id)
    if active is not None:
        statement = statement.where(ResourceOffer.active == active)
    return statement


def update_offer(actor: User, offer_id: int, changes: dict) -> ResourceOffer:
    offer = require_visible(
        actor, db.session.get(ResourceOffer, offer_id), _offer_not_found(), org_of=lambda offer: offer.street_id,
    )
    _check_amount(changes.get("kind", offer.kind), changes.get("amount_cents", offer.amount_cents))
    return update_row(offer, changes)


def _need_not_found() -> NotFound:
    return NotFound("需求不存在", code="need_not_found")


def create_need(actor: User, fields: dict) -> CommunityNeed:
    community = require_org(actor, fields["community_id"])
    if community.kind != COMMUNITY_KIND:
        raise Invalid("需求清单由社区提出", code="need_org_kind", fields={"community_id": ["应为社区党总支"]})
    need = CommunityNeed(**fields)
    db.session.add(need)
    db.session.flush()
    return need


def need_in_scope(actor: User, need_id: int) -> CommunityNeed:
    return require_visible(
        actor, db.session.get(CommunityNeed, need_id), _need_not_found(), org_of=lambda need: need.community_id,
    )


def update_need(actor: User, need_id: int, changes: dict) -> CommunityNeed:
    """The community's staff correct what is needed (its kind, title, description)."""
    need = need_in_scope(actor, need_id)
    return update_row(need, changes)


def need_listing(actor: User, community_id: int | None = None, kind: str | None = None, unmatched: bool = False):
    """The needs in scope; `unmatched`: those no project (other than a dropped one) takes up yet."""
    require_staff(actor)
    statement = (
        select(CommunityNeed).join(OrgUnit, OrgUnit.id == CommunityNeed.community_id)
        .where(within_scope(actor)).order_by(CommunityNeed.id)
    )
    if community_id is not None:
        statement = statement.where(CommunityNeed.community_id == community_id)
    if kind is not None:
        statement = statement.where(CommunityNeed.kind == kind)
    if unmatched:
        taken = select(JointProject.id).where(
            JointProject.need_id == CommunityNeed.id, JointProject.status != "dropped")
        statement = statement.where(~taken.exists())
    return statement


def need_projects(need: CommunityNeed) -> list[JointProject]:
    return db.session.execute(
        select(JointProject).where(JointProject.need_id == need.id).order_by(JointProject.id)
    ).scalars().all()


def _offer_streets_of(community: OrgUnit):
    """Offers a community may draw on: those of the street (or streets) above it."""
    return literal(community.path).startswith(OrgUnit.path)


def suggestions(actor: User, need_id: int, limit: int) -> list[dict]:
    """Active offers of the community's street: the need's kind first, then the nearest unit
    (units without a position after those with one), then the oldest offer."""
    need = need_in_scope(actor, need_id)
    community = db.session.get(OrgUnit, need.community_id)
    offers = db.session.execute(
        select(ResourceOffer).join(OrgUnit, OrgUnit.id == ResourceOffer.street_id)
        .where(ResourceOffer.active.is_(True), _offer_streets_of(community))
    ).scalars().all()
    ranked = []
    for offer in offers:
        unit = offer.unit
        known = None not in (community.lat, community.lng, unit.lat, unit.lng)
        distance = round(haversine_m(community.lat, community.lng, unit.lat, unit.lng), 1) if known else None
        ranked.append({"offer": offer, "kind_matches": offer.kind == need.kind, "distance_m": distance})
    ranked.sort(key=lambda item: (not item["kind_matches"], item["distance_m"] is None,
                                  item["distance_m"] or 0.0, item["offer"].id))
    return ranked[:limit]


def _project_not_found() -> NotFound:
    return NotFound("共建项目不存在", code="project_not_found")


def create_project(actor: User, fields: dict) -> JointProject:
    """A need taken up with units' offers (active offers of the community's street)."""
    need = need_in_scope(actor, fields["need_id"])
    community = db.session.get(OrgUnit, need.community_id)
    offer_ids = sorted(set(fields["offer_ids"]))
    offers = db.session.execute(
        select(ResourceOffer).join(OrgUnit, OrgUnit.id == ResourceOffer.street_id)
        .where(ResourceOffer.id.in_(offer_ids), ResourceOffer.active.is_(True), _offer_streets_of(community))
    ).scalars().all()
    unknown = set(offer_ids) - {offer.id for offer in offers}
    if unknown:
        raise Invalid("资源不存在或不可用", code="offer_unavailable",
                      fields={"offer_ids": [f"不存在或不可用：{sorted(unknown)}"]})
    project = JointProject(need_id=need.id, community_id=need.community_id, title=fields["title"])
    db.session.add(project)
    db.session.flush()
    db.session.add_all(
        ProjectOffer(project_id=project.id, offer_id=offer.id, unit_id=offer.unit_id) for offer in offers)
    db.session.flush()
    return project


def project_in_scope(actor: User, project_id: int) -> JointProject:
    return require_visible(
        actor, db.session.get(JointProject, project_id), _project_not_found(),
        org_of=lambda project: project.community_id,
    )


def project_offers(project: JointProject) -> list[ProjectOffer]:
    return db.session.execute(
        select(ProjectOffer).where(ProjectOffer.project_id == project.id).order_by(ProjectOffer.id)
    ).scalars().all()


def project_listing(actor: User, status: str | None = None, community_id: int | None = None,
                    unit_id: int | None = None):
    require_staff(actor)
    statement = (
        select(JointProject).join(OrgUnit, OrgUnit.id == JointProject.community_id)
        .where(within_scope(actor)).order_by(JointProject.id.desc())
    )
    if status is not None:
        statement = statement.where(JointProject.status == status)
    if community_id is not None:
        statement = statement.where(JointProject.community_id == community_id)
    if unit_id is not None:
        involved = select(ProjectOffer.id).where(ProjectOffer.project_id == JointProject.id,
                                                 ProjectOffer.unit_id == unit_id)
        statement = statement.where(involved.exists())
    return statement


# action → (statuses it leaves, status it reaches, whether it records an outcome).
PROJECT_TRANSITIONS = {
    "start": (("planned",), "running", False),
    "finish": (("running",), "done", True),
    "drop": (("planned", "running"), "dropped", True),
}


def change_project(actor: User, project_id: int, action: str, outcome: str | None = None) -> JointProject:
    """One guarded UPDATE per change: of two staff changing a project at once, the second gets 409."""
    project = project_in_scope(actor, project_id)
    sources, target, closes = PROJECT_TRANSITIONS[action]
    values = {"status": target}
    if closes:
        values.update(outcome=outcome, closed_by_id=actor.id, closed_at=utcnow())
    moved = db.session.execute(
        update(JointProject).where(JointProject.id == project.id, JointProject.status.in_(sources))
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("项目当前状态不允许此操作", code="project_state_changed")
    db.session.refresh(project)
    return project


# --- branch rosters and mass organisations (支部党员名册, 群众组织) ----------------------------------


def _branch_not_found() -> NotFound:
    return NotFound("支部不存在", code="branch_not_found")


def _branch(actor: User, branch_id: int, kinds=ROSTER_BRANCH_KINDS) -> OrgUnit:
    """A branch in the caller's scope (another community's → 404); an org of another kind → 422."""
    try:
        branch = require_org(actor, branch_id)
    except NotFound:
        raise _branch_not_found() from None
    if branch.kind not in kinds:
        names = "、".join(ORG_KIND_NAMES[kind] for kind in kinds)
        raise Invalid(f"应为{names}", code="branch_kind", fields={"branch_id": [f"应为{names}"]})
    return branch


# What is kept of a mobile member (流动党员) only: where they are now and how to reach them.
MOBILE_CONTACT_FIELDS = ("current_location", "phone", "other_contact")


def _check_mobile(mobile: bool, fields: dict) -> None:
    """Where a member is and how to reach them is kept for mobile members only, and a mobile member has a place."""
    contact = {name: fields.get(name) for name in MOBILE_CONTACT_FIELDS}
    if not mobile and any(value is not None for value in contact.values()):
        present = [name for name, value in contact.items() if value is not None]
        raise Invalid("只为流动党员登记所在地和联系方式", code="contact_only_for_mobile",
                      fields={name: ["只为流动党员登记"] for name in present})
    if mobile and not contact["current_location"]:
        raise Invalid("流动党员须登记现所在地", code="mobile_location_required",
                      fields={"current_location": ["流动党员须登记现所在地"]})


def add_branch_member(actor: User, branch_id: int, fields: dict) -> BranchMember:
    branch = _branch(actor, branch_id)
    _check_mobile(fields.get("mobile", False), fields)
    if fields.get("user_id") is not None and db.session.get(User, fields["user_id"]) is None:
        raise Invalid("用户不存在", code="user_not_found", fields={"user_id": ["用户不存在"]})
    member = BranchMember(branch_id=branch.id, **fields)
    add_or_conflict(member, Conflict("此人已在该支部名册中", code="branch_member_exists"))
    return member


def roster(actor: User, branch_id: int, mobile: bool | None = None) -> list[BranchMember]:
    """The branch's roster, for the staff over the branch only; reading mobile members' contacts is recorded."""
    branch = _branch(actor, branch_id)
    statement = select(BranchMember).where(BranchMember.branch_id == branch.id).order_by(BranchMember.id)
    if mobile is not None:
        statement = statement.where(BranchMember.mobile == mobile)
    members = db.session.execute(statement).scalars().all()
    for member in members:
        if member.mobile:
            record_read(actor, member, ["current_location", "other_contact"], org_id=branch.id)
    return members


def _branch_member_not_found() -> NotFound:
    return NotFound("名册中没有此人", code="branch_member_not_found")


def branch_member_in_scope(actor: User, member_id: int) -> BranchMember:
    member = db.session.get(BranchMember, member_id)
    if member is None:
        raise _branch_member_not_found()
    try:
        _branch(actor, member.branch_id)
    except NotFound:
        raise _branch_member_not_found() from None
    return member


def branch_member_contact(actor: User, member_id: int) -> BranchMember:
    """One member with a mobile member's full contact details (the roster masks the number); recorded."""
    member = branch_member_in_scope(actor, member_id)
    if member.mobile:
        record_read(actor, member, list(MOBILE_CONTACT_FIELDS), org_id=member.branch_id)
    return member


def update_branch_member(actor: User, member_id: int, changes: dict) -> BranchMember:
    member = branch_member_in_scope(actor, member_id)
    if changes.get("mobile") is False:
        # No longer mobile: where they were and how to reach them goes with it.
        changes = {**changes, **dict.fromkeys(MOBILE_CONTACT_FIELDS)}
    merged = {name: changes.get(name, getattr(member, name)) for name in MOBILE_CONTACT_FIELDS}
    _check_mobile(changes.get("mobile", member.mobile), merged)
    return update_row(member, changes)


def remove_branch_member(actor: User, member_id: int) -> None:
    """The person leaves the branch's roster (moved away, transferred out); the audit trail keeps the row.
    Of two staff removing the same person at once, the second is told there is no such person."""
    member = branch_member_in_scope(actor, member_id)
    removed = db.session.execute(
        delete(BranchMember).where(BranchMember.id == member.id).execution_options(synchronize_session=False)
    ).rowcount
    if removed != 1:
        raise _branch_member_not_found()
    db.session.expunge(member)


def create_mass_organisation(actor: User, branch_id: int, fields: dict) -> MassOrganisation:
    branch = _branch(actor, branch_id, kinds=("functional_branch",))
    organisation = MassOrganisation(branch_id=branch.id, **fields)
    add_or_conflict(organisation, Conflict("该支部已有同名群众组织", code="mass_organisation_exists"))
    return organisation


def mass_organisations(actor: User, branch_id: int) -> list[MassOrganisation]:
    branch = _branch(actor, branch_id, kinds=("functional_branch",))
    return db.session.execute(
        select(MassOrganisation).where(MassOrganisation.branch_id == branch.id).order_by(MassOrganisation.id)
    ).scalars().all()
