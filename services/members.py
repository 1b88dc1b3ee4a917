"""报到: registrations of in-service members with the community they live in, and their hours."""
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.coordination import ResidentUnit
from models.ledger import HourCorrection, HourEntry
from models.members import Registration
from models.orgs import OrgUnit
from models.users import User
from services import ledger, limits
from services.database import add_or_conflict
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.notifications import notify
from services.permissions import reaches, require_staff, within_scope
from services.users import validate_home
from wx import pages


def _check_employer_unit(unit_id: int | None) -> None:
    """A registration may name its employer from the list of resident units; an unknown one is refused."""
    if unit_id is not None and db.session.get(ResidentUnit, unit_id) is None:
        raise Invalid("驻区单位不存在", code="unit_not_found", fields={"employer_unit_id": ["驻区单位不存在"]})


def register(user: User, fields: dict) -> Registration:
    """A pending registration; one pending per person (the database refuses a second)."""
    community_id, building_id = validate_home(fields["community_id"], fields.get("building_id"))
    branch_id = fields.get("functional_branch_id")
    if branch_id is not None:
        branch = db.session.get(OrgUnit, branch_id)
        if branch is None or branch.kind != "functional_branch" or branch.parent_id != community_id:
            raise Invalid(
                "功能型党支部不属于该社区",
                code="functional_branch_not_in_community",
                fields={"functional_branch_id": ["功能型党支部不属于该社区"]},
            )
    _check_employer_unit(fields.get("employer_unit_id"))
    limits.spend(user, "registration")
    registration = Registration(
        user_id=user.id,
        community_id=community_id,
        building_id=building_id,
        functional_branch_id=branch_id,
        employer_unit=fields["employer_unit"],
        employer_unit_id=fields.get("employer_unit_id"),
        home_branch=fields["home_branch"],
        skills=sorted(set(fields["skills"])),
        availability=fields["availability"],
    )
    add_or_conflict(registration, Conflict("已有待审核的报到申请", code="registration_pending"))
    return registration


def registration_listing(actor: User, status: str | None = None, community_id: int | None = None):
    """Registrations to communities in the staff member's scope, newest first."""
    require_staff(actor)
    statement = (
        select(Registration)
        .join(OrgUnit, OrgUnit.id == Registration.community_id)
        .where(within_scope(actor))
        .order_by(Registration.id.desc())
    )
    if status is not None:
        statement = statement.where(Registration.status == status)
    if community_id is not None:
        statement = statement.where(Registration.community_id == community_id)
    return statement


def my_registrations(user: User):
    return select(Registration).where(Registration.user_id == user.id).order_by(Registration.id.desc())


def registration_in_scope(actor: User, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not reaches(actor, db.session.get(OrgUnit, registration.community_id)):
        raise NotFound("报到申请不存在", code="registration_not_found")
    return registration


def _decide(actor: User, registration: Registration, status: str, reason: str | None) -> None:
    moved = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.status == "pending")
        .values(status=status, reason=reason, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该报到申请已处理", code="registration_not_pending")


def approve(actor: User, registration_id: int, reason: str | None = None) -> Registration:
    """The person becomes a member of the community; an earlier active registration ends."""
    registration = registration_in_scope(actor, registration_id)
    if registration.user_id == actor.id:
        raise Forbidden("不能审批自己的报到申请", code="self_approval")
    # End the old one first: the partial unique index allows one approved registration per person.
    db.session.execute(
        update(Registration)
        .where(
            Registration.user_id == registration.user_id,
            Registration.status == "approved",
            Registration.id != registration.id,
        )
        .values(status="ended", ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    _decide(actor, registration, "approved", reason)
    db.session.refresh(registration)
    user = db.session.get(User, registration.user_id)
    user.community_id = registration.community_id
    user.building_id = registration.building_id
    # Staff checked the registration, and with it where the person lives.
    user.home_confirmed_at = utcnow()
    user.skills = sorted(set(user.skills or []) | set(registration.skills))
    community = db.session.get(OrgUnit, registration.community_id)
    notify(
        user.id,
        "registration_approved",
        "报到申请已通过",
        f"您已成为{community.name}的在职党员，可以到服务站点签到、认领服务需求。",
        {"registration_id": registration.id, "community_id": community.id},
        pages.MEMBER_REGISTRATION,
    )
    return registration


def reject(actor: User, registration_id: int, reason: str) -> Registration:
    registration = registration_in_scope(actor, registration_id)
    _decide(actor, registration, "rejected", reason)
    db.session.refresh(registration)
    notify(
        registration.user_id,
        "registration_rejected",
        "报到申请未通过",
        f"原因：{reason}",
        {"registration_id": registration.id},
        pages.MEMBER_REGISTRATION,
    )
    return registration


def active_registration(user: User) -> Registration | None:
    return db.session.execute(
        select(Registration).where(Registration.user_id == user.id, Registration.status == "approved")
    ).scalar_one_or_none()


# --- hours --------------------------------------------------------------------------------


def my_hours(user: User) -> dict:
    """Totals and points computed from the ledger, with every entry and its corrections."""
    totals = ledger.minutes_by_status(user.id)
    entries = db.session.execute(
        select(HourEntry).where(HourEntry.member_id == user.id).order_by(HourEntry.id.desc())
    ).scalars().all()
    corrections = db.session.execute(
        select(HourCorrection).where(HourCorrection.member_id == user.id).order_by(HourCorrection.id)
    ).scalars().all()
    by_entry: dict[int, list] = {}
    for correction in corrections:
        by_entry.setdefault(correction.entry_id, []).append(correction)
    for entry in entries:
        entry.corrections = by_entry.get(entry.id, [])
    return {
        "confirmed_minutes": totals["confirmed"],
        "pending_minutes": totals["pending"],
        "points": ledger.points_for(totals["confirmed"]),
        "points_rule": ledger.POINTS_RULE,
        "entries": entries,
    }
