"""Every failure answers in the contract's envelope, and the server keeps serving."""
import pytest

from app import create_app
from tests.conftest import body


def assert_envelope(response, status, code=None):
    assert response.status_code == status
    error = body(response)["error"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["code"], str)
    if code:
        assert error["code"] == code
    return error


def test_unknown_path_is_404(client):
    assert_envelope(client.get("/api/v1/nowhere"), 404, "not_found")


def test_wrong_method_is_405(client):
    response = client.delete("/api/v1/auth/wx-login")
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/wx-login", data="{not json", content_type="application/json")
    assert_envelope(response, 400, "invalid_json")


def test_missing_field_is_422_with_fields(client):
    error = assert_envelope(client.post("/api/v1/auth/wx-login", json={}), 422, "validation_error")
    assert error["fields"]["code"] == ["必填"]


def test_wrong_type_is_422(client):
    error = assert_envelope(client.post("/api/v1/auth/wx-login", json={"code": 12}), 422)
    assert error["fields"]["code"] == ["应为文本"]


def test_unknown_field_is_422(client):
    error = assert_envelope(client.post("/api/v1/auth/wx-login", json={"code": "a", "extra": 1}), 422)
    assert error["fields"]["extra"] == ["未知字段"]


def test_over_long_string_is_422(client):
    error = assert_envelope(client.post("/api/v1/auth/wx-login", json={"code": "a" * 129}), 422)
    assert error["fields"]["code"] == ["长度须在 1 到 128 之间"]


def test_json_array_body_is_422(client):
    assert_envelope(client.post("/api/v1/auth/wx-login", json=["a"]), 422)


def test_unknown_enum_value_is_422(client, make):
    admin = make.admin()
    response = client.post(
        "/api/v1/orgs", json={"name": "x", "kind": "galaxy", "parent_id": None}, headers=make.headers(admin)
    )
    error = assert_envelope(response, 422)
    assert error["fields"]["kind"][0].startswith("须为以下之一：")


def test_ten_megabyte_body_is_413_and_server_keeps_serving(client):
    response = client.post(
        "/api/v1/auth/wx-login", data=b"{" + b" " * (10 * 1024 * 1024) + b"}", content_type="application/json"
    )
    assert_envelope(response, 413, "payload_too_large")
    assert client.get("/healthz").status_code == 200


def test_no_token_is_401(client):
    assert_envelope(client.get("/api/v1/me"), 401, "token_missing")


def test_resident_on_staff_endpoint_is_403(client, make):
    response = client.get("/api/v1/orgs", headers=make.headers(make.resident()))
    assert_envelope(response, 403, "staff_only")


def test_state_conflict_is_409(client, make):
    units = make.tree()
    admin_headers = make.headers(make.admin())
    payload = {"username": "dup_user", "password": "long-password-1", "name": "甲", "org_id": units["community_a"].id}
    assert client.post("/api/v1/staff", json=payload, headers=admin_headers).status_code == 201
    assert_envelope(client.post("/api/v1/staff", json=payload, headers=admin_headers), 409, "username_taken")


def test_rate_limit_is_429_with_retry_after(client):
    for _ in range(10):
        client.post("/api/v1/auth/desk-login", json={"username": "x", "password": "y"})
    response = client.post("/api/v1/auth/desk-login", json={"username": "x", "password": "y"})
    assert_envelope(response, 429, "rate_limited")
    assert response.headers["Retry-After"].isdigit()


@pytest.fixture
def failing_app(app):
    broken = create_app(dict(app.config))

    @broken.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    return broken


def test_unhandled_error_is_500_in_the_envelope(failing_app):
    response = failing_app.test_client().get("/boom")
    error = assert_envelope(response, 500, "internal_error")
    assert "kaboom" not in error["message"]
    assert failing_app.test_client().get("/healthz").status_code == 200
