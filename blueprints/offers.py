"""社会化服务: staff enter and approve offers; residents browse those valid near them."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, workbook_download, workbook_response
from extensions import db
from schemas.common import patch_schema
from schemas.offers import (
    DecisionSchema,
    RejectionSchema,
    SocialOfferExportArgsSchema,
    SocialOfferListArgsSchema,
    SocialOfferPageSchema,
    SocialOfferPatchSchema,
    SocialOfferSchema,
)
from services import offers

blp = Blueprint("offers", __name__, url_prefix="", description="社会化服务：以商助民")


@blp.route("/social-offers", methods=["POST"])
@auth_required
@blp.arguments(SocialOfferSchema)
@blp.response(201, SocialOfferSchema)
def create_offer(args):
    """录入服务资源 (staff, for a unit in scope): shown to residents once a colleague approves it."""
    offer = offers.create(current_user(), args)
    db.session.commit()
    return offer


@blp.route("/social-offers", methods=["GET"])
@auth_required
@blp.arguments(SocialOfferListArgsSchema, location="query")
@blp.response(200, SocialOfferPageSchema)
def list_offers(args):
    """服务资源: residents (and staff asking `near=1`) see the approved offers valid today near their home,
    nearest first with `distance_m` — within OFFER_NEAR_RADIUS_M of their building's (else community's)
    position, measured to the offer's own position (else its unit's); where either is unknown, the offers
    of their community, its street and district, after the others. Staff see every offer of their scope."""
    items, total = offers.browse(current_user(), args, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/social-offers.xlsx", methods=["GET"])
@auth_required
@blp.arguments(SocialOfferExportArgsSchema, location="query")
@workbook_response(blp, "one row per offer, newest first", offers.OFFER_EXPORT_COLUMNS)
def offers_xlsx(args):
    """导出服务资源 (Excel; staff): every offer of the caller's scope (`status=` narrows) with its unit, kind,
    terms, validity, status and who decided on it."""
    export = offers.offers_export(current_user(), args.get("status"))
    return workbook_download(export)


@blp.route("/social-offers/<id:social_offer_id>", methods=["GET"])
@auth_required
@blp.response(200, SocialOfferSchema)
def get_offer(social_offer_id):
    """服务资源详情"""
    return offers.get_visible(current_user(), social_offer_id)


@blp.route("/social-offers/<id:social_offer_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(SocialOfferPatchSchema))
@blp.response(200, SocialOfferSchema)
def patch_offer(changes, social_offer_id):
    """修改服务资源 (staff in scope; not a withdrawn one): it goes back to 待审核 until a colleague — not the
    one who entered or changed it — approves it again."""
    offer = offers.edit(current_user(), social_offer_id, changes)
    db.session.commit()
    return offer


@blp.route("/social-offers/<id:social_offer_id>/approve", methods=["POST"])
@auth_required
@blp.arguments(DecisionSchema)
@blp.response(200, SocialOfferSchema)
def approve(args, social_offer_id):
    """审核通过 (staff in scope, not the one who entered it)"""
    offer = offers.decide(current_user(), social_offer_id, "approve", args.get("reason"))
    db.session.commit()
    return offer


@blp.route("/social-offers/<id:social_offer_id>/reject", methods=["POST"])
@auth_required
@blp.arguments(RejectionSchema)
@blp.response(200, SocialOfferSchema)
def reject(args, social_offer_id):
    """审核不通过, with the reason (staff in scope, not the one who entered it)"""
    offer = offers.decide(current_user(), social_offer_id, "reject", args["reason"])
    db.session.commit()
    return offer


@blp.route("/social-offers/<id:social_offer_id>/withdraw", methods=["POST"])
@auth_required
@blp.response(200, SocialOfferSchema)
def withdraw(social_offer_id):
    """下架 (staff in scope)"""
    offer = offers.decide(current_user(), social_offer_id, "withdraw")
    db.session.commit()
    return offer
