"""工作台: what stands in an org's subtree today and how the last twelve weeks went, in a fixed number of queries.

"Today", "this month" and the weeks (Monday to Sunday) are local (Asia/Shanghai) dates.
"""
from datetime import timedelta

from sqlalchemy import and_, case, distinct, func, select

from extensions import db
from models.checkins import CheckIn
from models.ledger import HourCorrection, HourEntry
from models.members import Registration
from models.orgs import OrgUnit
from models.requests import REQUEST_STATUSES, ServiceRequest
from models.stations import Station
from models.users import User
from services.orgs import community_ids
from services.periods import local_today, start_of_local_day
from services.permissions import report_org
from services.requests import breached

WEEKS = 12


def dashboard(user: User, org_id: int | None) -> dict:
    org = report_org(user, org_id)
    in_org = OrgUnit.path.startswith(org.path)
    today = local_today()
    day_start = start_of_local_day(today)
    month_start = start_of_local_day(today.replace(day=1))
    first_monday = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    week_starts = [first_monday + timedelta(weeks=number) for number in range(WEEKS)]
    bounds = [start_of_local_day(first_monday + timedelta(weeks=number)) for number in range(WEEKS + 1)]
    weeks = list(zip(bounds[:-1], bounds[1:], strict=True))

    in_org_communities = ServiceRequest.community_id.in_(community_ids(in_org))
    by_status = db.session.execute(
        select(ServiceRequest.status, func.count(), func.coalesce(func.sum(case((breached(), 1), else_=0)), 0))
        .where(in_org_communities)
        .group_by(ServiceRequest.status)
    ).all()
    # Two subqueries, not one scan with an OR: each condition has its own index (station and time; the
    # open visits' partial index), while the OR read every check-in each station ever had.
    def at_org_stations(figure):
        return (
            select(figure)
            .select_from(CheckIn)
            .join(Station, Station.id == CheckIn.station_id)
            .join(OrgUnit, OrgUnit.id == Station.org_id)
            .where(in_org)
        )

    checkins_today, members_on_duty = db.session.execute(
        select(
            at_org_stations(func.count()).where(CheckIn.checked_in_at >= day_start).scalar_subquery(),
            at_org_stations(func.count(distinct(CheckIn.member_id))).where(CheckIn.status == "open").scalar_subquery(),
        )
    ).one()
    confirmed = db.session.execute(
        select(
            _sum_between(HourEntry.minutes, HourEntry.confirmed_at, month_start, None),
            *(_sum_between(HourEntry.minutes, HourEntry.confirmed_at, start, end) for start, end in weeks),
        )
        .join(OrgUnit, OrgUnit.id == HourEntry.org_id)
        .where(in_org, HourEntry.status == "confirmed", HourEntry.confirmed_at >= min(month_start, bounds[0]))
    ).one()
    submitted = db.session.execute(
        select(*(_sum_between(1, ServiceRequest.created_at, start, end) for start, end in weeks))
        .where(in_org_communities, ServiceRequest.created_at >= bounds[0])
    ).one()
    registrations_waiting = db.session.execute(
        select(func.count(Registration.id))
        .join(OrgUnit, OrgUnit.id == Registration.community_id)
        .where(in_org, Registration.status == "pending")
    ).scalar_one()
    corrections_waiting = db.session.execute(
        select(func.count(HourCorrection.id))
        .join(HourEntry, HourEntry.id == HourCorrection.entry_id)
        .join(OrgUnit, OrgUnit.id == HourEntry.org_id)
        .where(in_org, HourCorrection.status == "pending")
    ).scalar_one()

    requests_by_status = dict.fromkeys(REQUEST_STATUSES, 0)
    requests_by_status.update({status: count for status, count, _overdue in by_status})
    return {
        "org_id": org.id,
        "org_name": org.name,
        "today": {
            "requests_by_status": requests_by_status,
            "overdue_requests": sum(int(overdue) for _status, _count, overdue in by_status),
            "checkins_today": checkins_today,
            "members_on_duty": members_on_duty,
            "hours_confirmed_this_month_minutes": int(confirmed[0]),
            "registrations_waiting": registrations_waiting,
            "corrections_waiting": corrections_waiting,
        },
        "weeks": [
            {"week_start": day, "requests": int(count), "confirmed_minutes": int(minutes)}
            for day, count, minutes in zip(week_starts, submitted, confirmed[1:], strict=True)
        ],
    }


def _sum_between(value, moment, start, end):
    """SUM(value) over the rows whose `moment` lies in [start, end) (no end: from start on); 0 when none."""
    inside = moment >= start if end is None else and_(moment >= start, moment < end)
    return func.coalesce(func.sum(case((inside, value), else_=0)), 0)
