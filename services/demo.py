"""The demo district, built from the seed text: streets, communities, branches, people."""
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from extensions import db
from localtime import local_zone, to_local
from models.base import utcnow
from models.categories import ServiceCategory
from models.checkins import CheckIn
from models.contacts import BuildingContact
from models.members import Registration
from models.orgs import OrgUnit, StaffScope
from models.stations import CHECKLIST_ITEMS, WEEKDAYS, Station
from models.users import User
from services import activities, care, coordination, funds, ledger
from services.auth import hash_password
from services.members import register
from services.orgs import add_org
from services.requests import create_request

ADMIN = ("admin", "linli-admin-2026")
COMMUNITY_STAFF = ("xingfuli", "linli-staff-2026")



def demo_logins(sandbox_base: str) -> list[str]:
    """How to sign in as each kind of demo user, for the run command to print."""
    return [
        f"管理员（区级）: {ADMIN[0]} / {ADMIN[1]}",
        f"幸福里社区党总支书记: {COMMUNITY_STAFF[0]} / {COMMUNITY_STAFF[1]}",
        "居民与在职党员在小程序中用微信登录；本地沙箱为演示用户签发登录 code:",
        f'  curl -X POST {sandbox_base}sandbox/codes -H "Content-Type: application/json" '
        '-d \'{"openid": "demo-resident-1"}\'   (居民 王秀英)',
        '  同上，openid 为 "demo-member-1" (在职党员 李建国)',
    ]

# Each community with where it stands (lat, lng); its three buildings stand around that point.
STREETS = {
    "大观街道党工委": [("幸福里社区党总支", (36.6598, 117.0052)), ("和平社区党总支", (36.6655, 116.9968))],
    "泉城街道党工委": [("泉韵社区党总支", (36.6702, 117.0221)), ("明湖社区党总支", (36.6751, 117.0110))],
}
BUILDING_OFFSETS = [(0.0005, 0.0008), (0.0022, -0.0017), (-0.0027, 0.0037)]
RESIDENTS = [
    ("demo-resident-1", "王秀英"),
    ("demo-resident-2", "赵大爷"),
    ("demo-resident-3", "孙丽"),
]
MEMBERS = [
    ("demo-member-1", "李建国", "市供电公司", ["维修", "电工"]),
    ("demo-member-2", "张敏", "市第一人民医院", ["医疗", "陪诊", "心理疏导"]),
    ("demo-member-3", "陈律", "明德律师事务所", ["法律咨询"]),
    ("demo-member-4", "刘老师", "市实验中学", ["辅导", "陪伴"]),
    ("demo-member-5", "周强", "市公安局", ["跑腿", "陪伴", "维修"]),
]


def seed_demo() -> bool:
    """Build the demo district; returns False (and does nothing) when data already exists."""
    if db.session.execute(select(func.count(OrgUnit.id))).scalar_one():
        return False
    district = add_org("市中区委", "district_committee", None)
    communities = []
    for street_name, community_names in STREETS.items():
        street = add_org(street_name, "street_working_committee", district)
        for community_name, centre in community_names:
            communities.append(_community(community_name, centre, street))
        add_org(f"{street_name[:4]}综合经济党总支", "street_economic_branch", street)
    enterprises = add_org("市中区非公企业党工委", "nonpublic_enterprise_committee", district)
    add_org("泉城科技有限公司党支部", "enterprise_branch", enterprises)
    association = add_org("市中区餐饮行业协会党委", "association_committee", district)
    add_org("餐饮行业协会会员单位联合党支部", "social_org_branch", association)
    _people(district, communities[0])
    _building_contacts(communities[0])
    _categories(communities[0])
    _stations(communities[0])
    _desk_work(communities[0])
    _other_services(communities[0])
    db.session.flush()
    return True


def _community(name: str, centre: tuple[float, float], street: OrgUnit) -> OrgUnit:
    lat, lng = centre
    community = add_org(name, "community_general_branch", street, lat=lat, lng=lng)
    short = name.removesuffix("社区党总支")
    for number, (north, east) in enumerate(BUILDING_OFFSETS, start=1):
        add_org(f"{short}{number}号楼院党支部", "building_branch", community, lat=lat + north, lng=lng + east)
    add_org(f"{short}夕阳红合唱团功能型党支部", "functional_branch", community)
    add_org(f"{short}流动党员党支部", "mobile_member_branch", community)
    return community


