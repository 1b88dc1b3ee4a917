"""The user object of the contract and the editable profile."""
import marshmallow as ma
from marshmallow import validate

from models.orgs import STAFF_ROLES
from schemas.common import Id, text


class ScopeSchema(ma.Schema):
    org_id = Id(required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))


class UserSchema(ma.Schema):
    id = Id(required=True)
    name = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    community_id = Id(allow_none=True)
    building_id = Id(allow_none=True)
    skills = ma.fields.List(ma.fields.String())
    phone_masked = ma.fields.String(allow_none=True)
    username = ma.fields.String(allow_none=True)
    scopes = ma.fields.List(ma.fields.Nested(ScopeSchema))


class ProfilePatchSchema(ma.Schema):
    name = text(50)
    community_id = Id(allow_none=True)
    building_id = Id(allow_none=True)
    skills = ma.fields.List(text(30), validate=validate.Length(max=20))
