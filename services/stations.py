"""Stations: where they are, when they are open, and the rotating signed QR code at each."""
import contextlib
import math
import secrets
from datetime import UTC, datetime, time, timedelta

import redis
import requests
from flask import current_app
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from extensions import db, get_redis
from models.base import utcnow
from models.orgs import OrgUnit
from models.stations import CHECKLIST_ITEMS, Station
from models.users import User
from services import qrcodes
from services.database import paginate
from services.errors import Invalid, NotFound, Unavailable
from services.localtime import local_zone
from services.permissions import require_org
from wx import pages
from wx.client import get_wechat

WEEKDAY_NAMES = {
    "mon": "周一",
    "tue": "周二",
    "wed": "周三",
    "thu": "周四",
    "fri": "周五",
    "sat": "周六",
    "sun": "周日",
}
WEEKDAYS = tuple(WEEKDAY_NAMES)
EARTH_RADIUS_M = 6371008.8
# Org kinds whose positions carry the standardisation checklist (enterprises, social organisations).
CHECKLIST_ORG_KINDS = (
    "nonpublic_enterprise_committee",
    "street_economic_branch",
    "enterprise_branch",
    "association_committee",
    "social_org_branch",
)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def get_station(station_id: int) -> Station:
    station = db.session.get(Station, station_id)
    if station is None:
        raise NotFound("服务站点不存在", code="station_not_found")
    return station


def station_in_scope(actor: User, station_id: int) -> Station:
    """The station, if the actor's staff scope covers its org; 404 otherwise."""
    station = get_station(station_id)
    try:
        require_org(actor, station.org_id)
    except NotFound:
        raise NotFound("服务站点不存在", code="station_not_found") from None
    return station


def _check_checklist(org: OrgUnit, checklist: dict | None) -> None:
    if checklist is not None and org.kind not in CHECKLIST_ORG_KINDS:
        raise Invalid(
            "只有企业和社会组织的阵地填写标准化清单",
            code="checklist_not_applicable",
            fields={"checklist": ["只有企业和社会组织的阵地填写标准化清单"]},
        )


def _check_people(kind: str, named_member_id: int | None, household_user_id: int | None) -> None:
    """冠名 only for a building point, 中心户 only for a household room; each names someone who exists."""
    for field, user_id, wanted_kind in (("named_member_id", named_member_id, "building_named_station"),
                                        ("household_user_id", household_user_id, "household_activity_room")):
        if user_id is None:
            continue
        if kind != wanted_kind:
            raise Invalid("该类阵地不设此项", code="station_person_not_applicable", fields={field: ["该类阵地不设此项"]})
        if db.session.get(User, user_id) is None:
            raise Invalid("用户不存在", code="user_not_found", fields={field: ["用户不存在"]})


def create_station(actor: User, fields: dict) -> Station:
    org = require_org(actor, fields["org_id"])
    _check_checklist(org, fields.get("checklist"))
    _check_people(fields["kind"], fields.get("named_member_id"), fields.get("household_user_id"))
    station = Station(qr_secret=secrets.token_hex(16), **fields)
    db.session.add(station)
    db.session.flush()
    return station


def update_station(actor: User, station_id: int, changes: dict) -> Station:
    station = station_in_scope(actor, station_id)
    if "org_id" in changes:
        require_org(actor, changes["org_id"])
    org = db.session.get(OrgUnit, changes.get("org_id", station.org_id))
    _check_checklist(org, changes.get("checklist", station.checklist))
    _check_people(changes.get("kind", station.kind), changes.get("named_member_id", station.named_member_id),
                  changes.get("household_user_id", station.household_user_id))
    for name, value in changes.items():
        setattr(station, name, value)
    db.session.flush()
    return station


def rotate_secret(actor: User, station_id: int) -> Station:
    """A new secret voids every code of the station printed or photographed so far."""
    station = station_in_scope(actor, station_id)
    station.qr_secret = secrets.token_hex(16)
    return station


def station_listing(actor: User, kind: str | None = None, org_id: int | None = None, within: int | None = None):
    """The station directory: of one org exactly (`org_id`), or of an org's whole subtree
    (`within`, which must lie in the caller's scope: another's answers 404 like a missing one)."""
    statement = select(Station).order_by(Station.id)
    if kind is not None:
        statement = statement.where(Station.kind == kind)
    if org_id is not None:
        statement = statement.where(Station.org_id == org_id)
    if within is not None:
        subtree = require_org(actor, within)
        statement = statement.join(OrgUnit, OrgUnit.id == Station.org_id).where(OrgUnit.path.startswith(subtree.path))
    return statement


