"""Profiles: roles, masked phones, where a person lives."""
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, select

from extensions import db
from models.base import utcnow
from models.coordination import UnitLiaison
from models.members import Registration
from models.orgs import COMMUNITY_KIND, OrgUnit
from models.users import User
from services.errors import Invalid, NotFound, TooManyRequests
from services.permissions import reaches
from services.providers import provider_ids_of


def mask_phone(phone: str | None) -> str | None:
    """138****1234: enough to recognise one's own number, never enough to call someone."""
    if not phone:
        return None
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * len(phone)


def is_member(user: User) -> bool:
    return db.session.execute(
        select(
            exists().where(Registration.user_id == user.id, Registration.status == "approved")
        )
    ).scalar_one()


def roles_of(user: User) -> list[str]:
    roles = []
    if user.openid:
        roles.append("resident")
    if is_member(user):
        roles.append("member")
    if user.scopes:
        roles.append("staff")
    if user.is_admin:
        roles.append("admin")
    return roles


def profile(user: User) -> dict:
    """The user as the contract's `user` object."""
    return {
        "id": user.id,
        "name": user.name,
        "roles": roles_of(user),
        "community_id": user.community_id,
        "building_id": user.building_id,
        "home_confirmed": user.home_confirmed_at is not None,
        "skills": user.skills or [],
        "phone_masked": mask_phone(user.phone),
        "username": user.username,
        "scopes": [{"org_id": scope.org_id, "role": scope.role} for scope in user.scopes],
        "liaison_unit_ids": db.session.execute(
            select(UnitLiaison.unit_id).where(UnitLiaison.user_id == user.id).order_by(UnitLiaison.unit_id)
        ).scalars().all(),
        "provider_ids": sorted(provider_ids_of(user)),
    }


def update_profile(user: User, changes: dict) -> User:
    """PATCH /me: name, skills and home (a community, and a building inside it)."""
    if "name" in changes:
        user.name = changes["name"]
    if "skills" in changes:
        user.skills = sorted(set(changes["skills"]))
    if "community_id" in changes or "building_id" in changes:
        community_id = changes.get("community_id", user.community_id)
        # Moving to another community leaves the old building behind.
        kept_building = user.building_id if community_id == user.community_id else None
        building_id = changes.get("building_id", kept_building)
        home = validate_home(community_id, building_id)
        if home != (user.community_id, user.building_id):
            _move_home(user, home)
    return user


def _move_home(user: User, home: tuple[int | None, int | None]) -> None:
    """A home the person sets themselves waits for staff to confirm it, and moves at most once per interval."""
    now = utcnow()
    interval = timedelta(days=current_app.config["HOME_CHANGE_INTERVAL_DAYS"])
    if user.home_changed_at is not None and now < user.home_changed_at + interval:
        retry_after = math.ceil((user.home_changed_at + interval - now).total_seconds())
        raise TooManyRequests(
            retry_after,
            f"住址每 {interval.days} 天只能修改一次，请稍后再试或联系社区工作人员",
            code="home_change_too_soon",
        )
    user.community_id, user.building_id = home
    user.home_confirmed_at = None
    user.home_changed_at = now


def confirm_home(staff: User, user_id: int) -> User:
    """Staff of the person's community confirm where they live; their contact list opens."""
    person = db.session.get(User, user_id)
    community = db.session.get(OrgUnit, person.community_id) if person and person.community_id else None
    if community is None or not reaches(staff, community):
        raise NotFound("居民不存在", code="resident_not_found")
    person.home_confirmed_at = utcnow()
    return person


def validate_home(community_id: int | None, building_id: int | None) -> tuple[int | None, int | None]:
    """A building must be a 楼院 of the given community; a community must be a 社区党总支."""
    if building_id is not None:
        building = db.session.get(OrgUnit, building_id)
        if building is None or building.kind != "building_branch":
            raise Invalid("楼院不存在", code="building_not_found", fields={"building_id": ["楼院不存在"]})
        if community_id is None:
            community_id = building.parent_id
        if building.parent_id != community_id:
            raise Invalid(
                "楼院不属于该社区",
                code="building_not_in_community",
                fields={"building_id": ["楼院不属于该社区"]},
            )
    if community_id is not None:
        community = db.session.get(OrgUnit, community_id)
        if community is None or community.kind != COMMUNITY_KIND:
            raise Invalid("社区不存在", code="community_not_found", fields={"community_id": ["社区不存在"]})
    return community_id, building_id
