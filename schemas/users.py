"""The user object of the contract and the editable profile."""
import marshmallow as ma
from marshmallow import validate

from models.orgs import STAFF_ROLES
from schemas.common import SCENE_PROFILE, HeldAwareSchema, Id, shared_text


class ScopeSchema(ma.Schema):
    org_id = Id(required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))


class UserSchema(HeldAwareSchema):
    id = Id(required=True)
    name = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    community_id = Id(allow_none=True)
    building_id = Id(allow_none=True)
    home_confirmed = ma.fields.Boolean(
        metadata={"description": "Staff confirmed the home (or an approved registration set it); "
                  "until then the contact list stays closed. A home changed through PATCH /me is unconfirmed again."}
    )
    skills = ma.fields.List(ma.fields.String())
    phone_masked = ma.fields.String(allow_none=True)
    username = ma.fields.String(allow_none=True)
    scopes = ma.fields.List(ma.fields.Nested(ScopeSchema))
    liaison_unit_ids = ma.fields.List(Id(), metadata={"description": "联络员账号所代表的驻区单位"})
    provider_ids = ma.fields.List(Id(), metadata={"description": "机构账号所代表的服务机构"})


class HomeConfirmationSchema(ma.Schema):
    user_id = ma.fields.Integer(required=True, attribute="id")
    community_id = ma.fields.Integer(allow_none=True)
    building_id = ma.fields.Integer(allow_none=True)
    home_confirmed_at = ma.fields.DateTime(required=True)


class ProfilePatchSchema(ma.Schema):
    name = shared_text(50, SCENE_PROFILE)
    community_id = Id(allow_none=True)
    building_id = Id(allow_none=True)
    skills = ma.fields.List(shared_text(30, SCENE_PROFILE), validate=validate.Length(max=20))
