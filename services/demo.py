"""The demo district, built from the seed text: streets, communities, branches, people."""
from sqlalchemy import func, select

from extensions import db
from models.base import utcnow
from models.members import Registration
from models.orgs import OrgUnit, StaffScope
from models.users import User
from services.auth import hash_password
from services.orgs import add_org

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

STREETS = {
    "大观街道党工委": ["幸福里社区党总支", "和平社区党总支"],
    "泉城街道党工委": ["泉韵社区党总支", "明湖社区党总支"],
}
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
        for community_name in community_names:
            communities.append(_community(community_name, street))
        add_org(f"{street_name[:4]}综合经济党总支", "street_economic_branch", street)
    enterprises = add_org("市中区非公企业党工委", "nonpublic_enterprise_committee", district)
    add_org("泉城科技有限公司党支部", "enterprise_branch", enterprises)
    association = add_org("市中区餐饮行业协会党委", "association_committee", district)
    add_org("餐饮行业协会会员单位联合党支部", "social_org_branch", association)
    _people(district, communities[0])
    db.session.flush()
    return True


def _community(name: str, street: OrgUnit) -> OrgUnit:
    community = add_org(name, "community_general_branch", street)
    short = name.removesuffix("社区党总支")
    for number in (1, 2, 3):
        add_org(f"{short}{number}号楼院党支部", "building_branch", community)
    add_org(f"{short}夕阳红合唱团功能型党支部", "functional_branch", community)
    add_org(f"{short}流动党员党支部", "mobile_member_branch", community)
    return community


def _people(district: OrgUnit, community: OrgUnit) -> None:
    admin = User(username=ADMIN[0], name="区委组织部管理员", password_hash=hash_password(ADMIN[1]), is_admin=True)
    secretary = User(username=COMMUNITY_STAFF[0], name="幸福里社区书记", password_hash=hash_password(COMMUNITY_STAFF[1]))
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
