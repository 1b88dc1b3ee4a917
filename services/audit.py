"""The audit trail: one row per staff operation, written by session events, never by hand.

How a row comes about, whatever the endpoint:
- the request layer opens an `Operation` for every request (who asks, from where, which
  endpoint, the ids in the path) — `begin_operation`;
- while the caller is staff or an administrator, the session records every row the
  operation changes: ORM flushes (`after_flush`) and guarded UPDATE/DELETE statements
  (`do_orm_execute`, which reads the rows before and after);
- at commit (`before_commit`) the changes become ONE `AuditEntry` in the same transaction,
  chained to the previous row by its hash. A failed operation rolls back and leaves none.

Sensitive personal data (health, disability, poverty: the care targets) is read through
`read_sensitive`, which checks who may read it and records the read in the same trail.
"""
import hashlib
import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, insert, inspect, or_, select, text
from sqlalchemy.orm import Session

from extensions import db
from localtime import to_local
from models.audit import AUDIT_KIND_NAMES, AUDIT_TABLE, AuditEntry
from models.base import utcnow
from models.orgs import OrgUnit
from models.users import User
from services.errors import Forbidden, NotFound
from services.permissions import is_staff, reaches, require_org
from services.spreadsheets import Column, workbook
from services.users import mask_phone

# Tables that are themselves records of something else: the request history (its own log),
# idempotency replays, the counters behind rate limits and login locks, and the trail.
NOT_AUDITED = frozenset({AUDIT_TABLE, "idempotency_keys", "request_history", "usage_counters", "desk_login_failures",
                         # a secret ballot: no trail may time it or name who cast it
                         "evaluation_ballots"})
# A new outbox row is a consequence of the change being audited and quotes names and text; staff
# changing an outbox row (sending a failed one again) is a decision, and is audited.
INSERTS_NOT_AUDITED = frozenset({"notifications"})
# Column names whose values never enter the trail nor any export: only that they changed.
SECRET_COLUMN = re.compile(r"password|secret|token|session_key|digest")
# A person's WeChat identifiers: shown to that person (their export), never in the trail.
IDENTIFIER_COLUMN = re.compile(r"openid|unionid")
HIDDEN = "[已隐藏]"
HIDDEN_CHANGED = "[已隐藏，已更改]"
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
# Path parameters whose table is not named after them.
PATH_TABLES = {"org_id": "org_units", "building_id": "org_units", "community_id": "org_units",
               "member_id": "users", "user_id": "users"}
# PostgreSQL: one writer at a time extends the hash chain (the key is arbitrary but fixed).
CHAIN_LOCK_KEY = 20120012


@dataclass
class Operation:
    """What the request layer knows about the operation under way."""

    action: str
    ip: str | None
    # The caller, once the view has authenticated them (None for anonymous endpoints).
    actor: Callable[[], User | None]
    path_ids: dict[str, int] = field(default_factory=dict)
    reads: list[dict] = field(default_factory=list)
    # The caller's id once known to be staff, so the session events ask only once.
    staff_actor_id: int | None = None


_operation: ContextVar[Operation | None] = ContextVar("linli_audit_operation", default=None)


def begin_operation(operation: Operation) -> None:
    _operation.set(operation)


def end_operation() -> None:
    _operation.set(None)


def has_pending_reads() -> bool:
    operation = _operation.get()
    return operation is not None and bool(operation.reads)


def _audited_actor_id() -> int | None:
    """The staff member or administrator whose changes are being recorded, if any."""
    operation = _operation.get()
    if operation is None:
        return None
    if operation.staff_actor_id is None:
        actor = operation.actor()
        if actor is not None and is_staff(actor):
            operation.staff_actor_id = actor.id
    return operation.staff_actor_id


