"""文化惠民服务: staff publish activities; residents and members sign up, wait in order and check in."""
from flask_smorest import Blueprint

from blueprints.common import (
    auth_required,
    current_user,
    idempotent,
    page_response,
    workbook_download,
    workbook_response,
)
from extensions import db
from schemas.activities import (
    ActivityCheckInSchema,
    ActivityListArgsSchema,
    ActivityPageSchema,
    ActivityQrSchema,
    ActivitySchema,
    CreditedSchema,
    HelperSchema,
    SignupPageSchema,
    SignupSchema,
)
from schemas.common import PageArgsSchema
from services import activities, qrcodes

blp = Blueprint("activities", __name__, url_prefix="/activities", description="文化惠民服务：活动与报名")


@blp.route("", methods=["POST"])
@auth_required
@blp.arguments(ActivitySchema)
@blp.response(201, ActivitySchema)
def create_activity(args):
    """发布活动 (staff, for an org in their scope): level family, corridor, lane or square."""
    activity = activities.create(current_user(), args)
    db.session.commit()
    return activities.annotated(current_user(), [activity])[0]


@blp.route("", methods=["GET"])
@auth_required
@blp.arguments(ActivityListArgsSchema, location="query")
@blp.response(200, ActivityPageSchema)
def list_activities(args):
    """活动列表: staff see their scope; residents and members the activities of their community
    (its buildings, the community itself, its street and district), soonest first."""
    user = current_user()
    page = page_response(activities.listing(user, args), args)
    page["items"] = activities.annotated(user, page["items"])
    return page


@blp.route("/<id:activity_id>", methods=["GET"])
@auth_required
@blp.response(200, ActivitySchema)
def get_activity(activity_id):
    """活动详情, with the caller's own sign-up and place on the waiting list."""
    user = current_user()
    return activities.annotated(user, [activities.get_visible(user, activity_id)])[0]


@blp.route("/<id:activity_id>/signups", methods=["POST"])
@idempotent
@auth_required
@blp.response(201, SignupSchema)
@blp.alt_response(200, schema=SignupSchema, description="已报名：原样返回同一报名")
def sign_up(activity_id):
    """报名 (residents and members of the activity's community): a seat (`confirmed`) while there is one,
    else the next place on the waiting list (`waitlisted`)."""
    signup, created = activities.sign_up(current_user(), activity_id)
    db.session.commit()
    return activities.with_position(signup), 201 if created else 200


@blp.route("/<id:activity_id>/signups/me", methods=["DELETE"])
@auth_required
@blp.response(204)
def cancel_signup(activity_id):
    """取消报名: a freed seat goes to the first one waiting, who is told. Not signed up: 204 as well."""
    activities.cancel(current_user(), activity_id)
    db.session.commit()


@blp.route("/<id:activity_id>/signups", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, SignupPageSchema)
def list_signups(args, activity_id):
    """报名名单 (staff in scope): helpers, then seats, then the waiting list in order."""
    return page_response(activities.signups_of(current_user(), activity_id), args)


@blp.route("/<id:activity_id>/signups.xlsx", methods=["GET"])
@auth_required
@workbook_response(blp, "helpers, then seats, then the waiting list in order", activities.SIGNUP_EXPORT_COLUMNS)
def signups_xlsx(activity_id):
    """导出报名名单 (Excel; staff in scope): participants and helpers with role, status, place on the waiting
    list and check-in time; no phone numbers."""
    export = activities.signups_export(current_user(), activity_id)
    return workbook_download(export)


@blp.route("/<id:activity_id>/helpers", methods=["POST"])
@auth_required
@blp.arguments(HelperSchema)
@blp.response(201, SignupSchema)
def add_helper(args, activity_id):
    """指定组织者或志愿者 (staff in scope): an approved member of the community; they earn hours."""
    signup = activities.add_helper(current_user(), activity_id, args["user_id"], args["role"])
    db.session.commit()
    return activities.with_position(signup)


@blp.route("/<id:activity_id>/qr", methods=["GET"])
@auth_required
@blp.response(200, ActivityQrSchema)
def activity_qr(activity_id):
    """活动签到二维码 (staff in scope): rotates like a station's code; the previous one stays valid one window."""
    activity = activities.in_scope(current_user(), activity_id)
    code = activities.qr_token(activity)
    return {
        "token": code.token,
        "expires_at": code.expires_at,
        "changes_at": code.changes_at,
        "window_seconds": qrcodes.window_seconds(),
        "payload": activities.qr_payload(activity, code.token),
    }


@blp.route("/<id:activity_id>/checkins", methods=["POST"])
@auth_required
@blp.arguments(ActivityCheckInSchema)
@blp.response(200, SignupSchema)
def check_in(args, activity_id):
    """活动签到: the current code, at the activity's place, during its time, with a confirmed place."""
    signup, _first = activities.check_in(current_user(), activity_id, args["qr_token"], args["lat"], args["lng"])
    db.session.commit()
    return activities.with_position(signup)


@blp.route("/<id:activity_id>/hours", methods=["POST"])
@auth_required
@blp.response(200, CreditedSchema)
def credit_hours(activity_id):
    """确认组织者和志愿者的服务时长 (staff in scope, after the activity): the ledger entries confirmed now."""
    entries = activities.credit_helpers(current_user(), activity_id)
    db.session.commit()
    return {"entries": entries}
