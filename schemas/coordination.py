"""Resident units, coordination bodies, meetings, resolutions, terms of office and annual reports."""
import marshmallow as ma
from marshmallow import validate

from models.coordination import (
    BODY_KINDS,
    LEADERSHIP_POSTS,
    MASS_ORG_KINDS,
    PROJECT_STATUSES,
    RESOLUTION_STATUSES,
    RESOURCE_KINDS,
    UNIT_KINDS,
)
from schemas.common import (
    SCENE_COMMENT,
    SCENE_FORUM,
    SCENE_PROFILE,
    HeldAwareSchema,
    Id,
    PageArgsSchema,
    SharedText,
    new_password_field,
    page_of,
    shared_text,
    text,
)


class UnitSchema(HeldAwareSchema):
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


class LiaisonSchema(HeldAwareSchema):
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


class UnitMemberSchema(HeldAwareSchema):
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


class BodySchema(HeldAwareSchema):
    id = Id(dump_only=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(BODY_KINDS))
    org_id = Id(required=True)
    name = shared_text(100, SCENE_PROFILE)
    created_at = ma.fields.DateTime(dump_only=True)


class BodyListArgsSchema(PageArgsSchema):
    kind = ma.fields.String(validate=validate.OneOf(BODY_KINDS))
    org_id = Id()


BodyPageSchema = page_of(BodySchema, "BodyPage")


class BodyMemberSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    body_id = Id(dump_only=True)
    unit_id = Id(required=True)
    unit_name = ma.fields.String(dump_only=True, attribute="unit.name")
    representative_name = shared_text(50, SCENE_PROFILE)
    title = shared_text(50, SCENE_PROFILE)
    created_at = ma.fields.DateTime(dump_only=True)


class ResolutionSchema(HeldAwareSchema):
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


class MeetingSchema(HeldAwareSchema):
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


class TermSchema(HeldAwareSchema):
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


class ReportCommentSchema(HeldAwareSchema):
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


class AnnualReportSchema(HeldAwareSchema):
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
    figure_rows = ma.fields.List(
        ma.fields.Tuple((ma.fields.String(), ma.fields.Raw(allow_none=True))), dump_only=True,
        metadata={"description": "报告中的数字，逐项 [名称, 数值]，与 Excel、Word 中的相同；无此项数据时数值为空"})


class ReportListArgsSchema(PageArgsSchema):
    org_id = Id()
    year = ma.fields.Integer(validate=validate.Range(min=2000, max=2100))


ReportPageSchema = page_of(AnnualReportSchema, "ReportPage")


class ReportPatchSchema(ma.Schema):
    narrative = SharedText(SCENE_FORUM, required=True, validate=validate.Length(max=50000))


class PresentSchema(ma.Schema):
    meeting_id = Id(required=True)


# --- resource and need lists, joint projects ---------------------------------------------------------

# An offer's amount is an integer column: at most 2^31 - 1 cents (about 21 million yuan).
MAX_OFFER_CENTS = 2**31 - 1


class OfferSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    unit_id = Id(dump_only=True)
    unit_name = ma.fields.String(dump_only=True, attribute="unit.name")
    street_id = Id(dump_only=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(RESOURCE_KINDS))
    title = shared_text(100, SCENE_PROFILE)
    description = shared_text(1000, SCENE_PROFILE, required=False, min_length=0, load_default="")
    amount_cents = ma.fields.Integer(
        allow_none=True, load_default=None, strict=True, validate=validate.Range(min=0, max=MAX_OFFER_CENTS),
        metadata={"description": "资金类资源的金额（分）；其他类别不填"})
    active = ma.fields.Boolean(load_default=True, metadata={"description": "撤下的资源不再推荐"})
    created_at = ma.fields.DateTime(dump_only=True)


class OfferPatchSchema(OfferSchema):
    pass


class OfferListArgsSchema(PageArgsSchema):
    kind = ma.fields.String(validate=validate.OneOf(RESOURCE_KINDS))
    unit_id = Id()
    active = ma.fields.Boolean()


OfferPageSchema = page_of(OfferSchema, "OfferPage")


class NeedSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    community_id = Id(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(RESOURCE_KINDS))
    title = shared_text(100, SCENE_PROFILE)
    description = shared_text(1000, SCENE_PROFILE, required=False, min_length=0, load_default="")
    created_at = ma.fields.DateTime(dump_only=True)


