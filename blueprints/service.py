"""Process health, readiness, the API docs' assets and the desk's static files."""
import swagger_ui_bundle
from flask import Blueprint, current_app, send_from_directory
from sqlalchemy import text

from extensions import db, get_redis

service_blp = Blueprint("service", __name__)


@service_blp.get("/healthz")
def healthz():
    return {"status": "ok"}


@service_blp.get("/readyz")
def readyz():
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        body = {
            "error": {
                "code": "not_ready",
                "message": "服务未就绪：" + "、".join(failed) + " 无响应",
                "failed": failed,
            }
        }
        return body, 503
    return {"status": "ready", "checks": checks}


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # readiness answers for any failure of the dependency
        current_app.logger.warning("readiness: database check failed", exc_info=True)
        return False
    finally:
        db.session.rollback()


def _redis_ok() -> bool:
    try:
        return bool(get_redis().ping())
    except Exception:  # readiness answers for any failure of the dependency
        current_app.logger.warning("readiness: redis check failed")
        return False


@service_blp.get("/api/v1/docs/assets/<path:filename>")
def docs_assets(filename):
    """Swagger UI served from the installed bundle, so the docs work offline."""
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


@service_blp.get("/desk/")
@service_blp.get("/desk/<path:filename>")
def desk(filename="index.html"):
    return send_from_directory(current_app.static_folder + "/desk", filename)
