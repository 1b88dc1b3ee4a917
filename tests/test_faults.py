"""Faults of the real servers Linli depends on: PostgreSQL restarted, WeChat failing, Redis stopped."""
import threading

import pytest
import requests

from extensions import db, limiter
from tests.conftest import body
from tests.fixtures.members import CENTRE
from tests.test_checkins import make_token
from wx.client import get_wechat

EVENT = "request_offered"


def _login(client, wx):
    code, _openid = wx.mint_code()
    return client.post("/api/v1/auth/wx-login", json={"code": code})


# ------------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgresql_only
def test_postgresql_restart_answers_503_then_recovers_without_restarting_linli(
    live_server, make, postgres_cluster
):
    if postgres_cluster is None:
        pytest.fail("needs the PostgreSQL cluster the suite starts itself (LINLI_TEST_DATABASE=postgresql, "
                    "without LINLI_TEST_POSTGRES_URL)", pytrace=False)
    headers = make.headers(make.resident())
    db.session.commit()
    me = f"{live_server}/api/v1/me"
    assert requests.get(me, headers=headers, timeout=10).status_code == 200
    postgres_cluster.stop_server()
    try:
        down = requests.get(me, headers=headers, timeout=10)
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "database_unavailable"
        assert down.headers["Retry-After"]
    finally:
        postgres_cluster.start_server()
    assert requests.get(me, headers=headers, timeout=10).status_code == 200

    # A restart in the middle of traffic: every answer is 200 or a clear 503, never a 500.
    statuses, stop = [], threading.Event()

    def traffic():
        while not stop.is_set():
            answer = requests.get(me, headers=headers, timeout=10)
            statuses.append((answer.status_code, answer.json().get("error", {}).get("code")))

    thread = threading.Thread(target=traffic)
    thread.start()
    try:
        postgres_cluster.restart()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert statuses and set(statuses) <= {(200, None), (503, "database_unavailable")}
    assert requests.get(me, headers=headers, timeout=10).status_code == 200


# ----------------------------------------------------------------------------------- WeChat


@pytest.mark.parametrize("kind", ["http500", "delay"])
def test_wechat_failing_or_timing_out_on_login_answers_503_wx_unavailable(client, wx, app, monkeypatch, kind):
    with app.app_context():
        monkeypatch.setattr(get_wechat(), "timeout", 0.3)
    wx.fault("sns/jscode2session", kind, seconds=1)
    answer = _login(client, wx)
    assert (answer.status_code, body(answer)["error"]["code"]) == (503, "wx_unavailable")
    assert _login(client, wx).status_code == 200


def test_wechat_5xx_then_timeout_on_delivery_is_retried_until_sent(
    client, wx, wechat_user, delivery, templates, app, monkeypatch
):
    from models.notifications import Notification
    from services.notifications import notify
    from wx import pages

    user_id, openid, headers = wechat_user
    client.post("/api/v1/notifications/grants", json={"template_ids": [templates[EVENT]]}, headers=headers)
    wx.grant(openid, templates[EVENT])
    with app.app_context():
        monkeypatch.setattr(get_wechat(), "timeout", 0.3)
        _ = get_wechat().access_token  # fetched before the faults, which target the send only
    wx.fault("cgi-bin/message/subscribe/send", "http500")
    wx.fault("cgi-bin/message/subscribe/send", "delay", seconds=1)
    notification = notify(user_id, EVENT, "有新的服务需求", "帮忙修水管", {}, pages.request_detail(1))
    db.session.commit()
    delivery.run()
    db.session.expire_all()
    row = db.session.get(Notification, notification.id)
    assert (row.status, row.attempts) == ("sent", 3)


# ------------------------------------------------------------------------------------ Redis


@pytest.fixture
def redis_stopped(redis_server):
    redis_server.stop()
    try:
        yield
    finally:
        redis_server.start()
        # The limiter switched to its in-memory counters; later tests count in Redis again.
        limiter._storage_dead = False
        limiter._fallback_storage.reset()


def test_with_redis_stopped_logins_requests_checkins_and_messages_keep_working(
    client, wx, make, scene, make_station, contact_scene, redis_stopped
):
    assert _login(client, wx).status_code == 200
    created = client.post(
        "/api/v1/requests", json={"category_id": scene["category"].id, "title": "换灯泡"},
        headers=make.headers(scene["resident"]),
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assert body(created)["status"] == "offered"  # the sweep advances the round; no timer was needed
    station = make_station(scene["units"]["community_a"])
    checked_in = client.post(
        "/api/v1/checkins",
        json={"station_id": station.id, "qr_token": make_token(station), "lat": CENTRE[0], "lng": CENTRE[1]},
        headers=make.headers(scene["members"][0]),
    )
    assert checked_in.status_code == 201, checked_in.get_data(as_text=True)
    written = client.post(
        f"/api/v1/contacts/{contact_scene.member.id}/messages", json={"text": "您好"},
        headers=contact_scene.headers["resident"],
    )
    assert written.status_code == 201, written.get_data(as_text=True)


def test_with_redis_stopped_the_login_limit_still_applies_per_process(client, wx, redis_stopped):
    answers = [_login(client, wx).status_code for _ in range(31)]
    assert answers[:30] == [200] * 30
    assert answers[30] == 429
