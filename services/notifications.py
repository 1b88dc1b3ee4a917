"""The outbox: `notify` adds a message row to the caller's transaction, so it exists iff the change does.

Delivery: the relay claims due rows (pending → queued) and puts them on the queue in batches,
one job per batch; the job spends one recorded grant per row and sends each as a WeChat
subscribe message. A row is marked `sending_since` (committed) before the call to WeChat, so a
worker killed after the call never sends it again: the row's id is the send's idempotency key.
"""
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import bindparam, func, select, tuple_, update
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


_GRANTS = NotificationGrant.__table__
# Guarded like the CHECK: a grant never goes below zero.
_SPEND = (
    update(_GRANTS)
    .where(
        _GRANTS.c.user_id == bindparam("grant_user"),
        _GRANTS.c.template_id == bindparam("grant_template"),
        _GRANTS.c.remaining >= bindparam("count"),
    )
    .values(remaining=_GRANTS.c.remaining - bindparam("count"), updated_at=bindparam("now"))
)


def _spend_grants(wanted: list[tuple[int, str]]) -> list[bool]:
    """Take one grant for each (user, template) of `wanted`, in order, while any is left: which got one.

    Two statements whatever the number: the grants are read locked (FOR UPDATE on PostgreSQL, in
    key order so two batches cannot deadlock; on SQLite the transaction already holds the write
    lock), then each decreased by what it gave in one executemany.
    """
    statement = (
        select(_GRANTS.c.user_id, _GRANTS.c.template_id, _GRANTS.c.remaining)
        .where(tuple_(_GRANTS.c.user_id, _GRANTS.c.template_id).in_(sorted(set(wanted))))
        .order_by(_GRANTS.c.user_id, _GRANTS.c.template_id)
    )
    if is_postgresql():
        statement = statement.with_for_update()
    left = {(user_id, template_id): remaining for user_id, template_id, remaining in db.session.execute(statement)}
    spent = Counter()
    granted = []
    for key in wanted:
        granted.append(left.get(key, 0) > spent[key])
        spent[key] += granted[-1]
    taken = [{"grant_user": user_id, "grant_template": template_id, "count": count, "now": utcnow()}
             for (user_id, template_id), count in spent.items() if count]
    if taken:
        db.session.execute(_SPEND, taken)
    return granted


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
    due = db.session.execute(statement).scalars().all()
    if not due:
        return []
    return sorted(db.session.execute(
        update(Notification)
        .where(Notification.id.in_(due), Notification.status == "pending")
        .values(status="queued", queued_at=utcnow())
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).scalars())


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


@dataclass(frozen=True)
class Outcome:
    """A row's answer: sent, skipped or failed, or retry (not delivered, to be sent again)."""

    status: str
    reason: str | None = None
    msgid: str | None = None
    # WeChat did not take the grant spent for the call, so it is given back.
    refund: bool = False


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


def deliver_batch(notification_ids: list[int], final_attempt: bool) -> dict[int, Outcome]:
    """Send queued rows to WeChat, each at most once; rows another job owns or finished are left out.

    Two commits per batch, not per row: the first marks the rows `sending_since` and spends their
    grants before any call, the second records every answer. A worker killed between them leaves
    the batch's unanswered rows marked: no job sends them again, and the relay closes them later
    as interrupted. A row WeChat surely did not get (busy, unreachable) is unmarked with its grant
    refunded and, unless this is the final attempt, RetryableDelivery is raised after the others
    are recorded, so the job runs again for it.
    """
    outcomes, sends = _prepare(_begin_sending(notification_ids))
    db.session.commit()
    for send in sends:
        outcomes[send.notification_id] = _send(send, final_attempt)
    _record(outcomes, {send.notification_id: send for send in sends})
    db.session.commit()
    retried = {notification_id: outcome for notification_id, outcome in outcomes.items() if outcome.status == "retry"}
    for notification_id, outcome in outcomes.items():
        log.info("notification %s: %s %s", notification_id, outcome.status, outcome.reason or "")
    if retried:
        raise RetryableDelivery("; ".join(f"{key}: {outcome.reason}" for key, outcome in retried.items()))
    return outcomes


@dataclass(frozen=True)
class _Send:
    """What one call to WeChat needs, read before the marking commit expires the row."""

    notification_id: int
    user_id: int
    openid: str
    template_id: str
    data: dict
    page: str | None


def _begin_sending(notification_ids: list[int]) -> list[int]:
    """Mark the rows still queued and unmarked as this job's; the ids it got."""
    return list(db.session.execute(
        update(Notification)
        .where(
            Notification.id.in_(notification_ids),
            Notification.status == "queued",
            Notification.sending_since.is_(None),
        )
        .values(sending_since=utcnow(), attempts=Notification.attempts + 1)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).scalars())


