"""Desk accounts and the scopes that bound what each of them may touch.

Granting, removing and disabling are for administrators and for secretaries over the
scopes concerned; an account wholly outside the caller's scope is not found.
"""
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from extensions import db
from models.base import utcnow
from models.orgs import OrgUnit, StaffScope
from models.users import DeskLoginFailure, User
from services.auth import hash_password, revoke_tokens
from services.database import paginate
from services.errors import Conflict, Forbidden, NotFound
from services.permissions import MANAGING_ROLES, reaches, require_org, require_staff, within_scope


def create_desk_account(actor: User, username: str, password: str, name: str, org_id: int, role: str) -> User:
    require_org(actor, org_id, roles=MANAGING_ROLES)
    user = User(username=username, password_hash=hash_password(password), name=name)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("用户名已被使用", code="username_taken") from None
    db.session.add(StaffScope(user_id=user.id, org_id=org_id, role=role))
    db.session.flush()
    db.session.refresh(user)
    return user


def grant_scope(actor: User, user_id: int, org_id: int, role: str) -> User:
    require_org(actor, org_id, roles=MANAGING_ROLES)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在", code="user_not_found")
    scope = db.session.execute(
        select(StaffScope).where(StaffScope.user_id == user_id, StaffScope.org_id == org_id)
    ).scalar_one_or_none()
    if scope is None:
        db.session.add(StaffScope(user_id=user_id, org_id=org_id, role=role))
    else:
        scope.role = role
    db.session.flush()
    db.session.refresh(user)
    return user


def create_admin(username: str, password: str) -> User:
    """Create an administrator, or reset the password of an existing one."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = User(username=username, name=username)
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.is_admin = True
    user.disabled_at = None
    db.session.execute(delete(DeskLoginFailure).where(DeskLoginFailure.username == username))
    return user


def staff_page(actor: User, page: int, per_page: int) -> tuple[list[dict], int]:
    """Staff accounts the actor manages: all for an administrator; for a secretary, those
    holding a scope inside the secretary's own. Each shows only the scopes the actor may see."""
    _require_manager(actor)
    if actor.is_admin:
        condition = or_(User.username.is_not(None), User.scopes.any())
    else:
        condition = exists().where(
            StaffScope.user_id == User.id,
            OrgUnit.id == StaffScope.org_id,
            within_scope(actor, roles=MANAGING_ROLES),
        )
    listed = select(User).where(condition).order_by(User.id).options(selectinload(User.scopes))
    users, total = paginate(listed, page, per_page)
    return [staff_account(actor, user) for user in users], total


def staff_account(actor: User, user: User) -> dict:
    """The contract's staff item, with the scopes within the actor's reach."""
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "disabled": user.disabled_at is not None,
        "scopes": [
            {"id": scope.id, "org_id": scope.org_id, "role": scope.role}
            for scope in user.scopes
            if reaches(actor, scope.org, MANAGING_ROLES)
        ],
    }


def remove_scope(actor: User, user_id: int, scope_id: int) -> None:
    """Take one scope away; the next request of that account already lacks it."""
    scope = db.session.get(StaffScope, scope_id)
    if scope is None or scope.user_id != user_id or not reaches(actor, scope.org):
        raise NotFound("权限范围不存在", code="scope_not_found")
    if not reaches(actor, scope.org, MANAGING_ROLES):
        raise Forbidden("该操作需要党组织书记或管理员权限", code="role_required")
    db.session.delete(scope)


def set_disabled(actor: User, user_id: int, disabled: bool) -> User:
    """Disable (every token ends at once) or enable an account.

    A secretary must be over all of the account's scopes; administrators are for
    administrators only; nobody disables their own account.
    """
    user = _managed_account(actor, user_id)
    if disabled and user.id == actor.id:
        raise Forbidden("不能停用自己的账号", code="cannot_disable_self")
    if not actor.is_admin:
        if user.is_admin:
            raise Forbidden("只有管理员可以停用或启用管理员账号", code="admin_only")
        if not all(reaches(actor, scope.org, MANAGING_ROLES) for scope in user.scopes):
            raise Forbidden("该账号的权限范围超出了您管辖的组织", code="role_required")
    if disabled and user.disabled_at is None:
        user.disabled_at = utcnow()
        revoke_tokens(user.id)
    elif not disabled:
        user.disabled_at = None
    return user


def _require_manager(actor: User) -> None:
    require_staff(actor)
    if not actor.is_admin and not any(scope.role in MANAGING_ROLES for scope in actor.scopes):
        raise Forbidden("该操作需要党组织书记或管理员权限", code="role_required")


def _managed_account(actor: User, user_id: int) -> User:
    """The account, if the actor's scope touches one of its scopes; 404 otherwise."""
    require_staff(actor)
    user = db.session.get(User, user_id)
    if user is None or not (actor.is_admin or any(reaches(actor, scope.org) for scope in user.scopes)):
        raise NotFound("账号不存在", code="user_not_found")
    return user
