"""专业化基地化服务: the providers staff work with, their accounts, and which requests they may take."""
from sqlalchemy import func, literal, or_, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.categories import ServiceCategory
from models.orgs import OrgUnit
from models.providers import ProviderAccount, ServiceProvider
from models.users import User
from services.auth import hash_password
from services.database import update_row
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


def _serving(community: OrgUnit):
    """SQL: the providers a request of `community` may be routed to (the rule of `serves`)."""
    return or_(literal(community.path).startswith(OrgUnit.path), OrgUnit.path.startswith(community.path))


def listing(actor: User, kind: str | None = None, serving: int | None = None):
    """The providers of the caller's scope; or, with `serving` (a community in scope, else 404), those its
    requests may be routed to — wherever they sit — the ones attached closest to the community first."""
    require_staff(actor)
    statement = select(ServiceProvider).join(OrgUnit, OrgUnit.id == ServiceProvider.org_id)
    if serving is None:
        statement = statement.where(within_scope(actor)).order_by(ServiceProvider.id)
    else:
        community = require_org(actor, serving)
        statement = statement.where(_serving(community)).order_by(func.length(OrgUnit.path).desc(), ServiceProvider.id)
    if kind is not None:
        statement = statement.where(ServiceProvider.kind == kind)
    return statement


def update_provider(actor: User, provider_id: int, changes: dict) -> ServiceProvider:
    """Staff in scope change a provider's name, offerings or address."""
    provider = in_scope(actor, provider_id)
    return update_row(provider, changes)


def accounts(actor: User, provider_id: int):
    """The desk accounts acting for the provider (staff in scope)."""
    provider = in_scope(actor, provider_id)
    return (
        select(User).join(ProviderAccount, ProviderAccount.user_id == User.id)
        .where(ProviderAccount.provider_id == provider.id).order_by(User.id)
    )


def default_for(community: OrgUnit, category: ServiceCategory) -> ServiceProvider | None:
    """Where a request of a 专业化基地化服务 category goes unless staff choose: a provider serving the
    community that offers the category (its name or one of its skills among the provider's offerings),
    the one attached closest to the community, then the longest known; None when there is none."""
    wanted = {category.name, *(category.skills or [])}
    candidates = db.session.execute(
        select(ServiceProvider).join(OrgUnit, OrgUnit.id == ServiceProvider.org_id)
        .where(_serving(community))
        .order_by(func.length(OrgUnit.path).desc(), ServiceProvider.id)
    ).scalars()
    return next((provider for provider in candidates if wanted & set(provider.services or [])), None)


def account_user_ids(provider_id: int) -> list[int]:
    return db.session.execute(
        select(ProviderAccount.user_id).where(ProviderAccount.provider_id == provider_id).order_by(ProviderAccount.id)
    ).scalars().all()


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
    """The providers the person acts for (none for residents, members and staff); read with the token."""
    return [user.provider_account.provider_id] if user.provider_account else []


def serves(provider: ServiceProvider, community: OrgUnit) -> bool:
    """A provider takes requests of communities at or under its unit, or above it (a community's own base)."""
    path = provider.org.path
    return community.path.startswith(path) or path.startswith(community.path)
