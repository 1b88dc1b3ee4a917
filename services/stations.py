"""Stations: where they are, when they are open, and the rotating signed QR code at each."""
import math
import secrets
from datetime import datetime

from sqlalchemy import select

from extensions import db
from models.orgs import OrgUnit
from models.stations import Station
from models.users import User
from services import qrcodes
from services.database import paginate
from services.errors import Invalid, NotFound
from services.permissions import require_org
from wx import pages

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


# --- QR tokens ----------------------------------------------------------------------------

QR_PURPOSE = "linli-checkin"


def qr_token(station: Station, at: datetime | None = None) -> qrcodes.QrWindow:
    """The code shown now at the station (services/qrcodes.py)."""
    return qrcodes.issue(QR_PURPOSE, station.id, station.qr_secret, at)


def qr_payload(token: str) -> str:
    """What the code encodes: the mini-program page that performs the check-in."""
    return pages.checkin(token)


def verify_token(station: Station, token: str, at: datetime | None = None) -> int:
    """The window of a valid token for this station; 4xx with a precise code otherwise."""
    wrong = Invalid("二维码不属于该服务站点", code="qr_wrong_station")
    return qrcodes.verify(QR_PURPOSE, station.id, station.qr_secret, token, wrong, at)
