"""社会化服务: staff enter what schools, training bodies and merchants offer; a colleague approves it;
residents browse the approved, valid offers near their home, nearest first.

Near: when both the resident's home (their building's position, else their community's) and the
offer's place (its own position, else its unit's) are known, the offer is near within
OFFER_NEAR_RADIUS_M by `stations.haversine_m`; when either is unknown, the org tree decides as before
(an offer of the resident's community, or of the street or district above it)."""
from flask import current_app
from sqlalchemy import and_, false, func, literal, or_, select, update
from sqlalchemy.orm import aliased

from extensions import db
from models.base import utcnow
from models.offers import (
    OFFER_PROVIDER_KIND_NAMES,
    SOCIAL_OFFER_KIND_NAMES,
    SOCIAL_OFFER_STATUS_NAMES,
    SocialOffer,
)
from models.orgs import OrgUnit
from models.users import User
from services import moderation
from services.activities import home_communities
from services.database import MAX_PAGE_DEPTH, paginate, require_shallow_page
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.exports import Export
from services.notifications import notify
from services.periods import local_today, local_wall_time
from services.permissions import is_staff, reaches, require_org, require_staff, staff_reaching, within_scope
from services.spreadsheets import Column, workbook
from services.stations import approximate_m, bounding_box, haversine_m

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("pending",), "approved"),
    "reject": (("pending",), "rejected"),
    "withdraw": (("pending", "approved"), "withdrawn"),
    # A changed offer waits for a colleague's approval again before residents see it.
    "edit": (("pending", "approved", "rejected"), "pending"),
}
OFFER_EXPORT_COLUMNS = [
    Column("编号", "0"),
    Column("标题"),
    Column("提供方"),
    Column("提供方类型"),
    Column("面向组织"),
    Column("资源类型"),
    Column("内容与条件"),
    Column("有效期自"),
    Column("有效期至"),
    Column("状态"),
    Column("审核人"),
    Column("审核时间"),
    Column("审核意见"),
]


def _not_found() -> NotFound:
    return NotFound("服务资源不存在", code="offer_not_found")


def _check_period(valid_from, valid_until) -> None:
    if valid_until < valid_from:
        raise Invalid("有效期结束日期应不早于开始日期", code="invalid_period",
                      fields={"valid_until": ["有效期结束日期应不早于开始日期"]})


def _check_place(lat, lng) -> None:
    if (lat is None) != (lng is None):
        raise Invalid("经纬度需同时填写或同时留空", code="invalid_position",
                      fields={"lat": ["经纬度需同时填写或同时留空"]})


def create(actor: User, fields: dict) -> SocialOffer:
    require_staff(actor)
    require_org(actor, fields["org_id"])
    _check_period(fields["valid_from"], fields["valid_until"])
    _check_place(fields.get("lat"), fields.get("lng"))
    offer = SocialOffer(created_by_id=actor.id, **fields)
    db.session.add(offer)
    db.session.flush()
    _ask_for_decision(offer)
    return offer


def _ask_for_decision(offer: SocialOffer) -> None:
    """Tell the staff over the offer's unit who may decide on it that it waits for them: not whoever entered
    it, nor whoever changed it last (desk staff: in the desk's inbox only, no mini-program page)."""
    authors = {offer.created_by_id, offer.edited_by_id}
    for staff_id in staff_reaching(offer.org):
        if staff_id not in authors:
            notify(staff_id, "offer_pending", "服务资源待审核",
                   f"{offer.provider_name}：{offer.title}", {"social_offer_id": offer.id})


def _tell_author(offer: SocialOffer) -> None:
    """The staff member who entered the offer hears it was approved or rejected (and why)."""
    outcome = SOCIAL_OFFER_STATUS_NAMES[offer.status]
    reason = f"（原因：{offer.decision_reason}）" if offer.status == "rejected" and offer.decision_reason else ""
    notify(offer.created_by_id, "offer_decided", "服务资源审核结果",
           f"{offer.provider_name}：{offer.title} {outcome}{reason}",
           {"social_offer_id": offer.id, "status": offer.status})


# --- what residents see ----------------------------------------------------------------------


def _shown():
    today = local_today()
    return (SocialOffer.status == "approved") & (SocialOffer.valid_from <= today) & (SocialOffer.valid_until >= today)


def home_point(user: User) -> tuple[float, float] | None:
    """Where the person lives: their building's position, else their community's; None when unknown."""
    for org_id in (user.building_id, user.community_id):
        unit = db.session.get(OrgUnit, org_id) if org_id is not None else None
        if unit is not None and unit.lat is not None:
            return unit.lat, unit.lng
    return None


