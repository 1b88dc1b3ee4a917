"""The inbox, templates, grants and the staff outbox view."""
import marshmallow as ma
from marshmallow import validate

from config import NOTIFICATION_EVENTS
from models.notifications import DELIVERY_STATUSES
from schemas.common import HeldAwareSchema, Id, PageArgsSchema, page_of, text


class NotificationSchema(HeldAwareSchema):
    id = Id(required=True)
    event = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    body = ma.fields.String(required=True)
    data = ma.fields.Dict(required=True)
    page = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    read_at = ma.fields.DateTime(allow_none=True)
    read = ma.fields.Function(lambda notification: notification.read_at is not None)


NotificationPageSchema = page_of(NotificationSchema, "NotificationPage")


class OutboxItemSchema(ma.Schema):
    """Delivery fields only: staff see whether a message went out, never what it said."""

    id = ma.fields.Integer(required=True)
    user_id = ma.fields.Integer(required=True)
    event = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    attempts = ma.fields.Integer(required=True)
    last_error = ma.fields.String(allow_none=True)
    template_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    queued_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    sent_at = ma.fields.DateTime(allow_none=True)


OutboxPageSchema = page_of(OutboxItemSchema, "OutboxPage")


class OutboxArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    event = ma.fields.String(
        validate=validate.OneOf(tuple(NOTIFICATION_EVENTS)), metadata={"description": "/meta notification_event"}
    )


class TemplateSchema(ma.Schema):
    event = ma.fields.String(required=True)
    template_id = ma.fields.String(required=True)
    title = ma.fields.String(required=True)


class TemplateListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TemplateSchema), required=True)


class GrantsSchema(ma.Schema):
    template_ids = ma.fields.List(text(100), required=True, validate=validate.Length(min=1, max=20))


class GrantSchema(ma.Schema):
    template_id = ma.fields.String(required=True)
    remaining = ma.fields.Integer(required=True)


class GrantListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(GrantSchema), required=True)
