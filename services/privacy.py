"""个人信息保护: what Linli holds about a person, erasing it on request, and retention.

PRIVACY.md lists each item with its purpose and retention; this module is where those rules run:
- `export`: everything held about the caller, and nothing about anyone else;
- `erase`: DELETE /me — the account is anonymised (已注销用户): tokens revoked, name, openid,
  phone and the free text they wrote erased; requests, ledger entries and ratings stay, so
  the service record of the others stays true;
- `coarsen_checkins`: positions and device ids of visits older than the retention period.
"""
import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Text, cast, delete, or_, select, update

from extensions import db
from models.activities import ActivitySignup
from models.audit import AuditEntry
from models.base import utcnow
from models.care import VisitPlan, VisitRecord
from models.checkins import CheckIn
from models.contacts import BuildingContact, ContactMessage, ContactReport, ContactThread
from models.coordination import BranchMember
from models.idempotency import IdempotencyKey
from models.ledger import HourCorrection, HourEntry
from models.members import Registration
from models.moderation import ModerationHold
from models.notifications import FINISHED_DELIVERY_STATUSES, Notification, NotificationGrant
from models.orgs import StaffScope
from models.requests import RequestHistory, RequestOffer, ServiceRequest
from models.stations import Station
from models.users import AuthToken, User
from services import activities
from services import requests as service_requests
from services.audit import SECRET_COLUMN, recorded_value
from services.errors import Conflict, Forbidden
from services.permissions import is_staff
from services.users import profile

ERASED_NAME = "已注销用户"
ERASED_TEXT = "（内容已随账号注销删除）"
# A name this short or this common would be replaced inside other people's text by accident.
UNREPLACEABLE_NAMES = {"", "微信用户", ERASED_NAME}
# Rounded to 0.01° (about 1 km): enough to say which part of town, not which door.
COARSE_DECIMALS = 2
COARSEN_BATCH = 1000
PURGE_BATCH = 1000
# Work a member has taken on: it must be finished or handed over before the account goes.
TASKS_IN_HAND = ("accepted", "in_progress")


# ------------------------------------------------------------------ export


def _columns(obj, only: tuple[str, ...] | None = None) -> dict:
    """A row as the person may read it: no secrets, phone numbers masked."""
    names = only or [attr.key for attr in db.inspect(type(obj)).column_attrs if not SECRET_COLUMN.search(attr.key)]
    return {name: recorded_value(name, getattr(obj, name), show_identifiers=True) for name in names}


def _rows(model, *conditions, only=None) -> list[dict]:
    found = db.session.execute(select(model).where(*conditions).order_by(model.id)).scalars()
    return [_columns(obj, only) for obj in found]


def export(user: User) -> dict:
    """GET /me/export: everything Linli holds about the caller, as one document."""
    return {
        "exported_at": utcnow().isoformat(),
        "profile": {**profile(user), **_columns(user)},
        "registrations": _rows(Registration, Registration.user_id == user.id),
        "checkins": _rows(CheckIn, CheckIn.member_id == user.id),
        "hour_entries": _rows(HourEntry, HourEntry.member_id == user.id),
        "hour_corrections": _rows(HourCorrection, HourCorrection.member_id == user.id),
        "requests": _rows(ServiceRequest, ServiceRequest.resident_id == user.id),
        # The requests they served: their part only, not what the resident wrote.
        "requests_served": _rows(
            ServiceRequest, ServiceRequest.assignee_id == user.id,
            only=("id", "community_id", "category_id", "title", "status", "taken_at", "completion_note",
                  "minutes", "stars", "rated_at"),
        ),
        "offers": _rows(RequestOffer, RequestOffer.member_id == user.id),
        "threads": _rows(
            ContactThread, or_(ContactThread.resident_id == user.id, ContactThread.member_id == user.id),
            only=("id", "resident_id", "member_id", "community_id", "blocked_at", "created_at"),
        ),
        "messages": _rows(ContactMessage, ContactMessage.sender_id == user.id),
        "reports": _rows(ContactReport, ContactReport.reporter_id == user.id),
        "notifications": _rows(Notification, Notification.user_id == user.id),
        "notification_grants": _rows(NotificationGrant, NotificationGrant.user_id == user.id),
        "building_contacts": _rows(BuildingContact, BuildingContact.member_id == user.id),
        # Visits they were assigned and made: their part only, not the care target's record.
        "visit_plans": _rows(VisitPlan, VisitPlan.visitor_id == user.id),
        "visits": _rows(VisitRecord, VisitRecord.visitor_id == user.id),
        "activity_signups": _rows(ActivitySignup, ActivitySignup.user_id == user.id),
        # Their place on a branch roster; as a mobile member, where they are and how to reach them.
        "branch_memberships": _rows(BranchMember, BranchMember.user_id == user.id),
        # Copies of their texts (and image links) held by the content check for staff to decide.
        "moderation_holds": _rows(ModerationHold, ModerationHold.author_id == user.id),
        "staff_scopes": _rows(StaffScope, StaffScope.user_id == user.id),
        # Positions named after them (冠名) or in their home (中心户): which ones, not the stations' secrets.
        "stations": _rows(
            Station, or_(Station.named_member_id == user.id, Station.household_user_id == user.id),
            only=("id", "name", "kind", "org_id", "address", "named_member_id", "household_user_id"),
        ),
        "tokens": _rows(AuthToken, AuthToken.user_id == user.id, only=("id", "created_at", "expires_at", "revoked_at")),
        # Staff: what they did, without the changed values of other people's records.
        "audit_actions": _rows(
            AuditEntry, AuditEntry.actor_id == user.id,
            only=("id", "at", "kind", "action", "target_type", "target_id", "org_id", "ip"),
        ),
    }


