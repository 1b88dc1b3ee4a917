"""Security headers on every answer: a strict CSP for the desk, nosniff everywhere, no CORS."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

DESK = Path(__file__).resolve().parent.parent / "static" / "desk"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_desk_page_has_a_strict_content_security_policy(client):
    response = client.get("/desk/")
    response.close()
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes, on* handlers."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = "src" not in names
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag}[{name}]" for name in names if name == "style" or name.startswith("on")]
        self.found += [f"{tag}[{name}=javascript:]" for name, value in attrs if (value or "").startswith("javascript:")]

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("inline <script>")


def test_desk_markup_has_no_inline_script_or_style():
    parser = InlineCode()
    parser.feed((DESK / "index.html").read_text(encoding="utf-8"))
    assert parser.found == []


def test_desk_scripts_build_no_markup_from_strings_and_set_no_inline_styles():
    scripts = sorted(DESK.glob("*.js"))
    assert len(scripts) > 5, "the desk's modules were not found"
    for path in scripts:
        script = path.read_text(encoding="utf-8")
        for pattern in (r"\.innerHTML\s*=", r"insertAdjacentHTML", r"\.style\.", r"setAttribute\(\s*[\"']style",
                        r"setAttribute\(\s*[\"']on", r"\beval\(", r"new Function\("):
            assert not re.search(pattern, script), f"{path.name}: {pattern}"


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/healthz", 200),
        ("get", "/api/v1/openapi.json", 200),
        ("get", "/api/v1/me", 401),
        ("get", "/api/v1/nowhere", 404),
        ("delete", "/api/v1/auth/wx-login", 405),
        ("post", "/api/v1/auth/wx-login", 422),
    ],
)
def test_every_api_answer_is_nosniff_and_loads_nothing(client, method, path, status):
    response = getattr(client, method)(path, json={})
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = directives(response)
    assert policy["default-src"] == "default-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"


def test_docs_page_allows_its_inline_bootstrap_but_no_framing(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", ["options", "get", "post"])
def test_no_cors_headers_even_when_another_origin_asks(client, method):
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "Authorization"}
    response = getattr(client, method)("/api/v1/auth/desk-login", headers=headers)
    assert not [name for name, _value in response.headers.items() if name.lower().startswith("access-control-")]


def test_body_just_over_one_megabyte_is_413(client):
    response = client.post(
        "/api/v1/auth/wx-login", data=b"{" + b" " * (1024 * 1024) + b"}", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
