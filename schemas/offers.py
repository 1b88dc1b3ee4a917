"""社会化服务: the offers of schools, training bodies, education bases and merchants."""
import marshmallow as ma
from marshmallow import validate

from models.offers import OFFER_PROVIDER_KINDS, SOCIAL_OFFER_KINDS, SOCIAL_OFFER_STATUSES
from schemas.common import Id, PageArgsSchema, page_of, text


class SocialOfferSchema(ma.Schema):
    id = Id(dump_only=True)
    org_id = Id(required=True,
                metadata={"description": "the unit whose residents it is for (and every community under it)"})
    org_name = ma.fields.String(dump_only=True)
    provider_name = text(100)
    provider_kind = ma.fields.String(required=True, validate=validate.OneOf(OFFER_PROVIDER_KINDS))
    kind = ma.fields.String(required=True, validate=validate.OneOf(SOCIAL_OFFER_KINDS))
    title = text(100)
    terms = text(1000, metadata={"description": "条件与优惠内容"})
    address = text(200, required=False, allow_none=True)
    valid_from = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)
    status = ma.fields.String(dump_only=True)
    created_by_id = Id(dump_only=True)
    decided_by_id = Id(dump_only=True, allow_none=True)
    decided_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    decision_reason = ma.fields.String(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class SocialOfferListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(SOCIAL_OFFER_STATUSES))
    kind = ma.fields.String(validate=validate.OneOf(SOCIAL_OFFER_KINDS))
    provider_kind = ma.fields.String(validate=validate.OneOf(OFFER_PROVIDER_KINDS))


class DecisionSchema(ma.Schema):
    reason = text(200, required=False)


class RejectionSchema(ma.Schema):
    reason = text(200)


SocialOfferPageSchema = page_of(SocialOfferSchema, "SocialOfferPage")