# ------------------------------------------------------------------ erasure


def erase(user: User) -> None:
    """DELETE /me: anonymise the account; the service record of others stays as it was."""
    if is_staff(user) or user.username:
        raise Forbidden("工作人员账号不能自行注销，请联系管理员停用", code="staff_account")
    in_hand = db.session.execute(
        select(ServiceRequest.id).where(ServiceRequest.assignee_id == user.id, ServiceRequest.status.in_(TASKS_IN_HAND))
    ).first()
    if in_hand is not None:
        raise Conflict("您还有进行中的服务，请先完成或联系工作人员改派后再注销", code="tasks_in_hand")
    now = utcnow()
    _end_participation(user, now)
    _erase_free_text(user)
    _replace_name_in_others_text(user.name)
    user_id = user.id
    db.session.execute(update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    for model in (Notification, NotificationGrant, IdempotencyKey):
        db.session.execute(delete(model).where(model.user_id == user_id))
    # Their roster rows go whole: the name and a mobile member's whereabouts and contacts are all about them.
    db.session.execute(delete(BranchMember).where(BranchMember.user_id == user_id))
    user.name = ERASED_NAME
    user.openid = user.unionid = user.session_key = user.phone = None
    user.phone_bound_at = None
    user.community_id = user.building_id = None
    user.skills = []
    user.erased_at = now
    db.session.flush()


def _end_participation(user: User, now: datetime) -> None:
    """Their open requests are cancelled, offers withdrawn, membership ended, their places at coming
    activities given up: nobody waits on them."""
    activities.leave_all(user)
    open_requests = db.session.execute(
        select(ServiceRequest.id).where(
            ServiceRequest.resident_id == user.id, ServiceRequest.status.in_(service_requests.OPEN_STATUSES)
        )
    ).scalars().all()
    for request_id in open_requests:
        service_requests.cancel(user, request_id, None)
    db.session.execute(
        update(RequestOffer).where(RequestOffer.member_id == user.id, RequestOffer.status == "open")
        .values(status="withdrawn", answered_at=now)
    )
    db.session.execute(
        update(Registration).where(Registration.user_id == user.id, Registration.status.in_(("pending", "approved")))
        .values(status="ended", ended_at=now)
    )
    db.session.execute(
        update(BuildingContact).where(BuildingContact.member_id == user.id).values(active=False, updated_at=now)
    )
    # No visit falls due on them any more (staff see the target without a visitor and assign another).
    db.session.execute(update(VisitPlan).where(VisitPlan.visitor_id == user.id).values(active=False))
    # No position stays named after them or in their home; staff name another.
    db.session.execute(update(Station).where(Station.named_member_id == user.id).values(named_member_id=None))
    db.session.execute(update(Station).where(Station.household_user_id == user.id).values(household_user_id=None))


def _erase_free_text(user: User) -> None:
    """What they wrote (about themselves, their home, their needs) goes; statuses, minutes and stars stay."""
    user_id = user.id
    db.session.execute(
        update(Registration).where(Registration.user_id == user_id)
        .values(employer_unit="", home_branch="", skills=[], availability=[])
    )
    db.session.execute(
        update(ServiceRequest).where(ServiceRequest.resident_id == user_id)
        .values(description="", address=None, lat=None, lng=None, rating_comment=None)
    )
    db.session.execute(update(ServiceRequest).where(ServiceRequest.assignee_id == user_id).values(completion_note=None))
    db.session.execute(update(RequestHistory).where(RequestHistory.actor_id == user_id).values(reason=None))
    _erase_message_previews(user_id)
    db.session.execute(update(ContactMessage).where(ContactMessage.sender_id == user_id).values(text=""))
    db.session.execute(update(ContactReport).where(ContactReport.reporter_id == user_id).values(reason=""))
    db.session.execute(update(HourCorrection).where(HourCorrection.member_id == user_id).values(reason=""))
    db.session.execute(update(ModerationHold).where(ModerationHold.author_id == user_id).values(content=""))
    for checkin in db.session.execute(select(CheckIn).where(CheckIn.member_id == user_id)).scalars():
        _coarsen(checkin, utcnow())


def _erase_message_previews(user_id: int) -> None:
    """The other party's "new message" notifications quote the start of what they wrote."""
    threads = select(ContactThread.id).where(
        or_(ContactThread.resident_id == user_id, ContactThread.member_id == user_id)
    )
    written = set(db.session.execute(
        select(ContactMessage.id).where(ContactMessage.sender_id == user_id, ContactMessage.thread_id.in_(threads))
    ).scalars())
    if not written:
        return
    notifications = db.session.execute(
        select(Notification).where(Notification.event == "message_received", Notification.user_id != user_id)
    ).scalars()
    for notification in notifications:
        if (notification.data or {}).get("message_id") in written:
            notification.body = ERASED_TEXT


def _replace_name_in_others_text(name: str) -> None:
    """Other people's notifications and request histories quote the name ("指派给 张三"): it becomes 已注销用户."""
    if len(name) < 2 or name in UNREPLACEABLE_NAMES:
        return
    histories = db.session.execute(
        select(RequestHistory).where(RequestHistory.reason.contains(name, autoescape=True))
    ).scalars()
    for history in histories:
        history.reason = history.reason.replace(name, ERASED_NAME)
    quoted = [name, _json_escaped(name)]
    notifications = db.session.execute(
        select(Notification).where(
            or_(
                Notification.title.contains(name, autoescape=True),
                Notification.body.contains(name, autoescape=True),
                *(cast(Notification.data, Text).contains(text, autoescape=True) for text in quoted),
            )
        )
    ).scalars()
    for notification in notifications:
        notification.title = notification.title.replace(name, ERASED_NAME)
        notification.body = notification.body.replace(name, ERASED_NAME)
        notification.data = _replaced(notification.data, name)


def _json_escaped(text: str) -> str:
    """How a JSON column stores the text (non-ASCII as \\u escapes)."""
    return json.dumps(text)[1:-1]


def _replaced(value, name: str):
    if isinstance(value, str):
        return value.replace(name, ERASED_NAME)
    if isinstance(value, list):
        return [_replaced(item, name) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, name) for key, item in value.items()}
    return value


