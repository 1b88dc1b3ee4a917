"""Org units, the subtree and the public community directory."""
import marshmallow as ma
from marshmallow import validate

from models.orgs import ORG_KINDS
from schemas.common import SCENE_PROFILE, HeldAwareSchema, Id, PageArgsSchema, page_of, shared_text, text


class LocationMixin(HeldAwareSchema):
    """Where a building or community stands: both coordinates or neither."""

    lat = ma.fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))

    @ma.validates_schema
    def _both_or_neither(self, data, **kwargs):
        if ("lat" in data) != ("lng" in data) or (data.get("lat") is None) != (data.get("lng") is None):
            raise ma.ValidationError("经纬度须同时填写", field_name="lng" if "lat" in data else "lat")


class OrgSchema(LocationMixin):
    id = Id(dump_only=True)
    name = shared_text(100, SCENE_PROFILE)
    kind = ma.fields.String(required=True, validate=validate.OneOf(ORG_KINDS))
    parent_id = Id(allow_none=True, load_default=None)
    path = ma.fields.String(dump_only=True)
    depth = ma.fields.Integer(dump_only=True)


class OrgPatchSchema(LocationMixin):
    name = shared_text(100, SCENE_PROFILE)
    parent_id = Id(allow_none=True)


class OrgListArgsSchema(PageArgsSchema):
    kind = ma.fields.String(validate=validate.OneOf(ORG_KINDS))
    parent_id = Id()


OrgPageSchema = page_of(OrgSchema, "OrgPage")


class OrgTreeSchema(HeldAwareSchema):
    id = Id(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    parent_id = Id(allow_none=True)
    children = ma.fields.List(ma.fields.Nested(lambda: OrgTreeSchema()), required=True)


class BuildingRefSchema(HeldAwareSchema):
    id = Id(required=True)
    name = ma.fields.String(required=True)


class CommunitySchema(HeldAwareSchema):
    id = Id(required=True)
    name = ma.fields.String(required=True)
    buildings = ma.fields.List(ma.fields.Nested(BuildingRefSchema), required=True)


class CommunityListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CommunitySchema), required=True)


class CommunityArgsSchema(ma.Schema):
    q = text(50, required=False)
