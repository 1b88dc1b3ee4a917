"""create_app(): configuration, extensions, blueprints, error handlers, commands."""
import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as linli_config
from errors import register_error_handlers
from extensions import api, db, init_redis, limiter, migrate


def create_app(settings: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, static_folder="static")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(linli_config.from_environment(app.instance_path))
    app.config.update(API_SETTINGS)
    app.config.update(settings or {})
    app.json.ensure_ascii = False  # Chinese text stays readable in every JSON answer
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
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


def register_extensions(app: Flask) -> None:
    import models
    from services.database import configure_engine_options

    models.load_all()
    configure_engine_options(app)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True, compare_type=True
    )
    api.init_app(app)
    limiter.init_app(app)
    init_redis(app)
    from wx.client import init_wechat

    init_wechat(app)


def register_blueprints(app: Flask) -> None:
    from blueprints import ALL_BLUEPRINTS
    from blueprints.service import service_blp

    app.register_blueprint(service_blp)
    for blueprint in ALL_BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))


def register_commands(app: Flask) -> None:
    from commands import ALL_COMMANDS

    for command in ALL_COMMANDS:
        app.cli.add_command(command)
