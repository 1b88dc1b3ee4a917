"""The organisation tree, within the caller's scope, and the public community directory."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, page_response
from extensions import db
from schemas.common import patch_schema
from schemas.orgs import (
    CommunityArgsSchema,
    CommunityListSchema,
    OrgListArgsSchema,
    OrgPageSchema,
    OrgPatchSchema,
    OrgSchema,
    OrgTreeSchema,
)
from services import orgs
from services.permissions import require_org, require_staff

blp = Blueprint("orgs", __name__, description="组织体系")


@blp.route("/orgs", methods=["GET"])
@auth_required
@blp.arguments(OrgListArgsSchema, location="query")
@blp.response(200, OrgPageSchema)
def list_orgs(args):
    """组织列表: the units within the caller's scope."""
    user = current_user()
    require_staff(user)
    statement = orgs.org_listing(user, args.get("kind"), args.get("parent_id"))
    return page_response(statement, args)


@blp.route("/orgs", methods=["POST"])
@auth_required
@blp.arguments(OrgSchema)
@blp.response(201, OrgSchema)
def create_org(args):
    """新建组织: secretaries under a unit they are secretary of; roots are for administrators."""
    location = {key: args[key] for key in ("lat", "lng") if key in args}
    org = orgs.create_org(current_user(), args["name"], args["kind"], args["parent_id"], location)
    db.session.commit()
    return org


@blp.route("/orgs/<id:org_id>", methods=["GET"])
@auth_required
@blp.response(200, OrgSchema)
def get_org(org_id):
    """组织详情"""
    return require_org(current_user(), org_id)


@blp.route("/orgs/<id:org_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(OrgPatchSchema))
@blp.response(200, OrgSchema)
def patch_org(changes, org_id):
    """修改组织: secretaries over the unit rename it; moving the subtree under another parent is for administrators."""
    org = orgs.update_org(current_user(), org_id, changes)
    db.session.commit()
    return org


@blp.route("/orgs/<id:org_id>/tree", methods=["GET"])
@auth_required
@blp.response(200, OrgTreeSchema)
def org_tree(org_id):
    """组织树: the unit and everything below it."""
    return orgs.subtree(current_user(), org_id)


@blp.route("/communities", methods=["GET"])
@auth_required
@blp.arguments(CommunityArgsSchema, location="query")
@blp.response(200, CommunityListSchema)
def communities(args):
    """社区与楼院名录: what residents and members choose their home from."""
    return {"items": orgs.community_directory(args.get("q"))}
