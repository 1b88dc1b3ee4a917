"""WeChat login, phone binding, desk login, tokens."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from extensions import db
from models.base import utcnow
from models.users import AuthToken, User
from tests.conftest import body


def wx_login(client, wx, openid=None):
    code, openid = wx.mint_code(openid)
    return client.post("/api/v1/auth/wx-login", json={"code": code}), openid


def test_first_login_creates_user_and_second_finds_it(client, wx, app_context):
    first, openid = wx_login(client, wx)
    assert first.status_code == 200
    assert body(first)["is_new"] is True
    assert body(first)["user"]["roles"] == ["resident"]
    second, _ = wx_login(client, wx, openid)
    assert body(second)["is_new"] is False
    assert body(second)["user"]["id"] == body(first)["user"]["id"]
    assert body(second)["token"] != body(first)["token"]
    assert db.session.execute(select(func.count(User.id))).scalar_one() == 1


def test_login_code_works_once(client, wx):
    code, _ = wx.mint_code()
    assert client.post("/api/v1/auth/wx-login", json={"code": code}).status_code == 200
    again = client.post("/api/v1/auth/wx-login", json={"code": code})
    assert again.status_code == 422
    assert body(again)["error"]["code"] == "wx_code_invalid"


def test_unknown_code_is_rejected(client, wx):
    response = client.post("/api/v1/auth/wx-login", json={"code": "never-issued"})
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "wx_code_invalid"


def test_session_key_is_neither_stored_nor_returned(client, wx, app_context):
    response, openid = wx_login(client, wx)
    assert response.status_code == 200
    assert "session_key" not in User.__table__.columns
    session_key = wx.session_keys()[openid]
    assert session_key not in response.get_data(as_text=True)


def test_token_answers_are_not_cached(client, wx, make):
    response, _ = wx_login(client, wx)
    assert response.headers["Cache-Control"] == "no-store"
    staff = make.staff(make.tree()["community_a"], password="correct-horse-1")
    desk = client.post("/api/v1/auth/desk-login", json={"username": staff.username, "password": "correct-horse-1"})
    assert desk.status_code == 200
    assert desk.headers["Cache-Control"] == "no-store"


def test_wechat_busy_answers_503(client, wx):
    wx.fault("sns/jscode2session", "busy", 1)
    response, _ = wx_login(client, wx)
    assert response.status_code == 503
    assert body(response)["error"]["code"] == "wx_unavailable"


def test_twenty_concurrent_first_logins_create_one_user(live_server, wx, app_context):
    openid = "concurrent-openid"
    codes = [wx.mint_code(openid)[0] for _ in range(20)]

    def login(code):
        return requests.post(f"{live_server}/api/v1/auth/wx-login", json={"code": code}, timeout=30)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(login, codes))
    assert [r.status_code for r in responses] == [200] * 20
    assert len({r.json()["user"]["id"] for r in responses}) == 1
    assert sum(r.json()["is_new"] for r in responses) == 1
    assert db.session.execute(select(func.count(User.id)).where(User.openid == openid)).scalar_one() == 1


def test_token_authenticates_and_logout_revokes_it(client, wx):
    response, _ = wx_login(client, wx)
    headers = {"Authorization": f"Bearer {body(response)['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    after = client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401
    assert body(after)["error"]["code"] == "token_invalid"


def test_expired_token_is_refused(client, make):
    user = make.resident()
    headers = make.headers(user)
    db.session.execute(update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_missing_or_forged_token_is_401(client):
    assert body(client.get("/api/v1/me"))["error"]["code"] == "token_missing"
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer " + "x" * 43})
    assert forged.status_code == 401


def test_tokens_carry_at_least_128_bits(client, wx):
    response, _ = wx_login(client, wx)
    # token_urlsafe(32): 43 characters of base64, 256 bits.
    assert len(body(response)["token"]) >= 22


def test_phone_is_bound_and_only_shown_masked(client, wx, make):
    response, _ = wx_login(client, wx)
    headers = {"Authorization": f"Bearer {body(response)['token']}"}
    code = wx.mint_phone_code("13812341234")
    bound = client.post("/api/v1/auth/phone", json={"code": code}, headers=headers)
    assert bound.status_code == 200
    assert body(bound) == {"phone_masked": "138****1234"}
    assert body(client.get("/api/v1/me", headers=headers))["phone_masked"] == "138****1234"
    stored = db.session.execute(select(User.phone).where(User.phone.is_not(None))).scalar_one()
    assert stored == "13812341234"


def test_phone_code_works_once(client, wx):
    response, _ = wx_login(client, wx)
    headers = {"Authorization": f"Bearer {body(response)['token']}"}
    code = wx.mint_phone_code("13900001111")
    assert client.post("/api/v1/auth/phone", json={"code": code}, headers=headers).status_code == 200
    assert client.post("/api/v1/auth/phone", json={"code": code}, headers=headers).status_code == 422


def test_desk_login_with_password(client, make):
    staff = make.staff(make.tree()["community_a"], password="correct-horse-1")
    response = client.post("/api/v1/auth/desk-login", json={"username": staff.username, "password": "correct-horse-1"})
    assert response.status_code == 200
    assert body(response)["user"]["roles"] == ["staff"]
    assert body(response)["user"]["scopes"][0]["role"] == "staff"
    wrong = client.post("/api/v1/auth/desk-login", json={"username": staff.username, "password": "wrong"})
    assert wrong.status_code == 401
    assert body(wrong)["error"]["code"] == "invalid_credentials"
    unknown = client.post("/api/v1/auth/desk-login", json={"username": "nobody", "password": "x"})
    assert body(unknown)["error"]["code"] == "invalid_credentials"


def desk_login_from(client, address, username, password):
    return client.post(
        "/api/v1/auth/desk-login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


@pytest.fixture
def behind_proxy(app, another_app):
    """A client of the app as deployed behind one load balancer (PROXY_HOPS=1)."""
    return another_app({**app.config, "PROXY_HOPS": 1}).test_client()


def test_repeated_failures_lock_the_account_for_that_address(behind_proxy, make, app):
    staff = make.staff(make.tree()["community_a"], password="correct-horse-1")
    for _ in range(app.config["DESK_LOGIN_MAX_FAILURES"]):
        desk_login_from(behind_proxy, "203.0.113.7", staff.username, "bad")
    locked = desk_login_from(behind_proxy, "203.0.113.7", staff.username, "correct-horse-1")
    assert locked.status_code == 429
    assert body(locked)["error"]["code"] == "login_locked"
    assert int(locked.headers["Retry-After"]) > 0


def test_failures_from_one_address_do_not_lock_out_another(behind_proxy, make, app):
    staff = make.staff(make.tree()["community_a"], password="correct-horse-1")
    for _ in range(app.config["DESK_LOGIN_MAX_FAILURES"]):
        desk_login_from(behind_proxy, "203.0.113.7", staff.username, "bad")
    elsewhere = desk_login_from(behind_proxy, "198.51.100.20", staff.username, "correct-horse-1")
    assert elsewhere.status_code == 200


def test_unknown_and_locked_usernames_answer_alike(behind_proxy, make, app):
    staff = make.staff(make.tree()["community_a"], password="correct-horse-1")
    answers = {}
    for username in (staff.username, "no-such-user"):
        for _ in range(app.config["DESK_LOGIN_MAX_FAILURES"]):
            failed = desk_login_from(behind_proxy, "203.0.113.7", username, "bad")
            assert body(failed)["error"]["code"] == "invalid_credentials"
        again = desk_login_from(behind_proxy, "203.0.113.7", username, "bad")
        answers[username] = (again.status_code, body(again))
    assert answers[staff.username] == answers["no-such-user"]
    assert answers["no-such-user"][0] == 429


def test_desk_login_is_rate_limited_per_account_and_address(client):
    statuses = [
        client.post("/api/v1/auth/desk-login", json={"username": "someone", "password": f"x{i}"}).status_code
        for i in range(11)
    ]
    assert statuses[-1] == 429
    limited = client.post("/api/v1/auth/desk-login", json={"username": "someone", "password": "x"})
    assert body(limited)["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    other_account = client.post("/api/v1/auth/desk-login", json={"username": "someone-else", "password": "x"})
    assert other_account.status_code == 401


def test_behind_a_proxy_each_client_address_has_its_own_login_limit(behind_proxy):
    for i in range(12):
        desk_login_from(behind_proxy, "203.0.113.7", "someone", f"x{i}")
    assert desk_login_from(behind_proxy, "203.0.113.7", "someone", "x").status_code == 429
    other_client = desk_login_from(behind_proxy, "198.51.100.20", "someone", "x")
    assert other_client.status_code == 401


def test_behind_a_proxy_wx_login_limit_counts_each_client_address(behind_proxy):
    def login_from(address):
        return behind_proxy.post(
            "/api/v1/auth/wx-login", json={"code": "never-issued"}, headers={"X-Forwarded-For": address}
        )

    statuses = [login_from("203.0.113.7").status_code for _ in range(31)]
    assert statuses[-1] == 429
    assert login_from("198.51.100.20").status_code == 422


def test_profile_home_must_be_a_building_of_the_community(client, make):
    units = make.tree()
    user = make.resident()
    headers = make.headers(user)
    ok = client.patch(
        "/api/v1/me",
        json={"community_id": units["community_a"].id, "building_id": units["building_a1"].id},
        headers=headers,
    )
    assert ok.status_code == 200
    assert body(ok)["building_id"] == units["building_a1"].id
    wrong = client.patch(
        "/api/v1/me",
        json={"community_id": units["community_a"].id, "building_id": units["building_b1"].id},
        headers=headers,
    )
    assert wrong.status_code == 422
    assert body(wrong)["error"]["code"] == "building_not_in_community"


def test_each_request_authenticates_its_own_caller(client, make):
    """Within one long-lived app context, the caller is never carried over between requests."""
    first, second = make.resident(name="甲"), make.resident(name="乙")
    first_headers, second_headers = make.headers(first), make.headers(second)
    assert body(client.get("/api/v1/me", headers=first_headers))["name"] == "甲"
    assert body(client.get("/api/v1/me", headers=second_headers))["name"] == "乙"
    client.post("/api/v1/auth/logout", headers=first_headers)
    assert client.get("/api/v1/me", headers=first_headers).status_code == 401
