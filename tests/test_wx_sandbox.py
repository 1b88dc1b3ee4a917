"""LinliWeChatClient against the WeChat sandbox over real HTTP: WeChat's rules and error codes."""
import pytest
import requests
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from wx.client import LinliWeChatClient

TEMPLATE = "tmpl-request-accepted"
VALID_DATA = {
    "thing1": {"value": "修水管"},
    "time2": {"value": "2024年5月1日 09:30"},
    "character_string3": {"value": "REQ-20240501-0007"},
}


@pytest.fixture
def client(wx):
    client = LinliWeChatClient(wx.appid, wx.secret, wx.base_url, session=MemoryStorage(), timeout=5)
    yield client
    client.close()


@pytest.fixture
def openid(wx, client):
    """A user who has logged in through the sandbox, so WeChat knows their openid."""
    code, openid = wx.mint_code()
    client.wxa.code_to_session(code)
    return openid


@pytest.fixture
def granted(wx, openid):
    """A known template and one grant of it for `openid`."""
    wx.add_template(TEMPLATE)
    wx.grant(openid, TEMPLATE)
    return openid


def wechat_error(call, *args, **kwargs) -> WeChatClientException:
    with pytest.raises(WeChatClientException) as raised:
        call(*args, **kwargs)
    return raised.value


def test_login_code_works_once(wx, client):
    code, openid = wx.mint_code()
    session = client.wxa.code_to_session(code)
    assert session["openid"] == openid
    assert session["session_key"]
    assert wechat_error(client.wxa.code_to_session, code).errcode == 40163


def test_unknown_login_code_is_invalid(client):
    assert wechat_error(client.wxa.code_to_session, "never-issued").errcode == 40029


def test_session_key_is_stable_per_openid(wx, client):
    first = client.wxa.code_to_session(wx.mint_code("o-resident")[0])
    second = client.wxa.code_to_session(wx.mint_code("o-resident")[0])
    other = client.wxa.code_to_session(wx.mint_code()[0])
    assert first["session_key"] == second["session_key"] != other["session_key"]


def test_unionid_is_returned_only_when_the_user_has_one(wx, client):
    with_unionid = client.wxa.code_to_session(wx.mint_code(unionid="u-1")[0])
    without = client.wxa.code_to_session(wx.mint_code()[0])
    assert with_unionid["unionid"] == "u-1"
    assert "unionid" not in without


def test_login_with_wrong_appid_or_secret_is_rejected(wx):
    code, _ = wx.mint_code()
    login = {"js_code": code, "grant_type": "authorization_code"}
    wrong_appid = {**login, "appid": "wx-other", "secret": wx.secret}
    wrong_secret = {**login, "appid": wx.appid, "secret": "not-the-secret"}
    for params, errcode in ((wrong_appid, 40013), (wrong_secret, 40125)):
        answer = requests.get(f"{wx.base_url}sns/jscode2session", params=params, timeout=5).json()
        assert answer["errcode"] == errcode


def test_token_fetch_with_wrong_secret_is_rejected(wx):
    wrong = LinliWeChatClient(wx.appid, "not-the-secret", wx.base_url, session=MemoryStorage())
    try:
        assert wechat_error(wrong.fetch_access_token).errcode == 40125
        assert wechat_error(wrong.fetch_stable_token).errcode == 40125
    finally:
        wrong.close()


def test_access_token_is_fetched_from_the_sandbox_once_and_reused(wx, client):
    client.wxa.code_to_session(wx.mint_code()[0])
    client.wxa.code_to_session(wx.mint_code()[0])
    assert wx.stats()["token_fetches"] == 1


def test_stable_token_is_the_same_for_repeated_callers_until_forced(wx, client):
    first = client.fetch_stable_token()["access_token"]
    again = client.fetch_stable_token()["access_token"]
    forced = client.fetch_stable_token(force_refresh=True)["access_token"]
    assert first == again != forced
    assert client.access_token == forced
    assert wx.stats()["stable_token_fetches"] == 3
    assert wx.stats()["token_fetches"] == 0


def test_replaced_token_keeps_working_during_the_overlap(wx, client):
    old_token = client.fetch_access_token()["access_token"]
    client.fetch_access_token()
    wx.add_template(TEMPLATE)
    answer = requests.post(f"{wx.base_url}cgi-bin/message/subscribe/send",
                           params={"access_token": old_token},
                           json={"touser": "o-nobody", "template_id": TEMPLATE, "data": VALID_DATA},
                           timeout=5).json()
    # Past the token check: the error is about the openid, not the token.
    assert answer["errcode"] == 40003


def test_unknown_access_token_is_invalid(wx):
    answer = requests.post(f"{wx.base_url}cgi-bin/message/subscribe/send",
                           params={"access_token": "made-up"}, json={}, timeout=5).json()
    assert answer["errcode"] == 40001


def test_phone_code_resolves_to_the_phone_number_once(wx, client):
    code = wx.mint_phone_code("13812341234")
    phone_info = client.get_phone_number(code)
    assert phone_info["phoneNumber"] == "13812341234"
    assert phone_info["purePhoneNumber"] == "13812341234"
    assert phone_info["countryCode"] == "86"
    assert phone_info["watermark"]["appid"] == wx.appid
    assert wechat_error(client.get_phone_number, code).errcode == 40029


def test_unknown_phone_code_is_invalid(client):
    assert wechat_error(client.get_phone_number, "never-issued").errcode == 40029


def test_granted_subscribe_message_is_delivered(wx, client, granted):
    answer = client.send_subscribe_message(
        granted, TEMPLATE, VALID_DATA, page="pages/request/detail?id=7", notification_id=42
    )
    assert answer["errcode"] == 0
    [message] = wx.messages()
    assert message["msgid"] == answer["msgid"]
    assert message["touser"] == granted
    assert message["body"]["data"] == VALID_DATA
    assert wx.deliveries_by_notification_id() == {"42": 1}
    assert wx.stats()["sends"] == 1


