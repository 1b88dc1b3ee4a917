"""Stations: where they are, when they are open, and the rotating signed QR code at each."""
import contextlib
import math
import secrets
from datetime import datetime

import redis
import requests
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wechatpy.exceptions import WeChatClientException

from extensions import db, get_redis
from models.base import utcnow
from models.members import Registration
from models.orgs import OrgUnit
from models.stations import (
    CHECKLIST_ITEM_NAMES,
    CHECKLIST_ITEMS,
    CHECKLIST_ORG_KINDS,
    STATION_KIND_NAMES,
    STATION_KINDS_BY_ORG_KIND,
    Station,
    StationChecklistEvidence,
)
from models.users import User
from services import qrcodes, uploads
from services.database import paginate, update_row
from services.errors import Conflict, Invalid, NotFound, Unavailable
from services.permissions import require_org, require_visible
from services.spreadsheets import Column, workbook
from wx import pages
from wx.client import get_wechat

EARTH_RADIUS_M = 6371008.8


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# A distance told to people is rounded to this step: how far, never exactly where.
APPROXIMATE_STEP_M = 100


def approximate_m(metres: float) -> int:
    return int(round(metres / APPROXIMATE_STEP_M) * APPROXIMATE_STEP_M)


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) of the smallest box holding every point within `radius_m` of
    (lat, lng) by `haversine_m`: a cheap index-friendly filter before the exact distance."""
    angle = radius_m / EARTH_RADIUS_M
    d_lat = math.degrees(angle)
    reach = math.sin(angle) / max(math.cos(math.radians(lat)), 1e-12)
    d_lng = 180.0 if reach >= 1 else math.degrees(math.asin(reach))
    return lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng


def get_station(station_id: int) -> Station:
    station = db.session.get(Station, station_id)
    if station is None:
        raise NotFound("服务站点不存在", code="station_not_found")
    return station


def station_in_scope(actor: User, station_id: int) -> Station:
    """The station, if the actor's staff scope covers its org; 404 otherwise."""
    return require_visible(actor, get_station(station_id), NotFound("服务站点不存在", code="station_not_found"))


def _check_checklist(org: OrgUnit, checklist: dict | None) -> None:
    if checklist is not None and org.kind not in CHECKLIST_ORG_KINDS:
        raise Invalid(
            "只有企业和社会组织的阵地填写标准化清单",
            code="checklist_not_applicable",
            fields={"checklist": ["只有企业和社会组织的阵地填写标准化清单"]},
        )


PERSON_FIELDS = (("named_member_id", "building_named_station"), ("household_user_id", "household_activity_room"))


def _check_people(org: OrgUnit, kind: str, people: dict, newly_named: set[str]) -> None:
    """冠名 only for a building point, 中心户 only for a household room; a person newly named there must be an
    approved member of the community the building belongs to. Anyone else answers like nobody, so a user
    id outside the community reveals nothing; a person named earlier stays when other fields change."""
    for field, wanted_kind in PERSON_FIELDS:
        user_id = people.get(field)
        if user_id is None:
            continue
        if kind != wanted_kind:
            raise Invalid("该类阵地不设此项", code="station_person_not_applicable",
                          fields={field: ["该类阵地不设此项"]})
        if field in newly_named and not _approved_member_of(user_id, org.parent_id):
            message = "本社区没有这位已报到的党员"
            raise Invalid(message, code="user_not_found", fields={field: [message]})


def _approved_member_of(user_id: int, community_id: int | None) -> bool:
    return community_id is not None and db.session.execute(
        select(Registration.id).where(Registration.user_id == user_id, Registration.community_id == community_id,
                                      Registration.status == "approved")
    ).first() is not None


def _check_level(org: OrgUnit, kind: str) -> None:
    """A position's kind must fit its org's level (STATION_KINDS_BY_ORG_KIND)."""
    if kind not in STATION_KINDS_BY_ORG_KIND.get(org.kind, ()):
        message = f"{org.name}不能设立{STATION_KIND_NAMES[kind]}"
        raise Invalid(message, code="station_kind_not_allowed", fields={"kind": [message]})


def create_station(actor: User, fields: dict) -> Station:
    org = require_org(actor, fields["org_id"])
    _check_checklist(org, fields.get("checklist"))
    _check_people(org, fields["kind"], fields, {field for field, _ in PERSON_FIELDS})
    _check_level(org, fields["kind"])
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
    people = {field: changes.get(field, getattr(station, field)) for field, _ in PERSON_FIELDS}
    # Moved to another building, its people must belong to the new community too.
    newly_named = {field for field, _ in PERSON_FIELDS if field in changes or "org_id" in changes}
    _check_people(org, changes.get("kind", station.kind), people, newly_named)
    if "org_id" in changes or "kind" in changes:
        _check_level(org, changes.get("kind", station.kind))
    return update_row(station, changes)


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


# --- checklist evidence and completeness -------------------------------------------------

EVIDENCE_FOLDER = "station_evidence"


def _require_checklist(station: Station) -> None:
    if not station.checklist_applicable:
        raise Invalid("只有企业和社会组织的阵地填写标准化清单", code="checklist_not_applicable",
                      fields={"item": ["只有企业和社会组织的阵地填写标准化清单"]})


