"""社会化服务: staff enter what schools, training bodies and merchants offer; a colleague approves it;
residents browse the approved, valid offers of their community (and of its street and district)."""
from sqlalchemy import false, literal, or_, select, update

from extensions import db
from models.base import utcnow
from models.offers import SOCIAL_OFFER_STATUS_NAMES, SocialOffer
from models.orgs import OrgUnit
from models.users import User
from services.activities import home_communities
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.periods import local_today
from services.permissions import is_staff, reaches, require_org, require_staff, within_scope

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("pending",), "approved"),
    "reject": (("pending",), "rejected"),
    "withdraw": (("pending", "approved"), "withdrawn"),
}


def _not_found() -> NotFound:
    return NotFound("服务资源不存在", code="offer_not_found")


def create(actor: User, fields: dict) -> SocialOffer:
    require_staff(actor)
    require_org(actor, fields["org_id"])
    if fields["valid_until"] < fields["valid_from"]:
        raise Invalid("有效期结束日期应不早于开始日期", code="invalid_period",
                      fields={"valid_until": ["有效期结束日期应不早于开始日期"]})
    offer = SocialOffer(created_by_id=actor.id, **fields)
    db.session.add(offer)
    db.session.flush()
    return offer


def _shown(offer: SocialOffer) -> bool:
    today = local_today()
    return offer.status == "approved" and offer.valid_from <= today <= offer.valid_until


def _near(user: User, org: OrgUnit) -> bool:
    return any(org.path.startswith(c.path) or c.path.startswith(org.path) for c in home_communities(user))


def get_visible(user: User, offer_id: int) -> SocialOffer:
    """Staff in scope see every offer of their units; residents an approved one while valid, near them."""
    offer = db.session.get(SocialOffer, offer_id)
    if offer is None:
        raise _not_found()
    if is_staff(user) and reaches(user, offer.org):
        return offer
    if not (_shown(offer) and _near(user, offer.org)):
        raise _not_found()
    return offer


def listing(user: User, filters: dict):
    """Staff: the offers of their scope (any status, `status=` narrows). Everyone: the approved offers valid
    today for their community, its street and district."""
    today = local_today()
    shown = (SocialOffer.status == "approved") & (SocialOffer.valid_from <= today) & (SocialOffer.valid_until >= today)
    near = [or_(OrgUnit.path.startswith(c.path), literal(c.path).startswith(OrgUnit.path))
            for c in home_communities(user)]
    visible = [shown & or_(*near)] if near else []
    if is_staff(user):
        visible.append(within_scope(user))
    statement = select(SocialOffer).join(OrgUnit, OrgUnit.id == SocialOffer.org_id)
    statement = statement.where(or_(*visible) if visible else false())
    for name in ("status", "kind", "provider_kind"):
        if filters.get(name) is not None:
            statement = statement.where(getattr(SocialOffer, name) == filters[name])
    return statement.order_by(SocialOffer.id.desc())


def decide(actor: User, offer_id: int, action: str, reason: str | None = None) -> SocialOffer:
    """Approve, reject or withdraw: staff in scope; nobody approves or rejects what they entered."""
    offer = get_visible(actor, offer_id)
    if not (is_staff(actor) and reaches(actor, offer.org)):
        raise Forbidden("仅限辖区工作人员操作", code="staff_only")
    if action != "withdraw" and offer.created_by_id == actor.id:
        raise Forbidden("不能审核自己录入的服务资源", code="self_approval")
    sources, target = TRANSITIONS[action]
    if offer.status not in sources:
        raise Conflict(f"当前状态（{SOCIAL_OFFER_STATUS_NAMES[offer.status]}）不允许该操作", code="illegal_transition")
    values = {"status": target}
    if action != "withdraw":
        values.update(decided_by_id=actor.id, decided_at=utcnow(), decision_reason=reason)
    moved = db.session.execute(
        update(SocialOffer)
        .where(SocialOffer.id == offer.id, SocialOffer.status == offer.status)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("服务资源状态已变化，请刷新后重试", code="offer_state_changed")
    db.session.refresh(offer)
    return offer
