"""The response clock's edges: which stations count, exact fits, overlaps before later days, resuming."""
from datetime import timedelta

from models.requests import ServiceRequest
from services.sla import counted_between, counted_hours, due_after, resumed_due
from tests.test_sla import WEEKDAYS_ONLY, local

EVENINGS = {"weekly": {"mon": [{"open": "18:00", "close": "21:00"}]}, "closed_days": []}


def _request(category, community, **fields) -> ServiceRequest:
    """A request as the clock sees it (not stored: the clock reads only these fields)."""
    return ServiceRequest(category=category, community_id=community.id, urgency="normal", **fields)


def test_only_service_stations_of_the_requests_own_community_count(make, make_station, category):
    units = make.tree()
    category.sla_opening_hours = True
    request = _request(category, units["community_a"])
    make_station(units["community_b"], opening_hours=WEEKDAYS_ONLY)
    make_station(units["community_a"], kind="liaison_station", opening_hours=WEEKDAYS_ONLY)
    assert counted_hours(request) is None
    make_station(units["community_a"], opening_hours=EVENINGS)
    assert counted_hours(request) == [EVENINGS]


def test_a_budget_that_exactly_fills_a_span_ends_at_its_close(app_context):
    friday_opening = local(2026, 11, 27, 8, 30)
    assert due_after([WEEKDAYS_ONLY], friday_opening, timedelta(hours=3, minutes=30)) == local(2026, 11, 27, 12, 0)


def test_overlapping_stations_still_count_the_days_after_the_overlap(app_context):
    mornings = {"weekly": {day: [{"open": "08:00", "close": "12:00"}] for day in ("fri", "mon")}, "closed_days": []}
    afternoons = {"weekly": {day: [{"open": "11:00", "close": "15:00"}] for day in ("fri", "mon")}, "closed_days": []}
    # Friday 08:00-15:00 counts seven hours; the other two fall on Monday morning.
    due = due_after([mornings, afternoons], local(2026, 11, 27, 8, 0), timedelta(hours=9))
    assert due == local(2026, 11, 30, 10, 0)


def test_resuming_counts_what_was_left_in_opening_hours(make, make_station, category):
    units = make.tree()
    category.sla_opening_hours = True
    make_station(units["community_a"], opening_hours=WEEKDAYS_ONLY)
    # Paused Friday 11:00 with the deadline Monday 09:00: 1 h + 3.5 h on Friday and 0.5 h on
    # Monday were left (five counted hours, though some seventy on the wall clock).
    request = _request(
        category, units["community_a"], sla_paused_at=local(2026, 11, 27, 11, 0), sla_due_at=local(2026, 11, 30, 9, 0)
    )
    # Resumed Tuesday 08:30: 3.5 h until noon, the last 1.5 h from 14:00.
    assert resumed_due(request, local(2026, 12, 1, 8, 30)) == local(2026, 12, 1, 15, 30)


def test_a_deadline_not_paused_or_reached_at_the_pause_stays_where_it_was(make, category):
    units = make.tree()
    deadline = local(2026, 11, 27, 11, 0)
    for paused_at in (None, deadline, deadline + timedelta(minutes=10)):
        request = _request(category, units["community_a"], sla_paused_at=paused_at, sla_due_at=deadline)
        assert resumed_due(request, local(2026, 11, 27, 15, 0)) == deadline


def test_the_last_opening_within_the_horizon_counts(app_context):
    """A station open on one single day of the coming year (every other Monday closed)."""
    first_monday = local(2026, 11, 30).date()
    closed = [(first_monday + timedelta(weeks=n)).isoformat() for n in range(1, 53)]
    once = {"weekly": {"mon": [{"open": "09:00", "close": "10:00"}]}, "closed_days": closed}
    friday = local(2026, 11, 27, 12, 0)
    assert counted_between([once], friday, friday + timedelta(days=60)) == timedelta(hours=1)
    assert due_after([once], friday, timedelta(minutes=30)) == local(2026, 11, 30, 9, 30)
