"""The audit trail as the API shows it, and its filters."""
import marshmallow as ma
from marshmallow import validate

from models.audit import AUDIT_KINDS
from schemas.common import PageArgsSchema, page_of

ID = validate.Range(min=1, max=2_147_483_647)


class AuditFilterSchema(ma.Schema):
    actor_id = ma.fields.Integer(validate=ID)
    action = ma.fields.String(validate=validate.Length(min=1, max=100))
    kind = ma.fields.String(validate=validate.OneOf(AUDIT_KINDS))
    target_type = ma.fields.String(validate=validate.Length(min=1, max=50))
    target_id = ma.fields.Integer(validate=ID)
    org_id = ma.fields.Integer(validate=ID, metadata={"description": "该组织及其下级组织的记录"})
    since = ma.fields.AwareDateTime(metadata={"description": "含此时刻"})
    until = ma.fields.AwareDateTime(metadata={"description": "不含此时刻"})


class AuditListArgsSchema(AuditFilterSchema, PageArgsSchema):
    pass


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = ma.fields.DateTime(required=True)
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.String(allow_none=True)
    kind = ma.fields.String(required=True, metadata={"description": "write: 修改; read: 查阅敏感个人信息"})
    action = ma.fields.String(required=True, metadata={"description": "the endpoint, e.g. requests.confirm"})
    target_type = ma.fields.String(allow_none=True, metadata={"description": "the table of the target"})
    target_id = ma.fields.Integer(allow_none=True)
    org_id = ma.fields.Integer(allow_none=True)
    before = ma.fields.Dict(metadata={"description": '"table:id" → the changed columns before'})
    after = ma.fields.Dict(metadata={"description": '"table:id" → the changed columns after'})
    ip = ma.fields.String(allow_none=True)


AuditPageSchema = page_of(AuditEntrySchema, "AuditPage")
