"""基金 (扶贫帮困基金, 慈善基金, 残疾人帮扶基金): staff in scope keep each fund's ledger."""

from flask_smorest import Blueprint

from blueprints.common import (
    attachment,
    auth_required,
    current_user,
    idempotent,
    page_response,
    workbook_response,
)
from extensions import db
from schemas.common import PageArgsSchema
from schemas.funds import (
    DisbursementCreateSchema,
    DisbursementListArgsSchema,
    DisbursementPageSchema,
    DisbursementRejectSchema,
    DisbursementSchema,
    FundCreateSchema,
    FundDonationSchema,
    FundEntryPageSchema,
    FundEntryReverseSchema,
    FundEntrySchema,
    FundListArgsSchema,
    FundPageSchema,
    FundSchema,
    FundStatementArgsSchema,
    FundStatementSchema,
)
from services import funds
from services.spreadsheets import CONTENT_TYPE

blp = Blueprint("funds", __name__, url_prefix="", description="基金：捐赠、支出审批、冲正与月度对账单")


@blp.route("/funds", methods=["POST"])
@auth_required
@blp.arguments(FundCreateSchema)
@blp.response(201, FundSchema)
def create_fund(args):
    """新建基金: in an org within the caller's scope; the balance starts at 0."""
    fund = funds.create_fund(current_user(), args)
    db.session.commit()
    return fund


@blp.route("/funds", methods=["GET"])
@auth_required
@blp.arguments(FundListArgsSchema, location="query")
@blp.response(200, FundPageSchema)
def list_funds(args):
    """基金列表: the funds of orgs in the caller's scope (staff only)."""
    return page_response(funds.fund_listing(current_user(), args.get("kind"), args.get("org_id")), args)


@blp.route("/funds/<id:fund_id>", methods=["GET"])
@auth_required
@blp.response(200, FundSchema)
def get_fund(fund_id):
    """基金详情, with its balance."""
    return funds.fund_in_scope(current_user(), fund_id)


@blp.route("/funds/<id:fund_id>/donations", methods=["POST"])
@idempotent
@auth_required
@blp.arguments(FundDonationSchema)
@blp.response(201, FundEntrySchema)
def donate(args, fund_id):
    """登记捐赠: from a unit or a person; the balance grows by the amount."""
    entry = funds.donate(current_user(), fund_id, args)
    db.session.commit()
    return entry


@blp.route("/funds/<id:fund_id>/disbursements", methods=["POST"])
@idempotent
@auth_required
@blp.arguments(DisbursementCreateSchema)
@blp.response(201, DisbursementSchema)
def request_disbursement(args, fund_id):
    """申请支出: to a care target or a purpose; pending until another staff member approves it."""
    disbursement = funds.request_disbursement(current_user(), fund_id, args)
    db.session.commit()
    return disbursement


@blp.route("/funds/<id:fund_id>/disbursements", methods=["GET"])
@auth_required
@blp.arguments(DisbursementListArgsSchema, location="query")
@blp.response(200, DisbursementPageSchema)
def list_disbursements(args, fund_id):
    """支出申请列表, newest first (`status=pending`: what waits for approval)."""
    return page_response(funds.disbursement_listing(current_user(), fund_id, args.get("status")), args)


@blp.route("/funds/<id:fund_id>/entries", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, FundEntryPageSchema)
def list_entries(args, fund_id):
    """账目: every donation, disbursement and reversal of the fund, newest first."""
    return page_response(funds.entry_listing(current_user(), fund_id), args)


@blp.route("/funds/<id:fund_id>/statement", methods=["GET"])
@auth_required
@blp.arguments(FundStatementArgsSchema, location="query")
@blp.response(200, FundStatementSchema)
def statement(args, fund_id):
    """月度对账单: opening balance, the month's entries, closing balance."""
    return funds.statement(current_user(), fund_id, args.get("month"))


@blp.route("/funds/<id:fund_id>/statement.xlsx", methods=["GET"])
@auth_required
@blp.arguments(FundStatementArgsSchema, location="query")
@workbook_response(blp, "期初余额, one row per entry with the running balance, 期末余额", funds.STATEMENT_COLUMNS)
def statement_xlsx(args, fund_id):
    """导出月度对账单 (Excel)."""
    statement = funds.statement(current_user(), fund_id, args.get("month"))
    return attachment(
        funds.statement_workbook(statement),
        CONTENT_TYPE,
        f"{statement.fund.name}-{statement.month}-对账单.xlsx",
        f"fund-{statement.fund.id}-{statement.month}.xlsx",
    )


@blp.route("/disbursements/<id:disbursement_id>/approve", methods=["POST"])
@auth_required
@blp.response(200, DisbursementSchema)
def approve(disbursement_id):
    """批准支出: another staff member over the fund; the asker → 403 `self_approval`;
    not enough money → 409 `insufficient_funds` (it stays pending); already decided → 409."""
    disbursement = funds.approve(current_user(), disbursement_id)
    db.session.commit()
    return disbursement


@blp.route("/disbursements/<id:disbursement_id>/reject", methods=["POST"])
@auth_required
@blp.arguments(DisbursementRejectSchema)
@blp.response(200, DisbursementSchema)
def reject(args, disbursement_id):
    """驳回支出 (the asker may withdraw their own)."""
    disbursement = funds.reject(current_user(), disbursement_id, args["note"])
    db.session.commit()
    return disbursement


@blp.route("/fund-entries/<id:fund_entry_id>/reverse", methods=["POST"])
@auth_required
@blp.arguments(FundEntryReverseSchema)
@blp.response(201, FundEntrySchema)
def reverse(args, fund_entry_id):
    """冲正: a new entry of the opposite amount; the entry itself never changes. Once per entry."""
    reversal = funds.reverse(current_user(), fund_entry_id, args["reason"])
    db.session.commit()
    return reversal
