"""create_app(): configuration, extensions, blueprints, error handlers, commands."""
import logging
from pathlib import Path

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import config as linli_config
from errors import ErrorResponsesPlugin, register_error_handlers
from extensions import api, db, init_redis, limiter, migrate
from schemas.common import MAX_ID


def create_app(settings: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, static_folder="static")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(linli_config.from_environment(app.instance_path))
    app.config.update(API_SETTINGS)
    app.config.update(settings or {})
    app.json.ensure_ascii = False  # Chinese text stays readable in every JSON answer
    trust_proxies(app)
    register_extensions(app)
    app.url_map.converters["id"] = IdConverter
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_commands(app)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    return app


API_SETTINGS = {
    "API_TITLE": "Linli 邻里 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_KEY_PREFIX": "linli-limits",
}


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_HOPS load balancers, take the client's address (and scheme) from them."""
    hops = app.config["PROXY_HOPS"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


class IdConverter(IntegerConverter):
    """`<id:name>` in every route: an object id 1..MAX_ID. Anything else does not match the
    route, so an id no column can hold answers 404 like any missing object (and never reaches
    the database, where it would overflow). flask-smorest documents the range from min/max.

    The range is in the regex, not only in to_python: werkzeug notes the methods of a rule whose
    pattern matched before it converts, so a PATCH-only route next to a GET route would answer
    405 instead of 404 for an id that fails conversion."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)
        self.regex = decimal_range_pattern(MAX_ID)


def decimal_range_pattern(maximum: int) -> str:
    """A regex matching exactly the decimal numbers 1..maximum, without leading zeros."""
    digits = str(maximum)
    shorter = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same_length = []
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - position - 1
            same_length.append(f"{digits[:position]}[{lowest}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    same_length.append(digits)
    return "(?:" + "|".join(shorter + same_length) + ")"


def register_extensions(app: Flask) -> None:
    import models
    from services.database import configure_engine_options

    models.load_all()
    configure_engine_options(app)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True, compare_type=True
    )
    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin(app)]})
    limiter.init_app(app)
    init_redis(app)
    from wx.client import init_wechat

    init_wechat(app)


def register_blueprints(app: Flask) -> None:
    from blueprints import ALL_BLUEPRINTS
    from blueprints.common import hide_held_texts, refuse_nul_characters, screen_shared_text
    from blueprints.service import service_blp
    from blueprints.wxpush import wxpush_blp
    from schemas.common import HIDE_HELD_EXTENSION, SCREEN_TEXT_EXTENSION

    app.extensions[SCREEN_TEXT_EXTENSION] = screen_shared_text
    app.extensions[HIDE_HELD_EXTENSION] = hide_held_texts

    app.before_request(refuse_nul_characters)
    app.register_blueprint(service_blp)
    app.register_blueprint(wxpush_blp)
    for blueprint in ALL_BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))


# Content-Security-Policy by what a path serves. The desk is our own code: scripts and styles
# only from files of its origin, so injected markup can run nothing. The Swagger UI page that
# flask-smorest renders starts the UI from an inline <script> (and Swagger UI sets inline
# styles), so its page alone allows inline code; it shows nothing a user typed but the spec.
# Every other answer is JSON or an image: nothing in it may load or run anything.
# No policy lets another site frame a page (clickjacking); no CORS header is ever sent: the
# desk is same-origin and the mini-program is not a browser.
DESK_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def content_security_policy(path: str) -> str:
    if path.startswith("/desk/"):
        return DESK_CSP
    if path.startswith("/api/v1/docs"):
        return DOCS_CSP
    return API_CSP


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = content_security_policy(request.path)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def register_commands(app: Flask) -> None:
    from commands import ALL_COMMANDS

    for command in ALL_COMMANDS:
        app.cli.add_command(command)
