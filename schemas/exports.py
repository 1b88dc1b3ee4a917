"""Arguments of the Excel exports."""
import marshmallow as ma

from schemas.common import org_id_field


class ExportArgsSchema(ma.Schema):
    org_id = org_id_field()
    first = ma.fields.Date(
        data_key="from", metadata={"description": "YYYY-MM-DD, local date, included; default 1 January of this year"}
    )
    last = ma.fields.Date(
        data_key="to", metadata={"description": "YYYY-MM-DD, local date, included; default 31 December of this year"}
    )
