"""Positions (阵地): stations where members check in, with their opening hours and QR secret."""
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from localtime import local_zone
from models.base import choice, utcnow

STATION_KIND_NAMES = {
    "street_service_centre": "街道党员服务中心",
    "community_service_station": "社区党员服务站",
    "building_named_station": "楼院党员冠名服务站（点）",
    "household_activity_room": "党员中心户“家庭式”活动室",
    "liaison_station": "在职党员联络站",
}
STATION_KINDS = tuple(STATION_KIND_NAMES)
# Which kinds of position an org of each kind may hold (the "四位一体" levels); an org kind not
# listed holds none. Enterprise and social-organisation positions are recorded as service stations.
STATION_KINDS_BY_ORG_KIND = {
    "street_working_committee": ("street_service_centre", "liaison_station"),
    "community_general_branch": ("community_service_station", "liaison_station"),
    "building_branch": ("building_named_station", "household_activity_room"),
    "nonpublic_enterprise_committee": ("community_service_station",),
    "street_economic_branch": ("community_service_station",),
    "enterprise_branch": ("community_service_station",),
    "association_committee": ("community_service_station",),
    "social_org_branch": ("community_service_station",),
}
# The "five ways" (五种途径) a place is obtained.
ACQUISITION_NAMES = {
    "purchased": "自购",
    "self_built": "自建",
    "joint_built": "联建",
    "rented": "租赁",
    "exchanged": "置换",
}
ACQUISITIONS = tuple(ACQUISITION_NAMES)
# Who pays for a position: 财政支持、部门帮扶、街道社区自筹.
FUNDING_NAMES = {
    "fiscal": "财政支持",
    "department_aid": "部门帮扶",
    "self_raised": "街道社区自筹",
}
FUNDINGS = tuple(FUNDING_NAMES)

# 八有: place, sign, flag, oath, rights and duties, rules, publications, e-education equipment;
# 四新: work profile, characteristic experience, e-education film, study video system.
CHECKLIST_ITEM_NAMES = {
    "has_place": "有活动场所",
    "has_sign": "有党组织标牌",
    "has_flag": "有党旗",
    "has_oath": "有入党誓词",
    "has_rights_duties": "有党员权利义务",
    "has_rules": "有规章制度",
    "has_publications": "有党报党刊",
    "has_av_equipment": "有电教设备",
    "work_profile": "有党建工作简介",
    "characteristic_experience": "有党建特色经验",
    "e_education_film": "有党建工作电教片",
    "study_video_system": "有党员学习教育电视视频系统",
}
CHECKLIST_ITEMS = tuple(CHECKLIST_ITEM_NAMES)
# Org kinds whose positions carry the standardisation checklist (enterprises, social organisations).
CHECKLIST_ORG_KINDS = (
    "nonpublic_enterprise_committee",
    "street_economic_branch",
    "enterprise_branch",
    "association_committee",
    "social_org_branch",
)
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


class Station(db.Model):
    __tablename__ = "stations"
    __table_args__ = (
        CheckConstraint("lat >= -90 AND lat <= 90", name="lat_range"),
        CheckConstraint("lng >= -180 AND lng <= 180", name="lng_range"),
        CheckConstraint("radius_m > 0", name="radius_positive"),
        CheckConstraint("named_member_id IS NULL OR kind = 'building_named_station'", name="named_only_building_point"),
        CheckConstraint("household_user_id IS NULL OR kind = 'household_activity_room'", name="household_only_room"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(
        choice(STATION_KINDS, "station_kind", 40)
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int]
    acquisition: Mapped[str] = mapped_column(
        choice(ACQUISITIONS, "station_acquisition", 20)
    )
    # {"weekly": {"mon": [{"open": "08:30", "close": "17:30"}], ...}, "closed_days": ["2026-10-01"]}
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    # The standardisation checklist of enterprise and social-organisation positions: item → done.
    checklist: Mapped[dict | None] = mapped_column(JSON)
    funding: Mapped[str | None] = mapped_column(choice(FUNDINGS, "station_funding", 20))
    # 冠名: the member a building station (point) is named after.
    named_member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 党员中心户: the household whose home is the activity room.
    household_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Mixed into every QR token; replacing it voids all codes of the station at once.
    qr_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org = relationship("OrgUnit", lazy="joined")

    @property
    def checklist_applicable(self) -> bool:
        """Whether the position keeps the standardisation checklist (an enterprise or social organisation)."""
        return self.org.kind in CHECKLIST_ORG_KINDS

    @property
    def checklist_done(self) -> int | None:
        """How many standardisation items are met (None for positions without the checklist)."""
        if self.checklist is None:
            return None
        return sum(1 for item in CHECKLIST_ITEMS if self.checklist.get(item))



class StationChecklistEvidence(db.Model):
    """A photo or document proving one checklist item of a station, with who checked it and when."""

    __tablename__ = "station_checklist_evidence"
    __table_args__ = (
        UniqueConstraint("station_id", "item"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(choice(CHECKLIST_ITEMS, "station_checklist_item", 40))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    checked_by = relationship("User", lazy="joined")


# --- opening hours: how the weekly calendar and closed days of a station read in local time ----


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def is_open(station: Station, at: datetime | None = None) -> bool:
    """Whether the station is open at `at` (now when not given), read in local time (LOCAL_TIMEZONE)."""
    return _span_containing(station, at or utcnow()) is not None


def closing_time(station: Station, at: datetime) -> datetime:
    """When the station, open at `at`, closed (or closes) next, in UTC; `at` if it was closed then.

    A span that begins as the one before it ends continues the opening: a station open round the
    clock, or till midnight and again from midnight, does not close at midnight. Followed for
    CLOSING_LOOKAHEAD_DAYS at most, longer than any visit is credited.
    """
    span = _span_containing(station, at)
    if span is None:
        return at
    closes = span[1]
    for opens, until in opening_spans(station.opening_hours or {}, closes, days=CLOSING_LOOKAHEAD_DAYS):
        if opens > closes:
            break
        closes = until
    return closes


CLOSING_LOOKAHEAD_DAYS = 2


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
