"""The outbox: `notify` adds a message row to the caller's transaction, so it exists iff the change does.

Delivery: the relay claims due rows (pending → queued) and puts one job per row on the queue;
the job spends one recorded grant and sends the row as a WeChat subscribe message. A row is
marked `sending_since` (committed) before the call to WeChat, so a worker killed after the
call never sends it again: the row's id is the send's idempotency key.
"""
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from wechatpy.exceptions import WeChatClientException

from config import NOTIFICATION_EVENTS
from extensions import db
from localtime import to_local
from models.base import utcnow
from models.notifications import Notification, NotificationGrant
from models.orgs import OrgUnit
from models.users import User
from services import moderation
from services.database import is_postgresql
from services.errors import Conflict, Invalid, NotFound
from services.permissions import require_staff, within_scope
from wx.templates import DEFAULT_KEYS, KEY_TYPES, TemplateMappingError, key_type

log = logging.getLogger(__name__)


# Key types whose values are cut to WeChat's limit (a longer one is answered 47003); values of
# the other types (numbers, amounts, times) are never cut, which would change what they say.
CUT_TO_LIMIT = ("thing", "phrase", "name", "character_string")
NOT_PRINTABLE_ASCII = re.compile(r"[^\x21-\x7e]")

# Outcomes by WeChat errcode.
SKIP_CODES = {43101: "user_refused"}
FAIL_CODES = {
    40003: "invalid_openid",
    40037: "invalid_template_id",
    41030: "invalid_page",
    47003: "invalid_template_data",
}

# A queued row whose job never ran (Redis lost it) goes back to pending after this long.
STALE_QUEUED = timedelta(minutes=10)
# A row still marked sending after this long belonged to a worker that died mid-send.
STALE_SENDING = timedelta(minutes=5)


def notify(
    user_id: int, event: str, title: str, body: str = "", data: dict | None = None, page: str | None = None
) -> Notification:
    """Queue a message to a person; it is delivered only after the surrounding commit."""
    if event not in NOTIFICATION_EVENTS:
        raise ValueError(f"unknown notification event {event!r}: add it to config.NOTIFICATION_EVENTS")
    notification = Notification(
        user_id=user_id, event=event, title=title, body=body, data=data or {}, page=page
    )
    db.session.add(notification)
    return notification


# ------------------------------------------------------------------------------- inbox


