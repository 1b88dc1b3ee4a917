"""`flask wechat check`: a live configuration verified, nothing sent to anyone."""




def _run(app, *args):
    return app.test_cli_runner().invoke(args=["wechat", "check", *args])


def test_a_complete_configuration_passes_and_sends_nothing(app, wx, templates, live_server):
    result = _run(app, "--push-url", f"{live_server}/wx/push")
    assert result.exit_code == 0, result.stderr
    assert "✓ access token" in result.output
    assert "✓ template request_offered" in result.output
    assert "answers WeChat's check with this token" in result.output
    assert wx.messages() == [] and wx.stats()["sends"] == 0


def test_a_template_missing_from_the_account_or_with_other_keys_fails(app, wx, templates):
    wx.reset()
    for event, template_id in templates.items():
        if event != "request_offered":
            wx.add_template(template_id, keys=list(app.config["WECHAT_TEMPLATE_KEYS"][event]))
    wx.add_template(templates["request_accepted"], keys=["thing1", "time2"])
    result = _run(app)
    assert result.exit_code == 1
    assert "✗ template request_offered: tpl-request_offered is not among the account's templates" in result.stderr
    assert "✗ template request_accepted: WeChat's keys ['thing1', 'time2']" in result.stderr


def test_a_push_endpoint_with_another_token_fails(app, another_app, wx, templates, live_server):
    settings = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "RATELIMIT_STORAGE_URI",
                "WECHAT_API_BASE", "WECHAT_APPID", "WECHAT_SECRET")
    # This host is set up with another token than the server behind the push URL.
    other_host = another_app({**{name: app.config[name] for name in settings}, "WECHAT_PUSH_TOKEN": "anotherToken123"})
    result = _run(other_host, "--push-url", f"{live_server}/wx/push")
    assert result.exit_code == 1
    assert "answered 403: its token differs" in result.stderr


def test_bad_credentials_stop_at_the_token(app, wx, monkeypatch):
    client = app.extensions["wechat"]
    monkeypatch.setattr(client, "secret", "wrong-secret")
    result = _run(app)
    assert result.exit_code == 1
    assert "✗ access token" in result.stderr
