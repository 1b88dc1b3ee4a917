"""Housekeeping: dead bearer tokens and old idempotency keys are deleted, so neither table only grows."""
from datetime import timedelta

from flask import current_app

from extensions import db
from services import auth, idempotency


def purge_expired() -> dict[str, int]:
    """Delete expired or revoked tokens and idempotency keys past IDEMPOTENCY_KEY_TTL_SECONDS."""
    tokens = auth.purge_dead_tokens()
    keys = idempotency.purge_expired(timedelta(seconds=current_app.config["IDEMPOTENCY_KEY_TTL_SECONDS"]))
    db.session.commit()
    return {"tokens": tokens, "idempotency_keys": keys}