def inbox(user: User):
    """The caller's own notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id, moderation.shown_to_all(Notification))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the caller's notifications read (again is harmless); others' are not found."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user.id)
        .values(read_at=func.coalesce(Notification.read_at, utcnow()))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotFound("通知不存在", code="notification_not_found")
    notification = db.session.get(Notification, notification_id)
    db.session.refresh(notification)
    return notification


def outbox(user: User, status: str | None, event: str | None = None):
    """Delivery status for staff: notifications of people living in their scope; admins see all.
    Only those of `status` and of `event`, when given."""
    require_staff(user)
    statement = select(Notification).order_by(Notification.id.desc())
    if not user.is_admin:
        statement = (
            statement.join(User, User.id == Notification.user_id)
            .join(OrgUnit, OrgUnit.id == func.coalesce(User.building_id, User.community_id))
            .where(within_scope(user))
        )
    if status:
        statement = statement.where(Notification.status == status)
    if event:
        statement = statement.where(Notification.event == event)
    return statement


def retry_failed(user: User, notification_id: int) -> Notification:
    """Staff send a failed row again: back to pending (one guarded update), for the next relay run.

    A row failed as `delivery_interrupted` may have reached the user; sending it again is the
    staff member's decision, which is why it is never retried on its own.
    """
    notification = db.session.execute(
        outbox(user, None).where(Notification.id == notification_id)
    ).scalar_one_or_none()
    if notification is None:
        raise NotFound("通知不存在", code="notification_not_found")
    moved = db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.status == "failed")
        .values(status="pending", queued_at=None, sending_since=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("只有发送失败的通知可以重发", code="not_failed")
    db.session.refresh(notification)
    return notification


# --------------------------------------------------------------------- templates, grants


def templates() -> list[dict]:
    """The template id per event the mini-program asks the user to accept."""
    configured = current_app.config["WECHAT_TEMPLATES"]
    return [
        {"event": event, "template_id": configured[event], "title": title}
        for event, (title, _phrase) in NOTIFICATION_EVENTS.items()
        if configured.get(event)
    ]


def add_grants(user: User, template_ids: list[str]) -> list[NotificationGrant]:
    """Record one more accepted message per template id (as wx.requestSubscribeMessage reported)."""
    known = set(current_app.config["WECHAT_TEMPLATES"].values())
    unknown = [template_id for template_id in template_ids if template_id not in known]
    if unknown:
        raise Invalid("未知的订阅消息模板", code="unknown_template", fields={"template_ids": unknown})
    for template_id in template_ids:
        _add_grant(user.id, template_id)
    return list(
        db.session.execute(
            select(NotificationGrant)
            .where(NotificationGrant.user_id == user.id, NotificationGrant.template_id.in_(template_ids))
            .order_by(NotificationGrant.template_id)
        ).scalars()
    )


def _add_grant(user_id: int, template_id: str) -> None:
    increment = (
        update(NotificationGrant)
        .where(NotificationGrant.user_id == user_id, NotificationGrant.template_id == template_id)
        .values(remaining=NotificationGrant.remaining + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(increment).rowcount == 1:
        return
    try:
        with db.session.begin_nested():
            db.session.add(NotificationGrant(user_id=user_id, template_id=template_id, remaining=1))
    except IntegrityError:
        # A concurrent request created the row first: add to it.
        db.session.execute(increment)


def _spend_grant(user_id: int, template_id: str) -> bool:
    """Take one grant in one guarded update; False when none is left (never below zero)."""
    result = db.session.execute(
        update(NotificationGrant)
        .where(
            NotificationGrant.user_id == user_id,
            NotificationGrant.template_id == template_id,
            NotificationGrant.remaining > 0,
        )
        .values(remaining=NotificationGrant.remaining - 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refund_grant(user_id: int, template_id: str) -> None:
    """WeChat did not spend the grant (the send failed before delivery), so neither do we."""
    db.session.execute(
        update(NotificationGrant)
        .where(NotificationGrant.user_id == user_id, NotificationGrant.template_id == template_id)
        .values(remaining=NotificationGrant.remaining + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- the relay


def claim_due(limit: int = 200) -> list[int]:
    """Move up to `limit` pending rows to queued and return their ids; concurrent relays claim disjoint rows."""
    # A row quoting a text the content check holds waits, pending, until staff release the text.
    statement = (
        select(Notification.id)
        .where(Notification.status == "pending", moderation.shown_to_all(Notification))
        .order_by(Notification.id)
        .limit(limit)
    )
    if is_postgresql():
        statement = statement.with_for_update(skip_locked=True)
    claimed = []
    for notification_id in db.session.execute(statement).scalars().all():
        result = db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == "pending")
            .values(status="queued", queued_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(notification_id)
    return claimed


def unclaim(notification_ids: list[int]) -> None:
    """Put rows that could not be enqueued (Redis down) back to pending, for the next relay run."""
    if notification_ids:
        db.session.execute(
            update(Notification)
            .where(
                Notification.id.in_(notification_ids),
                Notification.status == "queued",
                Notification.sending_since.is_(None),
            )
            .values(status="pending", queued_at=None)
            .execution_options(synchronize_session=False)
        )


def recover_stale() -> None:
    """Requeue rows whose job was lost; close rows whose worker died mid-send without sending again."""
    now = utcnow()
    db.session.execute(
        update(Notification)
        .where(
            Notification.status == "queued",
            Notification.sending_since.is_(None),
            Notification.queued_at < now - STALE_QUEUED,
        )
        .values(status="pending", queued_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Notification)
        .where(Notification.status == "queued", Notification.sending_since < now - STALE_SENDING)
        .values(status="failed", last_error="delivery_interrupted: 发送中断，结果未知，为避免重复不再重发")
        .execution_options(synchronize_session=False)
    )


# ------------------------------------------------------------------------ the delivery


class RetryableDelivery(Exception):
    """WeChat was busy or unreachable; the job is retried with backoff."""


@dataclass
class Outcome:
    status: str
    reason: str | None = None


def fit_template_data(data: dict) -> dict:
    """Cut every value to WeChat's limit for its key's type; an unusable value raises Invalid before any send."""
    fitted = {}
    for key, value in data.items():
        text = str(value or "").strip()
        try:
            kind = key_type(key)
        except TemplateMappingError:
            kind = None
        if kind == "character_string":
            text = NOT_PRINTABLE_ASCII.sub("", text)
        if kind in CUT_TO_LIMIT:
            text = text[: KEY_TYPES[kind].max_length]
        if not text:
            raise Invalid(f"模板字段 {key} 为空", code="template_data_invalid")
        fitted[key] = {"value": text}
    return fitted


def _field_value(notification: Notification, field: str, kind: str) -> str:
    """The text of one of Linli's fields (wx/templates.py FIELD_TYPES) for a key of `kind`."""
    title, phrase = NOTIFICATION_EVENTS.get(notification.event, ("", "新消息"))
    if field == "created_at":
        return to_local(notification.created_at).strftime("%Y-%m-%d" if kind == "date" else "%Y-%m-%d %H:%M")
    return {
        "title": notification.title,
        "body": notification.body or notification.title,
        "event": title,
        "status": phrase,
        "reference": str(notification.id),
    }[field]


