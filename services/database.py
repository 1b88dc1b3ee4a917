"""Engine settings per database: SQLite in WAL mode with a busy timeout, PostgreSQL pooled."""
import sqlite3

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from extensions import db
from services.errors import Conflict, Invalid


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; the busy timeout makes writers queue, not fail.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_engine_options(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    # SQL errors are logged: their bound values (phones, names, texts) must not be.
    options.setdefault("hide_parameters", True)
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 15, "check_same_thread": False})
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", 10)
        options.setdefault("max_overflow", 20)


def add_or_conflict(row, conflict: Conflict):
    """Insert `row` in a savepoint: a unique constraint it breaks answers `conflict` (409), and the
    rest of the transaction stands."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise conflict from None
    return row


def update_row(row, changes: dict):
    """Set the changed fields of a PATCH on `row` and flush, so a constraint it breaks fails here."""
    for name, value in changes.items():
        setattr(row, name, value)
    db.session.flush()
    return row


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


# Deeper pages make the database skip that many rows first: narrow the filter instead.
MAX_PAGE_DEPTH = 10_000
# The most rows an answer that is one document, not a page, carries (candidates, offers, trees).
UNPAGED_LIMIT = 500


def require_shallow_page(page: int, per_page: int) -> None:
    """422 for a page reaching past MAX_PAGE_DEPTH rows."""
    if page * per_page > MAX_PAGE_DEPTH:
        raise Invalid(
            f"翻页过深（最多 {MAX_PAGE_DEPTH} 条），请缩小筛选范围",
            code="page_too_deep",
            fields={"page": [f"page × per_page 不能超过 {MAX_PAGE_DEPTH}"]},
        )


def paginate(statement, page: int, per_page: int, count=None):
    """One page of a select and the total count: (items, total); 422 past MAX_PAGE_DEPTH rows.
    `count`, if given, is a select of the same total that indexes serve better than a count of `statement`."""
    require_shallow_page(page, per_page)
    if count is None:
        count = select(db.func.count()).select_from(statement.order_by(None).subquery())
    total = db.session.execute(count).scalar_one()
    items = db.session.execute(
        statement.limit(per_page).offset((page - 1) * per_page)
    ).scalars().all()
    return items, total
