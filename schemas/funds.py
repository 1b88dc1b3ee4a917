"""Funds, their donations, disbursements, ledger entries and monthly statements (amounts in integer cents)."""

import marshmallow as ma
from marshmallow import validate

from models.funds import DISBURSEMENT_STATUSES, DONOR_KINDS, FUND_KINDS
from schemas.common import SCENE_COMMENT, SCENE_PROFILE, HeldAwareSchema, Id, PageArgsSchema, page_of, shared_text

# The most one donation or disbursement may move: 1 亿元. A bigger figure is a typing mistake.
MAX_AMOUNT_CENTS = 10_000_000_000
MONTH = r"^20\d{2}-(0[1-9]|1[0-2])$"


def amount_field() -> ma.fields.Integer:
    return ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_AMOUNT_CENTS),
        metadata={"description": "金额（分），正整数"},
    )


class FundCreateSchema(ma.Schema):
    name = shared_text(100, SCENE_PROFILE)
    kind = ma.fields.String(required=True, validate=validate.OneOf(FUND_KINDS))
    org_id = Id(required=True)


class FundSchema(HeldAwareSchema):
    id = Id()
    name = ma.fields.String()
    kind = ma.fields.String()
    org_id = Id()
    balance_cents = ma.fields.Integer(metadata={"description": "余额（分），等于全部账目之和，永不为负"})
    created_by_id = Id()
    created_at = ma.fields.DateTime()


class FundListArgsSchema(PageArgsSchema):
    kind = ma.fields.String(validate=validate.OneOf(FUND_KINDS))
    org_id = Id(metadata={"description": "只列出该组织及其下级的基金"})


class FundDonationSchema(ma.Schema):
    amount_cents = amount_field()
    donor_name = shared_text(100, SCENE_PROFILE)
    donor_kind = ma.fields.String(load_default="person", validate=validate.OneOf(DONOR_KINDS))
    received_on = ma.fields.Date(required=True)
    note = shared_text(200, SCENE_COMMENT, required=False)


class FundEntrySchema(HeldAwareSchema):
    id = Id()
    fund_id = Id()
    kind = ma.fields.String()
    amount_cents = ma.fields.Integer(metadata={"description": "收入为正，支出与冲正收入为负"})
    booked_on = ma.fields.Date()
    donor_kind = ma.fields.String(allow_none=True)
    donor_name = ma.fields.String(allow_none=True)
    received_on = ma.fields.Date(allow_none=True)
    disbursement_id = Id(allow_none=True)
    reverses_id = Id(allow_none=True)
    note = ma.fields.String(allow_none=True)
    recorded_by_id = Id()
    created_at = ma.fields.DateTime()


class DisbursementCreateSchema(ma.Schema):
    amount_cents = amount_field()
    purpose = shared_text(200, SCENE_COMMENT)
    care_target_id = Id(allow_none=True)


class DisbursementSchema(HeldAwareSchema):
    id = Id()
    fund_id = Id()
    amount_cents = ma.fields.Integer()
    purpose = ma.fields.String()
    care_target_id = Id(allow_none=True)
    status = ma.fields.String()
    requested_by_id = Id()
    decided_by_id = Id(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_note = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class DisbursementListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(DISBURSEMENT_STATUSES))


class DisbursementRejectSchema(ma.Schema):
    note = shared_text(200, SCENE_COMMENT)


class FundEntryReverseSchema(ma.Schema):
    reason = shared_text(200, SCENE_COMMENT)


class FundStatementArgsSchema(ma.Schema):
    month = ma.fields.String(
        validate=validate.Regexp(MONTH, error="月份格式应为 YYYY-MM"),
        metadata={"description": "YYYY-MM（本地时间）；默认本月"},
    )


class FundStatementSchema(ma.Schema):
    fund = ma.fields.Nested(FundSchema)
    month = ma.fields.String()
    opening_balance_cents = ma.fields.Integer()
    entries = ma.fields.List(ma.fields.Nested(FundEntrySchema))
    closing_balance_cents = ma.fields.Integer()


FundPageSchema = page_of(FundSchema, "FundPage")
FundEntryPageSchema = page_of(FundEntrySchema, "FundEntryPage")
DisbursementPageSchema = page_of(DisbursementSchema, "DisbursementPage")
