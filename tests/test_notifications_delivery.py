"""One delivery to the WeChat sandbox, called directly: every outcome, what is recorded, what is sent."""
import logging
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from wechatpy.exceptions import WeChatClientException

from extensions import db
from models.notifications import Notification, NotificationGrant
from models.users import User
from services.errors import Invalid
from services.notifications import (
    Outcome,
    RetryableDelivery,
    add_grants,
    deliver_batch,
    fit_template_data,
    notify,
    template_data,
)
from wx.client import get_wechat

EVENT = "request_offered"
OTHER_EVENT = "request_accepted"
PAGE = "pages/requests/detail?id=1"
SPENT_AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ANSWERED_AT = datetime(2026, 3, 1, 8, 0, 3, tzinfo=UTC)
# WeChat ends every error message with a request id of its own.
BUSY = r"-1  system error, rid: [0-9a-f]+"


@pytest.fixture
def clock(monkeypatch):
    """The outbox's clock: SPENT_AT until WeChat is called, ANSWERED_AT once the call began."""
    now = {"at": SPENT_AT}
    monkeypatch.setattr("services.notifications.utcnow", lambda: now["at"])
    return now


@pytest.fixture
def wechat_calls(app, monkeypatch, clock):
    """Every send to WeChat goes through here: `before` runs first (inside the call, after the
    commit), then the sandbox answers; `answer` may change what the client returns."""
    client = get_wechat()
    real_send = client.send_subscribe_message
    hooks = {"before": None, "answer": None, "calls": 0}

    def send(*args, **kwargs):
        hooks["calls"] += 1
        clock["at"] = ANSWERED_AT
        if hooks["before"]:
            hooks["before"]()
        result = real_send(*args, **kwargs)
        return hooks["answer"](result) if hooks["answer"] else result

    monkeypatch.setattr(client, "send_subscribe_message", send)
    return hooks


@pytest.fixture
def person(wechat_user, wx, templates, make):
    """A logged-in person (WeChat knows the openid) who accepted one message of EVENT, on both sides."""
    user_id, openid, _headers = wechat_user
    user = db.session.get(User, user_id)
    add_grants(user, [templates[EVENT]])
    db.session.commit()
    wx.grant(openid, templates[EVENT])
    return user


def deliver(notification_id, final_attempt):
    """One row delivered as a batch of its own: its status and reason; None when it was not the job's to send."""
    outcome = deliver_batch([notification_id], final_attempt).get(notification_id)
    return outcome and Outcome(outcome.status, outcome.reason)


def _queued(user_id, title="有新的服务需求", event=EVENT, page=PAGE) -> int:
    notification = notify(user_id, event, title, "帮忙修水管", {"request_id": 1}, page)
    db.session.flush()
    db.session.execute(update(Notification).where(Notification.id == notification.id).values(status="queued"))
    db.session.commit()
    return notification.id


def _row(notification_id) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


def _remaining(user_id, template_id):
    db.session.expire_all()
    return db.session.execute(
        select(NotificationGrant.remaining).where(
            NotificationGrant.user_id == user_id, NotificationGrant.template_id == template_id
        )
    ).scalar_one_or_none()


def _untouched(notification_id):
    row = _row(notification_id)
    assert (row.status, row.attempts, row.sending_since, row.template_id, row.last_error) == (
        "queued", 0, None, None, None
    )


# ----------------------------------------------------------------------------- sent


def test_a_sent_row_records_its_template_wechats_msgid_and_the_time(person, wx, templates, wechat_calls, caplog):
    caplog.set_level(logging.INFO, logger="services.notifications")
    notification_id = _queued(person.id)
    bystander = _queued(person.id, title="另一条")
    assert deliver(notification_id, final_attempt=False) == Outcome("sent")
    [message] = wx.messages()
    row = _row(notification_id)
    assert (row.status, row.attempts, row.last_error, row.sending_since) == ("sent", 1, None, None)
    assert (row.template_id, row.msgid, row.sent_at) == (templates[EVENT], str(message["msgid"]), ANSWERED_AT)
    assert _remaining(person.id, templates[EVENT]) == 0
    _untouched(bystander)
    assert f"notification {notification_id}: sent " in caplog.messages


