"""专业化基地化服务: the social-work organisations and service bases staff route requests to."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, page_response
from extensions import db
from schemas.common import PageArgsSchema, patch_schema
from schemas.providers import (
    ProviderAccountCreatedSchema,
    ProviderAccountPageSchema,
    ProviderAccountSchema,
    ProviderListArgsSchema,
    ProviderPageSchema,
    ProviderPatchSchema,
    ProviderSchema,
)
from services import providers

blp = Blueprint("providers", __name__, url_prefix="/providers", description="专业化基地化服务：服务机构")


@blp.route("", methods=["POST"])
@auth_required
@blp.arguments(ProviderSchema)
@blp.response(201, ProviderSchema)
def create_provider(args):
    """登记服务机构或基地 (staff, for a unit in scope)"""
    provider = providers.create(current_user(), args)
    db.session.commit()
    return provider


@blp.route("", methods=["GET"])
@auth_required
@blp.arguments(ProviderListArgsSchema, location="query")
@blp.response(200, ProviderPageSchema)
@blp.alt_response(404, response="NOT_FOUND", description="`serving` names a unit outside the caller's scope, or none")
def list_providers(args):
    """服务机构 of the caller's scope (staff); `serving=<community_id>`: those a request of that community may be
    routed to"""
    return page_response(providers.listing(current_user(), args.get("kind"), args.get("serving")), args)


@blp.route("/<id:provider_id>", methods=["GET"])
@auth_required
@blp.response(200, ProviderSchema)
def get_provider(provider_id):
    """服务机构详情 (staff in scope)"""
    return providers.in_scope(current_user(), provider_id)


@blp.route("/<id:provider_id>/accounts", methods=["POST"])
@auth_required
@blp.arguments(ProviderAccountSchema)
@blp.response(201, ProviderAccountCreatedSchema)
def create_account(args, provider_id):
    """机构账号 (staff in scope): a desk login that sees and reports on the requests routed to the provider."""
    user = providers.create_account(current_user(), provider_id, args["username"], args["password"], args["name"])
    db.session.commit()
    return user


@blp.route("/<id:provider_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(ProviderPatchSchema))
@blp.response(200, ProviderSchema)
def patch_provider(changes, provider_id):
    """修改服务机构: name, offerings, address (staff in scope)"""
    provider = providers.update_provider(current_user(), provider_id, changes)
    db.session.commit()
    return provider


@blp.route("/<id:provider_id>/accounts", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ProviderAccountPageSchema)
def list_accounts(args, provider_id):
    """机构账号 of the provider (staff in scope)"""
    return page_response(providers.accounts(current_user(), provider_id), args)