def _in_tree(user: User):
    """SQL: the offer's unit is one of the person's communities, above or below it."""
    return or_(false(), *(
        or_(OrgUnit.path.startswith(c.path), literal(c.path).startswith(OrgUnit.path)) for c in home_communities(user)
    ))


def _place_columns():
    return (func.coalesce(SocialOffer.lat, OrgUnit.lat), func.coalesce(SocialOffer.lng, OrgUnit.lng))


def nearby(user: User, filters: dict, page: int, per_page: int) -> tuple[list[SocialOffer], int]:
    """A page of the approved offers valid today near the person, nearest first; each carries
    `distance_m` (rounded), or None when the tree rule chose it (positions unknown, after the others)."""
    require_shallow_page(page, per_page)
    radius = current_app.config["OFFER_NEAR_RADIUS_M"]
    home = home_point(user)
    place_lat, place_lng = _place_columns()
    in_tree = _in_tree(user)
    if home is None:
        near = in_tree
    else:
        south, north, west, east = bounding_box(home[0], home[1], radius)
        near = or_(
            and_(place_lat.is_not(None), place_lat.between(south, north), place_lng.between(west, east)),
            and_(place_lat.is_(None), in_tree),
        )
    statement = (
        select(SocialOffer.id, place_lat, place_lng)
        .join(OrgUnit, OrgUnit.id == SocialOffer.org_id)
        .where(_shown(), near, *_filtered(filters))
        .order_by(SocialOffer.id.desc())
        .limit(MAX_PAGE_DEPTH)
    )
    ranked = []
    for offer_id, lat, lng in db.session.execute(statement):
        if home is None or lat is None:
            ranked.append((offer_id, None))
            continue
        metres = haversine_m(home[0], home[1], lat, lng)
        if metres <= radius:
            ranked.append((offer_id, metres))
    # Nearest first; those placed by the tree rule after them, newest first (the read order).
    ranked.sort(key=lambda entry: (entry[1] is None, entry[1] or 0))
    chosen = ranked[(page - 1) * per_page: page * per_page]
    loaded = {
        offer.id: offer
        for offer in db.session.execute(
            select(SocialOffer).where(SocialOffer.id.in_([offer_id for offer_id, _ in chosen]))
        ).scalars()
    }
    items = []
    for offer_id, metres in chosen:
        offer = loaded[offer_id]
        offer.distance_m = None if metres is None else approximate_m(metres)
        items.append(offer)
    return items, len(ranked)


def _near(user: User, offer: SocialOffer) -> bool:
    """The rule of `nearby` for one offer; sets its `distance_m` when the distance decided."""
    home = home_point(user)
    place = (offer.lat, offer.lng) if offer.lat is not None else (offer.org.lat, offer.org.lng)
    if home is None or place[0] is None:
        return any(offer.org.path.startswith(c.path) or c.path.startswith(offer.org.path)
                   for c in home_communities(user))
    metres = haversine_m(home[0], home[1], place[0], place[1])
    offer.distance_m = approximate_m(metres)
    return metres <= current_app.config["OFFER_NEAR_RADIUS_M"]


def _is_shown(offer: SocialOffer) -> bool:
    today = local_today()
    return offer.status == "approved" and offer.valid_from <= today <= offer.valid_until


def _staff_over(user: User, offer: SocialOffer) -> bool:
    return is_staff(user) and reaches(user, offer.org)


def get_visible(user: User, offer_id: int) -> SocialOffer:
    """Staff in scope see every offer of their units; residents an approved one while valid, near them."""
    offer = db.session.get(SocialOffer, offer_id)
    if offer is None:
        raise _not_found()
    if _staff_over(user, offer):
        return offer
    if not (_is_shown(offer) and _near(user, offer)):
        raise _not_found()
    return offer


# --- staff -------------------------------------------------------------------------------------


def _filtered(filters: dict) -> list:
    return [getattr(SocialOffer, name) == filters[name]
            for name in ("status", "kind", "provider_kind") if filters.get(name) is not None]


def listing(user: User, filters: dict):
    """Staff: the offers of their scope, any status (`status=` narrows), newest first."""
    require_staff(user)
    return (
        select(SocialOffer).join(OrgUnit, OrgUnit.id == SocialOffer.org_id)
        .where(within_scope(user), *_filtered(filters))
        .order_by(SocialOffer.id.desc())
    )