def _people(district: OrgUnit, community: OrgUnit) -> None:
    admin = User(username=ADMIN[0], name="区委组织部管理员", password_hash=hash_password(ADMIN[1]), is_admin=True)
    secretary = User(
        username=COMMUNITY_STAFF[0], name="幸福里社区书记", password_hash=hash_password(COMMUNITY_STAFF[1])
    )
    db.session.add_all([admin, secretary])
    db.session.flush()
    db.session.add(StaffScope(user_id=secretary.id, org_id=community.id, role="secretary"))
    buildings = db.session.execute(
        select(OrgUnit).where(OrgUnit.parent_id == community.id, OrgUnit.kind == "building_branch").order_by(OrgUnit.id)
    ).scalars().all()
    for index, (openid, name) in enumerate(RESIDENTS):
        building = buildings[index % len(buildings)]
        db.session.add(User(openid=openid, name=name, community_id=community.id, building_id=building.id))
    for index, (openid, name, employer, skills) in enumerate(MEMBERS):
        building = buildings[index % len(buildings)]
        member = User(openid=openid, name=name, community_id=community.id, building_id=building.id, skills=skills)
        db.session.add(member)
        db.session.flush()
        db.session.add(
            Registration(
                user_id=member.id,
                community_id=community.id,
                building_id=building.id,
                employer_unit=employer,
                home_branch=f"{employer}党支部",
                skills=skills,
                availability=[{"weekday": day, "start": "18:00", "end": "21:00"} for day in range(7)],
                status="approved",
                decided_by_id=secretary.id,
                decided_at=utcnow(),
            )
        )


def _building_contacts(community: OrgUnit) -> None:
    """楼院联系: the first demo member also serves the third building, beside their own."""
    buildings = db.session.execute(
        select(OrgUnit).where(OrgUnit.parent_id == community.id, OrgUnit.kind == "building_branch").order_by(OrgUnit.id)
    ).scalars().all()
    member = db.session.execute(select(User).where(User.openid == MEMBERS[0][0])).scalar_one()
    secretary = db.session.execute(select(User).where(User.username == COMMUNITY_STAFF[0])).scalar_one()
    db.session.add(BuildingContact(building_id=buildings[-1].id, member_id=member.id, changed_by_id=secretary.id))


# name, skills, service model, expected minutes, response clock in station opening hours only
CATEGORIES = [
    ("助老陪伴", ["陪伴"], "on_demand", 120, False),
    ("小修小补", ["维修", "电工"], "on_demand", 60, False),
    ("课业辅导", ["辅导"], "socialised", 90, False),
    ("法律咨询", ["法律咨询"], "professional", 60, True),
    ("就医陪诊", ["陪诊", "医疗"], "on_demand", 180, False),
    ("代办跑腿", ["跑腿"], "on_demand", 45, False),
    ("心理疏导", ["心理疏导"], "professional", 60, True),
]


def _categories(community: OrgUnit) -> None:
    """按需服务 categories, and two open requests from demo residents offered to the demo members."""
    by_name = {}
    for name, skills, service_model, minutes, opening_hours in CATEGORIES:
        by_name[name] = ServiceCategory(
            name=name, skills=skills, service_model=service_model, expected_minutes=minutes,
            sla_opening_hours=opening_hours,
        )
        db.session.add(by_name[name])
    db.session.flush()
    # Tomorrow at 19:00 local, inside the demo members' evening availability.
    tomorrow = to_local().date() + timedelta(days=1)
    evening = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 19, 0, tzinfo=local_zone())
    residents = db.session.execute(
        select(User).where(User.openid.in_([openid for openid, _ in RESIDENTS])).order_by(User.id)
    ).scalars().all()
    # Only the first two residents get a request: the third starts with none.
    for resident, (category, title) in zip(
        residents,
        [("小修小补", "厨房灯不亮了，需要换灯管"), ("就医陪诊", "周四去医院复查，需要有人陪同")],
        strict=False,
    ):
        create_request(resident, {"category_id": by_name[category].id, "title": title, "preferred_time": evening})


