"""Resident units, coordination bodies, meetings, resolutions, terms of office and annual reports."""
import marshmallow as ma
from marshmallow import validate

from models.coordination import BODY_KINDS, LEADERSHIP_POSTS, RESOLUTION_STATUSES, UNIT_KINDS
from schemas.common import (
    SCENE_COMMENT,
    SCENE_FORUM,
    SCENE_PROFILE,
    Id,
    PageArgsSchema,
    SharedText,
    new_password_field,
    page_of,
    shared_text,
    text,
)


class UnitSchema(ma.Schema):
    id = Id(dump_only=True)
    name = shared_text(100, SCENE_PROFILE)
    kind = ma.fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    party_org_name = shared_text(100, SCENE_PROFILE)
    address = shared_text(200, SCENE_PROFILE)
    street_id = Id(required=True)
    lat = ma.fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-180, max=180))
    created_at = ma.fields.DateTime(dump_only=True)

    @ma.validates_schema
    def position_whole(self, data, partial=None, **kwargs):
        if partial:
            return
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ma.ValidationError("经纬度须同时填写", "lng")


class UnitPatchSchema(UnitSchema):
    pass


class UnitListArgsSchema(PageArgsSchema):
    street_id = Id()
    kind = ma.fields.String(validate=validate.OneOf(UNIT_KINDS))
    name = shared_text(100, SCENE_PROFILE, required=False)


UnitPageSchema = page_of(UnitSchema, "UnitPage")


class LiaisonSchema(ma.Schema):
    """A new liaison account (`username`, `password`, `name`) or an existing desk account (`user_id`)."""

    id = Id(dump_only=True)
    unit_id = Id(dump_only=True)
    user_id = Id(load_default=None, allow_none=True)
    username = text(50, required=False, attribute="user.username")
    password = new_password_field(required=False)
    name = shared_text(50, SCENE_PROFILE, required=False, attribute="user.name")
    created_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        load_only = ("password",)

    @ma.validates_schema
    def account_named(self, data, **kwargs):
        if data.get("user_id") is None:
            user = data.get("user", {})
            missing = [name for name, value in (("username", user.get("username")), ("name", user.get("name")),
                                                ("password", data.get("password"))) if not value]
            if missing:
                raise ma.ValidationError({name: ["新建联络员账号时必填"] for name in missing})

    @ma.post_load
    def flatten(self, data, **kwargs):
        user = data.pop("user", {})
        return {**data, **user}


class UnitDetailSchema(UnitSchema):
    liaisons = ma.fields.List(ma.fields.Nested(LiaisonSchema), dump_only=True)


class LinkRegistrationSchema(ma.Schema):
    registration_id = Id(required=True)


class UnitMemberSchema(ma.Schema):
    registration_id = Id(required=True)
    member_id = Id(required=True)
    name = ma.fields.String(required=True)
    community_id = Id(required=True)
    community_name = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    confirmed_minutes = ma.fields.Integer(required=True)
    pending_minutes = ma.fields.Integer(required=True)
    services_confirmed = ma.fields.Integer(required=True, metadata={"description": "已确认的按需服务次数"})


class UnitMemberListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(UnitMemberSchema), required=True)


class UnitHourEntrySchema(ma.Schema):
    id = Id(required=True)
    org_id = Id(required=True)
    source = ma.fields.String(required=True)
    minutes = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class UnitMemberHoursSchema(ma.Schema):
    member_id = Id(required=True)
    confirmed_minutes = ma.fields.Integer(required=True)
    pending_minutes = ma.fields.Integer(required=True)
    entries = ma.fields.List(ma.fields.Nested(UnitHourEntrySchema), required=True)


# --- bodies, meetings, resolutions ---------------------------------------------------------------


class BodySchema(ma.Schema):
    id = Id(dump_only=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(BODY_KINDS))
    org_id = Id(required=True)
    name = shared_text(100, SCENE_PROFILE)
    created_at = ma.fields.DateTime(dump_only=True)


class BodyListArgsSchema(PageArgsSchema):
    kind = ma.fields.String(validate=validate.OneOf(BODY_KINDS))
    org_id = Id()


BodyPageSchema = page_of(BodySchema, "BodyPage")


class BodyMemberSchema(ma.Schema):
    id = Id(dump_only=True)
    body_id = Id(dump_only=True)
    unit_id = Id(required=True)
    unit_name = ma.fields.String(dump_only=True, attribute="unit.name")
    representative_name = shared_text(50, SCENE_PROFILE)
    title = shared_text(50, SCENE_PROFILE)
    created_at = ma.fields.DateTime(dump_only=True)


