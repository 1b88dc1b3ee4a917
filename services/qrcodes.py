"""Rotating signed QR codes: one token scheme for every place a code is scanned (stations, activities).

A token is `<object id>.<window>.<hmac>`: the HMAC binds the purpose, the object, the time window
and the object's own secret (replacing the secret voids every code shown so far). A token is valid
in its window and the next one, so a code read just before it changes still works.
"""
import hashlib
import hmac
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


def _signature(purpose: str, object_id: int, window: int, secret: str) -> str:
    message = f"{purpose}:{object_id}:{window}:{secret}".encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def issue(purpose: str, object_id: int, secret: str, at: datetime | None = None) -> QrWindow:
    """The code shown now for the object, valid this window and the next."""
    window = window_of(at or utcnow())
    expires = datetime.fromtimestamp((window + 2) * window_seconds(), UTC)
    changes = datetime.fromtimestamp((window + 1) * window_seconds(), UTC)
    return QrWindow(f"{object_id}.{window}.{_signature(purpose, object_id, window, secret)}", expires, changes)


def verify(purpose: str, object_id: int, secret: str, token: str, wrong_object: Invalid,
           at: datetime | None = None) -> int:
    """The window of a valid token for this object; `wrong_object` when it names another one,
    422 `qr_invalid` or `qr_expired` otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise Invalid("二维码无效", code="qr_invalid")
    token_object, window, signature = int(parts[0]), int(parts[1]), parts[2]
    if token_object != object_id:
        raise wrong_object
    if not hmac.compare_digest(signature, _signature(purpose, object_id, window, secret)):
        raise Invalid("二维码无效", code="qr_invalid")
    current = window_of(at or utcnow())
    if window not in (current, current - 1):
        raise Invalid("二维码已过期，请扫描现场最新的二维码", code="qr_expired")
    return window