def add_evidence(actor: User, station_id: int, item: str, data: bytes) -> StationChecklistEvidence:
    """A photo or document for one checklist item: it replaces the item's earlier evidence and marks the item done.

    Of two first uploads for the same item at once, the unique (station, item) lets one win; the other is 409."""
    station = station_in_scope(actor, station_id)
    _require_checklist(station)
    stored_name, content_type, size = uploads.store(EVIDENCE_FOLDER, data, uploads.DOCUMENT_TYPES)
    evidence = db.session.execute(
        select(StationChecklistEvidence).where(StationChecklistEvidence.station_id == station.id,
                                               StationChecklistEvidence.item == item)
    ).scalar_one_or_none()
    replaced = evidence.stored_name if evidence is not None else None
    if evidence is None:
        evidence = StationChecklistEvidence(station_id=station.id, item=item)
        db.session.add(evidence)
    evidence.stored_name, evidence.content_type, evidence.size_bytes = stored_name, content_type, size
    evidence.checked_by_id, evidence.checked_at = actor.id, utcnow()
    station.checklist = {**dict.fromkeys(CHECKLIST_ITEMS, False), **(station.checklist or {}), item: True}
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        uploads.remove(EVIDENCE_FOLDER, stored_name)
        raise Conflict("该项佐证正在由他人上传，请刷新后重试", code="evidence_conflict") from None
    if replaced is not None:
        uploads.remove(EVIDENCE_FOLDER, replaced)
    return evidence


def evidence_of(actor: User, station_id: int) -> list[StationChecklistEvidence]:
    return _evidence_rows(station_in_scope(actor, station_id))


def _evidence_rows(station: Station) -> list[StationChecklistEvidence]:
    return db.session.execute(
        select(StationChecklistEvidence).where(StationChecklistEvidence.station_id == station.id)
        .order_by(StationChecklistEvidence.id)
    ).scalars().all()


def checklist_of(actor: User, station_id: int) -> dict:
    """The station's checklist as its page shows it: every item in order, done or not, with its evidence (who
    checked it and when); empty for positions that keep none."""
    station = station_in_scope(actor, station_id)
    if not station.checklist_applicable:
        return {"station_id": station.id, "applicable": False, "items_total": 0, "items_done": 0,
                "items_evidenced": 0, "items": []}
    evidence = {row.item: row for row in _evidence_rows(station)}
    items = [{"item": item, "done": bool((station.checklist or {}).get(item)), "evidence": evidence.get(item)}
             for item in CHECKLIST_ITEMS]
    return {"station_id": station.id, "applicable": True, "items_total": len(items),
            "items_done": sum(row["done"] for row in items), "items_evidenced": len(evidence), "items": items}


def evidence_content(actor: User, station_id: int, evidence_id: int) -> tuple[bytes, str]:
    station = station_in_scope(actor, station_id)
    evidence = db.session.get(StationChecklistEvidence, evidence_id)
    if evidence is None or evidence.station_id != station.id:
        raise NotFound("佐证材料不存在", code="evidence_not_found")
    return uploads.load(EVIDENCE_FOLDER, evidence.stored_name), evidence.content_type


def completeness(actor: User, org_id: int) -> dict:
    """Per station of the org's subtree how many checklist items are done and evidenced; per org the sums.

    Only positions that carry the checklist (enterprises, social organisations) have items; the others
    are counted as stations with `applicable` false."""
    root = require_org(actor, org_id)
    rows = db.session.execute(
        select(Station, OrgUnit).join(OrgUnit, OrgUnit.id == Station.org_id)
        .where(OrgUnit.path.startswith(root.path)).order_by(OrgUnit.path, Station.id)
    ).all()
    evidenced = dict(db.session.execute(
        select(StationChecklistEvidence.station_id, func.count(StationChecklistEvidence.id))
        .join(Station, Station.id == StationChecklistEvidence.station_id)
        .join(OrgUnit, OrgUnit.id == Station.org_id)
        .where(OrgUnit.path.startswith(root.path)).group_by(StationChecklistEvidence.station_id)
    ).all())
    stations, orgs = [], {}
    for station, org in rows:
        applicable = org.kind in CHECKLIST_ORG_KINDS
        missing = [item for item in CHECKLIST_ITEMS if not (station.checklist or {}).get(item)] if applicable else []
        done = len(CHECKLIST_ITEMS) - len(missing) if applicable else 0
        proven = evidenced.get(station.id, 0) if applicable else 0
        total = len(CHECKLIST_ITEMS) if applicable else 0
        stations.append({"station_id": station.id, "name": station.name, "kind": station.kind, "org_id": org.id,
                         "org_name": org.name, "applicable": applicable, "items_total": total,
                         "items_done": done, "items_evidenced": proven, "items_missing": missing})
        rollup = orgs.setdefault(org.id, {"org_id": org.id, "org_name": org.name, "stations": 0,
                                          "items_total": 0, "items_done": 0, "items_evidenced": 0,
                                          "stations_complete": 0})
        rollup["stations"] += 1
        rollup["items_total"] += total
        rollup["items_done"] += done
        rollup["items_evidenced"] += proven
        rollup["stations_complete"] += int(applicable and proven == total)
    return {"org_id": root.id, "org_name": root.name, "items": list(CHECKLIST_ITEM_NAMES.values()),
            "orgs": list(orgs.values()), "stations": stations}


COMPLETENESS_COLUMNS = [Column("组织"), Column("阵地"), Column("类型"), Column("适用清单"), Column("清单项数"),
                        Column("已完成"), Column("有佐证"), Column("缺少项目")]


def completeness_workbook(actor: User, org_id: int) -> tuple[bytes, str]:
    view = completeness(actor, org_id)
    rows = [(row["org_name"], row["name"], STATION_KIND_NAMES[row["kind"]], "是" if row["applicable"] else "否",
             row["items_total"], row["items_done"], row["items_evidenced"],
             "、".join(CHECKLIST_ITEM_NAMES[item] for item in row["items_missing"])) for row in view["stations"]]
    return workbook("阵地标准化完成情况", COMPLETENESS_COLUMNS, rows), view["org_name"]


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
