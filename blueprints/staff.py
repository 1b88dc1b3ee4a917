"""Desk accounts and staff scopes: creating, listing, revoking, disabling."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user
from extensions import db
from schemas.common import PageArgsSchema
from schemas.staff import StaffAccountSchema, StaffCreateSchema, StaffPageSchema
from schemas.users import UserSchema
from services import staff
from services.users import profile

blp = Blueprint("staff", __name__, url_prefix="/staff", description="工作人员与权限范围")


@blp.route("", methods=["POST"])
@auth_required
@blp.arguments(StaffCreateSchema)
@blp.response(201, UserSchema)
def create_staff(args):
    """新建工作台账号，或给已有用户授权: the scope reaches the org's whole subtree."""
    actor = current_user()
    if "username" in args:
        user = staff.create_desk_account(
            actor, args["username"], args["password"], args["name"], args["org_id"], args["role"]
        )
    else:
        user = staff.grant_scope(actor, args["user_id"], args["org_id"], args["role"])
    db.session.commit()
    return profile(user)


@blp.route("", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, StaffPageSchema)
def list_staff(args):
    """工作人员账号列表: administrators see all; secretaries the accounts holding a scope inside theirs."""
    items, total = staff.staff_page(current_user(), args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/<id:user_id>/scopes/<id:scope_id>", methods=["DELETE"])
@auth_required
@blp.response(204)
def remove_scope(user_id, scope_id):
    """收回权限范围: administrators, or a secretary over that org; effective at once."""
    staff.remove_scope(current_user(), user_id, scope_id)
    db.session.commit()


@blp.route("/<id:user_id>/disable", methods=["POST"])
@auth_required
@blp.response(200, StaffAccountSchema)
def disable_account(user_id):
    """停用账号: every token of the account answers 401 at once; desk login answers 403."""
    return _set_disabled(user_id, True)


@blp.route("/<id:user_id>/enable", methods=["POST"])
@auth_required
@blp.response(200, StaffAccountSchema)
def enable_account(user_id):
    """启用账号: the account can log in again (its old tokens stay revoked)."""
    return _set_disabled(user_id, False)


def _set_disabled(user_id: int, disabled: bool) -> dict:
    actor = current_user()
    user = staff.set_disabled(actor, user_id, disabled)
    db.session.commit()
    return staff.staff_account(actor, user)
