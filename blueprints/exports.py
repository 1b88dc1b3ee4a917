"""Excel exports (.xlsx) for staff: hours per member and service requests of an org and period."""
from flask_smorest import Blueprint

from blueprints.common import attachment, auth_required, current_user
from schemas.exports import ExportArgsSchema
from services import exports
from services.spreadsheets import CONTENT_TYPE

blp = Blueprint("exports", __name__, url_prefix="/exports", description="导出")

WORKBOOK = {"type": "string", "format": "binary"}


def _download(export: exports.Export):
    return attachment(export.content, CONTENT_TYPE, export.filename, export.ascii_filename)


@blp.route("/hours.xlsx", methods=["GET"])
@auth_required
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200, WORKBOOK, content_type=CONTENT_TYPE, description="one row per member: 姓名, 社区, 已确认分钟, 已确认小时, 记录条数")
def hours_xlsx(args):
    """导出服务时长: per member, the entries of the org's subtree confirmed in the period (staff in scope; 404 outside)."""
    return _download(exports.hours_export(current_user(), args.get("org_id"), args.get("first"), args.get("last")))


@blp.route("/requests.xlsx", methods=["GET"])
@auth_required
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(
    200, WORKBOOK, content_type=CONTENT_TYPE,
    description="one row per request: 编号, 标题, 类别, 状态, 紧急程度, 社区, 提交时间, 接单时间, 完成时间, 确认时间, 接单党员, 评分",
)
def requests_xlsx(args):
    """导出服务请求: the requests of the org's subtree submitted in the period (staff in scope; 404 outside)."""
    return _download(exports.requests_export(current_user(), args.get("org_id"), args.get("first"), args.get("last")))