def nearest(statement, lat: float, lng: float, page: int, per_page: int) -> tuple[list[Station], int]:
    """A page of the listed stations, nearest first, each carrying `distance_m`.

    The database orders by a flat-earth distance (exact enough to rank within a city) and reads
    one page; the page's distances are then computed exactly.
    """
    scale = math.cos(math.radians(lat))
    north, east = Station.lat - lat, (Station.lng - lng) * scale
    stations, total = paginate(
        statement.order_by(None).order_by(north * north + east * east, Station.id), page, per_page
    )
    for station in stations:
        station.distance_m = round(haversine_m(lat, lng, station.lat, station.lng), 1)
    stations.sort(key=lambda station: (station.distance_m, station.id))
    return stations, total


def checklist_done(station: Station) -> int | None:
    if station.checklist is None:
        return None
    return sum(1 for item in CHECKLIST_ITEMS if station.checklist.get(item))


# --- opening hours ------------------------------------------------------------------------


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def is_open(station: Station, at: datetime | None = None) -> bool:
    """Whether the station is open at `at` (now when not given), read in local time (LOCAL_TIMEZONE)."""
    return _span_containing(station, at or utcnow()) is not None


def closing_time(station: Station, at: datetime) -> datetime:
    """When the opening span containing `at` ended (or ends), in UTC; `at` if none contains it."""
    span = _span_containing(station, at)
    return span[1] if span is not None else at


def _span_containing(station: Station, at: datetime) -> tuple[datetime, datetime] | None:
    # The first span of the day still running at `at` is cut to start at `at` exactly when it contains it.
    first = next(opening_spans(station.opening_hours or {}, at, days=1), None)
    return first if first is not None and first[0] == at else None


def has_weekly_hours(hours: dict | None) -> bool:
    return any((hours or {}).get("weekly", {}).values())


def opening_spans(hours: dict, since: datetime, days: int = 366):
    """The opening spans (start, end) in UTC from `since` on, the first one cut to begin at `since`."""
    zone = local_zone()
    first_day = since.astimezone(zone).date()
    closed = set(hours.get("closed_days", []))
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.isoformat() in closed:
            continue
        midnight = datetime.combine(day, time(), zone)
        spans = sorted(hours.get("weekly", {}).get(WEEKDAYS[day.weekday()], []), key=lambda span: span["open"])
        for span in spans:
            end = (midnight + timedelta(minutes=_minutes(span["close"]))).astimezone(UTC)
            if end > since:
                start = (midnight + timedelta(minutes=_minutes(span["open"]))).astimezone(UTC)
                yield max(start, since), end


# --- QR tokens ----------------------------------------------------------------------------

QR_PURPOSE = "linli-checkin"


def qr_token(station: Station, at: datetime | None = None) -> qrcodes.QrWindow:
    """The code shown now at the station (services/qrcodes.py)."""
    return qrcodes.issue(QR_PURPOSE, station.id, station.qr_secret, at)


def qr_payload(token: str) -> str:
    """What the code encodes: the mini-program page that performs the check-in."""
    return pages.checkin(token)


# The mini-program version a code opens, by WECHAT_MINIPROGRAM_STATE.
ENV_VERSION_BY_STATE = {"formal": "release", "trial": "trial", "developer": "develop"}
WXACODE_CACHE_PREFIX = "linli-wxacode"


def mini_program_code(actor: User, station_id: int) -> bytes:
    """The station's mini-program code (wxacode.getUnlimited) for the current window, opening the
    check-in page with the token as its scene. Fetched from WeChat once per window: every later
    call in the window is served from Redis (the token names the window and the station's secret)."""
    station = station_in_scope(actor, station_id)
    token = qr_token(station).token
    key = f"{WXACODE_CACHE_PREFIX}:{station.id}:{token}"
    try:
        cached = get_redis().get(key)
    except redis.RedisError:
        cached = None
    if cached:
        return cached
    state = current_app.config["WECHAT_MINIPROGRAM_STATE"]
    try:
        image = get_wechat().get_unlimited_code(
            scene=token, page=pages.CHECKIN, check_path=state == "formal", env_version=ENV_VERSION_BY_STATE[state]
        )
    except (WeChatClientException, requests.RequestException) as error:
        raise Unavailable("小程序码暂时无法生成，请稍后再试或使用普通二维码", code="wxacode_unavailable") from error
    with contextlib.suppress(redis.RedisError):  # uncached, the next call asks WeChat again
        get_redis().set(key, image, ex=2 * qrcodes.window_seconds())
    return image


def verify_token(station: Station, token: str, at: datetime | None = None) -> int:
    """The window of a valid token for this station; 4xx with a precise code otherwise."""
    wrong = Invalid("二维码不属于该服务站点", code="qr_wrong_station")
    return qrcodes.verify(QR_PURPOSE, station.id, station.qr_secret, token, wrong, at)
