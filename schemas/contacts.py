"""楼院联系: contact cards, threads, messages, reports."""
import marshmallow as ma
from marshmallow import validate

from models.contacts import MESSAGE_KINDS, REPORT_OUTCOMES, REPORT_STATUSES
from schemas.common import (
    SCENE_COMMENT,
    SCENE_SOCIAL,
    HeldAwareSchema,
    Id,
    PageArgsSchema,
    moderation_field,
    page_of,
    shared_text,
    text,
)

MESSAGE_MAX_LENGTH = 1000


class ContactSchema(HeldAwareSchema):
    member_id = Id(required=True)
    name = ma.fields.String(required=True)
    branch = ma.fields.String(required=True)
    skills = ma.fields.List(ma.fields.String(), required=True)
    phone_masked = ma.fields.String(allow_none=True)
    # Whether the member is checked in somewhere now; which station is not told (live whereabouts).
    on_duty = ma.fields.Boolean(required=True)


ContactPageSchema = page_of(ContactSchema, "ContactPage")


class BuildingContactArgsSchema(ma.Schema):
    member_id = Id(required=True)


class ContactPersonSchema(HeldAwareSchema):
    id = Id(required=True)
    name = ma.fields.String(required=True)


class ContactServedBuildingSchema(HeldAwareSchema):
    id = Id(required=True)
    name = ma.fields.String(required=True)
    residents = ma.fields.List(ma.fields.Nested(ContactPersonSchema), required=True)


class ContactServedSchema(ma.Schema):
    community_id = Id(required=True)
    buildings = ma.fields.List(ma.fields.Nested(ContactServedBuildingSchema), required=True)


class ContactMessageArgsSchema(ma.Schema):
    # Plain text: stored and returned exactly as written, never rendered as markup here.
    text = shared_text(MESSAGE_MAX_LENGTH, SCENE_SOCIAL)


class ContactMessageSchema(HeldAwareSchema):
    id = Id(required=True)
    moderation = moderation_field()
    thread_id = Id(required=True)
    sender_id = Id(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(MESSAGE_KINDS))
    text = ma.fields.String(required=True)
    read_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(required=True)


ContactMessagePageSchema = page_of(ContactMessageSchema, "ContactMessagePage")


class ContactThreadSchema(ma.Schema):
    id = Id(required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(("resident", "member")))
    resident_id = Id(required=True)
    member_id = Id(required=True)
    other_party = ma.fields.Nested(ContactPersonSchema, required=True)
    blocked = ma.fields.Boolean(required=True)
    unread_count = ma.fields.Integer(required=True)
    created_at = ma.fields.DateTime(required=True)
    last_message_at = ma.fields.DateTime(required=True)


ContactThreadPageSchema = page_of(ContactThreadSchema, "ContactThreadPage")


class ThreadReadResultSchema(ma.Schema):
    marked = ma.fields.Integer(required=True)


class ContactReportArgsSchema(ma.Schema):
    reason = shared_text(200, SCENE_COMMENT)


class ContactReportSchema(HeldAwareSchema):
    id = Id(required=True)
    community_id = Id(required=True)
    thread_id = Id(required=True)
    message_id = Id(required=True)
    message_text = ma.fields.String(required=True)
    message_sent_at = ma.fields.DateTime(required=True)
    sender = ma.fields.Nested(ContactPersonSchema, required=True)
    reporter = ma.fields.Nested(ContactPersonSchema, required=True)
    reason = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    status = ma.fields.String(
        required=True, validate=validate.OneOf(REPORT_STATUSES), metadata={"description": "/meta contact_report_status"}
    )
    handled_by = ma.fields.Nested(ContactPersonSchema, allow_none=True)
    handled_at = ma.fields.DateTime(allow_none=True)
    note = ma.fields.String(allow_none=True, metadata={"description": "工作人员的处理意见，只在工作台显示"})


ContactReportPageSchema = page_of(ContactReportSchema, "ContactReportPage")


class ContactReportListArgsSchema(PageArgsSchema):
    status = ma.fields.String(
        validate=validate.OneOf(REPORT_STATUSES),
        metadata={"description": "只列出该状态的举报；不填则列出全部，待处理的在前"},
    )


class ContactReportResolveSchema(ma.Schema):
    outcome = ma.fields.String(
        required=True,
        validate=validate.OneOf(REPORT_OUTCOMES),
        metadata={"description": "upheld 成立 / dismissed 不成立"},
    )
    note = text(200, metadata={"description": "处理意见（必填），只在工作台显示，不发给举报人"})
