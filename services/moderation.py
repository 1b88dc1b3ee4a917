"""Content security: every shared text passes WeChat's msg_sec_check before anyone else sees it.

How a text goes through, whatever the endpoint (one mechanism, no call per view):
- a body field declared `schemas.common.SharedText` calls `screen` while the body is loaded;
- `risky` → 422 `content_rejected` before the view runs, so nothing is stored;
- `review` (or WeChat unreachable, by WECHAT_CONTENT_CHECK_UNREACHABLE) → the text is remembered
  on the session; when a flush writes it into a row, a `ModerationHold` names that row and
  column, in the same transaction;
- while a hold is `review` the text is shown only to its author, until staff release it or remove
  it (the text is then replaced in its row): every answer schema with a text field is a
  `schemas.common.HeldAwareSchema`, which reads each value through `shown` (a held column of a row,
  or a copy of a held text anywhere else, reads HELD_TEXT to others); a list that must not even
  show the row filters with `visible_to`.
Images go to mediaCheckAsync (`check_media`, `check_media_items`); their verdict comes back through
the message-push endpoint (`apply_media_verdict`).
Texts by people without an openid (staff at the desk) cannot be checked by WeChat (the check
needs the author's openid); staff writes are audited instead.
"""
import logging
from dataclasses import dataclass

import requests
from flask import current_app
from sqlalchemy import String, Text, event, exists, inspect, select, update
from sqlalchemy.orm import Session
from wechatpy.exceptions import WeChatClientException

from extensions import db
from models.base import utcnow
from models.moderation import ModerationHold
from models.orgs import OrgUnit
from models.users import User
from services.errors import Conflict, Invalid, NotFound, Unavailable
from services.permissions import require_staff, within_scope

log = logging.getLogger(__name__)

HELD_TEXTS_KEY = "linli.held_texts"
# What a removed text reads as, in its row, to everyone (its author included).
REMOVED_TEXT = "[该内容已被删除]"
# Tables whose rows quote a held text but show it to no one else: the trail, replayed answers.
NOT_HELD_TABLES = frozenset({"moderation_holds", "audit_entries", "idempotency_keys", "usage_counters"})


@dataclass
class HeldText:
    content: str
    scene: int
    reason: str
    label: int | None
    author_id: int
    org_unit_id: int | None


def screen(author: User, content: str, scene: int) -> str:
    """WeChat's verdict on a text `author` writes for others: `pass` or `review`; `risky` raises."""
    if not author.openid:
        return "pass"
    from wx.client import get_wechat

    try:
        result = get_wechat().msg_sec_check(author.openid, scene, content)
    except (WeChatClientException, requests.RequestException) as error:
        log.warning("content check unavailable (%s): the text is held", type(error).__name__)
        if current_app.config["WECHAT_CONTENT_CHECK_UNREACHABLE"] == "refuse":
            raise Unavailable("内容安全检测暂不可用，请稍后再试", code="content_check_unavailable") from error
        _hold(author, content, scene, "unreachable", None)
        return "review"
    suggest = (result.get("result") or {}).get("suggest")
    label = (result.get("result") or {}).get("label")
    if suggest == "risky":
        raise Invalid("内容含有不适宜发布的信息，未能提交，请修改后重试", code="content_rejected")
    if suggest == "pass":
        return "pass"
    # `review` and any answer we do not know: a person looks at it first, never fail open.
    _hold(author, content, scene, "review", label)
    return "review"


def _hold(author: User, content: str, scene: int, reason: str, label) -> None:
    db.session.info.setdefault(HELD_TEXTS_KEY, []).append(
        HeldText(content, scene, reason, label if isinstance(label, int) else None, author.id, _author_org(author))
    )


def _author_org(author: User) -> int | None:
    """Whose staff decide on the author's held texts: their home's, or a staff author's first scope's."""
    if author.building_id or author.community_id:
        return author.building_id or author.community_id
    scopes = sorted(author.scopes, key=lambda scope: scope.id)
    return scopes[0].org_id if scopes else None


