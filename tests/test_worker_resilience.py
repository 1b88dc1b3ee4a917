"""Nothing lost, nothing sent twice: Redis down and back, a worker killed mid-send, the worker command."""
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select

from extensions import db
from jobs.notifications import deliver_notifications, relay
from jobs.queue import get_queue
from models.members import Registration
from models.notifications import Notification
from tests.test_worker import EVENT, _grant, _notify, _remaining, _row
from wx.sandbox import SUBSCRIBE_SEND_ENDPOINT

REPO = Path(__file__).resolve().parent.parent


def _worker_command(app, wx, templates) -> subprocess.Popen:
    """`flask --app app worker --burst` in its own process, on the test's database, Redis and sandbox."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "WECHAT_APPID": wx.appid,
        "WECHAT_SECRET": wx.secret,
        "WECHAT_API_BASE": wx.base_url,
        "SECRET_KEY": "test-secret-key",
        f"WECHAT_TEMPLATE_{EVENT.upper()}": templates[EVENT],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_worker_command_relays_and_delivers_with_its_periodic_jobs(app, client, wx, wechat_user, templates):
    _grant(client, wx, wechat_user, templates[EVENT])
    notification_id = _notify(wechat_user[0])
    worker = _worker_command(app, wx, templates)
    _out, errors = worker.communicate(timeout=60)
    assert worker.returncode == 0, errors
    assert _row(notification_id).status == "sent"
    assert wx.deliveries_by_notification_id() == {str(notification_id): 1}


def test_redis_down_requests_still_succeed_and_rows_go_out_when_it_returns(
    client, live_server, wx, wechat_user, delivery, templates, redis_server, make
):
    user_id, _openid, _headers = wechat_user
    tree = make.tree()
    staff_headers = make.headers(make.staff(tree["community_a"]))
    _grant(client, wx, wechat_user, templates["registration_approved"])
    registration = Registration(
        user_id=user_id, community_id=tree["community_a"].id, employer_unit="测试单位",
        home_branch="测试单位党支部", skills=["维修"], availability=[], status="pending",
    )
    db.session.add(registration)
    db.session.commit()
    redis_server.stop()
    try:
        response = requests.post(
            f"{live_server}/api/v1/members/registrations/{registration.id}/approve",
            json={}, headers=staff_headers, timeout=30,
        )
        assert response.status_code == 200, response.text
        assert delivery.relay() == 0
        rows = db.session.execute(select(Notification).where(Notification.user_id == user_id)).scalars().all()
        assert [(row.event, row.status) for row in rows] == [("registration_approved", "pending")]
    finally:
        redis_server.start()
    assert delivery.run() == 1
    assert delivery.run() == 0
    assert _row(rows[0].id).status == "sent"
    assert wx.deliveries_by_notification_id() == {str(rows[0].id): 1}


def test_worker_killed_after_the_send_never_sends_the_row_again(
    app, client, wx, wechat_user, delivery, templates, monkeypatch
):
    _grant(client, wx, wechat_user, templates[EVENT])
    # A second grant, so a second send would be delivered if it happened.
    _grant(client, wx, wechat_user, templates[EVENT])
    notification_id = _notify(wechat_user[0])
    assert delivery.relay() == 1
    # WeChat holds the send for 4 s: the worker is killed while its call is in flight.
    wx.fault(SUBSCRIBE_SEND_ENDPOINT, "delay", seconds=4)
    worker = _worker_command(app, wx, templates)
    try:
        assert wx.calls.wait(SUBSCRIBE_SEND_ENDPOINT, started=1)
        # The grant was spent and committed before the call: seen from here, during the call.
        assert _remaining(wechat_user[0], templates[EVENT]) == 1
        assert _row(notification_id).sending_since is not None
    finally:
        worker.kill()
        worker.communicate(timeout=10)
    # Killed mid-send, the spent grant stays spent: WeChat took it.
    assert _remaining(wechat_user[0], templates[EVENT]) == 1
    assert _wait_for(lambda: wx.deliveries_by_notification_id() == {str(notification_id): 1}, seconds=10)
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("queued", 1)
    # The job runs again (as a redelivery would): the sending mark stops it before WeChat.
    get_queue().enqueue(deliver_notifications, [notification_id])
    delivery.work()
    # Much later the relay closes the interrupted row as failed, without sending it again.
    monkeypatch.setattr("services.notifications.STALE_SENDING", timedelta(0))
    with app.app_context():
        relay()
    row = _row(notification_id)
    assert row.status == "failed" and row.last_error.startswith("delivery_interrupted")
    assert wx.deliveries_by_notification_id() == {str(notification_id): 1}
    assert wx.stats()["sends"] == 1
