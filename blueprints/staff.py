"""Desk accounts and staff scopes."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user
from extensions import db
from schemas.staff import StaffCreateSchema
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
