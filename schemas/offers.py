"""社会化服务: the offers of schools, training bodies, education bases and merchants."""
import marshmallow as ma
from marshmallow import validate

from models.offers import OFFER_PROVIDER_KINDS, SOCIAL_OFFER_KINDS, SOCIAL_OFFER_STATUSES
from schemas.common import (
    SCENE_COMMENT,
    SCENE_FORUM,
    SCENE_PROFILE,
    HeldAwareSchema,
    Id,
    PageArgsSchema,
    page_of,
    shared_text,
)


class SocialOfferSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    org_id = Id(required=True,
                metadata={"description": "the unit whose residents it is for (and every community under it)"})
    org_name = ma.fields.String(dump_only=True)
    provider_name = shared_text(100, SCENE_PROFILE)
    provider_kind = ma.fields.String(required=True, validate=validate.OneOf(OFFER_PROVIDER_KINDS))
    kind = ma.fields.String(required=True, validate=validate.OneOf(SOCIAL_OFFER_KINDS))
    title = shared_text(100, SCENE_PROFILE)
    terms = shared_text(1000, SCENE_FORUM, metadata={"description": "条件与优惠内容"})
    address = shared_text(200, SCENE_PROFILE, required=False, allow_none=True)
    lat = ma.fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90),
                          metadata={"description": "where it is taken up; without it the unit's position counts"})
    lng = ma.fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-180, max=180))
    distance_m = ma.fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "residents' answers: from their home to the offer's place, rounded to 100 m; "
                       "null where a position is unknown (the org tree decided)"})
    valid_from = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)
    status = ma.fields.String(dump_only=True)
    created_by_id = Id(dump_only=True)
    edited_by_id = Id(dump_only=True, allow_none=True)
    decided_by_id = Id(dump_only=True, allow_none=True)
    decided_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    decision_reason = ma.fields.String(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class SocialOfferListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(SOCIAL_OFFER_STATUSES))
    kind = ma.fields.String(validate=validate.OneOf(SOCIAL_OFFER_KINDS))
    provider_kind = ma.fields.String(validate=validate.OneOf(OFFER_PROVIDER_KINDS))
    near = ma.fields.Boolean(load_default=False, metadata={
        "description": "staff: the residents' view (near their own home) instead of their scope's offers"})


class SocialOfferExportArgsSchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(SOCIAL_OFFER_STATUSES),
                              metadata={"description": "only the offers in this status; all when left out"})


class DecisionSchema(ma.Schema):
    reason = shared_text(200, SCENE_COMMENT, required=False)


class RejectionSchema(ma.Schema):
    reason = shared_text(200, SCENE_COMMENT)


SocialOfferPageSchema = page_of(SocialOfferSchema, "SocialOfferPage")


class SocialOfferPatchSchema(SocialOfferSchema):
    """The same fields but the unit, each optional (used through patch_schema)."""

    class Meta:
        exclude = ("org_id",)
