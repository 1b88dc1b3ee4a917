"""Extensions, created unbound here and initialised in create_app()."""
import redis
from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from errors import LinliApi
from models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = LinliApi()
limiter = Limiter(key_func=get_remote_address)


def init_redis(app):
    """One client (with its connection pool) per app, shared by every request."""
    app.extensions["redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2
    )


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