class NeedPatchSchema(NeedSchema):
    """What the community corrects; the community itself stays."""

    class Meta:
        exclude = ("community_id",)


class NeedListArgsSchema(PageArgsSchema):
    community_id = Id()
    kind = ma.fields.String(validate=validate.OneOf(RESOURCE_KINDS))
    unmatched = ma.fields.Boolean(load_default=False, metadata={"description": "只列出尚无共建项目承接的需求"})


NeedPageSchema = page_of(NeedSchema, "NeedPage")


class SuggestionArgsSchema(ma.Schema):
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SuggestionSchema(ma.Schema):
    offer = ma.fields.Nested(OfferSchema, required=True)
    kind_matches = ma.fields.Boolean(required=True, metadata={"description": "资源类别与需求相同"})
    distance_m = ma.fields.Float(allow_none=True, metadata={"description": "单位到社区的距离（米）；位置未登记时为空"})


class SuggestionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema), required=True)


class ProjectOfferSchema(HeldAwareSchema):
    offer_id = Id(required=True)
    unit_id = Id(required=True)
    unit_name = ma.fields.String(attribute="offer.unit.name")
    kind = ma.fields.String(attribute="offer.kind")
    title = ma.fields.String(attribute="offer.title")


class ProjectSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    need_id = Id(required=True)
    community_id = Id(dump_only=True)
    title = shared_text(100, SCENE_PROFILE)
    offer_ids = ma.fields.List(Id(), required=True, load_only=True, validate=validate.Length(min=1, max=50))
    status = ma.fields.String(dump_only=True)
    outcome = ma.fields.String(dump_only=True, allow_none=True)
    closed_by_id = Id(dump_only=True, allow_none=True)
    closed_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class ProjectDetailSchema(ProjectSchema):
    offers = ma.fields.List(ma.fields.Nested(ProjectOfferSchema), dump_only=True)


class NeedDetailSchema(NeedSchema):
    projects = ma.fields.List(ma.fields.Nested(ProjectSchema), dump_only=True)


class ProjectListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(PROJECT_STATUSES))
    community_id = Id()
    unit_id = Id()


ProjectPageSchema = page_of(ProjectSchema, "ProjectPage")


class ProjectOutcomeSchema(ma.Schema):
    outcome = shared_text(1000, SCENE_PROFILE)


# --- branch rosters and mass organisations -----------------------------------------------------------


class BranchMemberSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    branch_id = Id(dump_only=True)
    name = shared_text(50, SCENE_PROFILE)
    user_id = Id(allow_none=True, load_default=None)
    joined_on = ma.fields.Date(allow_none=True, load_default=None)
    mobile = ma.fields.Boolean(load_default=False, metadata={"description": "流动党员"})
    current_location = text(200, required=False, allow_none=True,
                            metadata={"description": "流动党员现所在地（仅流动党员）"})
    phone = text(20, required=False, allow_none=True, load_only=True,
                 metadata={"description": "流动党员联系电话（仅流动党员）；完整号码只在单人详情中给出"})
    phone_masked = ma.fields.String(dump_only=True, allow_none=True)
    other_contact = text(100, required=False, allow_none=True,
                         metadata={"description": "其他联系方式，如微信（仅流动党员）"})
    created_at = ma.fields.DateTime(dump_only=True)


class BranchMemberPatchSchema(BranchMemberSchema):
    pass


class BranchMemberDetailSchema(BranchMemberSchema):
    """One member with the full number: a deliberate read, recorded in the audit trail."""

    phone = ma.fields.String(dump_only=True, allow_none=True)


class RosterArgsSchema(ma.Schema):
    mobile = ma.fields.Boolean(metadata={"description": "只列出流动党员（true）或其他党员（false）"})


class RosterSchema(ma.Schema):
    branch_id = Id(required=True)
    items = ma.fields.List(ma.fields.Nested(BranchMemberSchema), required=True)


class MassOrganisationSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    branch_id = Id(dump_only=True)
    name = shared_text(100, SCENE_PROFILE)
    kind = ma.fields.String(required=True, validate=validate.OneOf(MASS_ORG_KINDS))
    description = shared_text(1000, SCENE_PROFILE, required=False, min_length=0, load_default="")
    created_at = ma.fields.DateTime(dump_only=True)


class MassOrganisationListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MassOrganisationSchema), required=True)
