"""Excel exports for staff: the hours ledger per member and the service requests of an org and period.

Each export is one aggregate query over the org's subtree (inside the caller's scope) and
one workbook built by services/spreadsheets.py.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import aliased

from extensions import db
from models.base import UTCDateTime
from models.categories import ServiceCategory
from models.ledger import HourEntry
from models.orgs import OrgUnit
from models.requests import STATUS_NAMES, URGENCY_NAMES, RequestHistory, ServiceRequest
from models.users import User
from services.moderation import shown
from services.periods import local_days, local_wall_time, period_or_this_year
from services.permissions import report_org
from services.spreadsheets import Column, workbook

HOURS_COLUMNS = [
    Column("姓名"),
    Column("社区"),
    Column("已确认分钟", "0"),
    Column("已确认小时", "0.00"),
    Column("记录条数", "0"),
]
REQUEST_COLUMNS = [
    Column("编号", "0"),
    Column("标题"),
    Column("类别"),
    Column("状态"),
    Column("紧急程度"),
    Column("社区"),
    Column("提交时间"),
    Column("接单时间"),
    Column("完成时间"),
    Column("确认时间"),
    Column("接单党员"),
    Column("评分", "0"),
]


def _held_hidden(viewer: User, text: str) -> str:
    """A name or title a person wrote, as the answers show it: held by WeChat's check, it reads as held."""
    return shown(viewer, None, "", text)


@dataclass
class Export:
    """A finished workbook and the names to offer it under (Chinese, and an ASCII fallback)."""

    content: bytes
    filename: str
    ascii_filename: str


def hours_export(user: User, org_id: int | None, first: date | None, last: date | None) -> Export:
    """已确认服务时长: per member, the entries of the org's subtree confirmed in the local days
    first..last (default: this year)."""
    org = report_org(user, org_id)
    first, last = period_or_this_year(first, last)
    start, end = local_days(first, last)
    community = aliased(OrgUnit)
    minutes = func.sum(HourEntry.minutes)
    rows = db.session.execute(
        select(User.name, community.name, minutes, func.count(HourEntry.id))
        .select_from(HourEntry)
        .join(OrgUnit, OrgUnit.id == HourEntry.org_id)
        .join(User, User.id == HourEntry.member_id)
        .outerjoin(community, community.id == User.community_id)
        .where(
            OrgUnit.path.startswith(org.path),
            HourEntry.status == "confirmed",
            HourEntry.confirmed_at >= start,
            HourEntry.confirmed_at < end,
        )
        .group_by(User.id, User.name, community.name)
        .order_by(minutes.desc(), User.id)
    ).all()
    content = workbook(
        "服务时长",
        HOURS_COLUMNS,
        (
            (_held_hidden(user, name), community_name or "", int(total), round(int(total) / 60, 2), count)
            for name, community_name, total, count in rows
        ),
    )
    return _export(content, "服务时长", "hours", org, first, last)


def requests_export(user: User, org_id: int | None, first: date | None, last: date | None) -> Export:
    """服务请求: every request of the org's subtree submitted in the local days first..last (default: this year)."""
    org = report_org(user, org_id)
    first, last = period_or_this_year(first, last)
    start, end = local_days(first, last)
    moments = (
        select(
            RequestHistory.request_id,
            _latest(RequestHistory.to_status == "completed").label("completed_at"),
            _latest(RequestHistory.action == "confirm").label("confirmed_at"),
        )
        .group_by(RequestHistory.request_id)
        .subquery()
    )
    assignee = aliased(User)
    rows = db.session.execute(
        select(
            ServiceRequest.id,
            ServiceRequest.title,
            ServiceCategory.name.label("category"),
            ServiceRequest.status,
            ServiceRequest.urgency,
            OrgUnit.name.label("community"),
            ServiceRequest.created_at,
            ServiceRequest.taken_at,
            moments.c.completed_at,
            moments.c.confirmed_at,
            assignee.name.label("assignee"),
            ServiceRequest.stars,
        )
        .join(OrgUnit, OrgUnit.id == ServiceRequest.community_id)
        .join(ServiceCategory, ServiceCategory.id == ServiceRequest.category_id)
        .outerjoin(assignee, assignee.id == ServiceRequest.assignee_id)
        .outerjoin(moments, moments.c.request_id == ServiceRequest.id)
        .where(
            OrgUnit.path.startswith(org.path),
            ServiceRequest.created_at >= start,
            ServiceRequest.created_at < end,
        )
        .order_by(ServiceRequest.id)
    ).all()
    content = workbook(
        "服务请求",
        REQUEST_COLUMNS,
        (
            (
                row.id, _held_hidden(user, row.title), row.category, STATUS_NAMES[row.status],
                URGENCY_NAMES[row.urgency], row.community,
                local_wall_time(row.created_at), local_wall_time(row.taken_at),
                local_wall_time(row.completed_at), local_wall_time(row.confirmed_at),
                _held_hidden(user, row.assignee or ""), row.stars,
            )
            for row in rows
        ),
    )
    return _export(content, "服务请求", "requests", org, first, last)


def _latest(condition):
    """When the request's history last met `condition` (read back as a UTC time on every engine)."""
    return type_coerce(func.max(case((condition, RequestHistory.at))), UTCDateTime)


def _export(content: bytes, title: str, ascii_title: str, org: OrgUnit, first: date, last: date) -> Export:
    period = f"{first.isoformat()}_{last.isoformat()}"
    return Export(content, f"{title}_{org.name}_{period}.xlsx", f"{ascii_title}_{org.id}_{period}.xlsx")
