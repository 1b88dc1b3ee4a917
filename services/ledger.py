"""The service-hours ledger: entries from every source, confirmed by staff in scope."""
from sqlalchemy import func, select, update

from extensions import db
from models.base import utcnow
from models.ledger import HourEntry
from models.orgs import OrgUnit
from models.users import User
from services.errors import Conflict, Forbidden
from services.permissions import require_org, within_scope


def record_entry(member_id: int, org_id: int, source: str, source_id: int, minutes: int, note: str | None = None) -> HourEntry:
    """A pending entry for work from `source`; one entry per source object (unique)."""
    entry = HourEntry(
        member_id=member_id, org_id=org_id, source=source, source_id=source_id, minutes=minutes, note=note
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def confirm_entry(actor: User, entry: HourEntry) -> HourEntry:
    """Staff in the entry's scope confirm it; nobody confirms their own work."""
    require_org(actor, entry.org_id)
    if entry.member_id == actor.id:
        raise Forbidden("不能确认自己的服务时长", code="self_confirmation")
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


def entries_in_scope_statement(actor: User):
    """Entries whose org lies in the actor's scope (for the staff queue)."""
    return select(HourEntry).join(OrgUnit, OrgUnit.id == HourEntry.org_id).where(within_scope(actor))
