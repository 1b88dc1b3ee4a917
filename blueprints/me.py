"""The caller's own profile."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user
from extensions import db
from schemas.common import patch_schema
from schemas.privacy import PersonalDataSchema
from schemas.users import ProfilePatchSchema, UserSchema
from services import privacy
from services.users import profile, update_profile

blp = Blueprint("me", __name__, url_prefix="/me", description="个人资料")


@blp.route("", methods=["GET"])
@auth_required
@blp.response(200, UserSchema)
def get_me():
    """我的资料"""
    return profile(current_user())


@blp.route("", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(ProfilePatchSchema))
@blp.response(200, UserSchema)
def patch_me(changes):
    """修改资料: name, skills, and the community and building one lives in.

    Moving the home makes it unconfirmed until staff confirm it (POST /residents/{user_id}/confirm-home),
    and may happen once per HOME_CHANGE_INTERVAL_DAYS (else 429 `home_change_too_soon` with Retry-After).
    """
    user = update_profile(current_user(), changes)
    db.session.commit()
    return profile(user)


@blp.route("/export", methods=["GET"])
@auth_required
@blp.response(200, PersonalDataSchema)
def export_me():
    """我的个人信息: everything Linli holds about the caller, as one document (个人信息保护法 查阅、复制)."""
    return privacy.export(current_user())


@blp.route("", methods=["DELETE"])
@auth_required
@blp.response(204)
def delete_me():
    """注销账号 (residents and members): tokens revoked; name, openid, phone and one's own free text erased.

    Requests, ledger entries and ratings stay, attributed to 已注销用户, so others' service records stay true.
    Staff accounts → 403 `staff_account`; a member with a service in hand → 409 `tasks_in_hand`.
    """
    privacy.erase(current_user())
    db.session.commit()
