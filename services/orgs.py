"""The organisation tree: creating, moving and listing org units within a scope."""
from sqlalchemy import func, literal, select, update

from extensions import db
from models.orgs import COMMUNITY_KIND, ORG_KIND_NAMES, OrgUnit
from models.users import User
from services.database import UNPAGED_LIMIT
from services.errors import Invalid
from services.permissions import MANAGING_ROLES, require_admin, require_org, within_scope

# Which kinds may sit directly under which (None: a root).
ALLOWED_PARENTS = {
    "district_committee": {None},
    "street_working_committee": {"district_committee"},
    "community_general_branch": {"street_working_committee"},
    "building_branch": {"community_general_branch"},
    "functional_branch": {"community_general_branch"},
    "mobile_member_branch": {"community_general_branch", "street_working_committee"},
    "nonpublic_enterprise_committee": {"district_committee"},
    "street_economic_branch": {"street_working_committee"},
    "enterprise_branch": {"nonpublic_enterprise_committee", "street_economic_branch"},
    "association_committee": {"district_committee"},
    "social_org_branch": {"association_committee"},
}


def community_ids(condition):
    """A subquery of the ids of the communities among the org units meeting `condition` (a subtree, a
    scope). What hangs on communities (service requests) is counted through it: naming the kind lets
    the planner expect a few units, an index probe each, where the whole subtree of buildings and
    branches made it scan the table."""
    return select(OrgUnit.id).where(condition, OrgUnit.kind == COMMUNITY_KIND)


def _check_placement(kind: str, parent: OrgUnit | None) -> None:
    parent_kind = parent.kind if parent is not None else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        where = ORG_KIND_NAMES[parent_kind] if parent_kind else "顶层"
        raise Invalid(
            f"{ORG_KIND_NAMES[kind]}不能设在{where}之下",
            code="invalid_parent",
            fields={"parent_id": [f"{ORG_KIND_NAMES[kind]}不能设在{where}之下"]},
        )


def create_org(actor: User, name: str, kind: str, parent_id: int | None, location: dict | None = None) -> OrgUnit:
    """A new unit: under a parent the actor is secretary of; roots are for administrators."""
    if parent_id is None:
        require_admin(actor)
        parent = None
    else:
        parent = require_org(actor, parent_id, roles=MANAGING_ROLES)
    _check_placement(kind, parent)
    return add_org(name, kind, parent, **(location or {}))


def add_org(
    name: str, kind: str, parent: OrgUnit | None, lat: float | None = None, lng: float | None = None
) -> OrgUnit:
    """Insert a unit and derive its materialised path from its id."""
    prefix = parent.path if parent else "/"
    # The id is known only after the insert: until then a path no unit can have ("/0/" part) stands in.
    org = OrgUnit(name=name, kind=kind, parent_id=parent.id if parent else None, lat=lat, lng=lng, path=f"{prefix}0/")
    db.session.add(org)
    db.session.flush()
    org.path = f"{prefix}{org.id}/"
    org.depth = parent.depth + 1 if parent else 0
    return org


def update_org(actor: User, org_id: int, changes: dict) -> OrgUnit:
    """Rename or relocate (secretaries over the unit); moving it in the tree is for administrators."""
    org = require_org(actor, org_id, roles=MANAGING_ROLES)
    if "name" in changes:
        org.name = changes["name"]
    if "lat" in changes:
        org.lat, org.lng = changes["lat"], changes["lng"]
    if "parent_id" in changes and changes["parent_id"] != org.parent_id:
        _move(actor, org, changes["parent_id"])
    return org


def _move(actor: User, org: OrgUnit, parent_id: int | None) -> None:
    """Re-hang a subtree: one UPDATE rewrites the path prefix of every descendant.

    Administrators only: a move changes which community's staff reach everything below.
    """
    require_admin(actor)
    if parent_id is None:
        parent = None
    else:
        parent = require_org(actor, parent_id)
        if parent.path.startswith(org.path):
            raise Invalid(
                "不能移到自己的下级组织之下",
                code="invalid_parent",
                fields={"parent_id": ["不能移到自己的下级组织之下"]},
            )
    _check_placement(org.kind, parent)
    old_path = org.path
    new_path = f"{parent.path if parent else '/'}{org.id}/"
    depth_change = (parent.depth + 1 if parent else 0) - org.depth
    db.session.execute(
        update(OrgUnit)
        .where(OrgUnit.path.startswith(old_path))
        .values(
            path=literal(new_path).concat(func.substr(OrgUnit.path, len(old_path) + 1)),
            depth=OrgUnit.depth + depth_change,
        )
        .execution_options(synchronize_session=False)
    )
    org.parent_id = parent.id if parent else None
    db.session.flush()
    db.session.expire_all()


def org_listing(actor: User, kind: str | None = None, parent_id: int | None = None):
    """The select of org units the actor may see, optionally by kind or parent."""
    statement = select(OrgUnit).where(within_scope(actor)).order_by(OrgUnit.path)
    if kind is not None:
        statement = statement.where(OrgUnit.kind == kind)
    if parent_id is not None:
        statement = statement.where(OrgUnit.parent_id == parent_id)
    return statement


def subtree(actor: User, org_id: int) -> dict:
    """The unit and all below it as nested dicts, from one prefix query; at most UNPAGED_LIMIT units,
    the upper levels first (a deeper look starts from a lower unit)."""
    root = require_org(actor, org_id)
    units = db.session.execute(
        select(OrgUnit)
        .where(OrgUnit.path.startswith(root.path))
        .order_by(OrgUnit.depth, OrgUnit.id)
        .limit(UNPAGED_LIMIT)
    ).scalars()
    nodes = {}
    for unit in units:
        nodes[unit.id] = {
            "id": unit.id,
            "name": unit.name,
            "kind": unit.kind,
            "parent_id": unit.parent_id,
            "children": [],
        }
        if unit.id != root.id and unit.parent_id in nodes:
            nodes[unit.parent_id]["children"].append(nodes[unit.id])
    return nodes[root.id]


def community_directory(name_contains: str | None = None):
    """Communities with their buildings: what any signed-in person picks their home from; at most
    UNPAGED_LIMIT communities (narrow with the name filter)."""
    statement = select(OrgUnit).where(OrgUnit.kind == COMMUNITY_KIND).order_by(OrgUnit.path)
    if name_contains:
        statement = statement.where(OrgUnit.name.contains(name_contains, autoescape=True))
    communities = {
        unit.id: {"id": unit.id, "name": unit.name, "buildings": []}
        for unit in db.session.execute(statement.limit(UNPAGED_LIMIT)).scalars()
    }
    buildings = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.parent_id)
        .where(OrgUnit.kind == "building_branch", OrgUnit.parent_id.in_(communities))
        .order_by(OrgUnit.path)
    ).all() if communities else []
    for building_id, name, community_id in buildings:
        communities[community_id]["buildings"].append({"id": building_id, "name": name})
    return list(communities.values())
