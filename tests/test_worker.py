"""Delivery through the relay, the queue and a worker to the WeChat sandbox: every outcome code."""
import threading

import pytest
from sqlalchemy import func, select

from extensions import db
from jobs.notifications import relay
from jobs.queue import get_queue
from models.notifications import Notification, NotificationGrant
from services.notifications import notify
from wx.client import get_wechat
from wx.sandbox import SUBSCRIBE_SEND_ENDPOINT

EVENT = "request_offered"


def _grant(client, wx, user, template_id, both=True):
    """The user accepted one message: recorded by us and, unless `both` is False, by WeChat."""
    user_id, openid, headers = user
    granted = client.post("/api/v1/notifications/grants", json={"template_ids": [template_id]}, headers=headers)
    assert granted.status_code == 200
    if both:
        wx.grant(openid, template_id)


def _notify(user_id, page="pages/request/detail?id=1", title="有新的服务需求", event=EVENT):
    notification = notify(user_id, event, title, "帮忙修水管", {"request_id": 1}, page)
    db.session.commit()
    return notification.id


def _row(notification_id) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


def _remaining(user_id, template_id) -> int:
    db.session.expire_all()
    return db.session.execute(
        select(NotificationGrant.remaining).where(
            NotificationGrant.user_id == user_id, NotificationGrant.template_id == template_id
        )
    ).scalar_one()


