"""The response clock (SLA) of a service request: how long the community may take to find a taker.

The clock runs from submission until a member takes the request. It stands still while the
request waits on the resident (a question asked, not yet answered). For categories configured
so, it counts only the hours when one of the community's service stations is open; urgent
requests always run on the wall clock.
"""
import heapq
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from extensions import db
from models.requests import ServiceRequest
from models.stations import Station, has_weekly_hours, opening_spans


def budget(request: ServiceRequest) -> timedelta:
    urgent = request.urgency == "urgent"
    return timedelta(minutes=current_app.config["REQUEST_SLA_URGENT_MINUTES" if urgent else "REQUEST_SLA_MINUTES"])


def counted_hours(request: ServiceRequest) -> list[dict] | None:
    """The opening hours of the stations the clock counts in, or None for the wall clock."""
    if request.urgency == "urgent" or not request.category.sla_opening_hours:
        return None
    stations = db.session.execute(
        select(Station.opening_hours)
        .where(Station.org_id == request.community_id, Station.kind == "community_service_station")
    ).scalars()
    open_ones = [hours for hours in stations if has_weekly_hours(hours)]
    return open_ones or None


def _open_spans(stations: list[dict], since: datetime):
    """When at least one of the stations is open, from `since` on: their spans merged in time order."""
    current = None
    for opens, closes in heapq.merge(*(opening_spans(hours, since) for hours in stations)):
        if current is not None and opens <= current[1]:
            current = (current[0], max(current[1], closes))
            continue
        if current is not None:
            yield current
        current = (opens, closes)
    if current is not None:
        yield current


def due_after(stations: list[dict] | None, start: datetime, length: timedelta) -> datetime:
    """The moment `length` of counted time has passed since `start`."""
    if stations is not None:
        remaining = length
        for opens, closes in _open_spans(stations, start):
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens
    # Wall clock, or hours that never open within a year.
    return start + length


def counted_between(stations: list[dict] | None, start: datetime, end: datetime) -> timedelta:
    """Counted time from `start` to `end` (none when end is not after start)."""
    if end <= start:
        return timedelta(0)
    if stations is None:
        return end - start
    total = timedelta(0)
    for opens, closes in _open_spans(stations, start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def initial_due(request: ServiceRequest, submitted_at: datetime) -> datetime:
    return due_after(counted_hours(request), submitted_at, budget(request))


def resumed_due(request: ServiceRequest, resumed_at: datetime) -> datetime:
    """The deadline after a pause: what was left when the clock stopped, counted from now."""
    paused_at = request.sla_paused_at
    if paused_at is None or request.sla_due_at <= paused_at:
        return request.sla_due_at
    stations = counted_hours(request)
    return due_after(stations, resumed_at, counted_between(stations, paused_at, request.sla_due_at))
