"""Excel exports (.xlsx) for staff: hours per member and service requests of an org and period."""
from flask_smorest import Blueprint

from blueprints.common import attachment, auth_required, current_user
from schemas.exports import ExportArgsSchema
from services import exports
from services.spreadsheets import CONTENT_TYPE

blp = Blueprint("exports", __name__, url_prefix="/exports", description="导出")

WORKBOOK = {"type": "string", "format": "binary"}


def _described(rows: str, columns) -> str:
    return f"{rows}: " + ", ".join(column.header for column in columns)


def _download(export: exports.Export):
    return attachment(export.content, CONTENT_TYPE, export.filename, export.ascii_filename)


@blp.route("/hours.xlsx", methods=["GET"])
@auth_required
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(
    200, WORKBOOK, content_type=CONTENT_TYPE, description=_described("one row per member", exports.HOURS_COLUMNS)
)
def hours_xlsx(args):
    """导出服务时长: per member, the entries of the org's subtree confirmed in the period.

    Staff in scope; an org outside it answers 404."""
    export = exports.hours_export(current_user(), args.get("org_id"), args.get("first"), args.get("last"))
    return _download(export)


@blp.route("/requests.xlsx", methods=["GET"])
@auth_required
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(
    200, WORKBOOK, content_type=CONTENT_TYPE, description=_described("one row per request", exports.REQUEST_COLUMNS)
)
def requests_xlsx(args):
    """导出服务请求: the requests of the org's subtree submitted in the period.

    Staff in scope; an org outside it answers 404."""
    export = exports.requests_export(current_user(), args.get("org_id"), args.get("first"), args.get("last"))
    return _download(export)
