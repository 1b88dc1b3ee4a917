"""What every endpoint shares: the caller, idempotency keys, paged answers."""
from functools import wraps
from urllib.parse import quote

from flask import request
from werkzeug.wrappers import Response

from services import idempotency
from services.auth import user_for_token
from services.database import paginate
from services.errors import Invalid
from models.users import User

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


def auth_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        current_user()
        return view(*args, **kwargs)

    return wrapper


def idempotent(view):
    """Honour `Idempotency-Key`: the same key from the same user replays the first answer.

    Put it above the flask-smorest decorators so it sees the finished response.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 100:
            raise Invalid("Idempotency-Key 长度应在 1 到 100 之间", code="invalid_idempotency_key")
        claimed = idempotency.claim(current_user().id, request.endpoint, key)
        if claimed.is_replay:
            return claimed.body, claimed.status_code
        try:
            response = view(*args, **kwargs)
        except Exception:
            idempotency.release(claimed)
            raise
        if isinstance(response, Response) and response.status_code < 500:
            idempotency.record(claimed, response.status_code, response.get_json(silent=True))
        return response

    return wrapper


def page_response(statement, args: dict) -> dict:
    items, total = paginate(statement, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


def attachment(content: bytes, mimetype: str, filename: str, ascii_filename: str) -> Response:
    """A download: `filename` (UTF-8, RFC 6266 `filename*`) with an ASCII name for old clients; never cached."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
