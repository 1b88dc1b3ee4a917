"""双向述职评议: rounds, subjects, the computed record, assessments, codes, ballots and results."""
import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate

from models.activities import ACTIVITY_LEVELS
from models.evaluation import (
    ASSESSMENT_KINDS,
    HIGHEST_SCORE,
    LOWEST_SCORE,
    MEDIA_KINDS,
    ROUND_STATUSES,
    SECTORS,
)
from models.requests import REQUEST_STATUSES
from models.stations import STATION_KINDS
from schemas.common import (
    SCENE_COMMENT,
    SCENE_FORUM,
    SCENE_PROFILE,
    HeldAwareSchema,
    Id,
    PageArgsSchema,
    SharedText,
    page_of,
    shared_text,
)

DIMENSION = validate.Length(min=1, max=20)


class RoundSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    org_id = Id(required=True, metadata={"description": "街道党工委或区委"})
    org_name = ma.fields.String(attribute="org.name", dump_only=True)
    year = ma.fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    title = shared_text(100, SCENE_PROFILE)
    status = ma.fields.String(dump_only=True, validate=validate.OneOf(ROUND_STATUSES))
    dimensions = ma.fields.List(
        SharedText(SCENE_PROFILE, validate=DIMENSION), validate=validate.Length(min=1, max=10),
        metadata={"description": "评议维度；默认 思想政治、履职尽责、服务群众、廉洁自律、总体评价"},
    )
    meeting_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "述职大会时间"})
    meeting_place = shared_text(200, SCENE_PROFILE, required=False, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    closed_at = ma.fields.DateTime(dump_only=True, allow_none=True)

    @ma.validates("dimensions")
    def distinct_dimensions(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ma.ValidationError("评议维度不能重复")


class RoundPatchSchema(ma.Schema):
    """The meeting (述职大会) and, before any ballot, the dimensions."""

    meeting_at = ma.fields.AwareDateTime(allow_none=True)
    meeting_place = shared_text(200, SCENE_PROFILE, required=False, allow_none=True)
    dimensions = RoundSchema._declared_fields["dimensions"]


class RoundListArgsSchema(PageArgsSchema):
    year = ma.fields.Integer(validate=validate.Range(min=2000, max=2100))


RoundPageSchema = page_of(RoundSchema, "EvaluationRoundPage")


class SubjectSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    org_id = Id(required=True, metadata={"description": "社区党总支、企业或社会组织党组织"})
    org_name = ma.fields.String(attribute="org.name", dump_only=True)
    report_text = ma.fields.String(dump_only=True, allow_none=True)
    report_updated_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class SubjectReportSchema(ma.Schema):
    report_text = shared_text(20000, SCENE_FORUM, metadata={"description": "书记的述职报告"})


class SectorCountSchema(ma.Schema):
    sector = ma.fields.String(required=True, validate=validate.OneOf(SECTORS))
    codes = ma.fields.Integer(required=True)
    spent = ma.fields.Integer(required=True)


class RoundDetailSchema(RoundSchema):
    subjects = ma.fields.List(ma.fields.Nested(SubjectSchema), dump_only=True)
    codes = ma.fields.List(ma.fields.Nested(SectorCountSchema), dump_only=True,
                           metadata={"description": "每个界别发放与已使用的评议码数"})


class InvitationSchema(ma.Schema):
    sector = ma.fields.String(required=True, validate=validate.OneOf(SECTORS))
    count = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=500))


class CodesSchema(ma.Schema):
    codes = ma.fields.List(ma.fields.String(), required=True,
                           metadata={"description": "一次性评议码，仅此一次显示（服务器只保存其 HMAC）"})


class CodeSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=40))


class BallotSchema(CodeSchema):
    scores = ma.fields.Dict(
        required=True,
        keys=ma.fields.String(validate=validate.Regexp(r"^[1-9]\d{0,9}$", error="应为述职对象的 id")),
        values=ma.fields.Dict(
            keys=ma.fields.String(validate=DIMENSION),
            values=ma.fields.Integer(strict=True, validate=validate.Range(min=LOWEST_SCORE, max=HIGHEST_SCORE)),
            validate=validate.Length(min=1, max=10),
        ),
        validate=validate.Length(min=1, max=200),
        metadata={"description": '{"<subject_id>": {"<dimension>": 1..5}}'},
    )


class BallotSubjectSchema(HeldAwareSchema):
    id = Id(required=True)
    org_name = ma.fields.String(required=True)


class BallotPaperSchema(HeldAwareSchema):
    title = ma.fields.String(required=True)
    year = ma.fields.Integer(required=True)
    sector = ma.fields.String(required=True, validate=validate.OneOf(SECTORS))
    dimensions = ma.fields.List(ma.fields.String(), required=True)
    subjects = ma.fields.List(ma.fields.Nested(BallotSubjectSchema), required=True)


class DimensionResultSchema(HeldAwareSchema):
    dimension = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)
    mean = ma.fields.Float(required=True, allow_none=True,
                           metadata={"description": "null when the sector cast too few ballots"})


class SectorResultSchema(ma.Schema):
    sector = ma.fields.String(required=True, validate=validate.OneOf(SECTORS))
    ballots = ma.fields.Integer(required=True)
    means_shown = ma.fields.Boolean(required=True)
    dimensions = ma.fields.List(ma.fields.Nested(DimensionResultSchema), required=True)


