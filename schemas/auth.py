"""Login and token schemas."""
import marshmallow as ma

from schemas.common import new_password_field, text
from schemas.users import UserSchema


class WxLoginSchema(ma.Schema):
    code = text(128)


class WxLoginResultSchema(ma.Schema):
    token = ma.fields.String(required=True)
    user = ma.fields.Nested(UserSchema, required=True)
    is_new = ma.fields.Boolean(required=True)


class PhoneCodeSchema(ma.Schema):
    code = text(128)


class PhoneResultSchema(ma.Schema):
    phone_masked = ma.fields.String(required=True)


class DeskLoginSchema(ma.Schema):
    username = text(50)
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class DeskLoginResultSchema(ma.Schema):
    token = ma.fields.String(required=True)
    user = ma.fields.Nested(UserSchema, required=True)


class PasswordChangeSchema(ma.Schema):
    old_password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    new_password = new_password_field()
