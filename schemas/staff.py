"""Desk accounts: creating them, granting and listing scopes."""
import marshmallow as ma
from marshmallow import ValidationError, validate, validates_schema

from models.orgs import STAFF_ROLES
from schemas.common import SCENE_PROFILE, HeldAwareSchema, Id, new_password_field, page_of, shared_text


class StaffCreateSchema(ma.Schema):
    """Either a new desk account (username, password, name) or a grant to an existing user_id."""

    username = ma.fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,50}$", error="用户名为 3 到 50 位字母、数字或 _.-")
    )
    password = new_password_field(required=False)
    name = shared_text(50, SCENE_PROFILE, required=False)
    user_id = Id()
    org_id = Id(required=True)
    role = ma.fields.String(load_default="staff", validate=validate.OneOf(STAFF_ROLES))

    @validates_schema
    def _account_or_grant(self, data, **_kwargs):
        creating = "username" in data
        if creating == ("user_id" in data):
            raise ValidationError("请提供 username（新建账号）或 user_id（授权已有用户）之一", "_schema")
        if creating and ("password" not in data or "name" not in data):
            raise ValidationError("新建账号需要 username、password 和 name", "_schema")


class StaffScopeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    org_id = ma.fields.Integer(required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))


class StaffAccountSchema(HeldAwareSchema):
    """A staff account with the scopes the caller may see."""

    id = ma.fields.Integer(required=True)
    username = ma.fields.String(allow_none=True)
    name = ma.fields.String(required=True)
    disabled = ma.fields.Boolean(required=True)
    scopes = ma.fields.List(ma.fields.Nested(StaffScopeSchema), required=True)


StaffPageSchema = page_of(StaffAccountSchema, "StaffPage")