# ------------------------------------------------------------------ retention


def _coarsen(checkin: CheckIn, now: datetime) -> None:
    checkin.lat = round(checkin.lat, COARSE_DECIMALS)
    checkin.lng = round(checkin.lng, COARSE_DECIMALS)
    checkin.device_id = None
    checkin.coarsened_at = now


def coarsen_checkins(now: datetime | None = None) -> int:
    """Round the positions and drop the device ids of visits older than CHECKIN_POSITION_RETENTION_DAYS.

    The radius check, the flags and the minutes were settled long before; nothing else changes.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["CHECKIN_POSITION_RETENTION_DAYS"])
    done = 0
    while True:
        batch = db.session.execute(
            select(CheckIn).where(CheckIn.coarsened_at.is_(None), CheckIn.checked_in_at < cutoff)
            .order_by(CheckIn.id).limit(COARSEN_BATCH)
        ).scalars().all()
        for checkin in batch:
            _coarsen(checkin, now)
        db.session.flush()
        done += len(batch)
        if len(batch) < COARSEN_BATCH:
            return done


def purge_old_notifications(now: datetime | None = None) -> int:
    """Delete the messages written more than NOTIFICATION_RETENTION_DAYS ago that the outbox is done with
    (sent, skipped, failed), a batch at a time; pending and queued ones are never lost. Returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["NOTIFICATION_RETENTION_DAYS"])
    done = 0
    while True:
        batch = select(Notification.id).where(
            Notification.created_at < cutoff, Notification.status.in_(FINISHED_DELIVERY_STATUSES)
        ).order_by(Notification.created_at).limit(PURGE_BATCH)  # along the index the condition uses
        deleted = db.session.execute(
            delete(Notification).where(Notification.id.in_(batch)).execution_options(synchronize_session=False)
        ).rowcount
        done += deleted
        if deleted < PURGE_BATCH:
            return done
