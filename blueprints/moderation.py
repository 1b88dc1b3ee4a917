"""The desk's queue of texts WeChat's content check held for a person to decide."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, page_response
from extensions import db
from schemas.moderation import ModerationArgsSchema, ModerationHoldSchema, ModerationPageSchema
from services import moderation

blp = Blueprint("moderation", __name__, url_prefix="/moderation", description="内容审核")


@blp.route("", methods=["GET"])
@auth_required
@blp.arguments(ModerationArgsSchema, location="query")
@blp.response(200, ModerationPageSchema)
def list_holds(args):
    """待审核内容: texts of authors in the caller's scope, newest first, by `status`
    (`review`: shown only to their author until released or removed)."""
    return page_response(moderation.queue(current_user(), args.get("status")), args)


@blp.route("/<id:hold_id>/release", methods=["POST"])
@auth_required
@blp.response(200, ModerationHoldSchema)
def release_hold(hold_id):
    """放行: everyone the text was written for sees it from now on. Decided already → 409."""
    hold = moderation.release(current_user(), hold_id)
    db.session.commit()
    return hold


@blp.route("/<id:hold_id>/remove", methods=["POST"])
@auth_required
@blp.response(200, ModerationHoldSchema)
def remove_hold(hold_id):
    """删除: the text is replaced in its row by a notice and stays hidden from others. Decided already → 409."""
    hold = moderation.remove(current_user(), hold_id)
    db.session.commit()
    return hold