@event.listens_for(Session, "after_flush")
def _attach_holds(session, _flush_context):
    """Bind each held text to the rows and columns this flush wrote it into."""
    held = session.info.get(HELD_TEXTS_KEY)
    if not held:
        return
    for instance in list(session.new) + list(session.dirty):
        state = inspect(instance)
        table_name = state.mapper.local_table.name
        if table_name in NOT_HELD_TABLES:
            continue
        for column in state.mapper.column_attrs:
            added = state.attrs[column.key].history.added
            for text in held:
                if any(_carries(value, text.content) for value in added):
                    row_id = state.mapper.primary_key_from_instance(instance)[0]
                    _upsert_hold(session, table_name, row_id, column.columns[0].name, text)
                    instance.moderation = "review"


@event.listens_for(Session, "do_orm_execute")
def _attach_holds_to_guarded_updates(state):
    """Guarded UPDATE statements bypass the flush: bind a held text to the rows they write it into."""
    held = state.session.info.get(HELD_TEXTS_KEY)
    if not held or not state.is_update:
        return None
    table = state.bind_mapper.local_table if state.bind_mapper is not None else state.statement.table
    if table.name in NOT_HELD_TABLES:
        return None
    written = [
        (column_name, text)
        for column_name, value in _literal_values(state.statement).items()
        for text in held
        if _carries(value, text.content)
    ]
    if not written:
        return None
    rows = select(table.c.id)
    if state.statement.whereclause is not None:
        rows = rows.where(state.statement.whereclause)
    row_ids = state.session.connection().execute(rows).scalars().all()
    result = state.invoke_statement()
    for row_id in row_ids:
        for column_name, text in written:
            _upsert_hold(state.session, table.name, row_id, column_name, text)
    return result


def _literal_values(statement) -> dict:
    """The plain values an UPDATE sets, by column name (expressions are left out)."""
    values = {}
    for key, value in (statement._values or {}).items():
        name = key if isinstance(key, str) else getattr(key, "key", None)
        literal = getattr(value, "value", None)
        if name is not None and literal is not None:
            values[name] = literal
    return values


def _carries(value, content: str) -> bool:
    """Whether a column value shows the held text: as itself, within a longer text (a notification
    quoting it) or as an item of a list (skills)."""
    if isinstance(value, str):
        return content in value
    if isinstance(value, list):
        return any(isinstance(item, str) and content in item for item in value)
    return False


def _upsert_hold(session, table_name, row_id, column_name, text: HeldText) -> None:
    _forget_cached_holds(session)
    values = {"content": text.content, "scene": text.scene, "reason": text.reason, "label": text.label,
              "author_id": text.author_id, "org_unit_id": text.org_unit_id, "status": "review",
              "decided_by_id": None, "decided_at": None, "created_at": utcnow()}
    table = ModerationHold.__table__
    connection = session.connection()
    changed = connection.execute(
        table.update().where(table.c.table_name == table_name, table.c.row_id == row_id,
                             table.c.column_name == column_name).values(**values)
    ).rowcount
    if not changed:
        connection.execute(table.insert().values(table_name=table_name, row_id=row_id,
                                                 column_name=column_name, **values))


@event.listens_for(Session, "after_transaction_end")
def _forget_held_texts(session, transaction):
    # Kept through savepoints: a request's text is often written after one (a new thread).
    if transaction.parent is None:
        session.info.pop(HELD_TEXTS_KEY, None)
        _forget_cached_holds(session)


# ---------------------------------------------------------------------------- images and files

# mediaCheckAsync's media types.
MEDIA_AUDIO, MEDIA_IMAGE = 1, 2
# What WeChat's verdict does to a pending image: pass shows it, risky removes it, review asks staff.
VERDICT_STATUS = {"pass": "released", "risky": "removed", "review": "review"}
# A hold on one item of a list column (a photo of several) names the column and the item's place.
ITEM_MARK = "#"


def item_column(column_name: str, index: int) -> str:
    """The hold column naming item `index` of the list column `column_name`."""
    return f"{column_name}{ITEM_MARK}{index}"