def test_wechat_is_sent_the_openid_template_data_page_state_language_and_row_id(person, wx, templates):
    notification_id = _queued(person.id)
    deliver(notification_id, final_attempt=False)
    [message] = wx.messages()
    sent = message["body"]
    assert (sent["touser"], sent["template_id"], sent["page"]) == (person.openid, templates[EVENT], PAGE)
    assert (sent["miniprogram_state"], sent["lang"], sent["linli_notification_id"]) == (
        "developer", "zh_CN", notification_id
    )
    assert {key: value["value"] for key, value in sent["data"].items()} == {
        "thing1": "有新的服务需求", "thing2": "帮忙修水管", "phrase3": "待接单",
        "time4": sent["data"]["time4"]["value"],
    }


def test_the_grant_and_the_sending_mark_are_committed_before_wechat_is_called(person, templates, wechat_calls):
    notification_id = _queued(person.id)
    seen = {}

    def look_from_another_connection():
        with db.engine.connect() as other:
            seen["row"] = other.execute(
                select(Notification.sending_since, Notification.attempts, Notification.template_id)
                .where(Notification.id == notification_id)
            ).one()
            seen["grant"] = other.execute(
                select(NotificationGrant.remaining, NotificationGrant.updated_at)
            ).one()

    wechat_calls["before"] = look_from_another_connection
    deliver(notification_id, final_attempt=False)
    assert tuple(seen["row"]) == (SPENT_AT, 1, templates[EVENT])
    assert seen["grant"][0] == 0
    assert seen["grant"][1] == SPENT_AT


def test_a_wechat_answer_without_a_msgid_is_recorded_as_an_empty_msgid(person, wechat_calls):
    notification_id = _queued(person.id)
    wechat_calls["answer"] = lambda result: {key: value for key, value in result.items() if key != "msgid"}
    assert deliver(notification_id, final_attempt=False) == Outcome("sent")
    assert (_row(notification_id).status, _row(notification_id).msgid) == ("sent", "")


# ------------------------------------------------------------------------- not sent


def test_an_event_without_a_configured_template_is_skipped_without_calling_wechat(
    person, app, monkeypatch, wechat_calls, caplog
):
    caplog.set_level(logging.INFO, logger="services.notifications")
    configured = {event: template for event, template in app.config["WECHAT_TEMPLATES"].items() if event != EVENT}
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATES", configured)
    notification_id = _queued(person.id)
    reason = "no_template: 该事件未配置订阅消息模板"
    assert deliver(notification_id, final_attempt=False) == Outcome("skipped", reason)
    row = _row(notification_id)
    assert (row.status, row.last_error, row.sending_since, row.sent_at, row.attempts) == (
        "skipped", reason, None, None, 1
    )
    assert wechat_calls["calls"] == 0
    assert f"notification {notification_id}: skipped {reason}" in caplog.messages


def test_a_person_without_an_openid_is_skipped_without_calling_wechat(make, wechat_calls):
    resident = make.resident(openid=None)
    notification_id = _queued(resident.id)
    reason = "no_openid: 用户未绑定微信"
    assert deliver(notification_id, final_attempt=False) == Outcome("skipped", reason)
    assert (_row(notification_id).status, _row(notification_id).last_error) == ("skipped", reason)
    assert wechat_calls["calls"] == 0