def test_granted_notification_is_sent_once_and_spends_the_grant(client, wx, wechat_user, delivery, templates):
    _grant(client, wx, wechat_user, templates[EVENT])
    notification_id = _notify(wechat_user[0])
    assert delivery.run() == 1
    row = _row(notification_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert wx.deliveries_by_notification_id() == {str(notification_id): 1}
    message = wx.messages()[0]
    assert message["template_id"] == templates[EVENT]
    assert message["body"]["data"]["thing1"]["value"] == "有新的服务需求"
    assert _remaining(wechat_user[0], templates[EVENT]) == 0


def test_without_a_recorded_grant_it_is_skipped_without_calling_wechat(wx, wechat_user, delivery, make):
    notification_id = _notify(wechat_user[0])
    delivery.run()
    row = _row(notification_id)
    assert row.status == "skipped" and row.last_error.startswith("no_grant")
    assert wx.stats()["sends"] == 0 and wx.messages() == []


def test_43101_refused_by_wechat_is_skipped_without_retry(client, wx, wechat_user, delivery, templates):
    _grant(client, wx, wechat_user, templates[EVENT], both=False)
    notification_id = _notify(wechat_user[0])
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("skipped", 1)
    assert "43101" in row.last_error


def test_40003_unknown_openid_fails_without_retry_and_keeps_the_grant(client, wx, make, delivery, templates):
    stranger = make.resident(openid="never-logged-in")
    headers = make.headers(stranger)
    _grant(client, wx, (stranger.id, "never-logged-in", headers), templates[EVENT], both=False)
    notification_id = _notify(stranger.id)
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "40003" in row.last_error
    assert _remaining(stranger.id, templates[EVENT]) == 1


def test_40037_unknown_template_fails_without_retry(client, wx, wechat_user, delivery, app, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATES", {**app.config["WECHAT_TEMPLATES"], EVENT: "tpl-unregistered"})
    _grant(client, wx, wechat_user, "tpl-unregistered")
    notification_id = _notify(wechat_user[0])
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "40037" in row.last_error


def test_41030_invalid_page_fails_without_retry(client, wx, wechat_user, delivery, templates):
    _grant(client, wx, wechat_user, templates[EVENT])
    notification_id = _notify(wechat_user[0], page="bad/page")
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "41030" in row.last_error


def test_47003_invalid_data_fails_without_retry(client, wx, wechat_user, delivery, templates):
    # The template asks for a key Linli does not fill: WeChat answers 47003.
    wx.add_template(templates[EVENT], keys=["thing9"])
    _grant(client, wx, wechat_user, templates[EVENT])
    notification_id = _notify(wechat_user[0])
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "47003" in row.last_error


def test_overlong_title_is_cut_not_sent_to_fail(client, wx, wechat_user, delivery, templates):
    _grant(client, wx, wechat_user, templates[EVENT])
    notification_id = _notify(wechat_user[0], title="一" * 60)
    delivery.run()
    assert _row(notification_id).status == "sent"
    assert wx.messages()[0]["body"]["data"]["thing1"]["value"] == "一" * 20


@pytest.mark.parametrize("kind", ["busy", "http500"])
def test_busy_or_5xx_is_retried_then_sent(client, wx, wechat_user, delivery, templates, kind):
    _grant(client, wx, wechat_user, templates[EVENT])
    wx.fault("cgi-bin/message/subscribe/send", kind, times=2)
    notification_id = _notify(wechat_user[0])
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("sent", 3)
    assert wx.deliveries_by_notification_id() == {str(notification_id): 1}


def test_busy_until_the_last_try_ends_failed_with_the_reason(client, wx, wechat_user, delivery, templates):
    _grant(client, wx, wechat_user, templates[EVENT])
    wx.fault("cgi-bin/message/subscribe/send", "busy", times=10)
    notification_id = _notify(wechat_user[0])
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("failed", 4)
    assert row.last_error.startswith("-1")
    assert _remaining(wechat_user[0], templates[EVENT]) == 1
    assert wx.messages() == []


def test_timeout_is_retried(client, wx, wechat_user, delivery, templates, app, monkeypatch):
    _grant(client, wx, wechat_user, templates[EVENT])
    with app.app_context():
        monkeypatch.setattr(get_wechat(), "timeout", 0.3)
        _ = get_wechat().access_token  # fetch the token before the slow send
    wx.fault("cgi-bin/message/subscribe/send", "delay", seconds=1)
    notification_id = _notify(wechat_user[0])
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("sent", 2)
    # The delayed first call reaches WeChat late and finds the one grant spent: one delivery.
    assert wx.calls.wait(SUBSCRIBE_SEND_ENDPOINT, finished=2)
    assert wx.deliveries_by_notification_id() == {str(notification_id): 1}


def test_expired_token_is_refreshed_once_and_the_send_retried(client, wx, wechat_user, delivery, templates):
    _grant(client, wx, wechat_user, templates[EVENT])
    wx.grant(wechat_user[1], templates[EVENT])
    _grant(client, wx, wechat_user, templates[EVENT], both=False)
    first = _notify(wechat_user[0])
    delivery.run()
    fetches = wx.stats()["token_fetches"] + wx.stats()["stable_token_fetches"]
    wx.expire_tokens()
    second = _notify(wechat_user[0])
    delivery.run()
    assert _row(first).status == "sent" and _row(second).status == "sent"
    assert _row(second).attempts == 1
    assert wx.stats()["token_fetches"] + wx.stats()["stable_token_fetches"] == fetches + 1


def test_every_row_is_accounted_for_and_grants_never_overspent(client, wx, wechat_user, delivery, templates):
    _grant(client, wx, wechat_user, templates[EVENT])
    _grant(client, wx, wechat_user, templates[EVENT])
    wx.fault("cgi-bin/message/subscribe/send", "busy", times=3)
    ids = [_notify(wechat_user[0], title=f"通知{n}") for n in range(6)]
    delivery.run()
    counts = dict(
        db.session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all()
    )
    assert sum(counts.values()) == len(ids)
    assert counts.get("sent") == 2
    assert counts.get("skipped") == 4
    assert _remaining(wechat_user[0], templates[EVENT]) == 0
    assert sum(wx.deliveries_by_notification_id().values()) == 2


def test_concurrent_relays_enqueue_each_row_once(app, make, delivery):
    user = make.resident()
    ids = {_notify(user.id, title=f"通知{n}") for n in range(40)}
    results = []
    barrier = threading.Barrier(4)

    def run_relay():
        with app.app_context():
            barrier.wait()
            results.append(relay())

    threads = [threading.Thread(target=run_relay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == len(ids)
    batches = [job.args[0] for job in get_queue().get_jobs()]
    assert sorted(notification_id for batch in batches for notification_id in batch) == sorted(ids)
    assert max(len(batch) for batch in batches) <= app.config["NOTIFY_BATCH_SIZE"]
    db.session.expire_all()
    assert {row.status for row in db.session.execute(select(Notification)).scalars()} == {"queued"}


def test_a_periodic_job_is_enqueued_once_per_interval_across_workers(app, delivery):
    from jobs.worker import enqueue_due_periodic_jobs

    with app.app_context():
        first = enqueue_due_periodic_jobs({"jobs.notifications.relay": 60})
        second = enqueue_due_periodic_jobs({"jobs.notifications.relay": 60})
        assert (first, second) == (["jobs.notifications.relay"], [])
        assert [job.func_name for job in get_queue().get_jobs()] == ["jobs.notifications.relay"]
