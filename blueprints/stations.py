"""Stations (阵地): anyone signed in finds them; staff in scope manage them and show their QR code."""
import io

import segno
from flask import current_app, request, send_file, url_for
from flask_smorest import Blueprint

from blueprints.common import attachment, auth_required, current_user, larger_body, load_or_422, page_response
from extensions import db
from schemas.common import patch_schema
from schemas.stations import (
    CompletenessArgsSchema,
    CompletenessSchema,
    EvidenceListSchema,
    EvidenceSchema,
    EvidenceUploadSchema,
    QrSchema,
    StationChecklistSchema,
    StationListArgsSchema,
    StationPageSchema,
    StationPatchSchema,
    StationSchema,
)
from services import qrcodes, stations
from services.spreadsheets import CONTENT_TYPE

blp = Blueprint("stations", __name__, url_prefix="/stations", description="阵地与签到二维码")


@blp.route("", methods=["GET"])
@auth_required
@blp.arguments(StationListArgsSchema, location="query")
@blp.response(200, StationPageSchema)
@blp.alt_response(404, response="NOT_FOUND", description="`within` names an org outside the caller's scope, or none")
def list_stations(args):
    """站点列表: `near=lat,lng` sorts by distance and adds `distance_m`.

    `org_id` keeps the stations of that org itself; `within` those of the org and every unit
    under it (staff, in their scope).
    """
    statement = stations.station_listing(current_user(), args.get("kind"), args.get("org_id"), args.get("within"))
    if "near" not in args:
        return page_response(statement, args)
    items, total = stations.nearest(statement, *args["near"], args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("", methods=["POST"])
@auth_required
@blp.arguments(StationSchema)
@blp.response(201, StationSchema)
def create_station(args):
    """新建站点: in an org within the caller's scope."""
    station = stations.create_station(current_user(), args)
    db.session.commit()
    return station


@blp.route("/<id:station_id>", methods=["GET"])
@auth_required
@blp.response(200, StationSchema)
def get_station(station_id):
    """站点详情"""
    return stations.get_station(station_id)


@blp.route("/<id:station_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(StationPatchSchema))
@blp.response(200, StationSchema)
def patch_station(changes, station_id):
    """修改站点"""
    station = stations.update_station(current_user(), station_id, changes)
    db.session.commit()
    return station


@blp.route("/<id:station_id>/qr", methods=["GET"])
@auth_required
@blp.response(200, QrSchema)
def station_qr(station_id):
    """当前签到二维码: the token rotates every few minutes; the previous one stays valid one window."""
    station = stations.station_in_scope(current_user(), station_id)
    code = stations.qr_token(station)
    return {
        "token": code.token,
        "expires_at": code.expires_at,
        "changes_at": code.changes_at,
        "window_seconds": qrcodes.window_seconds(),
        "payload": stations.qr_payload(code.token),
        "png_url": url_for("stations.station_qr_png", station_id=station.id),
    }


@blp.route("/<id:station_id>/qr.png", methods=["GET"])
@auth_required
@blp.response(200, content_type="image/png")
def station_qr_png(station_id):
    """签到二维码图片, for staff to display at the station."""
    station = stations.station_in_scope(current_user(), station_id)
    image = io.BytesIO()
    segno.make(stations.qr_payload(stations.qr_token(station).token), error="m").save(image, kind="png", scale=8)
    image.seek(0)
    response = send_file(image, mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/<id:station_id>/wxacode.png", methods=["GET"])
@auth_required
@blp.response(200, content_type="image/png")
@blp.alt_response(
    503, response="SERVICE_UNAVAILABLE", description="WeChat cannot make the code now (`wxacode_unavailable`)"
)
def station_wxacode_png(station_id):
    """小程序码: the station's mini-program code for the current window (wxacode.getUnlimited), which
    opens the check-in page in WeChat; the plain QR (qr.png) stays for other scanners."""
    image = stations.mini_program_code(current_user(), station_id)
    response = send_file(io.BytesIO(image), mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/<id:station_id>/qr/rotate", methods=["POST"])
@auth_required
@blp.response(200, StationSchema)
def rotate_qr(station_id):
    """更换二维码密钥: voids every code of the station shown so far."""
    station = stations.rotate_secret(current_user(), station_id)
    db.session.commit()
    return station


@blp.route("/completeness", methods=["GET"])
@auth_required
@blp.arguments(CompletenessArgsSchema, location="query")
@blp.response(200, CompletenessSchema)
def completeness(args):
    """阵地标准化完成情况: per station of the org's subtree the checklist items done and evidenced, per org the sums."""
    return stations.completeness(current_user(), args["org_id"])


@blp.route("/completeness.xlsx", methods=["GET"])
@auth_required
@blp.arguments(CompletenessArgsSchema, location="query")
@blp.response(200, content_type=CONTENT_TYPE)
def completeness_xlsx(args):
    """阵地标准化完成情况（Excel）"""
    content, org_name = stations.completeness_workbook(current_user(), args["org_id"])
    return attachment(content, CONTENT_TYPE, f"{org_name}阵地标准化完成情况.xlsx", f"positions-{args['org_id']}.xlsx")


@blp.route("/<id:station_id>/checklist-evidence", methods=["POST"])
@larger_body
@auth_required
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": EvidenceUploadSchema}}})
@blp.response(201, EvidenceSchema)
def add_evidence(station_id):
    """清单佐证: a photo or PDF for one checklist item (multipart `item`, `file`); replaces the item's earlier one
    and marks the item done. The form is read after the scope check."""
    actor = current_user()
    stations.station_in_scope(actor, station_id)
    form = load_or_422(EvidenceUploadSchema(), {**request.form, **request.files})
    evidence = stations.add_evidence(actor, station_id, form["item"], form["file"].read())
    db.session.commit()
    return evidence


@blp.route("/<id:station_id>/checklist-evidence", methods=["GET"])
@auth_required
@blp.response(200, EvidenceListSchema)
def list_evidence(station_id):
    """清单佐证列表"""
    return {"items": stations.evidence_of(current_user(), station_id)}


@blp.route("/<id:station_id>/checklist", methods=["GET"])
@auth_required
@blp.response(200, StationChecklistSchema)
def station_checklist(station_id):
    """标准化清单: every item in order, done or not, with its evidence and who checked it when."""
    return stations.checklist_of(current_user(), station_id)


@blp.route("/<id:station_id>/checklist-evidence/<id:evidence_id>", methods=["GET"])
@auth_required
@blp.response(200, content_type="application/octet-stream")
def evidence_file(station_id, evidence_id):
    """清单佐证文件: for staff of the station's scope; never cached."""
    content, content_type = stations.evidence_content(current_user(), station_id, evidence_id)
    response = current_app.response_class(content, mimetype=content_type)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline"
    return response
