"""Excel exports (.xlsx) for staff: hours per member and service requests of an org and period."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, workbook_download, workbook_response
from schemas.exports import ExportArgsSchema
from services import exports

blp = Blueprint("exports", __name__, url_prefix="/exports", description="导出")

@blp.route("/hours.xlsx", methods=["GET"])
@auth_required
@blp.arguments(ExportArgsSchema, location="query")
@workbook_response(blp, "one row per member", exports.HOURS_COLUMNS)
def hours_xlsx(args):
    """导出服务时长: per member, the entries of the org's subtree confirmed in the period.

    Staff in scope; an org outside it answers 404."""
    export = exports.hours_export(current_user(), args.get("org_id"), args.get("first"), args.get("last"))
    return workbook_download(export)


@blp.route("/requests.xlsx", methods=["GET"])
@auth_required
@blp.arguments(ExportArgsSchema, location="query")
@workbook_response(blp, "one row per request", exports.REQUEST_COLUMNS)
def requests_xlsx(args):
    """导出服务请求: the requests of the org's subtree submitted in the period.

    Staff in scope; an org outside it answers 404."""
    export = exports.requests_export(current_user(), args.get("org_id"), args.get("first"), args.get("last"))
    return workbook_download(export)