def browse(user: User, filters: dict, page: int, per_page: int) -> tuple[list[SocialOffer], int]:
    """GET /social-offers: staff their scope's offers (unless they ask for the residents' view with
    `near`), everyone else the offers near their home."""
    if is_staff(user) and not filters.get("near"):
        return paginate(listing(user, filters), page, per_page)
    return nearby(user, filters, page, per_page)


def _for_staff(actor: User, offer_id: int) -> SocialOffer:
    offer = get_visible(actor, offer_id)
    if not _staff_over(actor, offer):
        raise Forbidden("仅限辖区工作人员操作", code="staff_only")
    return offer


def _require_status_for(offer: SocialOffer, action: str) -> None:
    if offer.status not in TRANSITIONS[action][0]:
        raise Conflict(f"当前状态（{SOCIAL_OFFER_STATUS_NAMES[offer.status]}）不允许该操作", code="illegal_transition")


def _move(offer: SocialOffer, action: str, **values) -> SocialOffer:
    """One guarded UPDATE from the status and version the offer was read in (a decision never lands on a
    text changed since it was read); a lost race is 409."""
    _require_status_for(offer, action)
    target = TRANSITIONS[action][1]
    moved = db.session.execute(
        update(SocialOffer)
        .where(SocialOffer.id == offer.id, SocialOffer.status == offer.status, SocialOffer.version == offer.version)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("服务资源状态已变化，请刷新后重试", code="offer_state_changed")
    db.session.refresh(offer)
    return offer


def decide(actor: User, offer_id: int, action: str, reason: str | None = None) -> SocialOffer:
    """Approve, reject or withdraw: staff in scope; nobody approves or rejects what they entered or
    last changed."""
    offer = _for_staff(actor, offer_id)
    # An offer already decided answers 409 to everyone, whoever entered it.
    _require_status_for(offer, action)
    if action != "withdraw" and actor.id in (offer.created_by_id, offer.edited_by_id):
        raise Forbidden("不能审核自己录入或修改的服务资源", code="self_approval")
    values = {}
    if action != "withdraw":
        values.update(decided_by_id=actor.id, decided_at=utcnow(), decision_reason=reason)
    _move(offer, action, **values)
    if action != "withdraw":
        _tell_author(offer)
    return offer


def edit(actor: User, offer_id: int, changes: dict) -> SocialOffer:
    """Staff in scope change an offer (not a withdrawn one); it goes back to a colleague for approval."""
    offer = _for_staff(actor, offer_id)
    merged = {name: changes.get(name, getattr(offer, name)) for name in ("valid_from", "valid_until", "lat", "lng")}
    _check_period(merged["valid_from"], merged["valid_until"])
    _check_place(merged["lat"], merged["lng"])
    _move(offer, "edit", edited_by_id=actor.id, decided_by_id=None, decided_at=None, decision_reason=None,
          version=SocialOffer.version + 1, **changes)
    _ask_for_decision(offer)
    return offer


def offers_export(actor: User, status: str | None) -> Export:
    """服务资源 (.xlsx): the offers of the staff member's scope (`status` narrows), newest first, as `listing`
    gives them, with the unit, the terms, the validity, the status and who decided."""
    decider = aliased(User)
    rows = db.session.execute(
        listing(actor, {"status": status})
        .add_columns(decider)
        .outerjoin(decider, decider.id == SocialOffer.decided_by_id)
    ).all()

    def shown(owner, attribute: str) -> str:
        return moderation.shown(actor, owner, attribute, getattr(owner, attribute) or "")

    content = workbook("服务资源", OFFER_EXPORT_COLUMNS, (
        (
            offer.id,
            shown(offer, "title"),
            shown(offer, "provider_name"),
            OFFER_PROVIDER_KIND_NAMES[offer.provider_kind],
            shown(offer.org, "name"),
            SOCIAL_OFFER_KIND_NAMES[offer.kind],
            shown(offer, "terms"),
            offer.valid_from.isoformat(),
            offer.valid_until.isoformat(),
            SOCIAL_OFFER_STATUS_NAMES[offer.status],
            shown(decided_by, "name") if decided_by is not None else "",
            local_wall_time(offer.decided_at),
            shown(offer, "decision_reason"),
        )
        for offer, decided_by in rows
    ))
    if status is None:
        return Export(content, "服务资源.xlsx", "social-offers.xlsx")
    return Export(content, f"服务资源_{SOCIAL_OFFER_STATUS_NAMES[status]}.xlsx", f"social-offers-{status}.xlsx")
