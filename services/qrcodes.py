"""Rotating signed QR codes: one token scheme for every place a code is scanned (stations, activities).

A token is `<object id>.<window>.<signature>`, at most 32 characters so it fits the `scene` of a
mini-program code (wxacode.getUnlimited): the object id in base 36, the window's last two decimal
digits, and 128 bits of HMAC in base64url. The HMAC binds the purpose, the object, the *whole* time
window and the object's own secret (replacing the secret voids every code shown so far), so the
shortened window loses nothing: a token names the latest window ending in its two digits, and is
valid in that window and the next, so a code read just before it changes still works.
"""
import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from models.base import utcnow
from services.errors import Invalid


@dataclass
class QrWindow:
    token: str
    # The token stops being accepted; a new one is shown from `changes_at` (one window earlier).
    expires_at: datetime
    changes_at: datetime


def window_seconds() -> int:
    return current_app.config["QR_WINDOW_SECONDS"]


def window_of(at: datetime) -> int:
    return int(at.timestamp()) // window_seconds()


# WeChat's limit for the scene of a mini-program code, which carries the token.
MAX_TOKEN_LENGTH = 32
# How many windows the two window digits tell apart.
WINDOW_DIGITS_SPAN = 100
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# How far back a genuine old code is still recognised as expired (rather than invalid).
EXPIRED_LOOKBACK_SECONDS = 7 * 24 * 3600
TOKEN = re.compile(r"([0-9a-z]{1,7})\.(\d\d)\.([A-Za-z0-9_-]{22})")


def _signature(purpose: str, object_id: int, window: int, secret: str) -> str:
    message = f"{purpose}:{object_id}:{window}:{secret}".encode()
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, remainder = divmod(number, 36)
        digits = BASE36[remainder] + digits
        if number == 0:
            return digits


def issue(purpose: str, object_id: int, secret: str, at: datetime | None = None) -> QrWindow:
    """The code shown now for the object, valid this window and the next."""
    window = window_of(at or utcnow())
    expires = datetime.fromtimestamp((window + 2) * window_seconds(), UTC)
    changes = datetime.fromtimestamp((window + 1) * window_seconds(), UTC)
    token = f"{_base36(object_id)}.{window % WINDOW_DIGITS_SPAN:02d}.{_signature(purpose, object_id, window, secret)}"
    return QrWindow(token, expires, changes)


def verify(purpose: str, object_id: int, secret: str, token: str, wrong_object: Invalid,
           at: datetime | None = None) -> int:
    """The window of a valid token for this object; `wrong_object` when it names another one,
    422 `qr_invalid` or `qr_expired` otherwise."""
    match = TOKEN.fullmatch(token)
    if match is None:
        raise Invalid("二维码无效", code="qr_invalid")
    token_object, digits, signature = int(match.group(1), 36), int(match.group(2)), match.group(3)
    if token_object != object_id:
        raise wrong_object
    current = window_of(at or utcnow())
    # The latest window up to now ending in the token's digits: the only one it may be valid in.
    window = current - (current - digits) % WINDOW_DIGITS_SPAN
    if hmac.compare_digest(signature, _signature(purpose, object_id, window, secret)):
        if window in (current, current - 1):
            return window
        raise _expired()
    # An older window with the same digits: a real but stale code is told apart from a forged one.
    oldest = current - EXPIRED_LOOKBACK_SECONDS // window_seconds()
    for earlier in range(window - WINDOW_DIGITS_SPAN, oldest - 1, -WINDOW_DIGITS_SPAN):
        if hmac.compare_digest(signature, _signature(purpose, object_id, earlier, secret)):
            raise _expired()
    raise Invalid("二维码无效", code="qr_invalid")


def _expired() -> Invalid:
    return Invalid("二维码已过期，请扫描现场最新的二维码", code="qr_expired")
