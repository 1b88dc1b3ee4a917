"""Service categories."""
import marshmallow as ma
from marshmallow import validate

from models.categories import SERVICE_MODELS
from schemas.common import SCENE_PROFILE, HeldAwareSchema, Id, shared_text


class ServiceCategorySchema(HeldAwareSchema):
    id = Id(dump_only=True)
    name = shared_text(50, SCENE_PROFILE)
    skills = ma.fields.List(shared_text(30, SCENE_PROFILE), required=True, validate=validate.Length(min=1, max=20))
    service_model = ma.fields.String(required=True, validate=validate.OneOf(SERVICE_MODELS))
    expected_minutes = ma.fields.Integer(load_default=60, validate=validate.Range(min=1, max=24 * 60))
    sla_opening_hours = ma.fields.Boolean(load_default=False)


class ServiceCategoryPatchSchema(ma.Schema):
    name = shared_text(50, SCENE_PROFILE, required=False)
    skills = ma.fields.List(shared_text(30, SCENE_PROFILE), validate=validate.Length(min=1, max=20))
    service_model = ma.fields.String(validate=validate.OneOf(SERVICE_MODELS))
    expected_minutes = ma.fields.Integer(validate=validate.Range(min=1, max=24 * 60))
    sla_opening_hours = ma.fields.Boolean()


class ServiceCategoryListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ServiceCategorySchema), required=True)
