"""Local time: times people read are in one configured zone (LOCAL_TIMEZONE, default Asia/Shanghai).

The database keeps UTC; this module is the one place that turns it into wall-clock time.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from models.base import utcnow


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["LOCAL_TIMEZONE"])


def to_local(at: datetime | None = None) -> datetime:
    """`at` (now when not given) as wall-clock time in the configured zone."""
    return (at or utcnow()).astimezone(local_zone())
