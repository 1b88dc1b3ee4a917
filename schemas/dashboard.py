"""The staff dashboard: today's figures and twelve weeks of history for one org's subtree."""
import marshmallow as ma

from schemas.common import HeldAwareSchema, org_id_field


class DashboardArgsSchema(ma.Schema):
    org_id = org_id_field()


class DashboardTodaySchema(ma.Schema):
    requests_by_status = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True,
        metadata={"description": "every request status → requests now in it"},
    )
    overdue_requests = ma.fields.Integer(required=True, metadata={"description": "untaken past the response deadline"})
    checkins_today = ma.fields.Integer(required=True, metadata={"description": "check-ins since local midnight"})
    members_on_duty = ma.fields.Integer(required=True, metadata={"description": "members checked in now"})
    hours_confirmed_this_month_minutes = ma.fields.Integer(required=True)
    registrations_waiting = ma.fields.Integer(required=True)
    corrections_waiting = ma.fields.Integer(required=True)


class DashboardWeekSchema(ma.Schema):
    week_start = ma.fields.Date(required=True, metadata={"description": "the local Monday"})
    requests = ma.fields.Integer(required=True, metadata={"description": "requests submitted that week"})
    confirmed_minutes = ma.fields.Integer(
        required=True, metadata={"description": "service minutes confirmed that week"}
    )


class DashboardSchema(HeldAwareSchema):
    org_id = ma.fields.Integer(required=True)
    org_name = ma.fields.String(required=True)
    today = ma.fields.Nested(DashboardTodaySchema, required=True)
    weeks = ma.fields.List(
        ma.fields.Nested(DashboardWeekSchema), required=True, metadata={"description": "twelve weeks, oldest first"}
    )
