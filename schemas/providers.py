"""专业化基地化服务: providers and their accounts."""
import marshmallow as ma
from marshmallow import validate

from models.providers import PROVIDER_KINDS
from schemas.common import (
    SCENE_PROFILE,
    HeldAwareSchema,
    Id,
    PageArgsSchema,
    new_password_field,
    page_of,
    shared_text,
    text,
)


class ProviderSchema(HeldAwareSchema):
    id = Id(dump_only=True)
    org_id = Id(required=True,
                metadata={"description": "the unit that works with it; its communities' requests may go to it"})
    name = shared_text(100, SCENE_PROFILE)
    kind = ma.fields.String(required=True, validate=validate.OneOf(PROVIDER_KINDS))
    parent_id = Id(allow_none=True, load_default=None,
                   metadata={"description": "a service base: the organisation running it"})
    parent_name = ma.fields.String(dump_only=True, allow_none=True)
    services = ma.fields.List(shared_text(50, SCENE_PROFILE), load_default=list, validate=validate.Length(max=30),
                              metadata={"description": "what it offers"})
    address = shared_text(200, SCENE_PROFILE, required=False, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class ProviderListArgsSchema(PageArgsSchema):
    kind = ma.fields.String(validate=validate.OneOf(PROVIDER_KINDS))
    serving = Id(metadata={"description": "a community in the caller's scope: the providers its requests may be "
                                          "routed to (wherever they sit), those attached closest first"})


class ProviderAccountSchema(ma.Schema):
    username = text(50, min_length=3)
    password = new_password_field()
    name = shared_text(50, SCENE_PROFILE)


class ProviderAccountCreatedSchema(HeldAwareSchema):
    user_id = Id(required=True, attribute="id")
    username = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


ProviderPageSchema = page_of(ProviderSchema, "ProviderPage")


class ProviderPatchSchema(ProviderSchema):
    """Name, offerings and address, each optional (used through patch_schema)."""

    class Meta:
        exclude = ("org_id", "kind", "parent_id")


ProviderAccountPageSchema = page_of(ProviderAccountCreatedSchema, "ProviderAccountPage")
