"""The app under test: real database (SQLite or PostgreSQL), real Redis, real WeChat sandbox."""
import json
import logging
import re
import threading
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text
from werkzeug.serving import make_server

from app import create_app
from extensions import db, get_redis
from wx.client import get_wechat, init_wechat

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.wechat",
    "tests.fixtures.factories",
    "tests.fixtures.members",
    "tests.fixtures.contacts",
    "tests.fixtures.requests",
    "tests.fixtures.notifications",
    "tests.fixtures.desk",
]

# Eleven digits standing alone (Chinese text around them counts as alone); not a run inside
# a hex id such as an RQ worker's name.
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


class Transcript(logging.Handler):
    """Every response body and log line the app produced, for the leak scan."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._lines_lock = threading.Lock()

    def emit(self, record):
        self.add(self.format(record))

    def add(self, line: str):
        with self._lines_lock:
            self.lines.append(line)

    def take(self) -> list[str]:
        with self._lines_lock:
            lines, self.lines = self.lines, []
        return lines


@pytest.fixture(scope="session")
def transcript():
    handler = Transcript()
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture(scope="session")
def app(database_url, redis_server, wx_sandbox, transcript, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_server.url,
            "RATELIMIT_STORAGE_URI": redis_server.url,
            "WECHAT_API_BASE": wx_sandbox.base_url,
            "WECHAT_APPID": wx_sandbox.appid,
            "WECHAT_SECRET": wx_sandbox.secret,
        }
    )

    @app.after_request
    def record_response(response):
        if response.mimetype == "application/json" and not response.direct_passthrough:
            transcript.add(response.get_data(as_text=True))
        return response

    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_state(request):
    """After each test that used the app: scan for leaked secrets, empty tables and Redis."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _scan_for_leaks(request.getfixturevalue("transcript"), request.getfixturevalue("wx_sandbox"))
        db.session.remove()
        _empty_tables()
        get_redis().flushdb()
        # As after a restart: no copy of a token the emptied Redis no longer holds.
        get_wechat().close()
        init_wechat(app)


def _scan_for_leaks(transcript, wx_sandbox):
    secrets = set(wx_sandbox.session_keys().values())
    for line in transcript.take():
        assert '"session_key"' not in line, f"session_key field leaked: {line[:200]}"
        for secret in secrets:
            assert secret not in line, f"a session_key leaked: {line[:200]}"
        assert not FULL_PHONE.search(line), f"a full phone number leaked: {line[:200]}"


def _empty_tables():
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # The audit table refuses DELETE (a trigger): lift the triggers for the cleanup only.
            triggers = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'")
            ).all()
            for name, _sql in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608  # names from our own metadata
            for _name, sql in triggers:
                connection.execute(text(sql))


@pytest.fixture
def another_app(app):
    """Builds more apps over the same database and services (other settings); each one's database
    engine is disposed afterwards, so no connection of it outlives the test."""
    made = []

    def build(settings: dict):
        other = create_app(settings)
        made.append(other)
        return other

    yield build
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def live_server(app):
    """The app behind a real threaded HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def body(response) -> dict:
    return json.loads(response.get_data(as_text=True))


@contextmanager
def _engine_events(name: str, keep):
    """What `keep` makes of each call of the engine event `name` inside the block."""
    seen = []

    def record(*args):
        seen.append(keep(*args))

    event.listen(db.engine, name, record)
    try:
        yield seen
    finally:
        event.remove(db.engine, name, record)


def executed_statements():
    """Every SQL statement the app runs inside the block, for tests that count queries."""
    return _engine_events("before_cursor_execute", lambda _conn, _cursor, statement, *_rest: statement)


def commits():
    """Every commit inside the block."""
    return _engine_events("commit", lambda connection: connection)


@contextmanager
def committed_before_the_first_update(change):
    """Right before the session's first UPDATE runs, another connection commits `change(connection,
    statement)`, the statement being that UPDATE: a competing request or worker got there between
    this one's read and its guarded write."""
    session = db.session()
    fired = []

    def race(orm_execute_state):
        if orm_execute_state.is_update and not fired:
            fired.append(True)
            with db.engine.begin() as other:
                change(other, orm_execute_state.statement)

    event.listen(session, "do_orm_execute", race)
    try:
        yield
    finally:
        event.remove(session, "do_orm_execute", race)
    assert fired, "no UPDATE ran"


@contextmanager
def unordered_rows_reversed():
    """On SQLite, a SELECT without ORDER BY returns its rows in reverse for the block (the
    session's connection), so an answer that leans on the table's natural order shows it.
    PostgreSQL returns them in its own order; the block changes nothing there."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    if sqlite:
        db.session.execute(text("PRAGMA reverse_unordered_selects = ON"))
    try:
        yield
    finally:
        if sqlite:
            db.session.execute(text("PRAGMA reverse_unordered_selects = OFF"))
