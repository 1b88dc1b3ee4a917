"""Delivery in batches: two commits per batch whatever its size, retries for the unanswered rows only,
and a worker killed mid-batch sends none of the batch's other rows."""
from datetime import timedelta

import pytest

from extensions import db
from jobs.notifications import relay
from services.notifications import RetryableDelivery, claim_due, deliver_batch
from tests.conftest import commits, executed_statements, unordered_rows_reversed
from tests.test_worker import EVENT, _grant, _notify, _remaining, _row
from tests.test_worker_resilience import _worker_command
from wx.client import get_wechat
from wx.sandbox import SUBSCRIBE_SEND_ENDPOINT


def _claimed(user_id, count) -> list[int]:
    ids = [_notify(user_id, title=f"通知{n}") for n in range(count)]
    assert claim_due() == ids
    db.session.commit()
    return ids


def _deliver(app, ids):
    """One batch as the job runs it, in its own app context; its statements and commits."""
    with app.app_context(), executed_statements() as statements, commits() as committed:
        outcomes = deliver_batch(ids, final_attempt=True)
        db.session.remove()
    return outcomes, len(statements), len(committed)


def test_a_batch_costs_two_commits_and_the_same_statements_whatever_its_size(app, client, wx, wechat_user, templates):
    user_id, openid, _headers = wechat_user
    for _ in range(8):
        _grant(client, wx, wechat_user, templates[EVENT])
    few, few_statements, few_commits = _deliver(app, _claimed(user_id, 2))
    many, many_statements, many_commits = _deliver(app, _claimed(user_id, 6))
    assert {outcome.status for outcome in (few | many).values()} == {"sent"}
    assert (few_commits, many_commits) == (2, 2)
    # The marks, the rows, the grants (read, then spent), the template ids and the answers: one
    # statement each for the whole batch.
    assert many_statements == few_statements == 6
    assert sum(wx.deliveries_by_notification_id().values()) == 8
    assert _remaining(user_id, templates[EVENT]) == 0


def test_a_busy_answer_retries_only_its_row_and_the_rest_of_the_batch_is_sent_once(
    client, wx, wechat_user, delivery, templates
):
    user_id = wechat_user[0]
    for _ in range(3):
        _grant(client, wx, wechat_user, templates[EVENT])
    wx.fault(SUBSCRIBE_SEND_ENDPOINT, "busy", times=1)
    ids = [_notify(user_id, title=f"通知{n}") for n in range(3)]
    assert delivery.run() == 3
    assert [(_row(n).status, _row(n).attempts) for n in ids] == [("sent", 2), ("sent", 1), ("sent", 1)]
    # The first try's answer was kept on the row until the retry sent it.
    assert _row(ids[0]).last_error.startswith("-1")
    assert wx.deliveries_by_notification_id() == {str(n): 1 for n in ids}
    assert _remaining(user_id, templates[EVENT]) == 0


def test_rows_settled_without_wechat_are_recorded_beside_the_sent_ones(client, wx, wechat_user, make, delivery,
                                                                      templates):
    """No grant, no openid: skipped in the same batch as a sent row, each with its reason."""
    _grant(client, wx, wechat_user, templates[EVENT])
    sent, ungranted = _notify(wechat_user[0], title="第一条"), _notify(wechat_user[0], title="第二条")
    stranger = _notify(make.resident(openid=None).id)
    assert delivery.run() == 3
    assert (_row(sent).status, _row(sent).last_error) == ("sent", None)
    assert (_row(ungranted).status, _row(ungranted).last_error) == ("skipped", "no_grant: 用户未订阅该消息")
    assert (_row(stranger).status, _row(stranger).last_error) == ("skipped", "no_openid: 用户未绑定微信")
    assert all(_row(n).sending_since is None for n in (sent, ungranted, stranger))
    assert wx.deliveries_by_notification_id() == {str(sent): 1}