class SubjectResultSchema(HeldAwareSchema):
    subject_id = Id(required=True)
    org_id = Id(required=True)
    org_name = ma.fields.String(required=True)
    sectors = ma.fields.List(ma.fields.Nested(SectorResultSchema), required=True)


class ResultsSchema(ma.Schema):
    id = Id(required=True)
    status = ma.fields.String(required=True)
    ballots = ma.fields.Integer(required=True)
    min_ballots_for_mean = ma.fields.Integer(required=True)
    subjects = ma.fields.List(ma.fields.Nested(SubjectResultSchema), required=True)


class RecordRequestsSchema(ma.Schema):
    submitted = ma.fields.Integer(required=True)
    confirmed = ma.fields.Integer(required=True)
    by_status = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(REQUEST_STATUSES)),
                               values=ma.fields.Integer(), required=True)


class RecordHoursSchema(ma.Schema):
    confirmed_minutes = ma.fields.Integer(required=True)
    members_credited = ma.fields.Integer(required=True)


class RecordRegistrationsSchema(ma.Schema):
    approved = ma.fields.Integer(required=True)


class RecordCheckinsSchema(ma.Schema):
    checkins = ma.fields.Integer(required=True)
    members = ma.fields.Integer(required=True)


class RecordStationSchema(HeldAwareSchema):
    id = Id(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(STATION_KINDS))
    checklist_done = ma.fields.Integer(allow_none=True)
    checklist_total = ma.fields.Integer(allow_none=True)


class RecordStationsSchema(ma.Schema):
    count = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(RecordStationSchema), required=True)


class RecordVisitsSchema(ma.Schema):
    visits_made = ma.fields.Integer(required=True, metadata={"description": "帮扶走访次数（被退回的不计）"})
    visits_confirmed = ma.fields.Integer(required=True, metadata={"description": "已确认的走访次数"})
    visit_minutes_confirmed = ma.fields.Integer(required=True, metadata={"description": "已确认的走访分钟数"})
    care_targets_visited = ma.fields.Integer(required=True, metadata={"description": "走访到的帮扶对象人数"})


class RecordActivitiesSchema(ma.Schema):
    activities_held = ma.fields.Integer(required=True, metadata={"description": "年内开始且已结束的活动场数"})
    activities_by_level = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(ACTIVITY_LEVELS)),
                                         values=ma.fields.Integer(), required=True)
    activity_seats_taken = ma.fields.Integer(required=True, metadata={"description": "确认名额的参加者人次"})
    activity_participants_attended = ma.fields.Integer(required=True, metadata={"description": "到场签到的参加者人次"})
    activity_helpers = ma.fields.Integer(required=True, metadata={"description": "组织者与志愿者人次"})


class RecordCoordinationSchema(ma.Schema):
    meetings_held = ma.fields.Integer(required=True, metadata={"description": "协调机构召开的会议"})
    resolutions_made = ma.fields.Integer(required=True, metadata={"description": "会上形成的决议事项"})
    resolutions_done = ma.fields.Integer(required=True, metadata={"description": "办结的决议事项"})
    projects_done = ma.fields.Integer(required=True, metadata={"description": "完成的共建项目"})


class RecordSchema(ma.Schema):
    """有内容可述: the year's work of the subject's subtree, computed from Linli's records."""

    org_id = Id(required=True)
    year = ma.fields.Integer(required=True)
    requests = ma.fields.Nested(RecordRequestsSchema, required=True)
    hours = ma.fields.Nested(RecordHoursSchema, required=True)
    registrations = ma.fields.Nested(RecordRegistrationsSchema, required=True)
    checkins = ma.fields.Nested(RecordCheckinsSchema, required=True)
    stations = ma.fields.Nested(RecordStationsSchema, required=True)
    visits = ma.fields.Nested(RecordVisitsSchema, required=True)
    activities = ma.fields.Nested(RecordActivitiesSchema, required=True)
    coordination = ma.fields.Nested(RecordCoordinationSchema, required=True)


class AssessmentSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(ASSESSMENT_KINDS))
    assessed_on = ma.fields.Date(required=True)
    item = shared_text(100, SCENE_COMMENT)
    score = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    note = shared_text(500, SCENE_COMMENT, required=False, allow_none=True)
    assessed_by_id = Id(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class AssessmentListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AssessmentSchema), required=True)


class MediaSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    kind = ma.fields.String(dump_only=True, validate=validate.OneOf(MEDIA_KINDS))
    title = ma.fields.String(dump_only=True)
    url = ma.fields.String(dump_only=True, allow_none=True, metadata={"description": "视频链接"})
    content_type = ma.fields.String(dump_only=True, allow_none=True)
    size_bytes = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class MediaListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MediaSchema), required=True)


class MediaUploadSchema(ma.Schema):
    title = shared_text(100, SCENE_PROFILE)
    file = Upload(required=True, metadata={"description": "JPEG、PNG 图片或 PDF 文档"})


class VideoLinkSchema(ma.Schema):
    title = shared_text(100, SCENE_PROFILE)
    url = ma.fields.Url(required=True, schemes={"https", "http"}, validate=validate.Length(max=500))


class DisplaySchema(ma.Schema):
    """有手段展述: what the meeting screen shows for one subject."""

    round = ma.fields.Nested(RoundSchema, required=True)
    subject = ma.fields.Nested(SubjectSchema, required=True)
    record = ma.fields.Nested(RecordSchema, required=True)
    assessments = ma.fields.List(ma.fields.Nested(AssessmentSchema), required=True)
    media = ma.fields.List(ma.fields.Nested(MediaSchema), required=True)
