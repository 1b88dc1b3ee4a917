"""Every failure answers in the contract's envelope, and the server keeps serving."""
import pytest

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
def failing_app(app, another_app):
    broken = another_app(dict(app.config))

    @broken.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    return broken


def test_unhandled_error_is_500_in_the_envelope(failing_app):
    response = failing_app.test_client().get("/boom")
    error = assert_envelope(response, 500, "internal_error")
    assert "kaboom" not in error["message"]
    assert failing_app.test_client().get("/healthz").status_code == 200


LARGEST_ID = 2**31 - 1  # PostgreSQL's `integer` ends here


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/orgs/2451831992438932111360"),
        ("get", f"/api/v1/orgs/{LARGEST_ID + 1}"),
        ("get", "/api/v1/orgs/0"),
        ("patch", "/api/v1/stations/9223372036854775808"),
        ("post", "/api/v1/threads/18446744073709551617/read"),
        ("post", f"/api/v1/requests/{LARGEST_ID + 1}/accept"),
    ],
)
def test_out_of_range_id_in_path_is_not_found(client, make, method, path):
    headers = make.headers(make.admin())
    assert_envelope(getattr(client, method)(path, json={}, headers=headers), 404, "not_found")


def test_largest_id_in_path_is_looked_up_and_not_found(client, make):
    response = client.get(f"/api/v1/orgs/{LARGEST_ID}", headers=make.headers(make.admin()))
    assert_envelope(response, 404)


@pytest.mark.parametrize("value", ["1189432922355", str(LARGEST_ID + 1), "0", "-3"])
def test_out_of_range_id_in_query_is_422(client, make, value):
    error = assert_envelope(
        client.get(f"/api/v1/orgs?parent_id={value}", headers=make.headers(make.admin())), 422, "validation_error"
    )
    assert "parent_id" in error["fields"]


@pytest.mark.parametrize(
    "path, payload, field",
    [
        ("/api/v1/orgs", {"name": "x", "kind": "district_committee", "parent_id": 2**63}, "parent_id"),
        ("/api/v1/staff", {"user_id": LARGEST_ID + 1, "org_id": 1}, "user_id"),
        ("/api/v1/checkins", {"station_id": 10**30, "qr_token": "t", "lat": 0, "lng": 0}, "station_id"),
        ("/api/v1/requests", {"category_id": 2**64 + 1, "title": "t", "description": "d"}, "category_id"),
    ],
)
def test_out_of_range_id_in_body_is_422(client, make, path, payload, field):
    error = assert_envelope(client.post(path, json=payload, headers=make.headers(make.admin())), 422)
    assert field in error["fields"]


def test_every_path_id_is_documented_with_its_range(client):
    document = body(client.get("/api/v1/openapi.json"))
    id_parameters = [
        parameter
        for item in document["paths"].values()
        for parameter in item.get("parameters", [])
        if parameter["in"] == "path"
    ]
    assert id_parameters
    for parameter in id_parameters:
        assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}, parameter


def test_every_integer_input_is_bounded(client):
    """An unbounded integer in a body or query could overflow its column: each has a maximum."""
    document = body(client.get("/api/v1/openapi.json"))
    schemas = document["components"]["schemas"]
    unbounded = []

    def visit(schema, where):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                visit(schemas[name], name)
            return
        if schema.get("readOnly"):
            return
        if schema.get("type") == "integer" and "maximum" not in schema:
            unbounded.append(where)
        for name, child in schema.get("properties", {}).items():
            visit(child, f"{where}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                visit(schema[key], f"{where}[]")
        for child in schema.get("allOf", []) + schema.get("anyOf", []) + schema.get("oneOf", []):
            visit(child, where)

    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            seen = set()
            for parameter in operation.get("parameters", []):
                visit(parameter.get("schema", {}), f"{method.upper()} {path} ?{parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                visit(content["schema"], f"{method.upper()} {path} body")
    assert not unbounded, unbounded


def test_station_patch_with_a_span_missing_open_is_422(client, make, make_station):
    units = make.tree()
    station = make_station(units["community_a"])
    weekly = {"mon": [{"close": "18:00"}]}
    response = client.patch(
        f"/api/v1/stations/{station.id}",
        json={"opening_hours": {"weekly": weekly}},
        headers=make.headers(make.staff(units["community_a"])),
    )
    error = assert_envelope(response, 422, "validation_error")
    assert "opening_hours" in error["fields"]


def test_id_pattern_matches_exactly_one_to_the_largest_id():
    import random
    import re

    from app import decimal_range_pattern

    pattern = re.compile(decimal_range_pattern(LARGEST_ID) + r"\Z")
    samples = list(range(0, 2000)) + [LARGEST_ID - 1, LARGEST_ID, LARGEST_ID + 1, 10**10, 2**63]
    samples += [random.randrange(0, 10**11) for _ in range(20000)]
    for number in samples:
        assert bool(pattern.match(str(number))) == (1 <= number <= LARGEST_ID), number
    assert not pattern.match("01")


def test_nul_character_in_text_is_422_not_500(client, make):
    """PostgreSQL cannot store NUL in text: refused before any view, on every engine alike."""
    user = make.resident()
    headers = make.headers(user)
    login = client.post("/api/v1/auth/desk-login", json={"username": "ad\u0000min", "password": "x" * 10})
    assert login.status_code == 422
    assert body(login)["error"]["code"] == "nul_character"
    nested = client.patch("/api/v1/me", json={"name": "张\u0000三"}, headers=headers)
    assert nested.status_code == 422
    assert client.get("/api/v1/me", headers=headers).get_json()["name"] == user.name
    assert client.get("/api/v1/orgs?parent_id=1&x\u0000=1", headers=headers).status_code == 422
