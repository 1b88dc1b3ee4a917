"""Desk accounts and the scopes that bound what each of them may touch."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.orgs import StaffScope
from models.users import User
from services.auth import hash_password
from services.errors import Conflict, NotFound
from services.permissions import require_org

# Granting staff rights is for secretaries (and administrators) of the unit.
GRANTING_ROLES = ("secretary",)


def create_desk_account(actor: User, username: str, password: str, name: str, org_id: int, role: str) -> User:
    require_org(actor, org_id, roles=GRANTING_ROLES)
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
    require_org(actor, org_id, roles=GRANTING_ROLES)
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
    user.failed_logins = 0
    user.locked_until = None
    return user
