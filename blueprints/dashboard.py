"""工作台: the staff dashboard's figures for one org's subtree."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user
from schemas.dashboard import DashboardArgsSchema, DashboardSchema
from services import dashboard

blp = Blueprint("dashboard", __name__, url_prefix="/dashboard", description="工作台")


@blp.route("", methods=["GET"])
@auth_required
@blp.arguments(DashboardArgsSchema, location="query")
@blp.response(200, DashboardSchema)
def show_dashboard(args):
    """工作台数据: today (local time) and the last twelve weeks, for the org asked for (default: the caller's
    first scope; an administrator's: the root of the tree); staff in scope, 404 outside."""
    return dashboard.dashboard(current_user(), args.get("org_id"))
