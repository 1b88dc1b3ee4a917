"""Texts held by WeChat's content check, as the desk's review queue shows them."""
import marshmallow as ma
from marshmallow import validate

from models.moderation import HOLD_REASONS, MODERATION_STATUSES
from schemas.common import Id, PageArgsSchema, page_of


class ModerationArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(MODERATION_STATUSES))


class ModerationHoldSchema(ma.Schema):
    id = Id(required=True)
    table_name = ma.fields.String(required=True, metadata={"description": "where the text is stored"})
    row_id = Id(required=True)
    column_name = ma.fields.String(required=True)
    content = ma.fields.String(required=True, metadata={"description": "the text as written"})
    scene = ma.fields.Integer(
        required=True, metadata={"description": "WeChat's scene: 1 资料 2 评论 3 论坛 4 社交日志"}
    )
    reason = ma.fields.String(required=True, validate=validate.OneOf(HOLD_REASONS))
    label = ma.fields.Integer(allow_none=True, metadata={"description": "WeChat's label for its suggestion"})
    author_id = Id(required=True)
    org_unit_id = Id(allow_none=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(MODERATION_STATUSES))
    decided_by_id = Id(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(required=True)


ModerationPageSchema = page_of(ModerationHoldSchema, "ModerationPage")
