"""Login (WeChat, desk), phone binding, logout."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, bearer_token, current_user
from extensions import db, limiter
from schemas.auth import (
    DeskLoginResultSchema,
    DeskLoginSchema,
    PhoneCodeSchema,
    PhoneResultSchema,
    WxLoginResultSchema,
    WxLoginSchema,
)
from services import auth
from services.users import mask_phone, profile

blp = Blueprint("auth", __name__, url_prefix="/auth", description="登录与身份")


@blp.route("/wx-login", methods=["POST"])
@limiter.limit("30 per minute")
@blp.doc(security=[])
@blp.arguments(WxLoginSchema)
@blp.response(200, WxLoginResultSchema)
def wx_login(args):
    """微信登录: code2Session through WeChat; creates the user on first login."""
    token, user, is_new = auth.wx_login(args["code"])
    db.session.commit()
    return {"token": token, "user": profile(user), "is_new": is_new}


@blp.route("/phone", methods=["POST"])
@auth_required
@blp.arguments(PhoneCodeSchema)
@blp.response(200, PhoneResultSchema)
def bind_phone(args):
    """绑定手机号: resolve a getPhoneNumber code; only the masked number is returned."""
    phone = auth.bind_phone(current_user(), args["code"])
    db.session.commit()
    return {"phone_masked": mask_phone(phone)}


@blp.route("/desk-login", methods=["POST"])
@limiter.limit("10 per minute")
@blp.doc(security=[])
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.arguments(DeskLoginSchema)
@blp.response(200, DeskLoginResultSchema)
def desk_login(args):
    """工作台登录: username and password; accounts lock after repeated failures."""
    token, user = auth.desk_login(args["username"], args["password"])
    db.session.commit()
    return {"token": token, "user": profile(user)}


@blp.route("/logout", methods=["POST"])
@auth_required
@blp.response(204)
def logout():
    """退出登录: the token stops working at once."""
    auth.revoke_token(bearer_token())
    db.session.commit()