def check_media(author: User, model, row_id: int, column_name: str, media_url: str, scene: int,
                media_type: int = MEDIA_IMAGE) -> ModerationHold | None:
    """Send an uploaded image (reachable by WeChat at `media_url`) to mediaCheckAsync; until its
    verdict arrives at the message-push endpoint only its uploader sees the row. People without an
    openid (staff) are not checked, as for texts. WeChat unreachable → the image waits for staff."""
    if not author.openid:
        return None
    from wx.client import get_wechat

    hold = _media_hold(author, model, row_id, column_name, media_url, scene)
    try:
        hold.trace_id = get_wechat().media_check_async(author.openid, media_url, media_type, scene)["trace_id"]
    except (WeChatClientException, requests.RequestException, KeyError) as error:
        log.warning("media check unavailable (%s): the image waits for staff", type(error).__name__)
        hold.status = "review"
        hold.reason = "unreachable"
    return hold


def check_media_items(author: User, row, column_name: str, media_urls: list[str], scene: int) -> None:
    """Send each image of a list column (a visit's photos) to mediaCheckAsync, one hold per item
    (`photos#0`, `photos#1`, …): until its verdict an item is shown only to its uploader, and the
    others in the list are shown as theirs arrive. Once WeChat cannot be reached, the remaining
    images wait for staff without another try."""
    reachable = True
    for index, media_url in enumerate(media_urls):
        column = item_column(column_name, index)
        if not reachable:
            _media_hold(author, type(row), row.id, column, media_url, scene, status="review", reason="unreachable")
            continue
        hold = check_media(author, type(row), row.id, column, media_url, scene)
        if hold is None:
            return
        reachable = hold.status == "pending"


def _media_hold(author: User, model, row_id: int, column_name: str, media_url: str, scene: int,
                status: str = "pending", reason: str = "media") -> ModerationHold:
    hold = ModerationHold(
        table_name=model.__tablename__, row_id=row_id, column_name=column_name, content=media_url, scene=scene,
        reason=reason, author_id=author.id, org_unit_id=_author_org(author), status=status,
    )
    db.session.add(hold)
    _forget_cached_holds(db.session)
    return hold


