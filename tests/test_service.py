"""Health, readiness, the OpenAPI document and its browsable page."""
from tests.conftest import body
from tests.fixtures.services import free_port


def test_healthz(client):
    assert client.get("/healthz").status_code == 200


def test_readyz_when_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert body(response)["checks"] == {"database": True, "redis": True}


def test_readyz_names_redis_when_it_is_down(app, another_app):
    settings = dict(app.config)
    settings["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = another_app(settings).test_client().get("/readyz")
    assert response.status_code == 503
    assert body(response)["error"]["failed"] == ["redis"]


def test_openapi_covers_every_api_route(client, app):
    spec = body(client.get("/api/v1/openapi.json"))
    documented = {
        (path, method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "patch", "put", "delete"}
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.startswith(("/api/v1/docs", "/api/v1/openapi")):
            continue
        path = rule.rule.replace("<id:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method))
    assert routes
    assert routes <= documented, routes - documented


def test_openapi_describes_the_error_envelope(client):
    spec = body(client.get("/api/v1/openapi.json"))
    error = spec["components"]["schemas"]["Error"]
    assert "error" in error["properties"]


def test_docs_page_and_assets_are_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/api/v1/docs/assets/swagger-ui-bundle.js" in page.data
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200
