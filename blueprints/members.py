"""In-service members: 报到 registrations, their approval, and a member's service hours."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, idempotent, page_response
from extensions import db
from schemas.members import (
    ApproveSchema,
    CorrectionAnswerSchema,
    CorrectionListArgsSchema,
    CorrectionPageSchema,
    CorrectionSchema,
    HoursSchema,
    RegistrationListArgsSchema,
    RegistrationPageSchema,
    RegistrationSchema,
    RejectSchema,
)
from services import ledger, members

blp = Blueprint("members", __name__, url_prefix="/members", description="在职党员报到与服务时长")


@blp.route("/registrations", methods=["POST"])
@idempotent
@auth_required
@blp.arguments(RegistrationSchema)
@blp.response(201, RegistrationSchema)
def register(args):
    """报到: ask to serve the community one lives in; staff of that community decide."""
    registration = members.register(current_user(), args)
    db.session.commit()
    return registration


@blp.route("/registrations", methods=["GET"])
@auth_required
@blp.arguments(RegistrationListArgsSchema, location="query")
@blp.response(200, RegistrationPageSchema)
def list_registrations(args):
    """报到申请列表: staff see their scope; `mine=1` lists the caller's own."""
    user = current_user()
    if args["mine"]:
        statement = members.my_registrations(user)
    else:
        statement = members.registration_listing(user, args.get("status"), args.get("community_id"))
    return page_response(statement, args)


@blp.route("/registrations/<id:registration_id>/approve", methods=["POST"])
@auth_required
@blp.arguments(ApproveSchema)
@blp.response(200, RegistrationSchema)
def approve(args, registration_id):
    """通过报到: the person becomes a member of the community."""
    registration = members.approve(current_user(), registration_id, args.get("reason"))
    db.session.commit()
    return registration


@blp.route("/registrations/<id:registration_id>/reject", methods=["POST"])
@auth_required
@blp.arguments(RejectSchema)
@blp.response(200, RegistrationSchema)
def reject(args, registration_id):
    """驳回报到, with the reason the person is told."""
    registration = members.reject(current_user(), registration_id, args["reason"])
    db.session.commit()
    return registration


@blp.route("/me/hours", methods=["GET"])
@auth_required
@blp.response(200, HoursSchema)
def my_hours():
    """我的服务时长: totals and points computed from the ledger."""
    return members.my_hours(current_user())


@blp.route("/me/hours/<id:entry_id>/corrections", methods=["POST"])
@idempotent
@auth_required
@blp.arguments(CorrectionSchema)
@blp.response(201, CorrectionSchema)
def request_correction(args, entry_id):
    """申请更正时长, with a reason (and the minutes the member believes right)."""
    correction = ledger.request_correction(current_user(), entry_id, args["reason"], args["minutes"])
    db.session.commit()
    return correction


@blp.route("/hour-corrections", methods=["GET"])
@auth_required
@blp.arguments(CorrectionListArgsSchema, location="query")
@blp.response(200, CorrectionPageSchema)
def list_corrections(args):
    """更正申请列表 (staff, within scope)."""
    return page_response(ledger.corrections_in_scope_statement(current_user(), args.get("status")), args)


@blp.route("/hour-corrections/<id:correction_id>/answer", methods=["POST"])
@auth_required
@blp.arguments(CorrectionAnswerSchema)
@blp.response(200, CorrectionSchema)
def answer_correction(args, correction_id):
    """答复更正申请: accepting sets and confirms the corrected minutes."""
    correction = ledger.answer_correction(
        current_user(), correction_id, args["accept"], args["answer"], args["minutes"]
    )
    db.session.commit()
    return correction
