"""QR check-in at stations: who may check in where, one open visit, minutes into the ledger."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from extensions import db
from models.base import utcnow
from models.checkins import CheckIn
from models.ledger import HourEntry
from models.orgs import OrgUnit
from models.stations import Station, closing_time, is_open
from models.users import User
from services import ledger, stations
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.members import active_registration
from services.notifications import notify
from services.permissions import is_staff, reaches, within_scope
from wx import pages


def covers(community: OrgUnit, station: Station) -> bool:
    """A registration covers stations in its community's subtree and the street containing it."""
    org = station.org
    return org.path.startswith(community.path) or (
        org.kind == "street_working_committee" and community.path.startswith(org.path)
    )


def check_in(
    member: User, station_id: int, token: str, lat: float, lng: float, device_id: str | None
) -> tuple[CheckIn, bool]:
    """The member's open visit at the station, and whether it was created by this call."""
    station = stations.get_station(station_id)
    registration = active_registration(member)
    if registration is None:
        raise Forbidden("请先完成在职党员报到", code="member_required")
    if not covers(db.session.get(OrgUnit, registration.community_id), station):
        raise Forbidden("该站点不在您报到社区的范围内", code="station_not_covered")
    now = utcnow()
    window = stations.verify_token(station, token, now)
    distance = stations.haversine_m(lat, lng, station.lat, station.lng)
    if distance > station.radius_m:
        raise Invalid(
            f"您不在站点签到范围内（距离约 {round(distance)} 米，范围 {station.radius_m} 米）",
            code="outside_radius",
        )
    if not is_open(station, now):
        raise Conflict("站点当前不在开放时间", code="station_closed")
    existing = _open_checkin(member.id, station.id)
    if existing is not None:
        return existing, False
    used = db.session.execute(
        select(func.count(CheckIn.id)).where(
            CheckIn.member_id == member.id,
            CheckIn.station_id == station.id,
            CheckIn.qr_window == window,
            CheckIn.status != "open",
        )
    ).scalar_one()
    if used:
        raise Conflict("该二维码已用于一次签到，请扫描现场最新的二维码", code="qr_replayed")
    flags = _signals(member, station, lat, lng, distance, device_id, now)
    checkin = CheckIn(
        member_id=member.id,
        station_id=station.id,
        lat=lat,
        lng=lng,
        distance_m=round(distance, 1),
        device_id=device_id,
        qr_window=window,
        checked_in_at=now,
        flags=flags,
        flagged=bool(flags),
    )
    try:
        with db.session.begin_nested():
            db.session.add(checkin)
    except IntegrityError:
        # A concurrent scan won the partial unique index: answer with its visit.
        existing = _open_checkin(member.id, station.id)
        if existing is None:
            raise Conflict("签到正在处理中，请稍后重试", code="checkin_in_progress") from None
        return existing, False
    return checkin, True


def _open_checkin(member_id: int, station_id: int) -> CheckIn | None:
    return db.session.execute(
        select(CheckIn).where(
            CheckIn.member_id == member_id, CheckIn.station_id == station_id, CheckIn.status == "open"
        )
    ).scalar_one_or_none()


