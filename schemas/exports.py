"""Arguments of the Excel exports and the dashboard."""
import marshmallow as ma
from marshmallow import validate

# The largest id the database's integer columns hold: a bigger one is simply invalid (422).
LARGEST_ID = 2**31 - 1


def org_id_field() -> ma.fields.Integer:
    return ma.fields.Integer(
        validate=validate.Range(min=1, max=LARGEST_ID),
        metadata={"description": "默认：调用者的第一个管辖组织（管理员：组织树的根）"},
    )


class ExportArgsSchema(ma.Schema):
    org_id = org_id_field()
    first = ma.fields.Date(data_key="from", metadata={"description": "YYYY-MM-DD, local date, included; default 1 January of this year"})
    last = ma.fields.Date(data_key="to", metadata={"description": "YYYY-MM-DD, local date, included; default 31 December of this year"})


class DashboardArgsSchema(ma.Schema):
    org_id = org_id_field()