def test_a_worker_killed_mid_batch_sends_none_of_its_other_rows(
    app, client, wx, wechat_user, delivery, templates, monkeypatch
):
    """The batch's grants were spent and its rows marked before the first call: after the kill no
    row of it goes out, and the relay closes every one as interrupted (README, delivery guarantee)."""
    user_id = wechat_user[0]
    for _ in range(6):  # twice what the batch needs: a send after the kill would be delivered
        _grant(client, wx, wechat_user, templates[EVENT])
    ids = [_notify(user_id, title=f"通知{n}") for n in range(3)]
    assert delivery.relay() == 3
    wx.fault(SUBSCRIBE_SEND_ENDPOINT, "delay", seconds=4)
    worker = _worker_command(app, wx, templates)
    try:
        assert wx.calls.wait(SUBSCRIBE_SEND_ENDPOINT, started=1)
        assert _remaining(user_id, templates[EVENT]) == 3
        assert all(_row(n).sending_since is not None for n in ids)
    finally:
        worker.kill()
        worker.communicate(timeout=10)
    assert wx.calls.wait(SUBSCRIBE_SEND_ENDPOINT, finished=1)
    monkeypatch.setattr("services.notifications.STALE_SENDING", timedelta(0))
    with app.app_context():
        relay()
    assert {(_row(n).status, _row(n).last_error.split(":")[0]) for n in ids} == {("failed", "delivery_interrupted")}
    assert wx.stats()["sends"] == 1
    assert _remaining(user_id, templates[EVENT]) == 3


def test_each_persons_grants_are_spent_in_row_order_within_one_batch(client, wx, wechat_user, delivery, templates):
    """Two people in one batch: the first holds one grant for two messages, the second two for one."""
    code, _openid = wx.mint_code()
    answer = client.post("/api/v1/auth/wx-login", json={"code": code}).get_json()
    second = (answer["user"]["id"], _openid, {"Authorization": f"Bearer {answer['token']}"})
    _grant(client, wx, wechat_user, templates[EVENT])
    _grant(client, wx, second, templates[EVENT])
    _grant(client, wx, second, templates[EVENT])
    first_early, second_only, first_late = (
        _notify(wechat_user[0], title="甲一"), _notify(second[0], title="乙一"), _notify(wechat_user[0], title="甲二"))
    assert delivery.run() == 3
    assert [_row(n).status for n in (first_early, second_only, first_late)] == ["sent", "sent", "skipped"]
    assert _row(first_late).last_error == "no_grant: 用户未订阅该消息"
    assert (_remaining(wechat_user[0], templates[EVENT]), _remaining(second[0], templates[EVENT])) == (0, 1)
    assert wx.deliveries_by_notification_id() == {str(first_early): 1, str(second_only): 1}


def test_the_shared_token_is_read_once_not_per_send(app, client, wx, wechat_user, delivery, templates, monkeypatch):
    """A worker reuses the token it read; a token WeChat refuses is fetched anew once and used from then on."""
    monkeypatch.setattr("wx.client.TOKEN_MEMO_SECONDS", 600)
    with app.app_context():
        wechat = get_wechat()
        first_token = wechat.access_token
        reads = []
        read = wechat.session.get
        monkeypatch.setattr(wechat.session, "get", lambda key, default=None: reads.append(key) or read(key, default))
    for _ in range(4):
        _grant(client, wx, wechat_user, templates[EVENT])
    ids = [_notify(wechat_user[0], title=f"通知{n}") for n in range(2)]
    delivery.run()
    assert reads == []
    wx.expire_tokens()
    ids += [_notify(wechat_user[0], title=f"通知{n}") for n in range(2, 4)]
    delivery.run()
    assert [_row(n).status for n in ids] == ["sent"] * 4
    with app.app_context():
        assert get_wechat().access_token not in (None, first_token)
    assert {message["linli_notification_id"] for message in wx.messages()} == set(ids)


def test_a_retry_names_every_row_wechat_did_not_get(client, wx, wechat_user, templates):
    for _ in range(2):
        _grant(client, wx, wechat_user, templates[EVENT])
    first, second = _claimed(wechat_user[0], 2)
    wx.fault(SUBSCRIBE_SEND_ENDPOINT, "busy", times=2)
    with pytest.raises(RetryableDelivery) as retry:
        deliver_batch([first, second], final_attempt=False)
    named = [part.split(": ", 1) for part in str(retry.value).split("; ")]
    assert [int(row_id) for row_id, _reason in named] == [first, second]
    assert all(reason.startswith("-1 ") for _row_id, reason in named)


def test_the_grants_go_to_the_rows_in_id_order_whatever_order_the_database_reads_them(
    client, wx, wechat_user, templates
):
    """Two rows, one grant: the older row is sent and the newer one skipped."""
    _grant(client, wx, wechat_user, templates[EVENT])
    older, newer = _claimed(wechat_user[0], 2)
    try:
        with unordered_rows_reversed():
            outcomes = deliver_batch([older, newer], final_attempt=True)
    finally:
        db.engine.dispose()  # no pooled connection keeps the reversed reads
    assert (outcomes[older].status, outcomes[newer].status) == ("sent", "skipped")
