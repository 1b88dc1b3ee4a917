"""常态化服务: care targets (sensitive; every read audited), visit plans, visits and their confirmation."""

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
from schemas.care import (
    CareTargetCreateSchema,
    CareTargetListArgsSchema,
    CareTargetPageSchema,
    CareTargetSchema,
    VisitCreateSchema,
    VisitListArgsSchema,
    VisitPageSchema,
    VisitPlanCreateSchema,
    VisitPlanListArgsSchema,
    VisitPlanPageSchema,
    VisitPlanSchema,
    VisitRejectSchema,
    VisitSchema,
)
from schemas.exports import ExportArgsSchema
from services import care

blp = Blueprint("care", __name__, url_prefix="", description="常态化服务：帮扶对象、走访计划与走访记录")


@blp.route("/care-targets", methods=["POST"])
@auth_required
@blp.arguments(CareTargetCreateSchema)
@blp.response(201, CareTargetSchema)
def create_target(args):
    """登记帮扶对象: staff over the building, with the day the person consented."""
    target = care.create_target(current_user(), args)
    db.session.commit()
    return target


@blp.route("/care-targets", methods=["GET"])
@auth_required
@blp.arguments(CareTargetListArgsSchema, location="query")
@blp.response(200, CareTargetPageSchema)
def list_targets(args):
    """帮扶对象列表: those in the caller's staff scope and those they are assigned to visit.

    Each target on the page is recorded in the audit trail as read."""
    return care.target_page(current_user(), args)


@blp.route("/care-targets/<id:care_target_id>", methods=["GET"])
@auth_required
@blp.response(200, CareTargetSchema)
def get_target(care_target_id):
    """帮扶对象详情: staff over its building and its assigned visitors; the read is audited.
    Anyone else: 404, as for a missing one."""
    return care.read_target(current_user(), care_target_id)


@blp.route("/care-targets/<id:care_target_id>/plans", methods=["POST"])
@auth_required
@blp.arguments(VisitPlanCreateSchema)
@blp.response(201, VisitPlanSchema)
def create_plan(args, care_target_id):
    """指派走访: a member of the community or staff over the building visits every N weeks."""
    plan = care.create_plan(current_user(), care_target_id, args)
    db.session.commit()
    return plan


@blp.route("/visit-plans", methods=["GET"])
@auth_required
@blp.arguments(VisitPlanListArgsSchema, location="query")
@blp.response(200, VisitPlanPageSchema)
def list_plans(args):
    """走访计划: those in the caller's staff scope and their own, soonest due first (`overdue=true`: past due)."""
    return page_response(care.plan_listing(current_user(), args), args)


@blp.route("/care-targets/<id:care_target_id>/visits", methods=["POST"])
@idempotent
@auth_required
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitSchema)
def record_visit(args, care_target_id):
    """登记走访: the assigned visitor; pending until staff confirm it (then its minutes are credited)."""
    visit = care.record_visit(current_user(), care_target_id, args)
    db.session.commit()
    return visit


@blp.route("/visits", methods=["GET"])
@auth_required
@blp.arguments(VisitListArgsSchema, location="query")
@blp.response(200, VisitPageSchema)
def list_visits(args):
    """走访记录: those in the caller's staff scope and their own, newest first (`status=pending`: to confirm)."""
    return page_response(care.visit_listing(current_user(), args), args)


@blp.route("/visits.xlsx", methods=["GET"])
@auth_required
@blp.arguments(ExportArgsSchema, location="query")
@workbook_response(blp, "one row per visit, oldest first", care.VISIT_EXPORT_COLUMNS)
def visits_xlsx(args):
    """导出走访记录 (Excel): the visits of the org's subtree made in the period (local dates), for staff in scope
    (an org outside it: 404). Each care target listed is recorded in the audit trail as read; needs, addresses
    and photos are not in it."""
    export = care.visits_export(current_user(), args.get("org_id"), args.get("first"), args.get("last"))
    return workbook_download(export)


@blp.route("/visits/<id:visit_id>/confirm", methods=["POST"])
@auth_required
@blp.response(200, VisitSchema)
def confirm_visit(visit_id):
    """确认走访: staff over the building, never the visitor; credits the minutes once (hours source `visit`)."""
    visit = care.confirm_visit(current_user(), visit_id)
    db.session.commit()
    return visit


@blp.route("/visits/<id:visit_id>/reject", methods=["POST"])
@auth_required
@blp.arguments(VisitRejectSchema)
@blp.response(200, VisitSchema)
def reject_visit(args, visit_id):
    """退回走访: staff over the building, with a reason; no hours are credited."""
    visit = care.reject_visit(current_user(), visit_id, args["reason"])
    db.session.commit()
    return visit
