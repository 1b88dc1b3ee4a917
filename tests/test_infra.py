"""The session's backing services (tests/fixtures/services.py) are real and behave as promised."""
import os
import socket

import pytest
import redis
import sqlalchemy as sa
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.fixtures.services import free_port


def _client(url):
    # Short timeouts and no retries: a stopped server must fail fast, not hang the test.
    return redis.Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0)
    )


def test_free_port_is_bindable_on_loopback():
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_redis_answers_ping_and_stores_data(redis_server):
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = _client(redis_server.url)
    try:
        assert client.ping() is True
        client.set("infra:probe", "邻里")
        assert client.get("infra:probe").decode() == "邻里"
        client.delete("infra:probe")
    finally:
        client.close()


def test_redis_stop_refuses_connections_and_start_brings_it_back(redis_server):
    port = redis_server.port
    client = _client(redis_server.url)
    try:
        client.set("infra:volatile", "1")
        redis_server.stop()
        with pytest.raises(redis.exceptions.ConnectionError):
            client.ping()
        redis_server.start()
        assert redis_server.port == port, "restart must reuse the port clients were given"
        assert client.ping() is True
        # --save "" --appendonly no: a restart is a clean slate.
        assert client.get("infra:volatile") is None
    finally:
        redis_server.start()  # never leave the session's server down for the tests after this
        client.close()


def test_database_answers_and_matches_the_requested_dialect(database_url):
    expected = os.environ.get("LINLI_TEST_DATABASE", "sqlite")
    engine = sa.create_engine(database_url)
    try:
        assert engine.dialect.name == expected
        if expected == "postgresql":
            assert engine.dialect.driver == "psycopg"
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
            conn.execute(sa.text("CREATE TABLE infra_probe (name VARCHAR(20))"))
            conn.execute(sa.text("INSERT INTO infra_probe VALUES ('邻里')"))
            assert conn.execute(sa.text("SELECT name FROM infra_probe")).scalar_one() == "邻里"
            conn.execute(sa.text("DROP TABLE infra_probe"))
    finally:
        engine.dispose()
