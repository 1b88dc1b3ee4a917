"""Local dates (LOCAL_TIMEZONE) and the UTC instants that bound them, for reports and exports."""
from datetime import UTC, date, datetime, time, timedelta

from localtime import local_zone, to_local
from services.errors import Invalid


def local_today() -> date:
    return to_local().date()


def start_of_local_day(day: date) -> datetime:
    """The UTC instant local midnight begins `day`."""
    return datetime.combine(day, time(), local_zone()).astimezone(UTC)


def local_days(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC bounds [start, end) of the local days `first` to `last`, both included."""
    return start_of_local_day(first), start_of_local_day(last + timedelta(days=1))


def local_wall_time(moment: datetime | None) -> datetime | None:
    """The local wall-clock time of a UTC instant, without an offset (as a spreadsheet shows it)."""
    return to_local(moment).replace(tzinfo=None) if moment is not None else None


def period_or_this_year(first: date | None, last: date | None) -> tuple[date, date]:
    """The local days asked for, each end defaulting to this year's; a period ending before it starts is 422."""
    year = local_today().year
    first = first or date(year, 1, 1)
    last = last or date(year, 12, 31)
    if first > last:
        raise Invalid("开始日期不能晚于结束日期", code="invalid_period", fields={"to": ["开始日期不能晚于结束日期"]})
    return first, last