def test_wechatpy_send_subscribe_message_reaches_the_sandbox(wx, client, granted):
    client.wxa.send_subscribe_message(granted, TEMPLATE, VALID_DATA)
    assert [message["touser"] for message in wx.messages()] == [granted]


def test_send_without_grant_is_refused(wx, client, openid):
    wx.add_template(TEMPLATE)
    assert wechat_error(client.send_subscribe_message, openid, TEMPLATE, VALID_DATA).errcode == 43101
    assert wx.messages() == []


def test_each_grant_allows_exactly_one_message(wx, client, granted):
    client.send_subscribe_message(granted, TEMPLATE, VALID_DATA)
    assert wechat_error(client.send_subscribe_message, granted, TEMPLATE, VALID_DATA).errcode == 43101
    assert len(wx.messages()) == 1


def test_unknown_template_is_rejected(client, openid):
    assert wechat_error(client.send_subscribe_message, openid, "tmpl-unknown", VALID_DATA).errcode == 40037


def test_thing_longer_than_20_characters_is_invalid_and_keeps_the_grant(wx, client, granted):
    too_long = {**VALID_DATA, "thing1": {"value": "一" * 21}}
    assert wechat_error(client.send_subscribe_message, granted, TEMPLATE, too_long).errcode == 47003
    client.send_subscribe_message(granted, TEMPLATE, {**VALID_DATA, "thing1": {"value": "一" * 20}})
    assert len(wx.messages()) == 1


@pytest.mark.parametrize("key, value", [
    ("phrase4", "六个字的短语"),
    ("name5", "十一个字的名字不可以的啊"),
    ("character_string3", "X" * 33),
    ("number6", "12a"),
    ("time2", ""),
])
def test_template_field_limits_are_enforced(client, granted, key, value):
    data = {**VALID_DATA, key: {"value": value}}
    assert wechat_error(client.send_subscribe_message, granted, TEMPLATE, data).errcode == 47003


def test_registered_template_keys_must_all_be_filled(wx, client, openid):
    wx.add_template("tmpl-with-keys", keys=["thing1", "date9"])
    wx.grant(openid, "tmpl-with-keys")
    error = wechat_error(client.send_subscribe_message, openid, "tmpl-with-keys", VALID_DATA)
    assert error.errcode == 47003


def test_send_to_openid_that_never_logged_in_is_rejected(wx, client):
    wx.add_template(TEMPLATE)
    wx.grant("o-stranger", TEMPLATE)
    assert wechat_error(client.send_subscribe_message, "o-stranger", TEMPLATE, VALID_DATA).errcode == 40003


def test_page_outside_pages_is_rejected(client, granted):
    error = wechat_error(client.send_subscribe_message, granted, TEMPLATE, VALID_DATA, page="admin/secret")
    assert error.errcode == 41030


def test_busy_fault_answers_minus_one_for_the_given_number_of_calls(wx, client, granted):
    wx.fault("cgi-bin/message/subscribe/send", "busy", times=1)
    assert wechat_error(client.send_subscribe_message, granted, TEMPLATE, VALID_DATA).errcode == -1
    client.send_subscribe_message(granted, TEMPLATE, VALID_DATA)
    assert len(wx.messages()) == 1


def test_http500_fault_surfaces_as_a_client_error_without_errcode(wx, client, granted):
    wx.fault("cgi-bin/message/subscribe/send", "http500", times=1)
    error = wechat_error(client.send_subscribe_message, granted, TEMPLATE, VALID_DATA)
    assert error.errcode is None
    assert error.response.status_code == 500
    assert wx.messages() == []


def test_delay_fault_trips_the_client_timeout(wx, granted):
    impatient = LinliWeChatClient(wx.appid, wx.secret, wx.base_url, session=MemoryStorage(), timeout=0.2)
    impatient.fetch_access_token()
    wx.fault("cgi-bin/message/subscribe/send", "delay", times=1, seconds=1)
    try:
        with pytest.raises(requests.Timeout):
            impatient.send_subscribe_message(granted, TEMPLATE, VALID_DATA)
    finally:
        impatient.close()


def test_token_fetch_has_a_timeout_although_wechatpy_passes_none(wx):
    impatient = LinliWeChatClient(wx.appid, wx.secret, wx.base_url, session=MemoryStorage(), timeout=0.2)
    wx.fault("cgi-bin/token", "delay", times=1, seconds=1)
    try:
        with pytest.raises(requests.Timeout):
            impatient.fetch_access_token()
    finally:
        impatient.close()


def test_expired_token_is_refetched_and_the_call_retried_once(wx, client, granted):
    assert wx.stats()["token_fetches"] == 1
    wx.expire_tokens()
    client.send_subscribe_message(granted, TEMPLATE, VALID_DATA)
    assert wx.stats()["token_fetches"] == 2
    assert len(wx.messages()) == 1


def test_reset_forgets_codes_and_messages(wx, client, granted):
    code, _ = wx.mint_code()
    client.send_subscribe_message(granted, TEMPLATE, VALID_DATA)
    wx.reset()
    assert wx.messages() == []
    assert wx.stats()["sends"] == 0
    assert wechat_error(client.wxa.code_to_session, code).errcode == 40029


def test_requests_to_real_wechat_are_blocked(no_real_wechat):
    with pytest.raises(RuntimeError, match="must not reach"):
        requests.get("https://api.weixin.qq.com/cgi-bin/token", timeout=1)
    # Forget it, or the guard would (rightly) fail this test on teardown.
    no_real_wechat.pop()
