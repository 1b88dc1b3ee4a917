"""Stations: location, kind, opening hours, the standardisation checklist, the QR code."""
import re
from datetime import date

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate

from models.stations import ACQUISITIONS, CHECKLIST_ITEMS, FUNDINGS, STATION_KINDS, WEEKDAYS, is_open
from schemas.common import SCENE_PROFILE, HeldAwareSchema, Id, PageArgsSchema, page_of, shared_text

HHMM = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")


class SpanSchema(ma.Schema):
    open = ma.fields.String(required=True, validate=validate.Regexp(HHMM, error="时间格式应为 HH:MM"))
    close = ma.fields.String(required=True, validate=validate.Regexp(HHMM, error="时间格式应为 HH:MM"))

    @ma.validates_schema
    def open_before_close(self, data, **kwargs):
        if data["open"] >= data["close"]:
            raise ma.ValidationError("开放时间应早于关闭时间", "close")


def _day():
    return ma.fields.List(ma.fields.Nested(SpanSchema), load_default=list, validate=validate.Length(max=6))


class WeeklySchema(ma.Schema):
    mon = _day()
    tue = _day()
    wed = _day()
    thu = _day()
    fri = _day()
    sat = _day()
    sun = _day()


class OpeningHoursSchema(ma.Schema):
    """A weekly calendar (local time, in the configured LOCAL_TIMEZONE) plus closed days."""

    weekly = ma.fields.Nested(WeeklySchema, required=True)
    closed_days = ma.fields.List(ma.fields.Date(), load_default=list, validate=validate.Length(max=366))

    @ma.post_load
    def as_json(self, data, **kwargs):
        data["closed_days"] = sorted({day.isoformat() for day in data["closed_days"]})
        return data

    @ma.pre_dump
    def with_all_days(self, data, **kwargs):
        weekly = data.get("weekly", {})
        return {
            "weekly": {day: weekly.get(day, []) for day in WEEKDAYS},
            "closed_days": [date.fromisoformat(day) for day in data.get("closed_days", [])],
        }


ChecklistSchema = ma.Schema.from_dict(
    {item: ma.fields.Boolean(load_default=False) for item in CHECKLIST_ITEMS}, name="Checklist"
)


class StationSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    name = shared_text(100, SCENE_PROFILE)
    kind = ma.fields.String(required=True, validate=validate.OneOf(STATION_KINDS))
    org_id = Id(required=True)
    address = shared_text(200, SCENE_PROFILE)
    lat = ma.fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    radius_m = ma.fields.Integer(required=True, validate=validate.Range(min=10, max=5000))
    acquisition = ma.fields.String(required=True, validate=validate.OneOf(ACQUISITIONS))
    opening_hours = ma.fields.Nested(OpeningHoursSchema, required=True)
    checklist = ma.fields.Nested(ChecklistSchema, allow_none=True, load_default=None)
    funding = ma.fields.String(allow_none=True, validate=validate.OneOf(FUNDINGS),
                               metadata={"description": "经费来源：财政支持、部门帮扶、街道社区自筹"})
    named_member_id = Id(allow_none=True, metadata={"description": "冠名党员（仅楼院党员冠名服务站）"})
    household_user_id = Id(allow_none=True, metadata={"description": "党员中心户（仅“家庭式”活动室）"})
    checklist_applicable = ma.fields.Boolean(dump_only=True, metadata={
        "description": "该阵地是否填写标准化清单（企业、社会组织的阵地）；是则可上传清单佐证"})
    checklist_done = ma.fields.Integer(dump_only=True, allow_none=True)
    checklist_total = ma.fields.Method("_checklist_total", dump_only=True)
    distance_m = ma.fields.Float(dump_only=True)
    is_open = ma.fields.Method("_is_open", dump_only=True)

    def _checklist_total(self, station):
        return len(CHECKLIST_ITEMS) if station.checklist is not None else None

    def _is_open(self, station):
        return is_open(station)


class StationPatchSchema(StationSchema):
    """The same fields, each optional (used with partial=True)."""


class StationListArgsSchema(PageArgsSchema):
    kind = ma.fields.String(validate=validate.OneOf(STATION_KINDS))
    org_id = Id(metadata={"description": "只列出该组织自己的站点（不含下级组织）"})
    within = Id(metadata={"description": "该组织及其全部下级组织的站点；须在调用者的工作范围内，否则 404"})
    near = ma.fields.String(validate=validate.Length(max=60))

    @ma.post_load
    def parse_near(self, data, **kwargs):
        if "near" in data:
            try:
                lat, lng = (float(part) for part in data["near"].split(","))
            except ValueError:
                raise ma.ValidationError("near 应为 纬度,经度", "near") from None
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ma.ValidationError("坐标超出范围", "near")
            data["near"] = (lat, lng)
        return data


