"""Service requests, their history, offers and the staff's candidate list."""
import marshmallow as ma
from marshmallow import validate

from models.requests import REQUEST_STATUSES, URGENCIES
from schemas.common import (
    SCENE_COMMENT,
    SCENE_PROFILE,
    HeldAwareSchema,
    Id,
    PageArgsSchema,
    moderation_field,
    page_of,
    shared_text,
)


class RequestCreateSchema(ma.Schema):
    category_id = Id(required=True)
    title = shared_text(100, SCENE_PROFILE)
    description = shared_text(1000, SCENE_PROFILE, required=False, min_length=0, load_default="")
    building_id = Id()
    address = shared_text(200, SCENE_PROFILE, required=False)
    lat = ma.fields.Float(validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(validate=validate.Range(min=-180, max=180))
    preferred_time = ma.fields.AwareDateTime()
    urgency = ma.fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))


class RequestHistorySchema(HeldAwareSchema):
    action = ma.fields.String()
    from_status = ma.fields.String()
    to_status = ma.fields.String()
    actor_id = Id(allow_none=True)
    actor_name = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()


class RequestSchema(HeldAwareSchema):
    id = Id()
    resident_id = Id()
    resident_name = ma.fields.String()
    community_id = Id()
    building_id = Id(allow_none=True)
    building_name = ma.fields.String(allow_none=True)
    category_id = Id()
    category_name = ma.fields.String(attribute="category.name")
    moderation = moderation_field()
    title = ma.fields.String()
    description = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    lng = ma.fields.Float(allow_none=True)
    preferred_time = ma.fields.DateTime(allow_none=True)
    urgency = ma.fields.String()
    status = ma.fields.String()
    status_name = ma.fields.String()
    assignee_id = Id(allow_none=True)
    assignee_name = ma.fields.String(allow_none=True)
    assigned_provider_id = Id(allow_none=True, metadata={"description": "the provider the staff routed it to"})
    assigned_provider_name = ma.fields.String(allow_none=True)
    offer_round = ma.fields.Integer()
    offer_expires_at = ma.fields.DateTime(allow_none=True)
    taken_at = ma.fields.DateTime(allow_none=True)
    sla_due_at = ma.fields.DateTime()
    sla_breached = ma.fields.Boolean()
    sla_paused = ma.fields.Boolean()
    pending_question = ma.fields.String(allow_none=True)
    completion_note = ma.fields.String(allow_none=True)
    minutes = ma.fields.Integer(allow_none=True)
    rejection_reason = ma.fields.String(allow_none=True)
    stars = ma.fields.Integer(allow_none=True)
    rating_comment = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    approximate_distance_m = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Only for a member with an open offer, who sees no name, address or "
                  "position: the distance from their building, rounded to 100 m."},
    )


class RequestDetailSchema(RequestSchema):
    history = ma.fields.List(ma.fields.Nested(RequestHistorySchema))


class RequestListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    mine = ma.fields.Boolean(load_default=False)
    sla_breached = ma.fields.Boolean()
    awaiting_me = ma.fields.Boolean(load_default=False)


RequestPageSchema = page_of(RequestSchema, "RequestPage")


class RequestCandidateSchema(HeldAwareSchema):
    member_id = Id()
    name = ma.fields.String()
    score = ma.fields.Float()
    reasons = ma.fields.List(ma.fields.String())


class RequestOfferSchema(HeldAwareSchema):
    member_id = Id()
    member_name = ma.fields.String()
    round = ma.fields.Integer()
    status = ma.fields.String()
    score = ma.fields.Float()
    reasons = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()
    answered_at = ma.fields.DateTime(allow_none=True)


class RequestCompleteSchema(ma.Schema):
    note = shared_text(500, SCENE_COMMENT)
    minutes = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=24 * 60))


class RequestReasonSchema(ma.Schema):
    reason = shared_text(200, SCENE_COMMENT)


class RequestCancelSchema(ma.Schema):
    reason = shared_text(200, SCENE_COMMENT, required=False)


class RequestAssignSchema(ma.Schema):
    member_id = Id(required=True)


class RequestRateSchema(ma.Schema):
    stars = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = shared_text(300, SCENE_COMMENT, required=False)


class RequestQuestionSchema(ma.Schema):
    question = shared_text(200, SCENE_COMMENT)


class RequestAnswerSchema(ma.Schema):
    answer = shared_text(200, SCENE_COMMENT)


class RequestRouteSchema(ma.Schema):
    provider_id = Id(required=True)


class RequestReportSchema(ma.Schema):
    note = shared_text(500, SCENE_COMMENT)
