"""Engine settings per database: SQLite in WAL mode with a busy timeout, PostgreSQL pooled."""
import sqlite3

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from extensions import db


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
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 15, "check_same_thread": False})
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", 10)
        options.setdefault("max_overflow", 20)


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def paginate(statement, page: int, per_page: int):
    """One page of a select and the total count: (items, total)."""
    total = db.session.execute(
        select(db.func.count()).select_from(statement.order_by(None).subquery())
    ).scalar_one()
    items = db.session.execute(
        statement.limit(per_page).offset((page - 1) * per_page)
    ).scalars().all()
    return items, total
