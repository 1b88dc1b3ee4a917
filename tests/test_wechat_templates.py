"""Subscribe-message templates as WeChat defines them: each event's template has its own typed keys."""
import json

import pytest

import config
from app import create_app
from config import ConfigurationError
from tests.test_worker import _grant, _notify, _row

EVENT = "request_accepted"


def _mapping_env(mapping) -> dict:
    return {"WECHAT_SUBSCRIBE_KEYS": json.dumps(mapping)}


@pytest.mark.parametrize("mapping", [
    {EVENT: {"phrase1": "title"}},  # a title is no phrase (at most 5 characters)
    {EVENT: {"time2": "status"}},  # a status is no time
    {EVENT: {"thing1": "price"}},  # Linli has no such field
    {EVENT: {"thingy1": "title"}},  # WeChat has no such key type
    {EVENT: {"thing": "title"}},  # a key is a type and a number
    {"no_such_event": {"thing1": "title"}},
])
def test_a_mapping_that_does_not_fit_the_key_types_refuses_to_start(tmp_path, mapping):
    with pytest.raises(ConfigurationError, match="WECHAT_SUBSCRIBE_KEYS"):
        config.from_environment(str(tmp_path), _mapping_env(mapping))


def test_the_app_itself_refuses_to_start_on_a_key_of_the_wrong_type(tmp_path, monkeypatch):
    monkeypatch.setenv("WECHAT_SUBSCRIBE_KEYS", json.dumps({EVENT: {"number3": "title"}}))
    with pytest.raises(ConfigurationError):
        create_app({"TESTING": True})


def test_two_events_sharing_a_template_must_map_the_same_keys(tmp_path):
    env = {
        **_mapping_env({"registration_approved": {"thing1": "title"}, "registration_rejected": {"thing2": "title"}}),
        "WECHAT_TEMPLATE_REGISTRATION_APPROVED": "tpl-registration",
        "WECHAT_TEMPLATE_REGISTRATION_REJECTED": "tpl-registration",
    }
    with pytest.raises(ConfigurationError, match="tpl-registration"):
        config.from_environment(str(tmp_path), env)


def test_state_and_language_are_checked_at_start(tmp_path):
    with pytest.raises(ConfigurationError):
        config.from_environment(str(tmp_path), {"WECHAT_MINIPROGRAM_STATE": "beta"})
    settings = config.from_environment(str(tmp_path), {"WECHAT_MINIPROGRAM_STATE": "trial", "WECHAT_LANG": "en_US"})
    assert (settings["WECHAT_MINIPROGRAM_STATE"], settings["WECHAT_LANG"]) == ("trial", "en_US")


def test_a_message_fills_exactly_the_keys_its_template_was_mapped_to(
    app, client, wx, wechat_user, delivery, templates, monkeypatch
):
    mapping = {"thing7": "title", "time2": "created_at", "character_string3": "reference", "phrase5": "status"}
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATE_KEYS", {**app.config["WECHAT_TEMPLATE_KEYS"], EVENT: mapping})
    monkeypatch.setitem(app.config, "WECHAT_MINIPROGRAM_STATE", "trial")
    wx.add_template(templates[EVENT], keys=list(mapping))
    _grant(client, wx, wechat_user, templates[EVENT])
    notification_id = _notify(wechat_user[0], title="您的需求已有党员接单", event=EVENT)
    delivery.run()
    assert _row(notification_id).status == "sent"
    (message,) = wx.messages()
    data = message["body"]["data"]
    assert set(data) == set(mapping)
    assert data["thing7"]["value"] == "您的需求已有党员接单"
    assert data["character_string3"]["value"] == str(notification_id)
    assert data["phrase5"]["value"] == "已接单"
    assert (message["body"]["miniprogram_state"], message["body"]["lang"]) == ("trial", "zh_CN")


def test_a_key_the_template_lacks_ends_the_row_as_failed_without_retry(client, wx, wechat_user, delivery, templates):
    # WeChat's template has thing1 and time2; Linli still sends its default thing1/thing2/phrase3/time4.
    wx.add_template(templates[EVENT], keys=["thing1", "time2"])
    _grant(client, wx, wechat_user, templates[EVENT])
    notification_id = _notify(wechat_user[0], event=EVENT)
    delivery.run()
    row = _row(notification_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("47003")
    assert wx.messages() == []