def test_a_row_whose_text_cannot_fill_the_template_fails_before_any_send_and_keeps_the_grant(
    person, templates, wechat_calls
):
    notification_id = _queued(person.id, title="   ")
    reason = "template_data_invalid: 模板字段 thing1 为空"
    assert deliver(notification_id, final_attempt=False) == Outcome("failed", reason)
    assert (_row(notification_id).status, _row(notification_id).last_error) == ("failed", reason)
    assert _remaining(person.id, templates[EVENT]) == 1
    assert wechat_calls["calls"] == 0


def test_without_a_grant_of_its_own_template_a_row_is_skipped_and_no_other_grant_is_spent(
    wechat_user, make, templates, wechat_calls
):
    user = db.session.get(User, wechat_user[0])
    neighbour = make.resident()
    add_grants(user, [templates[OTHER_EVENT]])
    add_grants(neighbour, [templates[EVENT]])
    db.session.commit()
    notification_id = _queued(user.id)
    reason = "no_grant: 用户未订阅该消息"
    assert deliver(notification_id, final_attempt=False) == Outcome("skipped", reason)
    assert (_row(notification_id).status, _row(notification_id).last_error) == ("skipped", reason)
    assert (_remaining(user.id, templates[OTHER_EVENT]), _remaining(neighbour.id, templates[EVENT])) == (1, 1)
    assert wechat_calls["calls"] == 0


def test_a_grant_used_up_is_never_spent_below_zero(person, templates, wechat_calls):
    db.session.execute(update(NotificationGrant).values(remaining=0))
    db.session.commit()
    notification_id = _queued(person.id)
    assert deliver(notification_id, final_attempt=False) == Outcome("skipped", "no_grant: 用户未订阅该消息")
    assert _remaining(person.id, templates[EVENT]) == 0


def test_a_row_not_queued_or_already_being_sent_is_left_alone(person, wechat_calls):
    being_sent = _queued(person.id)
    db.session.execute(update(Notification).where(Notification.id == being_sent).values(sending_since=SPENT_AT))
    pending = _queued(person.id)
    db.session.execute(update(Notification).where(Notification.id == pending).values(status="pending"))
    db.session.commit()
    assert deliver(being_sent, final_attempt=False) is None
    assert deliver(pending, final_attempt=False) is None
    assert [(_row(row_id).status, _row(row_id).attempts) for row_id in (being_sent, pending)] == [
        ("queued", 0), ("pending", 0),
    ]
    assert wechat_calls["calls"] == 0


# ---------------------------------------------------------------- WeChat's answers


def test_43101_the_user_refused_is_skipped_and_the_grant_stays_spent(wechat_user, make, templates, wechat_calls):
    user = db.session.get(User, wechat_user[0])
    add_grants(user, [templates[EVENT]])  # recorded here, but WeChat holds no grant
    db.session.commit()
    notification_id = _queued(user.id)
    assert deliver(notification_id, final_attempt=False) == Outcome("skipped", "43101 user_refused")
    assert (_row(notification_id).status, _row(notification_id).last_error) == ("skipped", "43101 user_refused")
    assert _remaining(user.id, templates[EVENT]) == 0


def test_a_permanent_wechat_error_fails_at_once_with_its_name_and_refunds_that_grant_only(
    make, templates, wechat_calls
):
    stranger = make.resident(openid="never-logged-in")
    neighbour = make.resident()
    add_grants(stranger, [templates[EVENT], templates[OTHER_EVENT]])
    add_grants(neighbour, [templates[EVENT]])
    db.session.commit()
    notification_id = _queued(stranger.id)
    outcome = deliver(notification_id, final_attempt=False)
    assert outcome.status == "failed"
    assert re.fullmatch(r"40003 invalid_openid invalid openid, rid: [0-9a-f]+", outcome.reason)
    row = _row(notification_id)
    assert (row.status, row.last_error, row.sending_since, row.sent_at) == ("failed", outcome.reason, None, None)
    assert [
        _remaining(stranger.id, templates[EVENT]),
        _remaining(stranger.id, templates[OTHER_EVENT]),
        _remaining(neighbour.id, templates[EVENT]),
    ] == [1, 1, 1]
    refunded = db.session.execute(
        select(NotificationGrant.updated_at).where(
            NotificationGrant.user_id == stranger.id, NotificationGrant.template_id == templates[EVENT]
        )
    ).scalar_one()
    assert refunded == ANSWERED_AT


