"""The scope gate: a staff role on one org unit reaches its subtree and nothing else.

Every endpoint that touches an org-owned object asks here; anything not granted is denied,
and an object outside the caller's scope is reported as not found.
"""
from sqlalchemy import false, literal, or_, select, true

from extensions import db
from models.orgs import OrgUnit, StaffScope
from models.users import User
from services.errors import Forbidden, NotFound

# Who may manage a unit (its staff accounts, its part of the tree) besides administrators.
MANAGING_ROLES = ("secretary",)


def scope_paths(user: User, roles: tuple[str, ...] | None = None) -> list[str]:
    return [scope.org.path for scope in user.scopes if roles is None or scope.role in roles]


def is_staff(user: User) -> bool:
    return user.is_admin or bool(user.scopes)


def reaches(user: User, org: OrgUnit, roles: tuple[str, ...] | None = None) -> bool:
    """Whether the user holds a scope (of one of `roles`, if given) covering `org`."""
    if user.is_admin:
        return True
    return any(
        org.path.startswith(scope.org.path) and (roles is None or scope.role in roles)
        for scope in user.scopes
    )


def staff_reaching(org: OrgUnit) -> list[int]:
    """Everyone holding a staff scope that covers `org`: the other side of `reaches`."""
    return db.session.execute(
        select(StaffScope.user_id).join(OrgUnit, OrgUnit.id == StaffScope.org_id)
        .where(literal(org.path).startswith(OrgUnit.path)).distinct()
    ).scalars().all()


def require_org(user: User, org_id: int, roles: tuple[str, ...] | None = None) -> OrgUnit:
    """The org unit, if the user's scope covers it; 404 otherwise (hidden objects stay hidden)."""
    org = db.session.get(OrgUnit, org_id)
    if org is None or not reaches(user, org):
        raise NotFound("组织不存在", code="org_not_found")
    if roles is not None and not reaches(user, org, roles):
        raise Forbidden("该操作需要党组织书记或管理员权限", code="role_required")
    return org


def require_visible(user: User, thing, missing: NotFound, org_of=lambda thing: thing.org_id, roles=None):
    """`thing` when it exists and the user's scope covers its org (`org_of(thing)`); otherwise
    `missing`, the object's own not-found error, so a hidden object answers exactly like an absent one."""
    if thing is None:
        raise missing
    try:
        require_org(user, org_of(thing), roles)
    except NotFound:
        raise missing from None
    return thing


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise Forbidden("仅限工作人员使用", code="staff_only")


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("仅限管理员使用", code="admin_only")


def within_scope(user: User, path_column=OrgUnit.path, roles: tuple[str, ...] | None = None):
    """A SQL condition keeping rows whose org path lies in the user's scope (of `roles`, if given)."""
    if user.is_admin:
        return true()
    paths = scope_paths(user, roles)
    if not paths:
        return false()
    return or_(*(path_column.startswith(path) for path in paths))


def report_org(user: User, org_id: int | None) -> OrgUnit:
    """The org a report covers: the one asked for (404 outside scope), else the caller's first
    scope, or for an administrator the first root of the tree."""
    require_staff(user)
    if org_id is not None:
        return require_org(user, org_id)
    if not user.is_admin:
        return min(user.scopes, key=lambda scope: scope.id).org
    root = db.session.execute(
        select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1)
    ).scalar_one_or_none()
    if root is None:
        raise NotFound("组织不存在", code="org_not_found")
    return root