def template_data(notification: Notification) -> dict:
    """The template data of a notification, filled by its event's configured key mapping."""
    mapping = current_app.config["WECHAT_TEMPLATE_KEYS"].get(notification.event, DEFAULT_KEYS)
    return fit_template_data(
        {key: _field_value(notification, field, key_type(key)) for key, field in mapping.items()}
    )


def deliver(notification_id: int, final_attempt: bool) -> Outcome | None:
    """Send one queued row to WeChat at most once; None when another job owns or finished it."""
    from wx.client import get_wechat

    if not _begin_sending(notification_id):
        return None
    notification = db.session.get(Notification, notification_id)
    user = db.session.get(User, notification.user_id)
    template_id = current_app.config["WECHAT_TEMPLATES"].get(notification.event)
    if not template_id:
        return _finish(notification_id, Outcome("skipped", "no_template: 该事件未配置订阅消息模板"))
    if not user.openid:
        return _finish(notification_id, Outcome("skipped", "no_openid: 用户未绑定微信"))
    try:
        data = template_data(notification)
    except Invalid as error:
        return _finish(notification_id, Outcome("failed", f"{error.code}: {error.message}"))
    if not _spend_grant(user.id, template_id):
        return _finish(notification_id, Outcome("skipped", "no_grant: 用户未订阅该消息"))
    db.session.execute(
        update(Notification).where(Notification.id == notification_id).values(template_id=template_id)
    )
    # The grant and the sending mark are committed before the call, so a crash after it
    # can neither respend the grant nor send the row again.
    db.session.commit()
    try:
        result = get_wechat().send_subscribe_message(
            user.openid, template_id, data, page=notification.page, notification_id=notification_id,
            miniprogram_state=current_app.config["WECHAT_MINIPROGRAM_STATE"], lang=current_app.config["WECHAT_LANG"],
        )
    except WeChatClientException as error:
        return _after_error(notification_id, user.id, template_id, error.errcode, str(error.errmsg), final_attempt)
    except (requests.Timeout, requests.ConnectionError) as error:
        return _after_error(
            notification_id, user.id, template_id, None, f"network: {type(error).__name__}", final_attempt
        )
    return _finish(notification_id, Outcome("sent"), msgid=str(result.get("msgid", "")))


def _begin_sending(notification_id: int) -> bool:
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == "queued",
            Notification.sending_since.is_(None),
        )
        .values(sending_since=utcnow(), attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _after_error(notification_id, user_id, template_id, errcode, errmsg, final_attempt) -> Outcome:
    if errcode in SKIP_CODES:
        return _finish(notification_id, Outcome("skipped", f"{errcode} {SKIP_CODES[errcode]}"))
    reason = f"{errcode if errcode is not None else 'http'} {FAIL_CODES.get(errcode, '')} {errmsg}".strip()
    _refund_grant(user_id, template_id)
    if errcode in FAIL_CODES or final_attempt:
        return _finish(notification_id, Outcome("failed", reason))
    # Not delivered: clear the mark so the retry may send it.
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "queued")
        .values(sending_since=None, last_error=reason[:300])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    raise RetryableDelivery(reason)


def _finish(notification_id: int, outcome: Outcome, msgid: str | None = None) -> Outcome:
    values = {"status": outcome.status, "sending_since": None}
    if outcome.reason:
        values["last_error"] = outcome.reason[:300]
    if outcome.status == "sent":
        values.update(sent_at=utcnow(), msgid=msgid)
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "queued")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.info("notification %s: %s %s", notification_id, outcome.status, outcome.reason or "")
    return outcome
