"""文化惠民服务: activities, sign-ups, the check-in code and the helpers' hours."""
import marshmallow as ma
from marshmallow import validate

from models.activities import ACTIVITY_LEVELS, SIGNUP_STATUSES
from schemas.common import SCENE_FORUM, SCENE_PROFILE, HeldAwareSchema, Id, PageArgsSchema, page_of, shared_text, text

HELPER_ROLES = ("organiser", "volunteer")


class ActivitySchema(HeldAwareSchema):
    id = Id(dump_only=True)
    title = shared_text(100, SCENE_PROFILE)
    description = shared_text(1000, SCENE_FORUM, required=False, min_length=0)
    level = ma.fields.String(required=True, validate=validate.OneOf(ACTIVITY_LEVELS))
    level_name = ma.fields.String(dump_only=True)
    org_id = Id(required=True, metadata={"description": "the organising unit (组织者); its community may join"})
    org_name = ma.fields.String(dump_only=True)
    audience = shared_text(
        100, SCENE_PROFILE, required=False, min_length=0, metadata={"description": "面向对象, e.g. 全体居民、老年人"}
    )
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    capacity = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    address = shared_text(200, SCENE_PROFILE)
    lat = ma.fields.Float(validate=validate.Range(min=-90, max=90), allow_none=True, load_default=None)
    lng = ma.fields.Float(validate=validate.Range(min=-180, max=180), allow_none=True, load_default=None)
    radius_m = ma.fields.Integer(validate=validate.Range(min=10, max=5000), load_default=200,
                                 metadata={"description": "check-in is accepted this close to lat, lng"})
    confirmed_count = ma.fields.Integer(dump_only=True, metadata={"description": "seats taken"})
    waitlisted_count = ma.fields.Integer(dump_only=True)
    my_signup = ma.fields.Nested(lambda: SignupSchema(), dump_only=True, allow_none=True,
                                 metadata={"description": "the caller's own sign-up, if any"})

    @ma.validates_schema
    def position_whole(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ma.ValidationError("经纬度应同时填写", "lng")


class ActivityListArgsSchema(PageArgsSchema):
    level = ma.fields.String(validate=validate.OneOf(ACTIVITY_LEVELS))
    org_id = Id()
    upcoming = ma.fields.Boolean(metadata={"description": "1: only activities not yet ended"})


class SignupSchema(HeldAwareSchema):
    id = Id(required=True)
    activity_id = Id(required=True)
    user_id = Id(required=True)
    user_name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(SIGNUP_STATUSES),
                              metadata={"description": "confirmed: a seat; waitlisted: waiting in order"})
    position = ma.fields.Integer(allow_none=True, metadata={"description": "place on the waiting list (1 = next)"})
    created_at = ma.fields.DateTime(required=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)
    checked_in_at = ma.fields.DateTime(allow_none=True)


ActivityPageSchema = page_of(ActivitySchema, "ActivityPage")
SignupPageSchema = page_of(SignupSchema, "SignupPage")


class HelperSchema(ma.Schema):
    user_id = Id(required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(HELPER_ROLES))


class ActivityCheckInSchema(ma.Schema):
    qr_token = text(200)
    lat = ma.fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class ActivityQrSchema(ma.Schema):
    token = ma.fields.String(required=True)
    expires_at = ma.fields.DateTime(required=True, metadata={"description": "the token is refused from then on"})
    changes_at = ma.fields.DateTime(required=True, metadata={"description": "a new token is shown from then on"})
    window_seconds = ma.fields.Integer(required=True)
    payload = ma.fields.String(required=True, metadata={"description": "what the QR code encodes"})


class CreditedEntrySchema(ma.Schema):
    entry_id = Id(required=True, attribute="id")
    member_id = Id(required=True)
    minutes = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)


class CreditedSchema(ma.Schema):
    entries = ma.fields.List(ma.fields.Nested(CreditedEntrySchema), required=True)
