"""Check-ins: the scan, the visit, and the anti-gaming flags staff see."""
import marshmallow as ma
from marshmallow import validate

from models.checkins import CHECKIN_STATUSES
from models.ledger import HOUR_STATUSES
from schemas.common import HeldAwareSchema, Id, PageArgsSchema, page_of, text


class CheckInRequestSchema(ma.Schema):
    station_id = Id(required=True)
    qr_token = text(200)
    lat = ma.fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    device_id = text(64, required=False)


class FlagSchema(ma.Schema):
    code = ma.fields.String(required=True)
    evidence = ma.fields.Dict(required=True)


class CheckInSchema(HeldAwareSchema):
    id = Id(required=True)
    station_id = Id(required=True)
    station_name = ma.fields.String(attribute="station.name", dump_only=True)
    member_id = Id(required=True)
    member_name = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    checked_in_at = ma.fields.DateTime(required=True)
    checked_out_at = ma.fields.DateTime(allow_none=True)
    minutes = ma.fields.Integer(allow_none=True)
    distance_m = ma.fields.Float()
    device_id = ma.fields.String(allow_none=True)
    flagged = ma.fields.Boolean()
    flags = ma.fields.List(ma.fields.Nested(FlagSchema))
    # The visit's ledger entry: pending or confirmed; null while open, or when over-long or never checked out.
    hours_status = ma.fields.String(allow_none=True)


class CheckInListArgsSchema(PageArgsSchema):
    station_id = Id()
    status = ma.fields.String(validate=validate.OneOf(CHECKIN_STATUSES))
    flagged = ma.fields.Boolean()
    hours_status = ma.fields.String(validate=validate.OneOf(HOUR_STATUSES))
    mine = ma.fields.Boolean(load_default=False)


CheckInPageSchema = page_of(CheckInSchema, "CheckInPage")


class ConfirmedSchema(ma.Schema):
    checkin_id = Id(required=True)
    entry_id = Id(required=True)
    minutes = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    confirmed_by_id = Id(required=True)
    confirmed_at = ma.fields.DateTime(required=True)