# ------------------------------------------------------------------ values as the trail keeps them


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return HIDDEN
    if isinstance(value, str):
        return FULL_PHONE.sub(lambda found: mask_phone(found.group()), value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def recorded_value(column: str, value, show_identifiers: bool = False):
    """A column's value as the trail (and an export) may hold it: no secrets, no full phone numbers."""
    if value is None:
        return None
    if SECRET_COLUMN.search(column) or (IDENTIFIER_COLUMN.search(column) and not show_identifiers):
        return HIDDEN
    if column == "phone" or column.endswith("_phone"):
        return mask_phone(str(value))
    return _plain(value)


def _whole_row(values: dict) -> dict:
    """A row added or removed: its columns that hold something (an empty one says nothing)."""
    return {column: recorded_value(column, value) for column, value in values.items() if value is not None}


def _recorded_change(column: str, old, new) -> tuple:
    """A changed value's before and after as recorded; a hidden value that changed still shows that it did."""
    before, after = recorded_value(column, old), recorded_value(column, new)
    if before == after:
        after = HIDDEN_CHANGED
    return before, after


# ------------------------------------------------------------------ collecting the changes


def _changes(session: Session) -> dict:
    """(table, id) → {"kind", "before", "after"} for the transaction under way."""
    return session.info.setdefault("audit_changes", {})


def _merge(session: Session, table: str, pk, kind: str, before: dict, after: dict) -> None:
    changes = _changes(session)
    entry = changes.get((table, pk))
    if entry is None:
        changes[(table, pk)] = {"kind": kind, "before": dict(before), "after": dict(after)}
        return
    if entry["kind"] != "insert":
        for column, value in before.items():
            entry["before"].setdefault(column, value)  # the first value seen is the one before
    entry["after"].update(after)
    if kind == "delete":
        entry["kind"] = "dropped" if entry["kind"] == "insert" else "delete"
        entry["after"] = {}


def _row_key(state) -> tuple[str, object] | None:
    """(table, primary key) from the object's own values: a row just inserted has no identity key yet."""
    mapper = state.mapper
    key = tuple(state.dict.get(mapper.get_property_by_column(column).key) for column in mapper.primary_key)
    if any(value is None for value in key):
        return None
    return mapper.local_table.name, _pk(key)


@event.listens_for(Session, "after_flush")
def _collect_flushed(session, _flush_context):
    if _audited_actor_id() is None:
        return
    for obj in [*session.new, *session.dirty, *session.deleted]:
        state = inspect(obj)
        if state.mapper.local_table.name in NOT_AUDITED:
            continue
        key = _row_key(state)
        if key is None:
            continue
        columns = state.mapper.column_attrs
        if obj in session.new:
            if state.mapper.local_table.name in INSERTS_NOT_AUDITED:
                continue
            _merge(session, *key, "insert", {}, _whole_row({c.key: state.dict.get(c.key) for c in columns}))
        elif obj in session.deleted:
            _merge(session, *key, "delete", _whole_row({c.key: state.dict.get(c.key) for c in columns}), {})
        else:
            before, after = {}, {}
            for column in columns:
                history = state.attrs[column.key].history
                old = history.deleted[0] if history.deleted else None
                if not history.added or old == history.added[0]:
                    continue
                before[column.key], after[column.key] = _recorded_change(column.key, old, history.added[0])
            if after:
                _merge(session, *key, "update", before, after)


@event.listens_for(Session, "do_orm_execute")
def _collect_statement(state):
    """Guarded UPDATE and DELETE statements bypass the flush: read their rows around them."""
    if not (state.is_update or state.is_delete) or _audited_actor_id() is None:
        return None
    # The plain table: selecting the mapped entity would bring its eagerly loaded relationships along.
    table = state.bind_mapper.local_table if state.bind_mapper is not None else state.statement.table
    if table.name in NOT_AUDITED:
        return None
    session = state.session
    primary_key = list(table.primary_key.columns)
    connection = session.connection()
    rows = select(*table.columns)
    if state.statement.whereclause is not None:
        rows = rows.where(state.statement.whereclause)
    before_rows = connection.execute(rows).mappings().all()
    result = state.invoke_statement()
    if not before_rows:
        return result
    keys = [tuple(row[column.key] for column in primary_key) for row in before_rows]
    if state.is_delete:
        for key, row in zip(keys, before_rows, strict=True):
            _merge(session, table.name, _pk(key), "delete", _whole_row(dict(row)), {})
        return result
    id_column = primary_key[0]
    after_rows = {
        tuple(row[column.key] for column in primary_key): row
        for row in connection.execute(
            select(*table.columns).where(id_column.in_([key[0] for key in keys]))
        ).mappings()
    }
    for key, old in zip(keys, before_rows, strict=True):
        new = after_rows.get(key)
        if new is None:
            continue
        pairs = {name: _recorded_change(name, old[name], new[name]) for name in old if old[name] != new[name]}
        if pairs:
            _merge(
                session, table.name, _pk(key), "update",
                {name: pair[0] for name, pair in pairs.items()}, {name: pair[1] for name, pair in pairs.items()},
            )
    return result


def _pk(key: tuple):
    return key[0] if len(key) == 1 else list(key)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop("audit_changes", None)


@event.listens_for(Session, "after_commit")
def _forget_committed(session):
    session.info.pop("audit_changes", None)


# ------------------------------------------------------------------ writing the row


@event.listens_for(Session, "before_commit")
def _write_entries(session):
    operation = _operation.get()
    if operation is None or session.info.get("audit_writing"):
        return
    session.info["audit_writing"] = True
    try:
        session.flush()  # the last changes of the operation, so they are collected too
        entries = list(operation.reads)
        operation.reads.clear()
        actor_id = _audited_actor_id()
        changes = _effective(_changes(session))
        if actor_id is not None and changes:
            entries.append(_write_entry(actor_id, operation, changes))
        session.info.pop("audit_changes", None)
        if entries:
            _append(session, entries)
    finally:
        session.info.pop("audit_writing", None)


def _effective(changes: dict) -> dict:
    """The changes that changed something: a column set to its own value, or a row added and removed, are none."""
    effective = {}
    for key, change in changes.items():
        if change["kind"] == "dropped":
            continue
        if change["kind"] == "update":
            changed = [name for name, value in change["after"].items() if change["before"].get(name) != value]
            if not changed:
                continue
            change = {**change, "before": {name: change["before"].get(name) for name in changed},
                      "after": {name: change["after"][name] for name in changed}}
        effective[key] = change
    return effective


def _write_entry(actor_id: int, operation: Operation, changes: dict) -> dict:
    target = _target(operation, changes)
    return {
        "actor_id": actor_id,
        "kind": "write",
        "action": operation.action,
        "target_type": target[0] if target else None,
        "target_id": target[1] if target and isinstance(target[1], int) else None,
        "org_id": _org_of_operation(target, changes),
        "before": {f"{table}:{pk}": change["before"] for (table, pk), change in changes.items() if change["before"]},
        "after": {f"{table}:{pk}": change["after"] for (table, pk), change in changes.items() if change["after"]},
        "ip": operation.ip,
    }


def _append(session: Session, entries: list[dict]) -> None:
    """Add the entries at the end of the hash chain."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    previous = session.execute(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    rows = []
    for fields in entries:
        entry = AuditEntry(at=utcnow(), prev_hash=previous, **fields)
        previous = entry_hash(entry)
        rows.append({**fields, "at": entry.at, "prev_hash": entry.prev_hash, "hash": previous})
    # One INSERT for them all: a listing recording a read per row shown costs one statement, not one a row.
    session.execute(insert(AuditEntry), rows)


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the row's content and the previous row's hash."""
    content = {
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "kind": entry.kind,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "org_id": entry.org_id,
        "before": entry.before,
        "after": entry.after,
        "ip": entry.ip,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# ------------------------------------------------------------------ target and org of an operation


def _table_for_parameter(name: str) -> str:
    """The table a path id names: `request_id` → service_requests, `scope_id` → staff_scopes."""
    if name in PATH_TABLES:
        return PATH_TABLES[name]
    stem = name.removesuffix("_id")
    plurals = {stem + "s", stem + "es", stem[:-1] + "ies"}
    tables = sorted(db.metadata.tables)
    for table in tables:
        if table in plurals:
            return table
    for table in tables:
        if any(table.endswith("_" + plural) for plural in plurals):
            return table
    return stem


def _target(operation: Operation, changes: dict) -> tuple[str, object] | None:
    """The object the path names (its first id), or else the first row the operation changed."""
    if operation.path_ids:
        name, value = next(iter(operation.path_ids.items()))
        return _table_for_parameter(name), value
    return next(iter(changes), None)


def _model_for(table: str):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table:
            return mapper.class_
    return None


def _org_of_user(user) -> int | None:
    return user.scopes[0].org_id if user.scopes else user.community_id


def _org_of_request(request_id: int) -> int | None:
    from models.requests import ServiceRequest

    request = db.session.get(ServiceRequest, request_id)
    return request.community_id if request is not None else None


def _org_of_thread(thread_id: int) -> int | None:
    from models.contacts import ContactThread

    thread = db.session.get(ContactThread, thread_id)
    return thread.community_id if thread is not None else None


def _org_of_hour_entry(entry_id: int) -> int | None:
    from models.ledger import HourEntry

    entry = db.session.get(HourEntry, entry_id)
    return entry.org_id if entry is not None else None


def _org_of_station(station_id: int) -> int | None:
    from models.stations import Station

    station = db.session.get(Station, station_id)
    return station.org_id if station is not None else None


def _org_of_unit(unit_id: int) -> int | None:
    from models.coordination import ResidentUnit

    unit = db.session.get(ResidentUnit, unit_id)
    return unit.street_id if unit is not None else None


def _org_of_activity(activity_id: int) -> int | None:
    from models.activities import Activity

    activity = db.session.get(Activity, activity_id)
    return activity.org_id if activity is not None else None


def _org_of_project(project_id: int) -> int | None:
    from models.coordination import JointProject

    project = db.session.get(JointProject, project_id)
    return project.community_id if project is not None else None


def _org_of_evaluation_subject(subject_id: int) -> int | None:
    from models.evaluation import EvaluationSubject

    subject = db.session.get(EvaluationSubject, subject_id)
    return subject.org_id if subject is not None else None


# How to find the org of a row whose table has no org_id, community_id or building_id column.
ORG_OF_ROW: dict[str, Callable[[dict], int | None]] = {
    "org_units": lambda row: row.get("id"),
    "checkins": lambda row: _org_of_station(row["station_id"]),
    "hour_corrections": lambda row: _org_of_hour_entry(row["entry_id"]),
    "request_offers": lambda row: _org_of_request(row["request_id"]),
    "contact_messages": lambda row: _org_of_thread(row["thread_id"]),
    "phone_reveals": lambda row: _org_of_thread(row["thread_id"]),
    "resident_units": lambda row: row.get("street_id"),
    "unit_liaisons": lambda row: _org_of_unit(row["unit_id"]),
    "activity_signups": lambda row: _org_of_activity(row["activity_id"]),
    "resource_offers": lambda row: row.get("street_id"),
    "branch_members": lambda row: row.get("branch_id"),
    "mass_organisations": lambda row: row.get("branch_id"),
    "project_offers": lambda row: _org_of_project(row["project_id"]),
    "evaluation_assessments": lambda row: _org_of_evaluation_subject(row["subject_id"]),
    "evaluation_media": lambda row: _org_of_evaluation_subject(row["subject_id"]),
}
ORG_COLUMNS = ("org_id", "community_id", "building_id")


def org_of_row(table: str, row: dict) -> int | None:
    """The org unit a row belongs to (the one whose staff may see what happened to it)."""
    if table in ORG_OF_ROW:
        try:
            return ORG_OF_ROW[table](row)
        except KeyError:
            return None
    return next((row[name] for name in ORG_COLUMNS if row.get(name) is not None), None)


def _row_now(table: str, pk) -> dict | None:
    model = _model_for(table)
    if model is None or not isinstance(pk, int):
        return None
    obj = db.session.get(model, pk)
    if obj is None:
        return None
    if table == "users":
        return {"org_id": _org_of_user(obj)}
    return {attr.key: getattr(obj, attr.key) for attr in inspect(model).column_attrs}


def _org_of_operation(target, changes: dict) -> int | None:
    """The target's org; for a person (a staff account), the org of the scope that changed first."""
    candidates = []
    if target is not None and target[0] != "users":
        candidates.append(target)
    candidates.extend(key for key in changes if key[0] != "users")
    if target is not None and target[0] == "users":
        candidates.append(target)
    for table, pk in candidates:
        change = changes.get((table, pk), {})
        row = _row_now(table, pk) or {**change.get("before", {}), **change.get("after", {}), "id": pk}
        org_id = org_of_row(table, row)
        if org_id is not None:
            return org_id
    return None


# ------------------------------------------------------------------ sensitive reads


def record_read(actor: User, target, fields: list[str], org_id: int | None = None) -> None:
    """Record that `actor` read these fields of `target`; written when the request commits."""
    state = inspect(target)
    table, pk = _row_key(state)
    operation = _operation.get()
    entry = {
        "actor_id": actor.id,
        "kind": "read",
        "action": operation.action if operation else f"{table}.read",
        "target_type": table,
        "target_id": pk,
        "org_id": org_id if org_id is not None else org_of_row(table, _row_now(table, pk) or {}),
        "before": {},
        "after": {f"{table}:{pk}": {"read": sorted(fields)}},
        "ip": operation.ip if operation else None,
    }
    if operation is not None:
        operation.reads.append(entry)
    else:
        _append(db.session, [entry])


def read_sensitive(actor: User, target, org: OrgUnit, assigned_user_ids, fields: list[str]):
    """Sensitive personal data: the staff over `org` and the people assigned to it read it, each read recorded.

    Anyone else is told it does not exist.
    """
    if not (reaches(actor, org) or actor.id in set(assigned_user_ids)):
        raise NotFound("对象不存在", code="not_found")
    record_read(actor, target, fields, org_id=org.id)
    return target


# ------------------------------------------------------------------ reading the trail


def _secretary_paths(user: User) -> list[str]:
    return [scope.org.path for scope in user.scopes if scope.role == "secretary"]


def listing(user: User, filters: dict):
    """The rows the caller may read, newest first: administrators all, secretaries their scope."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if not user.is_admin:
        paths = _secretary_paths(user)
        if not paths:
            raise Forbidden("审计日志仅限管理员和党组织书记查看", code="role_required")
        statement = statement.join(OrgUnit, OrgUnit.id == AuditEntry.org_id).where(
            or_(*(OrgUnit.path.startswith(path) for path in paths))
        )
    if filters.get("org_id") is not None:
        org = require_org(user, filters["org_id"])
        subtree = select(OrgUnit.id).where(OrgUnit.path.startswith(org.path))
        statement = statement.where(AuditEntry.org_id.in_(subtree))
    for name in ("actor_id", "action", "kind", "target_type", "target_id"):
        if filters.get(name) is not None:
            statement = statement.where(getattr(AuditEntry, name) == filters[name])
    if filters.get("since") is not None:
        statement = statement.where(AuditEntry.at >= filters["since"])
    if filters.get("until") is not None:
        statement = statement.where(AuditEntry.at < filters["until"])
    return statement


def verify_chain(batch: int = 1000) -> list[str]:
    """Every break in the hash chain (an edited row, a missing one), as readable lines; empty when whole."""
    problems = []
    previous_hash = None
    last_id = 0
    while True:
        rows = db.session.execute(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).scalars().all()
        if not rows:
            return problems
        for entry in rows:
            if entry.prev_hash != previous_hash:
                problems.append(f"#{entry.id}: 上一条记录的哈希不符（记录缺失或被改动）")
            if entry_hash(entry) != entry.hash:
                problems.append(f"#{entry.id}: 内容与哈希不符（记录被改动）")
            previous_hash = entry.hash
            last_id = entry.id
        db.session.expunge_all()


# ------------------------------------------------------------------ the spreadsheet

EXPORT_MAX_ROWS = 10000
EXPORT_HEADERS = [
    "编号", "时间", "操作人编号", "操作人", "类型", "操作",
    "对象类型", "对象编号", "所属组织编号", "修改前", "修改后", "IP 地址",
]


def spreadsheet(user: User, filters: dict) -> bytes:
    """The rows `listing` gives the caller (newest first, at most EXPORT_MAX_ROWS), as an .xlsx workbook."""
    entries = db.session.execute(listing(user, filters).limit(EXPORT_MAX_ROWS)).scalars()
    rows = (
        [
            entry.id,
            to_local(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor_id,
            entry.actor_name,
            AUDIT_KIND_NAMES[entry.kind],
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.org_id,
            json.dumps(entry.before, ensure_ascii=False, sort_keys=True),
            json.dumps(entry.after, ensure_ascii=False, sort_keys=True),
            entry.ip,
        ]
        for entry in entries
    )
    return workbook("审计日志", [Column(header) for header in EXPORT_HEADERS], rows)