def _stations(community: OrgUnit) -> None:
    """One station of every kind around the first community, each with its own QR secret."""

    def units(kind: str, parent_id: int | None = None) -> list[OrgUnit]:
        statement = select(OrgUnit).where(OrgUnit.kind == kind).order_by(OrgUnit.id)
        if parent_id is not None:
            statement = statement.where(OrgUnit.parent_id == parent_id)
        return db.session.execute(statement).scalars().all()

    office = [{"open": "08:30", "close": "12:00"}, {"open": "14:00", "close": "21:00"}]
    daily = {"weekly": {day: office for day in WEEKDAYS}, "closed_days": ["2026-10-01"]}
    evenings = {"weekly": {day: [{"open": "18:00", "close": "21:00"}] for day in WEEKDAYS}, "closed_days": []}
    building = units("building_branch", community.id)[0]
    enterprise = units("enterprise_branch")[0]
    # Ten of the twelve checklist items done: the desk shows what is still missing.
    checklist = {item: index < 10 for index, item in enumerate(CHECKLIST_ITEMS)}
    rows = [
        (
            "大观街道党员服务中心", "street_service_centre", community.parent_id, "经四路 268 号",
            36.6612, 117.0011, 200, "purchased", daily, None,
        ),
        (
            "幸福里社区党员服务站", "community_service_station", community.id, "幸福里小区 12 号楼一层",
            36.6598, 117.0052, 100, "joint_built", daily, None,
        ),
        (
            f"{building.name.removesuffix('党支部')}冠名服务点", "building_named_station", building.id,
            "幸福里 1 号楼院", 36.6603, 117.0060, 60, "self_built", daily, None,
        ),
        (
            "李建国家庭式活动室", "household_activity_room", building.id, "幸福里 1 号楼 2 单元 101",
            36.6605, 117.0063, 40, "exchanged", evenings, None,
        ),
        (
            "幸福里在职党员联络站", "liaison_station", community.id, "幸福里社区党群服务中心二楼",
            36.6595, 117.0049, 100, "rented", daily, None,
        ),
        (
            "泉城科技党员活动阵地", "community_service_station", enterprise.id, "泉城科技园 A 座 3 层",
            36.6650, 117.0120, 120, "self_built", daily, checklist,
        ),
    ]
    for name, kind, org_id, address, lat, lng, radius, acquisition, hours, items in rows:
        db.session.add(
            Station(
                name=name, kind=kind, org_id=org_id, address=address, lat=lat, lng=lng, radius_m=radius,
                acquisition=acquisition, opening_hours=hours, checklist=items, qr_secret=secrets.token_hex(16),
            )
        )


def _desk_work(community: OrgUnit) -> None:
    """Something in each of the secretary's queues: a registration to decide, visits whose minutes
    wait for confirmation, and a member asking to correct confirmed minutes."""
    by_openid = {user.openid: user for user in db.session.execute(select(User)).scalars() if user.openid}
    secretary = db.session.execute(select(User).where(User.username == COMMUNITY_STAFF[0])).scalar_one()
    applicant = by_openid[RESIDENTS[2][0]]
    register(applicant, {
        "community_id": community.id, "building_id": applicant.building_id, "employer_unit": "市图书馆",
        "home_branch": "市图书馆党支部", "skills": ["辅导", "陪伴"],
        "availability": [{"weekday": day, "start": "19:00", "end": "21:00"} for day in (5, 6)],
    })
    station = db.session.execute(
        select(Station).where(Station.org_id == community.id, Station.kind == "community_service_station")
    ).scalar_one()
    yesterday = to_local().replace(hour=15, minute=0, second=0, microsecond=0) - timedelta(days=1)
    waiting = _finished_visit(by_openid[MEMBERS[0][0]], station, yesterday, minutes=90)
    ledger.record_entry(waiting.member_id, community.id, "checkin", waiting.id, 90, station.name)
    corrected = _finished_visit(by_openid[MEMBERS[4][0]], station, yesterday, minutes=60)
    entry = ledger.record_entry(corrected.member_id, community.id, "checkin", corrected.id, 60, station.name)
    ledger.confirm_entry(secretary, entry)
    ledger.request_correction(by_openid[MEMBERS[4][0]], entry.id, "签退时忘了扫码，实际服务了一个半小时", 90)