def apply_media_verdict(trace_id: str, suggest: str, label) -> bool:
    """Apply WeChat's verdict on an image once (a repeated push changes nothing); True when applied."""
    status = VERDICT_STATUS.get(suggest, "review")  # an unknown verdict: a person decides
    _forget_cached_holds(db.session)
    applied = db.session.execute(
        update(ModerationHold)
        .where(ModerationHold.trace_id == trace_id, ModerationHold.status == "pending")
        .values(status=status, label=label if isinstance(label, int) else None, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return applied == 1


# ---------------------------------------------------------------------------- visibility


def visible_to(viewer: User, model):
    """A SQL condition keeping rows of `model` the viewer may see: none held from them."""
    return ~exists().where(
        ModerationHold.table_name == model.__tablename__,
        ModerationHold.row_id == model.id,
        ModerationHold.status != "released",
        ModerationHold.author_id != viewer.id,
    )


def shown_to_all(model):
    """A SQL condition keeping rows of `model` nothing in which is held (e.g. a notification quoting
    a held text: its recipient is not its author)."""
    return ~exists().where(
        ModerationHold.table_name == model.__tablename__,
        ModerationHold.row_id == model.id,
        ModerationHold.status != "released",
    )


# What a held text reads as in an answer to anyone but its author.
HELD_TEXT = "[内容审核中]"
HOLDS_KEY = "linli.holds"
# A text in these states is hidden wherever it is copied; a removed one is gone from its rows.
HELD_NOW = ("pending", "review")
# Which of several holds of one row its author is told about first.
AUTHOR_STATUS_ORDER = ("review", "pending", "removed")


def _forget_cached_holds(session) -> None:
    session.info.pop(HOLDS_KEY, None)


def shown(viewer: User | None, owner, attribute: str, value):
    """What `viewer` may read of the text `value` (a string or a list of them), read as `attribute` of
    `owner` for an answer (every text and `moderation` field of a HeldAwareSchema goes through here).

    - a column of a row: the row's holds decide: a held text reads HELD_TEXT (a list loses its held
      items) for anyone but its author; a removed image is gone for everyone;
    - `moderation` of a row: for its author, the state of their held texts in it;
    - anything else (a property such as `resident_name`, a query expression such as a correction's
      `station_name`, a value in a dict a service built) is a copy of some column: hidden when it
      equals a text held from the viewer.
    Every hold not released is read once per transaction, in one statement (`_holds`)."""
    holds_by_table, held_now = _holds()
    if not holds_by_table and not held_now:
        return value  # the usual case, decided without looking at the owner
    state = inspect(owner, raiseerr=False)
    if state is not None and getattr(state, "mapper", None) is not None and state.identity is not None:
        table, row_id = state.mapper.local_table.name, state.identity[0]
        if attribute == "moderation":
            return _author_status(viewer, table, row_id) or value
        mapped = state.mapper.column_attrs.get(attribute)
        column = mapped.columns[0] if mapped is not None else None
        if column is not None and getattr(column, "table", None) is state.mapper.local_table:
            return _row_value(viewer, _open_holds(table).get(row_id, ()), column.name, value)
    return _copy_value(viewer, value)


def _is_author(viewer: User | None, author_id: int) -> bool:
    return viewer is not None and viewer.id == author_id


def _row_value(viewer, holds, column: str, value):
    """A column's value as `viewer` may see it, given the open holds of its row."""
    for hold_column, status, author_id, content in holds:
        if hold_column == column:
            if _is_author(viewer, author_id):
                continue
            if isinstance(value, list):
                value = [item for item in value if not _carries(item, content)]
            else:
                value = HELD_TEXT if isinstance(value, str) else None
        elif hold_column.startswith(column + ITEM_MARK) and isinstance(value, list):
            if _is_author(viewer, author_id) and status != "removed":
                continue
            value = [item for item in value if item != content]
    return value


def _author_status(viewer, table: str, row_id) -> str | None:
    if viewer is None:
        return None
    statuses = {status for _column, status, author_id, _content in _open_holds(table).get(row_id, ())
                if author_id == viewer.id}
    return next((status for status in AUTHOR_STATUS_ORDER if status in statuses), None)


def _copy_value(viewer, value):
    if not isinstance(value, str | list) or not value:
        return value
    held = _held_copies()
    if not held:
        return value

    def held_from_viewer(text) -> bool:
        authors = held.get(text) if isinstance(text, str) else None
        return bool(authors) and any(not _is_author(viewer, author_id) for author_id in authors)

    if isinstance(value, list):
        return [item for item in value if not held_from_viewer(item)]
    return HELD_TEXT if held_from_viewer(value) else value


def _open_holds(table: str) -> dict:
    """The holds of `table` not released, by row id."""
    return _holds()[0].get(table, {})


def _held_copies() -> dict[str, set[int]]:
    """Texts held now (pending or under review), each with its authors. Removed texts are not
    among them: their rows no longer carry them (see `_remove_one`)."""
    return _holds()[1]


def _holds() -> tuple[dict, dict]:
    """Every hold not released, read once per transaction in one statement: by table and row, and
    the texts held now with their authors."""
    info = db.session.info  # one lookup of the session: this runs for every text of an answer
    if HOLDS_KEY not in info:
        by_table, held = {}, {}
        for table, row_id, column, status, author_id, content in db.session.execute(
            select(ModerationHold.table_name, ModerationHold.row_id, ModerationHold.column_name, ModerationHold.status,
                   ModerationHold.author_id, ModerationHold.content)
            .where(ModerationHold.status != "released")
        ):
            by_table.setdefault(table, {}).setdefault(row_id, []).append((column, status, author_id, content))
            if status in HELD_NOW:
                held.setdefault(content, set()).add(author_id)
        info[HOLDS_KEY] = (by_table, held)
    return info[HOLDS_KEY]


# --------------------------------------------------------------------------- the desk queue


def queue(staff: User, status: str | None):
    """Held texts of authors in the caller's scope (administrators: all), newest first."""
    require_staff(staff)
    statement = select(ModerationHold).order_by(ModerationHold.id.desc())
    if not staff.is_admin:
        statement = statement.join(OrgUnit, OrgUnit.id == ModerationHold.org_unit_id).where(within_scope(staff))
    if status:
        statement = statement.where(ModerationHold.status == status)
    return statement


def _in_scope(staff: User, hold_id: int) -> ModerationHold:
    hold = db.session.execute(queue(staff, None).where(ModerationHold.id == hold_id)).scalar_one_or_none()
    if hold is None:
        raise NotFound("待审核内容不存在", code="moderation_not_found")
    return hold


def _decide(staff: User, hold_id: int, status: str) -> ModerationHold:
    """Decide on a hold and on every other place the same text of the same author is held (the row
    it was written to and, say, the notification quoting it): one decision, everywhere at once."""
    hold = _in_scope(staff, hold_id)
    _forget_cached_holds(db.session)
    moved = db.session.execute(
        update(ModerationHold)
        .where(ModerationHold.id == hold.id, ModerationHold.status == "review")
        .values(status=status, decided_by_id=staff.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该内容已处理", code="moderation_decided")
    db.session.refresh(hold)
    return hold


def _same_text_elsewhere(hold: ModerationHold) -> list[ModerationHold]:
    return list(db.session.execute(
        select(ModerationHold).where(
            ModerationHold.author_id == hold.author_id, ModerationHold.content == hold.content,
            ModerationHold.status == "review", ModerationHold.id != hold.id,
        )
    ).scalars())


# What an area does when the last held text of one of its rows is released: table → callback(row id).
_AFTER_RELEASE = {}


def after_release(table_name: str, callback) -> None:
    """Register what happens to a row of `table_name` once nothing in it is held any more."""
    _AFTER_RELEASE[table_name] = callback


def release(staff: User, hold_id: int) -> ModerationHold:
    """Staff let a held text be seen by everyone it was written for."""
    hold = _decide(staff, hold_id, "released")
    for other in _same_text_elsewhere(hold):
        _decide(staff, other.id, "released")
        _after_release(other)
    _after_release(hold)
    return hold


def _after_release(hold: ModerationHold) -> None:
    callback = _AFTER_RELEASE.get(hold.table_name)
    still_held = db.session.execute(
        select(ModerationHold.id).where(
            ModerationHold.table_name == hold.table_name, ModerationHold.row_id == hold.row_id,
            ModerationHold.status.in_(HELD_NOW),
        )
    ).first()
    if callback is not None and still_held is None:
        callback(hold.row_id)


def remove(staff: User, hold_id: int) -> ModerationHold:
    """Staff remove a held text: its row keeps a notice in its place, seen by no one else."""
    for other in _same_text_elsewhere(_in_scope(staff, hold_id)):
        _remove_one(staff, other.id)
    return _remove_one(staff, hold_id)


def _remove_one(staff: User, hold_id: int) -> ModerationHold:
    hold = _decide(staff, hold_id, "removed")
    table = db.metadata.tables[hold.table_name]
    if hold.trace_id is not None or hold.reason == "media" or hold.column_name not in table.c:
        return hold  # an image's row names a file (or one of a list of them): gone for others, not rewritten
    column = table.c[hold.column_name]
    if isinstance(column.type, String | Text):
        removed = REMOVED_TEXT
    else:  # a list (skills) loses the removed item, so no copy of the list shows it either
        items = db.session.execute(select(column).where(table.c.id == hold.row_id)).scalar_one_or_none()
        if not isinstance(items, list):
            return hold
        removed = [item for item in items if not _carries(item, hold.content)]
    db.session.execute(update(table).where(table.c.id == hold.row_id).values({hold.column_name: removed}))
    return hold