_TABLE = Notification.__table__
_SET_TEMPLATE = update(_TABLE).where(_TABLE.c.id == bindparam("row_id")).values(template_id=bindparam("template"))


def _prepare(notification_ids: list[int]) -> tuple[dict[int, Outcome], list[_Send]]:
    """The rows settled without WeChat (no template, no openid, unusable data, no grant), and the sends."""
    templates = current_app.config["WECHAT_TEMPLATES"]
    outcomes, sends = {}, []
    rows = db.session.execute(
        select(Notification, User.openid)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(notification_ids))
        .order_by(Notification.id)
    )
    ready = []
    for notification, openid in rows:
        prepared = _prepared(notification, openid, templates.get(notification.event))
        if isinstance(prepared, Outcome):
            outcomes[notification.id] = prepared
        else:
            ready.append(prepared)
    granted = _spend_grants([(send.user_id, send.template_id) for send in ready]) if ready else []
    for send, has_grant in zip(ready, granted, strict=True):
        if has_grant:
            sends.append(send)
        else:
            outcomes[send.notification_id] = Outcome("skipped", "no_grant: 用户未订阅该消息")
    if sends:
        db.session.execute(_SET_TEMPLATE, [{"row_id": send.notification_id, "template": send.template_id}
                                           for send in sends])
    return outcomes, sends


def _prepared(notification: Notification, openid: str | None, template_id: str | None) -> Outcome | _Send:
    """The send of a row, or its outcome when it cannot be sent whatever the grants."""
    if not template_id:
        return Outcome("skipped", "no_template: 该事件未配置订阅消息模板")
    if not openid:
        return Outcome("skipped", "no_openid: 用户未绑定微信")
    try:
        data = template_data(notification)
    except Invalid as error:
        return Outcome("failed", f"{error.code}: {error.message}")
    return _Send(notification.id, notification.user_id, openid, template_id, data, notification.page)


def _send(send: _Send, final_attempt: bool) -> Outcome:
    from wx.client import get_wechat

    try:
        result = get_wechat().send_subscribe_message(
            send.openid, send.template_id, send.data, page=send.page, notification_id=send.notification_id,
            miniprogram_state=current_app.config["WECHAT_MINIPROGRAM_STATE"], lang=current_app.config["WECHAT_LANG"],
        )
    except WeChatClientException as error:
        return _after_error(error.errcode, str(error.errmsg), final_attempt)
    except (requests.Timeout, requests.ConnectionError) as error:
        return _after_error(None, f"network: {type(error).__name__}", final_attempt)
    return Outcome("sent", msgid=str(result.get("msgid", "")))


def _after_error(errcode, errmsg, final_attempt) -> Outcome:
    if errcode in SKIP_CODES:
        return Outcome("skipped", f"{errcode} {SKIP_CODES[errcode]}")
    reason = f"{errcode if errcode is not None else 'http'} {FAIL_CODES.get(errcode, '')} {errmsg}".strip()
    if errcode in FAIL_CODES or final_attempt:
        return Outcome("failed", reason, refund=True)
    return Outcome("retry", reason, refund=True)


# Guarded by the status: a row an operator closed meanwhile keeps what they set.
_FINISH = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == "queued")
    .values(
        status=bindparam("outcome"), sending_since=None, sent_at=bindparam("sent"), msgid=bindparam("message_id"),
        last_error=func.coalesce(bindparam("reason"), _TABLE.c.last_error),
    )
)
# Not delivered: the mark is cleared so the retry may send it.
_UNMARK = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == "queued")
    .values(sending_since=None, last_error=bindparam("reason"))
)


def _record(outcomes: dict[int, Outcome], sends: dict[int, _Send]) -> None:
    """Every answer of the batch in one statement per kind (executemany), grants WeChat did not take refunded."""
    for notification_id, outcome in outcomes.items():
        if outcome.refund:
            _refund_grant(sends[notification_id].user_id, sends[notification_id].template_id)
    now = utcnow()
    finished = [
        {"row_id": notification_id, "outcome": outcome.status, "reason": outcome.reason and outcome.reason[:300],
         "sent": now if outcome.status == "sent" else None, "message_id": outcome.msgid}
        for notification_id, outcome in outcomes.items() if outcome.status != "retry"
    ]
    unmarked = [
        {"row_id": notification_id, "reason": outcome.reason[:300]}
        for notification_id, outcome in outcomes.items() if outcome.status == "retry"
    ]
    if finished:
        db.session.execute(_FINISH, finished)
    if unmarked:
        db.session.execute(_UNMARK, unmarked)