class ResolutionSchema(ma.Schema):
    id = Id(dump_only=True)
    meeting_id = Id(dump_only=True)
    body_id = Id(dump_only=True)
    text = shared_text(500, SCENE_COMMENT)
    owner_unit_id = Id(required=True)
    owner_unit_name = ma.fields.String(dump_only=True, attribute="owner_unit.name")
    due_date = ma.fields.Date(required=True)
    status = ma.fields.String(dump_only=True)
    outcome = ma.fields.String(dump_only=True, allow_none=True)
    closed_by_id = Id(dump_only=True, allow_none=True)
    closed_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class ResolutionListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(RESOLUTION_STATUSES))
    overdue = ma.fields.Boolean(load_default=False, metadata={"description": "只列出已过到期日仍在办理的决议事项"})
    body_id = Id()


ResolutionPageSchema = page_of(ResolutionSchema, "ResolutionPage")


class ResolutionOutcomeSchema(ma.Schema):
    outcome = shared_text(500, SCENE_COMMENT)


class MeetingSchema(ma.Schema):
    id = Id(dump_only=True)
    body_id = Id(dump_only=True)
    title = shared_text(100, SCENE_PROFILE)
    held_at = ma.fields.AwareDateTime(required=True)
    agenda = ma.fields.List(shared_text(200, SCENE_COMMENT), required=True, validate=validate.Length(max=30))
    minutes = SharedText(SCENE_FORUM, allow_none=True, load_default=None, validate=validate.Length(max=20000))
    attended_unit_ids = ma.fields.List(Id(), load_default=None, validate=validate.Length(max=500))
    created_at = ma.fields.DateTime(dump_only=True)


class MeetingPatchSchema(MeetingSchema):
    pass


class MeetingDetailSchema(MeetingSchema):
    resolutions = ma.fields.List(ma.fields.Nested(ResolutionSchema), dump_only=True)


class BodyDetailSchema(BodySchema):
    members = ma.fields.List(ma.fields.Nested(BodyMemberSchema), dump_only=True)
    meetings = ma.fields.List(ma.fields.Nested(MeetingSchema), dump_only=True)
    overdue_resolutions = ma.fields.List(ma.fields.Nested(ResolutionSchema), dump_only=True)


# --- terms of office ---------------------------------------------------------------------------------


class TermSchema(ma.Schema):
    id = Id(dump_only=True)
    org_id = Id(required=True)
    post = ma.fields.String(required=True, validate=validate.OneOf(LEADERSHIP_POSTS))
    holder_name = shared_text(50, SCENE_PROFILE)
    user_id = Id(allow_none=True, load_default=None)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    left_on = ma.fields.Date(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class TermListArgsSchema(PageArgsSchema):
    org_id = Id()
    post = ma.fields.String(validate=validate.OneOf(LEADERSHIP_POSTS))


TermPageSchema = page_of(TermSchema, "TermPage")


class TermEndSchema(ma.Schema):
    left_on = ma.fields.Date(required=True)


class LeadershipArgsSchema(ma.Schema):
    org_id = Id(required=True)


class PostSchema(ma.Schema):
    post = ma.fields.String(required=True)
    term = ma.fields.Nested(TermSchema, allow_none=True)
    vacant = ma.fields.Boolean(required=True)


class LeadershipSchema(ma.Schema):
    org_id = Id(required=True)
    posts = ma.fields.List(ma.fields.Nested(PostSchema), required=True)


# --- annual reports ------------------------------------------------------------------------------------


class ReportCommentSchema(ma.Schema):
    id = Id(dump_only=True)
    report_id = Id(dump_only=True)
    unit_id = Id(allow_none=True, load_default=None)
    representative_name = shared_text(50, SCENE_PROFILE)
    comment = shared_text(1000, SCENE_COMMENT)
    answer = ma.fields.String(dump_only=True, allow_none=True)
    answered_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class CommentAnswerSchema(ma.Schema):
    answer = shared_text(1000, SCENE_COMMENT)


class AnnualReportSchema(ma.Schema):
    id = Id(dump_only=True)
    org_id = Id(required=True)
    year = ma.fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    narrative = SharedText(SCENE_FORUM, load_default="", validate=validate.Length(max=50000))
    figures = ma.fields.Dict(
        dump_only=True, metadata={"description": "由邻里数据汇总的年度数字（生成报告或重新汇总时计算）"})
    compiled_at = ma.fields.DateTime(dump_only=True)
    status = ma.fields.String(dump_only=True)
    meeting_id = Id(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class AnnualReportDetailSchema(AnnualReportSchema):
    comments = ma.fields.List(ma.fields.Nested(ReportCommentSchema), dump_only=True)


class ReportListArgsSchema(PageArgsSchema):
    org_id = Id()
    year = ma.fields.Integer(validate=validate.Range(min=2000, max=2100))


ReportPageSchema = page_of(AnnualReportSchema, "ReportPage")


class ReportPatchSchema(ma.Schema):
    narrative = SharedText(SCENE_FORUM, required=True, validate=validate.Length(max=50000))


class PresentSchema(ma.Schema):
    meeting_id = Id(required=True)
