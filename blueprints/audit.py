"""审计日志: reading the trail; and the hooks that open an audited operation for every request."""
from flask import request
from flask_smorest import Blueprint

from blueprints.common import USER_KEY, attachment, auth_required, current_user, page_response
from extensions import db
from schemas.audit import AuditFilterSchema, AuditListArgsSchema, AuditPageSchema
from services import audit
from services.spreadsheets import CONTENT_TYPE

blp = Blueprint("audit", __name__, url_prefix="", description="审计日志")


@blp.before_app_request
def open_operation():
    """Every request is an operation the trail may record: the caller, the address, the endpoint, the path ids."""
    audit.begin_operation(
        audit.Operation(
            action=request.endpoint or request.path,
            ip=request.remote_addr,
            actor=lambda: request.environ.get(USER_KEY),
            path_ids={
                name: value for name, value in (request.view_args or {}).items()
                if name.endswith("_id") and isinstance(value, int)
            },
        )
    )


@blp.after_app_request
def write_recorded_reads(response):
    """A successful read of sensitive data is recorded even when the view itself commits nothing."""
    if audit.has_pending_reads() and response.status_code < 400:
        db.session.commit()
    return response


@blp.teardown_app_request
def close_operation(_error):
    audit.end_operation()


@blp.route("/audit", methods=["GET"])
@auth_required
@blp.arguments(AuditListArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
def list_audit(args):
    """审计日志: who did what, when, from where, to which object, and what it was before.

    Administrators read everything; a secretary reads the rows of the orgs in their scope.
    """
    return page_response(audit.listing(current_user(), args), args)


@blp.route("/audit.xlsx", methods=["GET"])
@auth_required
@blp.arguments(AuditFilterSchema, location="query")
@blp.response(200, content_type=CONTENT_TYPE)
def export_audit(args):
    """导出审计日志 (Excel): the same rows and filters as GET /audit, Chinese headers in row 1."""
    return attachment(audit.spreadsheet(current_user(), args), CONTENT_TYPE, "审计日志.xlsx", "audit.xlsx")