def _signals(
    member: User, station: Station, lat: float, lng: float, distance: float, device_id: str | None, now: datetime
) -> list[dict]:
    """Anti-gaming flags for staff, each with its evidence; they never block the check-in."""
    flags = []
    previous = db.session.execute(
        select(CheckIn).where(CheckIn.member_id == member.id).order_by(CheckIn.checked_in_at.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is not None and previous.station_id != station.id:
        metres = stations.haversine_m(previous.lat, previous.lng, lat, lng)
        seconds = max((now - previous.checked_in_at).total_seconds(), 1.0)
        speed = metres / 1000 / (seconds / 3600)
        if metres > 1000 and speed > current_app.config["CHECKIN_MAX_SPEED_KMH"]:
            flags.append(
                {
                    "code": "impossible_travel",
                    "evidence": {
                        "previous_checkin_id": previous.id,
                        "distance_m": round(metres),
                        "seconds": round(seconds),
                        "speed_kmh": round(speed),
                    },
                }
            )
    if device_id is not None:
        since = now - timedelta(hours=24)
        others = db.session.execute(
            select(func.count(func.distinct(CheckIn.member_id))).where(
                CheckIn.device_id == device_id, CheckIn.member_id != member.id, CheckIn.checked_in_at >= since
            )
        ).scalar_one()
        if others >= current_app.config["CHECKIN_DEVICE_OTHER_MEMBERS"]:
            flags.append({"code": "shared_device", "evidence": {"device_id": device_id, "other_members_24h": others}})
    if distance > station.radius_m * current_app.config["CHECKIN_EDGE_RATIO"]:
        flags.append(
            {"code": "radius_edge", "evidence": {"distance_m": round(distance, 1), "radius_m": station.radius_m}}
        )
    return flags


def _mine(member: User, checkin_id: int) -> CheckIn:
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.member_id != member.id:
        raise NotFound("签到记录不存在", code="checkin_not_found")
    return checkin


def check_out(member: User, checkin_id: int) -> CheckIn:
    """Close the visit; the minutes (up to the station's closing) go to the ledger as a pending entry
    unless the visit is over-long."""
    checkin = _mine(member, checkin_id)
    now = utcnow()
    # Time after the station closed is not service there; the visit began while it was open.
    closes = closing_time(checkin.station, checkin.checked_in_at)
    served_until = min(now, closes) if closes > checkin.checked_in_at else now
    minutes = max(0, int((served_until - checkin.checked_in_at).total_seconds() // 60))
    maximum = current_app.config["CHECKIN_MAX_MINUTES"]
    flags = list(checkin.flags or [])
    if minutes > maximum:
        flags.append({"code": "overlong", "evidence": {"minutes": minutes, "max_minutes": maximum}})
    moved = db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin.id, CheckIn.status == "open")
        .values(status="closed", checked_out_at=now, minutes=minutes, flags=flags, flagged=bool(flags))
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该签到已签退", code="checkin_not_open")
    db.session.refresh(checkin)
    if minutes <= maximum:
        ledger.record_entry(member.id, checkin.station.org_id, "checkin", checkin.id, minutes, checkin.station.name)
    return checkin


def checkin_in_scope(actor: User, checkin_id: int) -> CheckIn:
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or not (checkin.member_id == actor.id or reaches(actor, checkin.station.org)):
        raise NotFound("签到记录不存在", code="checkin_not_found")
    return checkin


def confirm(actor: User, checkin_id: int) -> HourEntry:
    """Staff in the station's scope confirm the visit's minutes; nobody confirms their own."""
    checkin = checkin_in_scope(actor, checkin_id)
    if checkin.member_id == actor.id:
        raise Forbidden("不能确认自己的服务时长", code="self_confirmation")
    if checkin.hour_entry is None:
        raise Conflict("该签到没有待确认的时长（未签退或已被标记）", code="no_pending_hours")
    entry = ledger.confirm_entry(actor, checkin.hour_entry)
    notify(
        checkin.member_id,
        "checkin_confirmed",
        "服务时长已确认",
        f"{checkin.station.name} {entry.minutes} 分钟",
        {"checkin_id": checkin.id, "entry_id": entry.id, "minutes": entry.minutes},
        pages.MEMBER_HOURS,
    )
    return entry


def checkin_listing(actor: User, filters: dict):
    """Staff see check-ins at stations in their scope; everyone else (or `mine`) sees their own;
    narrowed by `filters` (station_id, status, flagged, hours_status).

    Each visit comes with its member and its ledger entry in the same query, for the names and `hours_status`.
    """
    statement = (
        select(CheckIn)
        .outerjoin(CheckIn.hour_entry)
        .options(contains_eager(CheckIn.hour_entry), joinedload(CheckIn.member))
        .order_by(CheckIn.id.desc())
    )
    if filters.get("mine") or not is_staff(actor):
        statement = statement.where(CheckIn.member_id == actor.id)
    else:
        statement = (
            statement.join(Station, Station.id == CheckIn.station_id)
            .join(OrgUnit, OrgUnit.id == Station.org_id)
            .where(within_scope(actor))
        )
    if filters.get("station_id") is not None:
        statement = statement.where(CheckIn.station_id == filters["station_id"])
    if filters.get("status") is not None:
        statement = statement.where(CheckIn.status == filters["status"])
    if filters.get("flagged") is not None:
        statement = statement.where(CheckIn.flagged == filters["flagged"])
    if filters.get("hours_status") is not None:
        statement = statement.where(HourEntry.status == filters["hours_status"])
    return statement


def close_forgotten(at: datetime | None = None) -> int:
    """Close visits left open at stations now closed; flagged for staff, no hours credited."""
    now = at or utcnow()
    open_visits = db.session.execute(select(CheckIn).where(CheckIn.status == "open")).scalars().all()
    closed = 0
    for checkin in open_visits:
        if is_open(checkin.station, now):
            continue
        flags = list(checkin.flags or []) + [
            {"code": "forgotten_checkout", "evidence": {"checked_in_at": checkin.checked_in_at.isoformat()}}
        ]
        moved = db.session.execute(
            update(CheckIn)
            .where(CheckIn.id == checkin.id, CheckIn.status == "open")
            .values(
                status="auto_closed",
                checked_out_at=min(now, closing_time(checkin.station, checkin.checked_in_at)),
                flags=flags,
                flagged=True,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            closed += 1
            notify(
                checkin.member_id,
                "checkin_flagged",
                "签到未签退，已自动结束",
                f"您在{checkin.station.name}的签到未签退，已在闭站时自动结束，时长需工作人员核实后才能计入。",
                {"checkin_id": checkin.id, "station_id": checkin.station_id},
                pages.MEMBER_HOURS,
            )
    return closed
