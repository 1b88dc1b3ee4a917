"""Check-in at stations by QR code, check-out, and staff confirmation of the minutes."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, idempotent, page_response
from extensions import db
from schemas.checkins import (
    CheckInListArgsSchema,
    CheckInPageSchema,
    CheckInRequestSchema,
    CheckInSchema,
    ConfirmedSchema,
)
from services import checkins

blp = Blueprint("checkins", __name__, url_prefix="/checkins", description="扫码签到")


@blp.route("", methods=["POST"])
@idempotent
@auth_required
@blp.arguments(CheckInRequestSchema)
@blp.response(201, CheckInSchema)
@blp.alt_response(200, schema=CheckInSchema, description="已有未签退的签到，原样返回")
def check_in(args):
    """签到: a valid code of the station, inside its radius, while it is open."""
    checkin, created = checkins.check_in(
        current_user(), args["station_id"], args["qr_token"], args["lat"], args["lng"], args.get("device_id")
    )
    db.session.commit()
    return checkin, 201 if created else 200


@blp.route("/<id:checkin_id>/checkout", methods=["POST"])
@auth_required
@blp.response(200, CheckInSchema)
def check_out(checkin_id):
    """签退: the minutes become a pending ledger entry."""
    checkin = checkins.check_out(current_user(), checkin_id)
    db.session.commit()
    return checkin


@blp.route("/<id:checkin_id>/confirm", methods=["POST"])
@auth_required
@blp.response(200, ConfirmedSchema)
def confirm(checkin_id):
    """确认时长 (staff in the station's scope; never one's own)."""
    entry = checkins.confirm(current_user(), checkin_id)
    db.session.commit()
    return {
        "checkin_id": checkin_id,
        "entry_id": entry.id,
        "minutes": entry.minutes,
        "status": entry.status,
        "confirmed_by_id": entry.confirmed_by_id,
        "confirmed_at": entry.confirmed_at,
    }


@blp.route("", methods=["GET"])
@auth_required
@blp.arguments(CheckInListArgsSchema, location="query")
@blp.response(200, CheckInPageSchema)
def list_checkins(args):
    """签到记录: staff see their scope (`flagged=1` for the suspicious ones, `hours_status=pending` for the
    minutes still to confirm); members their own."""
    statement = checkins.checkin_listing(current_user(), args)
    return page_response(statement, args)
