"""Accounts and access: listing staff, revoking scopes, disabling accounts, passwords, desk tokens."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.users import AuthToken, User
from tests.conftest import body, executed_statements


def desk_login(client, username, password):
    return client.post("/api/v1/auth/desk-login", json={"username": username, "password": password})


def bearer(response) -> dict:
    return {"Authorization": f"Bearer {body(response)['token']}"}


@pytest.fixture
def units(make):
    return make.tree()


# ------------------------------------------------------------------------------ listing


def test_admin_lists_every_staff_account_with_its_scopes(client, make, units):
    admin = make.admin()
    worker = make.staff(units["building_a1"], name="王五")
    make.staff(units["community_b"], role="secretary")
    listed = client.get("/api/v1/staff?per_page=100", headers=make.headers(admin))
    assert listed.status_code == 200
    page = body(listed)
    assert page["total"] == 3  # the administrator is a desk account too
    item = next(item for item in page["items"] if item["id"] == worker.id)
    scope = worker.scopes[0]
    assert item == {
        "id": worker.id,
        "username": worker.username,
        "name": "王五",
        "disabled": False,
        "scopes": [{"id": scope.id, "org_id": units["building_a1"].id, "role": "staff"}],
    }


def test_secretary_lists_only_accounts_within_their_scope(client, make, units):
    secretary = make.staff(units["community_a"], role="secretary")
    inside = make.staff(units["building_a2"])
    outside = make.staff(units["building_b1"])
    page = body(client.get("/api/v1/staff", headers=make.headers(secretary)))
    ids = {item["id"] for item in page["items"]}
    assert ids == {secretary.id, inside.id}
    assert outside.id not in ids


def test_secretary_sees_only_the_scopes_inside_their_own(client, make, units):
    secretary = make.staff(units["community_a"], role="secretary")
    both = make.staff(units["building_a1"])
    make.grant(both, units["building_b1"])
    item = next(
        item
        for item in body(client.get("/api/v1/staff", headers=make.headers(secretary)))["items"]
        if item["id"] == both.id
    )
    assert [scope["org_id"] for scope in item["scopes"]] == [units["building_a1"].id]


def test_plain_staff_cannot_list_accounts(client, make, units):
    response = client.get("/api/v1/staff", headers=make.headers(make.staff(units["community_a"])))
    assert response.status_code == 403


# ------------------------------------------------------------------------ revoking scopes


def test_removed_scope_stops_working_at_once(client, make, units):
    worker = make.staff(units["community_a"])
    worker_headers = make.headers(worker)
    org_url = f"/api/v1/orgs/{units['building_a1'].id}"
    assert client.get(org_url, headers=worker_headers).status_code == 200
    scope_id = worker.scopes[0].id
    removed = client.delete(f"/api/v1/staff/{worker.id}/scopes/{scope_id}", headers=make.headers(make.admin()))
    assert removed.status_code == 204
    assert client.get(org_url, headers=worker_headers).status_code == 404


def test_secretary_removes_scopes_within_their_org_only(client, make, units):
    secretary_headers = make.headers(make.staff(units["community_a"], role="secretary"))
    inside = make.staff(units["building_a1"])
    outside = make.staff(units["building_b1"])
    ok = client.delete(f"/api/v1/staff/{inside.id}/scopes/{inside.scopes[0].id}", headers=secretary_headers)
    assert ok.status_code == 204
    hidden = client.delete(f"/api/v1/staff/{outside.id}/scopes/{outside.scopes[0].id}", headers=secretary_headers)
    assert hidden.status_code == 404


def test_scope_of_another_account_is_not_found(client, make, units):
    first, second = make.staff(units["building_a1"]), make.staff(units["building_a2"])
    response = client.delete(
        f"/api/v1/staff/{first.id}/scopes/{second.scopes[0].id}", headers=make.headers(make.admin())
    )
    assert response.status_code == 404


def test_plain_staff_cannot_remove_scopes(client, make, units):
    worker = make.staff(units["building_a1"])
    response = client.delete(
        f"/api/v1/staff/{worker.id}/scopes/{worker.scopes[0].id}",
        headers=make.headers(make.staff(units["community_a"])),
    )
    assert response.status_code == 403


# --------------------------------------------------------------------- disabling accounts


def test_disabled_account_token_answers_401(client, make, units):
    worker = make.staff(units["community_a"], password="worker-password-1")
    login = desk_login(client, worker.username, "worker-password-1")
    disabled = client.post(f"/api/v1/staff/{worker.id}/disable", headers=make.headers(make.admin()))
    assert disabled.status_code == 200
    assert body(disabled)["disabled"] is True
    assert body(disabled)["id"] == worker.id
    assert client.get("/api/v1/me", headers=bearer(login)).status_code == 401


def test_disabled_account_login_answers_403_only_after_the_right_password(client, make, units):
    worker = make.staff(units["community_a"], password="worker-password-1")
    admin_headers = make.headers(make.admin())
    client.post(f"/api/v1/staff/{worker.id}/disable", headers=admin_headers)
    wrong = desk_login(client, worker.username, "not-the-password")
    assert wrong.status_code == 401
    assert body(wrong)["error"]["code"] == "invalid_credentials"
    right = desk_login(client, worker.username, "worker-password-1")
    assert right.status_code == 403
    assert body(right)["error"]["code"] == "account_disabled"
    enabled = client.post(f"/api/v1/staff/{worker.id}/enable", headers=admin_headers)
    assert enabled.status_code == 200
    assert body(enabled)["disabled"] is False
    assert desk_login(client, worker.username, "worker-password-1").status_code == 200


def test_disabled_account_cannot_log_in_through_wechat(client, make, units, wx):
    code, openid = wx.mint_code()
    client.post("/api/v1/auth/wx-login", json={"code": code})
    user = db.session.execute(select(User).where(User.openid == openid)).scalar_one()
    make.grant(user, units["building_a1"])
    assert client.post(f"/api/v1/staff/{user.id}/disable", headers=make.headers(make.admin())).status_code == 200
    again = client.post("/api/v1/auth/wx-login", json={"code": wx.mint_code(openid)[0]})
    assert again.status_code == 403
    assert body(again)["error"]["code"] == "account_disabled"


def test_secretary_disables_only_accounts_wholly_within_their_scope(client, make, units):
    secretary_headers = make.headers(make.staff(units["community_a"], role="secretary"))
    inside = make.staff(units["building_a1"])
    straddling = make.staff(units["building_a2"])
    make.grant(straddling, units["building_b1"])
    outside = make.staff(units["building_b2"])
    assert client.post(f"/api/v1/staff/{inside.id}/disable", headers=secretary_headers).status_code == 200
    partial = client.post(f"/api/v1/staff/{straddling.id}/disable", headers=secretary_headers)
    assert partial.status_code == 403
    assert client.post(f"/api/v1/staff/{outside.id}/disable", headers=secretary_headers).status_code == 404


def test_nobody_disables_themselves(client, make, units):
    admin = make.admin()
    response = client.post(f"/api/v1/staff/{admin.id}/disable", headers=make.headers(admin))
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "cannot_disable_self"


def test_only_an_administrator_disables_an_administrator(client, make, units):
    other_admin = make.admin()
    make.grant(other_admin, units["building_a1"])
    secretary_headers = make.headers(make.staff(units["community_a"], role="secretary"))
    refused = client.post(f"/api/v1/staff/{other_admin.id}/disable", headers=secretary_headers)
    assert refused.status_code == 403
    allowed = client.post(f"/api/v1/staff/{other_admin.id}/disable", headers=make.headers(make.admin()))
    assert allowed.status_code == 200


def test_plain_staff_cannot_disable_accounts(client, make, units):
    worker = make.staff(units["building_a1"])
    response = client.post(
        f"/api/v1/staff/{worker.id}/disable", headers=make.headers(make.staff(units["community_a"]))
    )
    assert response.status_code == 403


def test_unknown_account_is_not_found(client, make, units):
    response = client.post("/api/v1/staff/999999/disable", headers=make.headers(make.admin()))
    assert response.status_code == 404


# ------------------------------------------------------------------------------ passwords


def test_password_change_revokes_the_other_tokens(client, make, units):
    worker = make.staff(units["community_a"], password="old-password-1")
    here = bearer(desk_login(client, worker.username, "old-password-1"))
    elsewhere = bearer(desk_login(client, worker.username, "old-password-1"))
    changed = client.post(
        "/api/v1/auth/password",
        json={"old_password": "old-password-1", "new_password": "new-password-22"},
        headers=here,
    )
    assert changed.status_code == 204
    assert client.get("/api/v1/me", headers=here).status_code == 200
    assert client.get("/api/v1/me", headers=elsewhere).status_code == 401
    assert desk_login(client, worker.username, "old-password-1").status_code == 401
    assert desk_login(client, worker.username, "new-password-22").status_code == 200


def test_password_change_needs_the_old_password(client, make, units):
    worker = make.staff(units["community_a"], password="old-password-1")
    response = client.post(
        "/api/v1/auth/password",
        json={"old_password": "guess-password", "new_password": "new-password-22"},
        headers=make.headers(worker),
    )
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "wrong_password"
    assert desk_login(client, worker.username, "old-password-1").status_code == 200


def test_new_password_has_at_least_ten_characters(client, make, units):
    worker = make.staff(units["community_a"], password="old-password-1")
    response = client.post(
        "/api/v1/auth/password",
        json={"old_password": "old-password-1", "new_password": "short-pw1"},
        headers=make.headers(worker),
    )
    assert response.status_code == 422
    assert "new_password" in body(response)["error"]["fields"]


def test_mini_program_user_has_no_password_to_change(client, make):
    response = client.post(
        "/api/v1/auth/password",
        json={"old_password": "anything-at-all", "new_password": "new-password-22"},
        headers=make.headers(make.resident()),
    )
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "not_a_desk_account"


# ---------------------------------------------------------------------------- desk tokens


def _age_tokens(**columns):
    db.session.execute(update(AuthToken).values(**columns))
    db.session.commit()


def test_desk_token_expires_after_the_idle_time(client, make, units, app):
    worker = make.staff(units["community_a"], password="worker-password-1")
    headers = bearer(desk_login(client, worker.username, "worker-password-1"))
    idle = app.config["DESK_TOKEN_IDLE_SECONDS"]
    _age_tokens(last_used_at=utcnow() - timedelta(seconds=idle + 1))
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert body(response)["error"]["code"] == "token_invalid"


def test_desk_token_in_use_stays_valid_and_records_its_use(client, make, units, app):
    worker = make.staff(units["community_a"], password="worker-password-1")
    headers = bearer(desk_login(client, worker.username, "worker-password-1"))
    idle = app.config["DESK_TOKEN_IDLE_SECONDS"]
    _age_tokens(last_used_at=utcnow() - timedelta(seconds=idle - 5))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.session.expire_all()
    last_used = db.session.execute(select(AuthToken.last_used_at)).scalar_one()
    assert utcnow() - last_used < timedelta(seconds=30)


def test_fresh_token_use_writes_nothing(client, make, units):
    headers = make.headers(make.staff(units["community_a"]))
    with executed_statements() as statements:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]


def test_desk_tokens_live_shorter_than_mini_program_tokens(client, make, units, wx, app):
    worker = make.staff(units["community_a"], password="worker-password-1")
    desk_login(client, worker.username, "worker-password-1")
    code, _ = wx.mint_code()
    client.post("/api/v1/auth/wx-login", json={"code": code})
    lifetimes = {
        token.kind: token.expires_at - token.created_at
        for token in db.session.execute(select(AuthToken)).scalars()
    }
    slack = timedelta(seconds=5)
    assert abs(lifetimes["desk"] - timedelta(seconds=app.config["DESK_TOKEN_TTL_SECONDS"])) < slack
    assert abs(lifetimes["mini_program"] - timedelta(seconds=app.config["TOKEN_TTL_SECONDS"])) < slack
    assert lifetimes["desk"] < lifetimes["mini_program"]


def test_openapi_documents_the_account_endpoints(client):
    paths = body(client.get("/api/v1/openapi.json"))["paths"]
    for path, method in (
        ("/api/v1/staff", "get"),
        ("/api/v1/staff/{user_id}/scopes/{scope_id}", "delete"),
        ("/api/v1/staff/{user_id}/disable", "post"),
        ("/api/v1/staff/{user_id}/enable", "post"),
        ("/api/v1/auth/password", "post"),
    ):
        assert method in paths[path], path
