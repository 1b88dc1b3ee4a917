"""What a person may ask about their own personal information (个人信息)."""
import marshmallow as ma

ROWS = {"description": "one object per row, with the row's columns (secrets never; phone numbers masked)"}


class PersonalDataSchema(ma.Schema):
    """Everything Linli holds about the caller (GET /me/export)."""

    exported_at = ma.fields.String(required=True)
    profile = ma.fields.Dict(required=True)
    registrations = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    checkins = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    hour_entries = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    hour_corrections = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    requests = ma.fields.List(ma.fields.Dict(), required=True, metadata={"description": "the requests they made"})
    requests_served = ma.fields.List(
        ma.fields.Dict(), required=True, metadata={"description": "the requests they served: their part only"}
    )
    offers = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    threads = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    messages = ma.fields.List(ma.fields.Dict(), required=True, metadata={"description": "the messages they wrote"})
    reports = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    notifications = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    notification_grants = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    building_contacts = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    visit_plans = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    visits = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    activity_signups = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    branch_memberships = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    staff_scopes = ma.fields.List(ma.fields.Dict(), required=True, metadata=ROWS)
    stations = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "positions named after them (冠名) or in their home (中心户)"})
    tokens = ma.fields.List(ma.fields.Dict(), required=True, metadata={"description": "sessions (never the token)"})
    audit_actions = ma.fields.List(
        ma.fields.Dict(), required=True, metadata={"description": "staff: what they did (without the changed values)"}
    )
