"""One error envelope for every failure: {"error": {"code", "message", "fields"?}}."""
import logging

import marshmallow as ma
from apispec import BasePlugin
from flask import jsonify
from flask_smorest import Api
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from services.errors import ServiceError, TooManyRequests

log = logging.getLogger(__name__)

# Stable codes and Chinese messages for the HTTP-level failures.
HTTP_ERRORS = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "对象不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "状态冲突"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请以 JSON 格式提交"),
    422: ("validation_error", "提交的数据无效"),
    429: ("rate_limited", "操作过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误"),
    503: ("service_unavailable", "服务暂时不可用"),
}


# Seconds a client should wait before retrying when the database is unreachable.
DATABASE_RETRY_AFTER = "5"


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict()


class ErrorSchema(ma.Schema):
    """The error body of every failing response."""

    error = ma.fields.Nested(ErrorBodySchema, required=True)


def envelope(status: int, code: str, message: str, fields=None, headers=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_validation(messages):
    """webargs nests errors by location ({"json": {...}}); clients want field → messages."""
    flat = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            flat.update(location_errors)
        else:
            flat["_schema"] = location_errors
    return flat


class LinliApi(Api):
    ERROR_SCHEMA = ErrorSchema
    # No catch-all `default` response: each operation lists the error statuses it can give
    # (ErrorResponsesPlugin), so a client and the fuzz test know the complete set.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException):
        code, message = HTTP_ERRORS.get(error.code, ("http_error", error.name))
        data = getattr(error, "data", None) or {}
        fields = None
        if "messages" in data:
            fields = _flatten_validation(data["messages"])
        if error.code == 400 and "Invalid JSON" in str(data.get("messages", "")):
            code, message, fields = "invalid_json", "JSON 格式错误", None
        if data.get("message"):
            message = data["message"]
        headers = dict(data.get("headers") or {})
        if error.code == 429:
            headers.setdefault("Retry-After", _retry_after(error))
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        return envelope(error.code, code, message, fields, headers)


WRITE_METHODS = {"post", "put", "patch", "delete"}


class ErrorResponsesPlugin(BasePlugin):
    """Documents, in one place, the error answers every operation can give, from what it is:

    - a view behind `auth_required`: 401 (no or bad token) and 403 (not allowed);
    - an id in the path: 404 (missing, out of range, or not visible to the caller);
    - a JSON body: 400 (malformed JSON), 413 (over MAX_CONTENT_LENGTH) and 404 (an object it
      names does not exist or is not visible); arguments: 422, and 404 when one names an object (`*_id`);
    - a write: 409 (a state conflict or a duplicate) and 429 (rate limits guard writes).
    An operation that gives another error documents it with `@blp.alt_response`.
    """

    def __init__(self, app):
        super().__init__()
        self.app = app

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self.app.view_functions.get(rule.endpoint)
        has_path_id = bool(rule.arguments)
        for method, operation in operations.items():
            statuses = set()
            if getattr(view, "requires_auth", False):
                statuses |= {401, 403}
            if has_path_id:
                statuses.add(404)
            if "requestBody" in operation:
                statuses |= {400, 404, 413, 422}
            if operation.get("parameters"):
                statuses.add(422)
            if any(parameter.get("in") == "query" and parameter["name"].endswith("_id")
                   for parameter in operation.get("parameters", [])):
                statuses.add(404)
            if method in WRITE_METHODS:
                statuses |= {409, 429}
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(str(status), error_response(status))


def error_response(status: int) -> dict:
    code, message = HTTP_ERRORS[status]
    return {
        "description": f"{message} (`{code}` or a more specific code)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _retry_after(error) -> str:
    limit = getattr(error, "limit", None)
    if limit is not None:
        return str(int(limit.limit.get_expiry()))
    return "60"


def handle_service_error(error: ServiceError):
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after)
    return envelope(error.status, error.code, error.message, error.fields, headers)


def handle_database_error(error: DBAPIError):
    """A lost or refused database connection is a 503 the client may retry; the pool reconnects
    on its own (pool_pre_ping), so Linli recovers without a restart. Other database errors are 500s."""
    if isinstance(error, OperationalError) or error.connection_invalidated:
        log.warning("database unavailable: %s", type(error.orig).__name__)
        return envelope(
            503, "database_unavailable", "数据库暂时不可用，请稍后重试", headers={"Retry-After": DATABASE_RETRY_AFTER}
        )
    return handle_unexpected(error)


def handle_unexpected(error: Exception):
    log.exception("unhandled error")
    code, message = HTTP_ERRORS[500]
    return envelope(500, code, message)


def register_error_handlers(app):
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
