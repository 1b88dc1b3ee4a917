"""When a station closes after a moment it was open: the closing that ends a visit's counted minutes."""
from datetime import UTC, datetime, timedelta

import pytest

from localtime import local_zone
from models.stations import WEEKDAYS, Station, closing_time
from tests.fixtures.members import ALWAYS_OPEN


def _every_day(*spans):
    return {"weekly": {day: [{"open": opens, "close": closes} for opens, closes in spans] for day in WEEKDAYS},
            "closed_days": []}


def _local(day, hhmm):
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(2026, 3, day, hours, minutes, tzinfo=local_zone()).astimezone(UTC)


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


@pytest.mark.usefixtures("in_app")
def test_a_station_open_round_the_clock_does_not_close_at_midnight(app):
    at = _local(10, "23:30")
    assert closing_time(Station(opening_hours=ALWAYS_OPEN), at) >= at + timedelta(
        minutes=app.config["CHECKIN_MAX_MINUTES"])


@pytest.mark.usefixtures("in_app")
def test_an_opening_until_midnight_and_again_from_midnight_is_one_opening():
    station = Station(opening_hours=_every_day(("00:00", "02:00"), ("08:00", "24:00")))
    assert closing_time(station, _local(10, "23:00")) == _local(11, "02:00")


@pytest.mark.usefixtures("in_app")
def test_a_gap_between_spans_is_a_closing():
    station = Station(opening_hours=_every_day(("08:00", "12:00"), ("13:00", "17:00")))
    assert closing_time(station, _local(10, "11:00")) == _local(10, "12:00")
    assert closing_time(station, _local(10, "16:00")) == _local(10, "17:00")


@pytest.mark.usefixtures("in_app")
def test_a_day_closed_ends_the_opening_at_midnight():
    hours = {**ALWAYS_OPEN, "closed_days": ["2026-03-11"]}
    assert closing_time(Station(opening_hours=hours), _local(10, "20:00")) == _local(11, "00:00")


@pytest.mark.usefixtures("in_app")
def test_a_moment_the_station_was_closed_is_its_own_closing():
    station = Station(opening_hours=_every_day(("08:00", "12:00")))
    at = _local(10, "13:00")
    assert closing_time(station, at) == at
