"""报到 registrations, a member's hours and their corrections."""
import re

import marshmallow as ma
from marshmallow import validate

from models.ledger import CORRECTION_STATUSES
from models.members import REGISTRATION_STATUSES
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

HHMM = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")


class AvailabilitySchema(ma.Schema):
    """One weekly window when the member can serve (weekday 0 = Monday, local time)."""

    weekday = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=6))
    start = ma.fields.String(required=True, validate=validate.Regexp(HHMM, error="时间格式应为 HH:MM"))
    end = ma.fields.String(required=True, validate=validate.Regexp(HHMM, error="时间格式应为 HH:MM"))

    @ma.validates_schema
    def start_before_end(self, data, **kwargs):
        if data["start"] >= data["end"]:
            raise ma.ValidationError("开始时间应早于结束时间", "end")


class UserRefSchema(HeldAwareSchema):
    id = Id(required=True)
    name = ma.fields.String(required=True)


class RegistrationSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    community_id = Id(required=True)
    building_id = Id(allow_none=True, load_default=None)
    functional_branch_id = Id(allow_none=True, load_default=None)
    employer_unit = shared_text(100, SCENE_PROFILE)
    employer_unit_id = Id(allow_none=True, load_default=None, metadata={
        "description": "工作单位（驻区单位名录中的）；名录中还没有的单位只填 employer_unit，工作人员之后可关联"})
    home_branch = shared_text(100, SCENE_PROFILE)
    skills = ma.fields.List(shared_text(30, SCENE_PROFILE), required=True, validate=validate.Length(max=20))
    availability = ma.fields.List(ma.fields.Nested(AvailabilitySchema), required=True, validate=validate.Length(max=50))
    status = ma.fields.String(dump_only=True)
    reason = ma.fields.String(dump_only=True, allow_none=True)
    user = ma.fields.Nested(UserRefSchema, dump_only=True)
    decided_by_id = Id(dump_only=True, allow_none=True)
    decided_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    ended_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class RegistrationListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(REGISTRATION_STATUSES))
    community_id = Id()
    mine = ma.fields.Boolean(load_default=False)


RegistrationPageSchema = page_of(RegistrationSchema, "RegistrationPage")


class ApproveSchema(ma.Schema):
    reason = shared_text(200, SCENE_COMMENT, required=False)


class RejectSchema(ma.Schema):
    reason = shared_text(200, SCENE_COMMENT)


class CorrectionSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    entry_id = Id(dump_only=True)
    member_id = Id(dump_only=True)
    moderation = moderation_field()
    reason = shared_text(200, SCENE_COMMENT)
    minutes = ma.fields.Integer(
        load_only=True, allow_none=True, load_default=None, validate=validate.Range(min=0, max=24 * 60)
    )
    requested_minutes = ma.fields.Integer(dump_only=True, allow_none=True)
    status = ma.fields.String(dump_only=True)
    answer = ma.fields.String(dump_only=True, allow_none=True)
    minutes_before = ma.fields.Integer(dump_only=True, allow_none=True)
    minutes_after = ma.fields.Integer(dump_only=True, allow_none=True)
    status_before = ma.fields.String(dump_only=True, allow_none=True)
    status_after = ma.fields.String(dump_only=True, allow_none=True)
    answered_by_id = Id(dump_only=True, allow_none=True)
    answered_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class CorrectionAnswerSchema(ma.Schema):
    accept = ma.fields.Boolean(required=True)
    answer = shared_text(200, SCENE_COMMENT)
    minutes = ma.fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=0, max=24 * 60))


class CorrectionListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(CORRECTION_STATUSES))


class StaffCorrectionSchema(CorrectionSchema):
    """A correction as staff weigh it: the member, and the entry as it stands with what its source is called."""

    member_name = ma.fields.String(dump_only=True)
    entry_minutes = ma.fields.Integer(dump_only=True, attribute="entry.minutes")
    source = ma.fields.String(dump_only=True, attribute="entry.source")
    source_id = Id(dump_only=True, attribute="entry.source_id")
    # The station's name when the source is a check-in, the request's title when it is a request; else null.
    station_name = ma.fields.String(dump_only=True, allow_none=True)
    request_title = ma.fields.String(dump_only=True, allow_none=True)


CorrectionPageSchema = page_of(StaffCorrectionSchema, "CorrectionPage")


class HourEntrySchema(HeldAwareSchema):
    id = Id(required=True)
    org_id = Id(required=True)
    source = ma.fields.String(required=True)
    source_id = Id(required=True)
    minutes = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    note = ma.fields.String(allow_none=True)
    confirmed_by_id = Id(allow_none=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    corrections = ma.fields.List(ma.fields.Nested(CorrectionSchema))


class HoursSchema(ma.Schema):
    confirmed_minutes = ma.fields.Integer(required=True)
    pending_minutes = ma.fields.Integer(required=True)
    points = ma.fields.Integer(required=True)
    points_rule = ma.fields.String(required=True)
    entries = ma.fields.List(ma.fields.Nested(HourEntrySchema), required=True)
