"""Care targets (帮扶对象), visit plans and visits."""

import marshmallow as ma
from marshmallow import validate

from models.care import CARE_KINDS, MAX_VISIT_INTERVAL_WEEKS, MAX_VISIT_MINUTES, VISIT_STATUSES
from schemas.common import HeldAwareSchema, Id, PageArgsSchema, TrimmedString, moderation_field, page_of, text


class CareTargetCreateSchema(ma.Schema):
    name = text(50)
    building_id = Id(required=True)
    needs = ma.fields.List(
        TrimmedString(validate=validate.Length(min=1, max=100)),
        required=True,
        validate=validate.Length(max=20),
        metadata={"description": "需求，每条一句"},
    )
    consent_on = ma.fields.Date(required=True, metadata={"description": "本人（或监护人）同意登记与走访的日期"})
    kinds = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(CARE_KINDS)),
        load_default=list,
        validate=validate.Length(max=len(CARE_KINDS)),
    )
    address = text(200, required=False)

    @ma.post_load
    def distinct_kinds(self, data, **kwargs):
        data["kinds"] = list(dict.fromkeys(data["kinds"]))
        return data


class CareTargetSchema(HeldAwareSchema):
    id = Id()
    name = ma.fields.String()
    building_id = Id()
    needs = ma.fields.List(ma.fields.String())
    consent_on = ma.fields.Date()
    kinds = ma.fields.List(ma.fields.String())
    address = ma.fields.String(allow_none=True)
    created_by_id = Id()
    created_at = ma.fields.DateTime()


class CareTargetListArgsSchema(PageArgsSchema):
    building_id = Id()


class VisitPlanCreateSchema(ma.Schema):
    visitor_id = Id(required=True, metadata={"description": "本社区在职党员，或管辖该楼院的工作人员"})
    every_weeks = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_VISIT_INTERVAL_WEEKS)
    )
    first_due_on = ma.fields.Date(metadata={"description": "首次走访截止日；默认今天"})


class VisitPlanSchema(HeldAwareSchema):
    id = Id()
    care_target_id = Id()
    building_id = Id()
    visitor_id = Id()
    visitor_name = ma.fields.String(attribute="visitor.name")
    every_weeks = ma.fields.Integer()
    next_due_on = ma.fields.Date()
    overdue = ma.fields.Boolean(allow_none=True, metadata={"description": "已过走访截止日（列表中给出）"})
    created_at = ma.fields.DateTime()


class VisitPlanListArgsSchema(PageArgsSchema):
    overdue = ma.fields.Boolean()
    mine = ma.fields.Boolean()
    care_target_id = Id()


class VisitCreateSchema(ma.Schema):
    visited_on = ma.fields.Date(required=True)
    minutes = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_VISIT_MINUTES))
    summary = text(1000)
    photos = ma.fields.List(
        ma.fields.Url(schemes={"https"}, validate=validate.Length(max=500)),
        load_default=list,
        validate=validate.Length(max=9),
        metadata={"description": "照片地址（https），最多 9 张"},
    )


class VisitSchema(HeldAwareSchema):
    id = Id()
    plan_id = Id()
    care_target_id = Id()
    building_id = Id()
    visitor_id = Id()
    visitor_name = ma.fields.String(attribute="visitor.name")
    visited_on = ma.fields.Date()
    minutes = ma.fields.Integer()
    summary = ma.fields.String()
    photos = ma.fields.List(ma.fields.String(), metadata={
        "description": "others see a photo once WeChat's image check passed it (or staff released it)"})
    moderation = moderation_field()
    status = ma.fields.String()
    confirmed_by_id = Id(allow_none=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class VisitListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(VISIT_STATUSES))
    mine = ma.fields.Boolean()
    care_target_id = Id()


class VisitRejectSchema(ma.Schema):
    reason = text(200)


CareTargetPageSchema = page_of(CareTargetSchema, "CareTargetPage")
VisitPlanPageSchema = page_of(VisitPlanSchema, "VisitPlanPage")
VisitPageSchema = page_of(VisitSchema, "VisitPage")