def _finished_visit(member: User, station: Station, start: datetime, minutes: int) -> CheckIn:
    visit = CheckIn(
        member_id=member.id, station_id=station.id, status="closed", lat=station.lat, lng=station.lng,
        distance_m=0.0, qr_window=0, checked_in_at=start, checked_out_at=start + timedelta(minutes=minutes),
        minutes=minutes,
    )
    db.session.add(visit)
    db.session.flush()
    return visit


def _other_services(community: OrgUnit) -> None:
    """The other service models and the coordination mechanism, one of each: an elderly resident in
    care with a visitor, a fund with a donation and a payment waiting for a second approver, a
    corridor activity next week, and the community's joint meeting with a resolution due."""
    admin = db.session.execute(select(User).where(User.username == ADMIN[0])).scalar_one()
    secretary = db.session.execute(select(User).where(User.username == COMMUNITY_STAFF[0])).scalar_one()
    visitor = db.session.execute(select(User).where(User.openid == MEMBERS[1][0])).scalar_one()
    today = to_local().date()
    target = care.create_target(secretary, {
        "name": "赵大爷", "building_id": visitor.building_id, "needs": ["每周测量血压", "陪同聊天"],
        "consent_on": today - timedelta(days=30), "kinds": ["elderly_alone"], "address": "2号楼3单元101",
    })
    care.create_plan(secretary, target.id, {"visitor_id": visitor.id, "every_weeks": 2, "first_due_on": today})
    fund = funds.create_fund(
        secretary, {"name": "幸福里扶贫帮困基金", "kind": "poverty_relief", "org_id": community.id}
    )
    funds.donate(secretary, fund.id, {
        "amount_cents": 500_000, "donor_name": "市供电公司", "donor_kind": "unit", "received_on": today,
    })
    funds.request_disbursement(secretary, fund.id, {
        "amount_cents": 80_000, "purpose": "赵大爷冬季取暖补贴", "care_target_id": target.id,
    })
    next_week = to_local().replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=7)
    activities.create(secretary, {
        "title": "楼道邻里茶话会", "description": "认识邻居，聊聊楼道里的事", "level": "corridor",
        "org_id": visitor.building_id, "audience": "全体居民", "starts_at": next_week,
        "ends_at": next_week + timedelta(hours=2), "capacity": 20, "address": "2号楼一楼活动室",
        "lat": community.lat, "lng": community.lng, "radius_m": 300,
    })
    _joint_meeting(admin, secretary, community)


def _joint_meeting(admin: User, secretary: User, community: OrgUnit) -> None:
    unit = coordination.create_unit(admin, {
        "name": "市供电公司", "kind": "enterprise", "party_org_name": "市供电公司党委",
        "address": "泺源大街 150 号", "street_id": community.parent_id, "lat": None, "lng": None,
    })
    body = coordination.create_body(secretary, {
        "kind": "joint_meeting", "org_id": community.id, "name": "幸福里社区区域化党建联席会",
    })
    coordination.add_member(secretary, body.id, {
        "unit_id": unit.id, "representative_name": "孙志刚", "title": "党委副书记",
    })
    held_at = to_local().replace(hour=9, minute=30, second=0, microsecond=0) - timedelta(days=14)
    meeting = coordination.create_meeting(secretary, body.id, {
        "title": "第四季度联席会", "held_at": held_at, "agenda": ["冬季独居老人走访", "楼道照明改造"],
        "minutes": "供电公司党委承诺组织党员志愿者检修老旧楼道照明。", "attended_unit_ids": [unit.id],
    })
    coordination.add_resolution(secretary, meeting.id, {
        "text": "完成 1-3 号楼楼道照明检修", "owner_unit_id": unit.id,
        "due_date": to_local().date() + timedelta(days=21),
    })
