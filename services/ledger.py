"""The service-hours ledger: entries from every source, confirmed by staff in scope."""
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import contains_eager, joinedload, with_expression

from extensions import db
from models.base import utcnow
from models.checkins import CheckIn
from models.ledger import HourCorrection, HourEntry
from models.orgs import OrgUnit
from models.requests import ServiceRequest
from models.stations import Station
from models.users import User
from services import limits
from services.database import add_or_conflict
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.notifications import notify
from services.permissions import require_org, require_staff, require_visible, within_scope
from wx import pages


def record_entry(
    member_id: int, org_id: int, source: str, source_id: int, minutes: int, note: str | None = None
) -> HourEntry:
    """A pending entry for work from `source`; one entry per source object (unique)."""
    entry = HourEntry(
        member_id=member_id, org_id=org_id, source=source, source_id=source_id, minutes=minutes, note=note
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def confirm_entry(actor: User, entry: HourEntry) -> HourEntry:
    """Staff in the entry's scope confirm it; nobody confirms their own work."""
    # The owner hears 403 even without a staff scope: the entry is theirs, nothing is revealed.
    if entry.member_id == actor.id:
        raise Forbidden("不能确认自己的服务时长", code="self_confirmation")
    require_org(actor, entry.org_id)
    moved = db.session.execute(
        update(HourEntry)
        .where(HourEntry.id == entry.id, HourEntry.status == "pending")
        .values(status="confirmed", confirmed_by_id=actor.id, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该时长记录已处理", code="entry_not_pending")
    db.session.refresh(entry)
    return entry


def minutes_by_status(member_id: int) -> dict[str, int]:
    """Totals per status, computed from the ledger (never stored apart from it)."""
    rows = db.session.execute(
        select(HourEntry.status, func.coalesce(func.sum(HourEntry.minutes), 0))
        .where(HourEntry.member_id == member_id)
        .group_by(HourEntry.status)
    ).all()
    totals = {"pending": 0, "confirmed": 0, "rejected": 0}
    totals.update({status: int(total) for status, total in rows})
    return totals


# 积分: one point for every full 30 confirmed minutes, derived from the ledger on every read.
MINUTES_PER_POINT = 30
POINTS_RULE = "每确认服务满 30 分钟记 1 积分"


def points_for(confirmed_minutes: int) -> int:
    return confirmed_minutes // MINUTES_PER_POINT


def request_correction(member: User, entry_id: int, reason: str, minutes: int | None) -> HourCorrection:
    """A member asks staff to correct one of their own entries; one open request per entry."""
    entry = db.session.get(HourEntry, entry_id)
    if entry is None or entry.member_id != member.id:
        raise NotFound("时长记录不存在", code="entry_not_found")
    limits.spend(member, "correction")
    correction = HourCorrection(entry_id=entry.id, member_id=member.id, reason=reason, requested_minutes=minutes)
    add_or_conflict(correction, Conflict("该记录已有待处理的更正申请", code="correction_pending"))
    return correction


def correction_in_scope(actor: User, correction_id: int) -> HourCorrection:
    return require_visible(
        actor, db.session.get(HourCorrection, correction_id), NotFound("更正申请不存在", code="correction_not_found"),
        org_of=lambda correction: db.session.get(HourEntry, correction.entry_id).org_id,
    )


def answer_correction(
    actor: User, correction_id: int, accept: bool, answer: str, minutes: int | None
) -> HourCorrection:
    """Staff in scope answer; accepting sets the entry to the corrected minutes and confirms it.

    The correction row keeps the entry's minutes and status before and after, so no change is lost.
    """
    correction = correction_in_scope(actor, correction_id)
    if correction.member_id == actor.id:
        raise Forbidden("不能处理自己的更正申请", code="self_confirmation")
    entry = db.session.get(HourEntry, correction.entry_id)
    before = {"minutes_before": entry.minutes, "status_before": entry.status}
    if accept:
        new_minutes = minutes if minutes is not None else correction.requested_minutes
        if new_minutes is None:
            raise Invalid("请填写更正后的分钟数", code="minutes_required", fields={"minutes": ["请填写更正后的分钟数"]})
        after = {"minutes_after": new_minutes, "status_after": "confirmed"}
    else:
        after = {"minutes_after": entry.minutes, "status_after": entry.status}
    moved = db.session.execute(
        update(HourCorrection)
        .where(HourCorrection.id == correction.id, HourCorrection.status == "pending")
        .values(
            status="accepted" if accept else "rejected",
            answer=answer,
            answered_by_id=actor.id,
            answered_at=utcnow(),
            **before,
            **after,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该更正申请已处理", code="correction_not_pending")
    if accept:
        # Guarded on the values read above, so a concurrent confirmation or correction is not overwritten.
        changed = db.session.execute(
            update(HourEntry)
            .where(HourEntry.id == entry.id, HourEntry.minutes == entry.minutes, HourEntry.status == entry.status)
            .values(minutes=after["minutes_after"], status="confirmed", confirmed_by_id=actor.id, confirmed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise Conflict("时长记录已被修改，请刷新后重试", code="entry_changed")
    db.session.refresh(correction)
    db.session.refresh(entry)
    notify(
        correction.member_id,
        "hour_correction_answered",
        "时长更正申请已处理",
        f"{'已采纳' if accept else '未采纳'}：{answer}",
        {"correction_id": correction.id, "entry_id": entry.id, "accepted": accept},
        pages.MEMBER_HOURS,
    )
    return correction


def corrections_in_scope_statement(actor: User, status: str | None = None):
    """The staff queue: each correction with its member, its entry and what the entry's source is called,
    joined into the page's query rather than loaded one correction at a time."""
    require_staff(actor)
    statement = (
        select(HourCorrection)
        .join(HourCorrection.entry)
        .join(OrgUnit, OrgUnit.id == HourEntry.org_id)
        .outerjoin(CheckIn, and_(HourEntry.source == "checkin", CheckIn.id == HourEntry.source_id))
        .outerjoin(Station, Station.id == CheckIn.station_id)
        .outerjoin(ServiceRequest, and_(HourEntry.source == "request", ServiceRequest.id == HourEntry.source_id))
        .options(
            contains_eager(HourCorrection.entry),
            joinedload(HourCorrection.member),
            with_expression(HourCorrection.station_name, Station.name),
            with_expression(HourCorrection.request_title, ServiceRequest.title),
        )
        .where(within_scope(actor))
        .order_by(HourCorrection.id.desc())
    )
    if status is not None:
        statement = statement.where(HourCorrection.status == status)
    return statement
