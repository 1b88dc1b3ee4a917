"""What every endpoint shares: the caller, idempotency keys, paged answers."""
from functools import wraps
from urllib.parse import quote

import marshmallow as ma
from flask import current_app, has_request_context, request
from werkzeug.wrappers import Response

from models.users import User
from services import idempotency, moderation
from services.auth import user_for_token
from services.database import paginate
from services.errors import Invalid
from services.spreadsheets import CONTENT_TYPE

BEARER = "bearer "
USER_KEY = "linli.user"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith(BEARER):
        return header[len(BEARER):].strip() or None
    return None


def current_user() -> User:
    """The authenticated caller, loaded once per request (401 when there is none).

    Kept on the request, not on `g`: an app context (and its `g`) may outlive one request.
    """
    if USER_KEY not in request.environ:
        request.environ[USER_KEY] = user_for_token(bearer_token())
    return request.environ[USER_KEY]


def signed_in_as(user: User) -> None:
    """A login's answer is for the user who just signed in: their own held texts show to them."""
    request.environ[USER_KEY] = user


def screen_shared_text(value: str, scene: int) -> None:
    """The check every SharedText of a request body goes through (see services/moderation.py)."""
    if has_request_context():
        moderation.screen(current_user(), value, scene)


def hide_held_texts(owner, attribute: str, value):
    """What every value of a HeldAwareSchema answer goes through: held texts only for their author."""
    viewer = request.environ.get(USER_KEY) if has_request_context() else None
    return moderation.shown(viewer, owner, attribute, value)


def auth_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        current_user()
        return view(*args, **kwargs)

    wrapper.requires_auth = True  # read by errors.ErrorResponsesPlugin to document 401 and 403
    return wrapper


def idempotent(view):
    """Honour `Idempotency-Key`: the same key from the same user replays the first answer.

    The key is bound to the method, path and body; reused on another request it answers 422.
    Put it above the flask-smorest decorators so it sees the finished response.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 100:
            raise Invalid("Idempotency-Key 长度应在 1 到 100 之间", code="invalid_idempotency_key")
        fingerprint = idempotency.request_hash(request.method, request.path, request.get_data())
        claimed = idempotency.claim(current_user().id, key, fingerprint)
        if claimed.is_replay:
            return claimed.body, claimed.status_code
        try:
            with idempotency.committed_with_the_work(claimed):
                response = view(*args, **kwargs)
        except Exception:
            idempotency.release(claimed)
            raise
        if isinstance(response, Response) and response.status_code < 500:
            idempotency.record(claimed, response.status_code, response.get_json(silent=True))
        else:
            idempotency.release(claimed)
        return response

    return wrapper


def page_response(statement, args: dict, count=None) -> dict:
    items, total = paginate(statement, args["page"], args["per_page"], count)
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


def refuse_nul_characters() -> None:
    """A NUL character in any text of the query or the JSON body is refused (422) before a view
    runs: PostgreSQL cannot store one in a text column, and no person types one."""
    texts = list(request.args.keys()) + list(request.args.values())
    if request.is_json:
        texts += _strings_in(request.get_json(silent=True))
    if any("\x00" in text for text in texts):
        raise Invalid("内容含有不允许的空字符", code="nul_character")


def _strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [string for key, item in value.items() for string in (key, *_strings_in(item))]
    if isinstance(value, list):
        return [string for item in value for string in _strings_in(item)]
    return []


def attachment(content: bytes, mimetype: str, filename: str, ascii_filename: str) -> Response:
    """A download: `filename` (UTF-8, RFC 6266 `filename*`) with an ASCII name for old clients; never cached."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def workbook_response(blp, rows: str, columns):
    """Document an .xlsx download in OpenAPI: what its rows are, then its column headers."""
    return blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type=CONTENT_TYPE,
        description=f"{rows}: " + ", ".join(column.header for column in columns),
    )


def workbook_download(export) -> Response:
    """A finished workbook (services.exports.Export) as a download."""
    return attachment(export.content, CONTENT_TYPE, export.filename, export.ascii_filename)


def larger_body(view):
    """Uploads may be larger than the API's usual body limit (EVALUATION_MEDIA_MAX_BYTES plus the form's own bytes)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = current_app.config["EVALUATION_MEDIA_MAX_BYTES"] + 64 * 1024
        return view(*args, **kwargs)

    return wrapper


def load_or_422(schema: ma.Schema, data: dict) -> dict:
    """A form read by hand (after the scope check), with the usual 422 for bad fields."""
    try:
        return schema.load(data)
    except ma.ValidationError as error:
        raise Invalid(fields=error.messages) from None