StationPageSchema = page_of(StationSchema, "StationPage")


class QrSchema(ma.Schema):
    token = ma.fields.String(required=True)
    expires_at = ma.fields.DateTime(required=True, metadata={"description": "the token is refused from then on"})
    changes_at = ma.fields.DateTime(
        required=True, metadata={"description": "a new token is shown from then on: refresh the display at this time"}
    )
    window_seconds = ma.fields.Integer(required=True, metadata={"description": "how often the token changes"})
    payload = ma.fields.String(required=True)
    png_url = ma.fields.String(required=True)


class EvidenceSchema(ma.Schema):
    """The photo or document proving one checklist item, with who checked it and when."""

    id = Id(dump_only=True)
    station_id = Id(dump_only=True)
    item = ma.fields.String(dump_only=True, validate=validate.OneOf(CHECKLIST_ITEMS))
    content_type = ma.fields.String(dump_only=True)
    size_bytes = ma.fields.Integer(dump_only=True)
    checked_by_id = Id(dump_only=True, allow_none=True)
    checked_by_name = ma.fields.Method("_checker_name", dump_only=True, allow_none=True,
                                       metadata={"description": "核查人（工作人员）姓名"})
    checked_at = ma.fields.DateTime(dump_only=True)

    def _checker_name(self, evidence):
        return evidence.checked_by.name if evidence.checked_by is not None else None


class EvidenceListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EvidenceSchema), required=True)


class ChecklistItemSchema(ma.Schema):
    item = ma.fields.String(required=True, validate=validate.OneOf(CHECKLIST_ITEMS))
    done = ma.fields.Boolean(required=True)
    evidence = ma.fields.Nested(EvidenceSchema, required=True, allow_none=True)


class StationChecklistSchema(ma.Schema):
    """A station's checklist, every item in order (名称见 /meta 的 checklist_item)."""

    station_id = Id(required=True)
    applicable = ma.fields.Boolean(required=True,
                                   metadata={"description": "该阵地是否填写标准化清单（企业、社会组织）"})
    items_total = ma.fields.Integer(required=True)
    items_done = ma.fields.Integer(required=True)
    items_evidenced = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(ChecklistItemSchema), required=True)


class EvidenceUploadSchema(ma.Schema):
    item = ma.fields.String(required=True, validate=validate.OneOf(CHECKLIST_ITEMS))
    file = Upload(required=True, metadata={"description": "JPEG、PNG 照片或 PDF 文档"})


class CompletenessArgsSchema(ma.Schema):
    org_id = Id(required=True, metadata={"description": "街道或区（须在调用者的工作范围内，否则 404）"})


class StationCompletenessSchema(HeldAwareSchema):
    station_id = Id(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(STATION_KINDS))
    org_id = Id(required=True)
    org_name = ma.fields.String(required=True)
    applicable = ma.fields.Boolean(required=True,
                                   metadata={"description": "该阵地是否填写标准化清单（企业、社会组织）"})
    items_total = ma.fields.Integer(required=True)
    items_done = ma.fields.Integer(required=True)
    items_evidenced = ma.fields.Integer(required=True)
    items_missing = ma.fields.List(ma.fields.String(validate=validate.OneOf(CHECKLIST_ITEMS)), required=True,
                                   metadata={"description": "尚未完成的清单项（键名，名称见 /meta 的 checklist_item）"})


class OrgCompletenessSchema(HeldAwareSchema):
    org_id = Id(required=True)
    org_name = ma.fields.String(required=True)
    stations = ma.fields.Integer(required=True)
    stations_complete = ma.fields.Integer(required=True, metadata={"description": "每项都有佐证的阵地数"})
    items_total = ma.fields.Integer(required=True)
    items_done = ma.fields.Integer(required=True)
    items_evidenced = ma.fields.Integer(required=True)


class CompletenessSchema(HeldAwareSchema):
    org_id = Id(required=True)
    org_name = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "清单项名称"})
    orgs = ma.fields.List(ma.fields.Nested(OrgCompletenessSchema), required=True)
    stations = ma.fields.List(ma.fields.Nested(StationCompletenessSchema), required=True)
