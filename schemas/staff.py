"""Creating desk accounts and granting scopes."""
import marshmallow as ma
from marshmallow import ValidationError, validate, validates_schema

from models.orgs import STAFF_ROLES
from schemas.common import Id, text


class StaffCreateSchema(ma.Schema):
    """Either a new desk account (username, password, name) or a grant to an existing user_id."""

    username = ma.fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,50}$", error="用户名为 3 到 50 位字母、数字或 _.-"))
    password = ma.fields.String(validate=validate.Length(min=10, max=200, error="密码长度应在 10 到 200 位之间"))
    name = text(50, required=False)
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
