"""Login (WeChat, desk), phone binding, password change, logout."""
import hashlib

from flask import request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from blueprints.common import auth_required, bearer_token, current_user, signed_in_as
from extensions import db, limiter
from schemas.auth import (
    DeskLoginResultSchema,
    DeskLoginSchema,
    PasswordChangeSchema,
    PhoneCodeSchema,
    PhoneResultSchema,
    WxLoginResultSchema,
    WxLoginSchema,
)
from services import auth
from services.users import mask_phone, profile

blp = Blueprint("auth", __name__, url_prefix="/auth", description="登录与身份")

# A token in an answer must not stay in any cache between the server and the client.
NO_STORE = {"Cache-Control": "no-store"}


def account_and_address() -> str:
    """The desk-login limit key: the name tried (hashed, whatever its length) from this address.

    People behind one office NAT then do not use up each other's attempts.
    """
    payload = request.get_json(silent=True)
    username = payload.get("username") if isinstance(payload, dict) else None
    name_digest = hashlib.sha256(str(username).strip().encode()).hexdigest()[:16]
    return f"{get_remote_address()}|{name_digest}"


@blp.route("/wx-login", methods=["POST"])
@limiter.limit("30 per minute")
@blp.doc(security=[])
@blp.arguments(WxLoginSchema)
@blp.response(200, WxLoginResultSchema)
def wx_login(args):
    """微信登录: code2Session through WeChat; creates the user on first login."""
    token, user, is_new = auth.wx_login(args["code"])
    db.session.commit()
    signed_in_as(user)
    return {"token": token, "user": profile(user), "is_new": is_new}, 200, NO_STORE


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
@limiter.limit("30 per minute")
@limiter.limit("10 per minute", key_func=account_and_address)
@blp.doc(security=[])
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.arguments(DeskLoginSchema)
@blp.response(200, DeskLoginResultSchema)
def desk_login(args):
    """工作台登录: username and password.

    Repeated failures lock that username from that client address for a while (429
    `login_locked`); a disabled account answers 403 `account_disabled` after its correct password.
    """
    token, user = auth.desk_login(args["username"], args["password"], get_remote_address())
    db.session.commit()
    signed_in_as(user)
    return {"token": token, "user": profile(user)}, 200, NO_STORE


@blp.route("/password", methods=["POST"])
@limiter.limit("10 per minute")
@auth_required
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(args):
    """修改密码 (desk accounts): needs the old password; every other session of the account ends."""
    auth.change_password(current_user(), bearer_token(), args["old_password"], args["new_password"])
    db.session.commit()


@blp.route("/logout", methods=["POST"])
@auth_required
@blp.response(204)
def logout():
    """退出登录: the token stops working at once."""
    auth.revoke_token(bearer_token())
    db.session.commit()