def test_wechat_busy_before_the_last_attempt_clears_the_mark_refunds_and_asks_for_a_retry(
    person, wx, templates, wechat_calls
):
    notification_id = _queued(person.id)
    bystander = _queued(person.id, title="另一条")
    wx.fault("cgi-bin/message/subscribe/send", "busy")
    with pytest.raises(RetryableDelivery) as retry:
        deliver(notification_id, final_attempt=False)
    # The retry names each row WeChat did not get, with its reason.
    row_id, reason = str(retry.value).split(": ", 1)
    assert int(row_id) == notification_id and re.fullmatch(BUSY, reason)
    row = _row(notification_id)
    assert (row.status, row.sending_since, row.last_error, row.attempts) == ("queued", None, reason, 1)
    assert _remaining(person.id, templates[EVENT]) == 1
    _untouched(bystander)
    # The retry sends it.
    assert deliver(notification_id, final_attempt=False) == Outcome("sent")
    assert (_row(notification_id).status, _row(notification_id).attempts) == ("sent", 2)
    assert wx.deliveries_by_notification_id() == {str(notification_id): 1}


def test_wechat_busy_on_the_last_attempt_fails_the_row_and_refunds(person, wx, templates, wechat_calls):
    notification_id = _queued(person.id)
    wx.fault("cgi-bin/message/subscribe/send", "busy")
    outcome = deliver(notification_id, final_attempt=True)
    assert outcome.status == "failed" and re.fullmatch(BUSY, outcome.reason)
    row = _row(notification_id)
    assert (row.status, row.last_error, row.sending_since) == ("failed", outcome.reason, None)
    assert _remaining(person.id, templates[EVENT]) == 1


@pytest.fixture
def wechat_unreachable(app, monkeypatch):
    """WeChat's address refuses connections (the token is fetched before, from the sandbox)."""
    client = get_wechat()
    _ = client.access_token
    monkeypatch.setattr(client, "API_BASE_URL", "http://127.0.0.1:1/cgi-bin/")


def test_an_unreachable_wechat_is_retried_then_failed_on_the_last_attempt(
    person, templates, wechat_calls, wechat_unreachable
):
    notification_id = _queued(person.id)
    reason = "http  network: ConnectionError"
    with pytest.raises(RetryableDelivery, match=f"^{notification_id}: {reason}$"):
        deliver(notification_id, final_attempt=False)
    assert (_row(notification_id).status, _row(notification_id).last_error) == ("queued", reason)
    assert _remaining(person.id, templates[EVENT]) == 1
    assert deliver(notification_id, final_attempt=True) == Outcome("failed", reason)
    assert (_row(notification_id).status, _row(notification_id).last_error) == ("failed", reason)
    assert _remaining(person.id, templates[EVENT]) == 1


@pytest.mark.parametrize("final_attempt", [False, True])
def test_a_long_wechat_error_is_kept_to_300_characters(person, wechat_calls, final_attempt):
    notification_id = _queued(person.id)

    def busy_at_length():
        raise WeChatClientException(-1, "忙" * 400)

    wechat_calls["before"] = busy_at_length
    try:
        deliver(notification_id, final_attempt=final_attempt)
    except RetryableDelivery:
        assert not final_attempt
    assert _row(notification_id).last_error == ("-1  " + "忙" * 400)[:300]


