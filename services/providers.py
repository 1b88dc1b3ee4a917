"""专业化基地化服务: the providers staff work with, their accounts, and which requests they may take."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.orgs import OrgUnit
from models.providers import ProviderAccount, ServiceProvider
from models.users import User
from services.auth import hash_password
from services.errors import Conflict, Invalid, NotFound
from services.permissions import require_org, require_staff, require_visible, within_scope


def _not_found() -> NotFound:
    return NotFound("服务机构不存在", code="provider_not_found")


def create(actor: User, fields: dict) -> ServiceProvider:
    require_staff(actor)
    require_org(actor, fields["org_id"])
    parent_id = fields.get("parent_id")
    if parent_id is not None:
        parent = db.session.get(ServiceProvider, parent_id)
        if parent is None or parent.kind != "social_work_org" or fields["kind"] != "service_base":
            raise Invalid("服务基地只能隶属于专业社工机构", code="invalid_parent",
                          fields={"parent_id": ["服务基地只能隶属于专业社工机构"]})
    provider = ServiceProvider(**fields)
    db.session.add(provider)
    db.session.flush()
    return provider


def in_scope(actor: User, provider_id: int) -> ServiceProvider:
    """The provider, for staff whose scope covers its unit; 404 otherwise."""
    require_staff(actor)
    return require_visible(actor, db.session.get(ServiceProvider, provider_id), _not_found())


def listing(actor: User, kind: str | None = None):
    require_staff(actor)
    statement = (
        select(ServiceProvider).join(OrgUnit, OrgUnit.id == ServiceProvider.org_id)
        .where(within_scope(actor)).order_by(ServiceProvider.id)
    )
    if kind is not None:
        statement = statement.where(ServiceProvider.kind == kind)
    return statement


def create_account(actor: User, provider_id: int, username: str, password: str, name: str) -> User:
    """A desk account for the provider's staff: no scope, only the requests routed to the provider."""
    provider = in_scope(actor, provider_id)
    user = User(username=username, password_hash=hash_password(password), name=name)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("用户名已被使用", code="username_taken") from None
    db.session.add(ProviderAccount(provider_id=provider.id, user_id=user.id))
    db.session.flush()
    return user


def provider_ids_of(user: User) -> list[int]:
    """The providers the person acts for (none for residents, members and staff)."""
    return db.session.execute(
        select(ProviderAccount.provider_id).where(ProviderAccount.user_id == user.id)
    ).scalars().all()


def serves(provider: ServiceProvider, community: OrgUnit) -> bool:
    """A provider takes requests of communities at or under its unit, or above it (a community's own base)."""
    path = provider.org.path
    return community.path.startswith(path) or path.startswith(community.path)