def test_a_row_closed_by_the_relay_during_the_call_is_not_reopened_by_the_answer(person, wx, wechat_calls):
    notification_id = _queued(person.id)

    def relay_closes_it():
        with db.engine.begin() as other:
            other.execute(
                update(Notification).where(Notification.id == notification_id).values(status="failed", last_error="x")
            )

    wechat_calls["before"] = relay_closes_it
    deliver(notification_id, final_attempt=False)
    row = _row(notification_id)
    assert (row.status, row.last_error, row.sent_at) == ("failed", "x", None)
    assert row.sending_since == SPENT_AT


def test_a_busy_answer_to_a_row_closed_during_the_call_leaves_it_closed(person, wx, wechat_calls):
    notification_id = _queued(person.id)
    wx.fault("cgi-bin/message/subscribe/send", "busy")

    def relay_closes_it():
        with db.engine.begin() as other:
            other.execute(
                update(Notification).where(Notification.id == notification_id).values(status="failed", last_error="x")
            )

    wechat_calls["before"] = relay_closes_it
    with pytest.raises(RetryableDelivery):
        deliver(notification_id, final_attempt=False)
    row = _row(notification_id)
    assert (row.status, row.last_error, row.sending_since) == ("failed", "x", SPENT_AT)


# ------------------------------------------------------------------- template data


def test_an_empty_template_value_is_refused_before_any_send():
    with pytest.raises(Invalid) as refused:
        fit_template_data({"thing1": "标题", "thing2": "  "})
    assert (refused.value.code, refused.value.message) == ("template_data_invalid", "模板字段 thing2 为空")


def test_a_missing_template_value_is_refused_not_filled_in():
    with pytest.raises(Invalid) as refused:
        fit_template_data({"thing1": None})
    assert refused.value.message == "模板字段 thing1 为空"


def test_values_of_types_without_a_cut_are_sent_whole():
    data = fit_template_data({"number1": "1" * 40, "time2": "2026-03-02 07:30" * 3, "custom": "长" * 40})
    assert data == {
        "number1": {"value": "1" * 40},
        "time2": {"value": "2026-03-02 07:30" * 3},
        "custom": {"value": "长" * 40},
    }


def test_every_field_fills_its_key_by_the_events_configured_mapping(app, make, monkeypatch):
    mapping = {
        "thing1": "title", "thing2": "body", "thing3": "event", "phrase4": "status", "time5": "created_at",
        "date6": "created_at", "character_string7": "reference", "number8": "reference",
    }
    configured = {**app.config["WECHAT_TEMPLATE_KEYS"], OTHER_EVENT: mapping}
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATE_KEYS", configured)
    resident = make.resident()
    notification = notify(resident.id, OTHER_EVENT, "您的请求已有党员接单", "")
    db.session.flush()
    notification.created_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    db.session.commit()
    reference = str(notification.id)
    assert {key: value["value"] for key, value in template_data(notification).items()} == {
        "thing1": "您的请求已有党员接单",
        "thing2": "您的请求已有党员接单",  # no body: the title again
        "thing3": "服务需求已接单通知",
        "phrase4": "已接单",
        "time5": "2026-03-02 07:30",
        "date6": "2026-03-02",
        "character_string7": reference,
        "number8": reference,
    }


def test_an_event_no_longer_configured_fills_the_default_keys_with_a_generic_status(make):
    resident = make.resident()
    notification = notify(resident.id, EVENT, "旧通知", "旧事件")
    db.session.flush()
    notification.event = "retired_event"
    notification.created_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    db.session.commit()
    assert {key: value["value"] for key, value in template_data(notification).items()} == {
        "thing1": "旧通知", "thing2": "旧事件", "phrase3": "新消息", "time4": "2026-03-02 07:30",
    }


def test_an_event_no_longer_configured_has_no_title_to_show(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATE_KEYS", {"retired_event": {"thing1": "event"}})
    resident = make.resident()
    notification = notify(resident.id, EVENT, "旧通知")
    db.session.flush()
    notification.event = "retired_event"
    db.session.commit()
    with pytest.raises(Invalid, match="模板字段 thing1 为空"):
        template_data(notification)
