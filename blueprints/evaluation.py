"""双向述职评议: rounds and their subjects for street and district staff; anonymous ballots with one-time codes."""
from flask import current_app, request
from flask_smorest import Blueprint

from blueprints.common import (
    auth_required,
    current_user,
    larger_body,
    load_or_422,
    page_response,
    workbook_download,
    workbook_response,
)
from extensions import db, limiter
from schemas.common import patch_schema
from schemas.evaluation import (
    AssessmentListSchema,
    AssessmentSchema,
    BallotPaperSchema,
    BallotSchema,
    CodeSchema,
    CodesSchema,
    DisplaySchema,
    InvitationSchema,
    MediaListSchema,
    MediaSchema,
    MediaUploadSchema,
    RecordSchema,
    ResultsSchema,
    RoundDetailSchema,
    RoundListArgsSchema,
    RoundPageSchema,
    RoundPatchSchema,
    RoundSchema,
    SubjectReportSchema,
    SubjectSchema,
    VideoLinkSchema,
)
from services import evaluation

blp = Blueprint("evaluation", __name__, url_prefix="", description="双向述职评议")

def _ballots_per_minute() -> str:
    return f"{current_app.config['BALLOTS_PER_MINUTE']} per minute"


def _detail(round_):
    round_.subjects = evaluation.subjects_of(round_)
    round_.codes = evaluation.code_counts(round_)
    return round_


@blp.route("/evaluations", methods=["POST"])
@auth_required
@blp.arguments(RoundSchema)
@blp.response(201, RoundDetailSchema)
def open_round(args):
    """开启述职评议: a street or district opens a round for a year."""
    round_ = evaluation.open_round(current_user(), args)
    db.session.commit()
    return _detail(round_)


@blp.route("/evaluations", methods=["GET"])
@auth_required
@blp.arguments(RoundListArgsSchema, location="query")
@blp.response(200, RoundPageSchema)
def list_rounds(args):
    """述职评议列表: the rounds of the caller's scope."""
    return page_response(evaluation.round_listing(current_user(), args.get("year")), args)


@blp.route("/evaluations/<id:round_id>", methods=["GET"])
@auth_required
@blp.response(200, RoundDetailSchema)
def get_round(round_id):
    """述职评议详情: subjects, and codes made and spent per sector."""
    return _detail(evaluation.round_in_scope(current_user(), round_id))


@blp.route("/evaluations/<id:round_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(RoundPatchSchema))
@blp.response(200, RoundDetailSchema)
def patch_round(changes, round_id):
    """安排述职大会 (time, place); the dimensions until the first ballot."""
    round_ = evaluation.schedule_meeting(current_user(), round_id, changes)
    db.session.commit()
    return _detail(round_)


@blp.route("/evaluations/<id:round_id>/subjects", methods=["POST"])
@auth_required
@blp.arguments(SubjectSchema)
@blp.response(201, SubjectSchema)
def add_subject(args, round_id):
    """添加述职对象: a community general branch, an enterprise or social-organisation branch of the round's area."""
    subject = evaluation.add_subject(current_user(), round_id, args["org_id"])
    db.session.commit()
    return subject


@blp.route("/evaluations/<id:round_id>/subjects/<id:subject_id>/report", methods=["PUT"])
@auth_required
@blp.arguments(SubjectReportSchema)
@blp.response(200, SubjectSchema)
def write_report(args, round_id, subject_id):
    """述职报告: written by the subject's own staff (or the round's)."""
    subject = evaluation.write_report(current_user(), round_id, subject_id, args["report_text"])
    db.session.commit()
    return subject


@blp.route("/evaluations/<id:round_id>/subjects/<id:subject_id>/record", methods=["GET"])
@auth_required
@blp.response(200, RecordSchema)
def subject_record(round_id, subject_id):
    """有内容可述: the year's record of the subject's subtree, computed from Linli's data."""
    return evaluation.subject_record(current_user(), round_id, subject_id)


@blp.route("/evaluations/<id:round_id>/subjects/<id:subject_id>/assessments", methods=["POST"])
@auth_required
@blp.arguments(AssessmentSchema)
@blp.response(201, AssessmentSchema)
def add_assessment(args, round_id, subject_id):
    """有措施监述: a daily or pre-report assessment, by the superior organisation (the round's staff)."""
    assessment = evaluation.add_assessment(current_user(), round_id, subject_id, args)
    db.session.commit()
    return assessment


@blp.route("/evaluations/<id:round_id>/subjects/<id:subject_id>/assessments", methods=["GET"])
@auth_required
@blp.response(200, AssessmentListSchema)
def list_assessments(round_id, subject_id):
    """考核记录 of a subject."""
    return {"items": evaluation.assessments_of(current_user(), round_id, subject_id)}


@blp.route("/evaluations/<id:round_id>/subjects/<id:subject_id>/media", methods=["POST"])
@larger_body
@auth_required
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": MediaUploadSchema}}})
@blp.response(201, MediaSchema)
def upload_media(round_id, subject_id):
    """述职材料: a JPEG or PNG image or a PDF (multipart `file`, `title`), up to EVALUATION_MEDIA_MAX_BYTES.

    The form is read after the scope check, so a caller outside the scope learns nothing from it."""
    actor = current_user()
    evaluation.subject_for_reporter(actor, round_id, subject_id)
    form = load_or_422(MediaUploadSchema(), {**request.form, **request.files})
    media = evaluation.add_media_file(actor, round_id, subject_id, form["title"], form["file"].read())
    db.session.commit()
    return media


@blp.route("/evaluations/<id:round_id>/subjects/<id:subject_id>/video-links", methods=["POST"])
@auth_required
@blp.arguments(VideoLinkSchema)
@blp.response(201, MediaSchema)
def add_video_link(args, round_id, subject_id):
    """述职视频链接"""
    media = evaluation.add_video_link(current_user(), round_id, subject_id, args["title"], args["url"])
    db.session.commit()
    return media


@blp.route("/evaluations/<id:round_id>/subjects/<id:subject_id>/media", methods=["GET"])
@auth_required
@blp.response(200, MediaListSchema)
def list_media(round_id, subject_id):
    """述职材料列表"""
    return {"items": evaluation.subject_media(current_user(), round_id, subject_id)}


@blp.route("/evaluations/<id:round_id>/media/<id:media_id>", methods=["GET"])
@auth_required
@blp.response(200, content_type="application/octet-stream")
def media_file(round_id, media_id):
    """述职材料文件: only for the round's staff and the subject's own staff; never cached."""
    content, content_type = evaluation.media_content(current_user(), round_id, media_id)
    response = current_app.response_class(content, mimetype=content_type)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


@blp.route("/evaluations/<id:round_id>/subjects/<id:subject_id>/display", methods=["GET"])
@auth_required
@blp.response(200, DisplaySchema)
def display(round_id, subject_id):
    """有手段展述: what the meeting screen shows for one subject (read-only)."""
    return evaluation.display(current_user(), round_id, subject_id)


@blp.route("/evaluations/<id:round_id>/invitations", methods=["POST"])
@auth_required
@blp.arguments(InvitationSchema)
@blp.response(201, CodesSchema)
def invite(args, round_id):
    """评议码: `count` one-time codes for a sector, shown only in this answer (print them now)."""
    codes = evaluation.invite(current_user(), round_id, args["sector"], args["count"])
    db.session.commit()
    return {"codes": codes}, 201, {"Cache-Control": "no-store"}


@blp.route("/evaluations/<id:round_id>/close", methods=["POST"])
@auth_required
@blp.response(200, RoundDetailSchema)
def close_round(round_id):
    """结束评议: no more ballots; results become visible."""
    round_ = evaluation.close_round(current_user(), round_id)
    db.session.commit()
    return _detail(round_)


@blp.route("/evaluations/<id:round_id>/results", methods=["GET"])
@auth_required
@blp.response(200, ResultsSchema)
def results(round_id):
    """评议结果: per subject, sector and dimension, only after closing; no mean for a sector under the minimum."""
    return evaluation.results(current_user(), round_id)


@blp.route("/evaluations/<id:round_id>/results.xlsx", methods=["GET"])
@auth_required
@workbook_response(blp, "one row per subject, sector and dimension", evaluation.RESULT_EXPORT_COLUMNS)
@blp.alt_response(409, response="CONFLICT")
def results_xlsx(round_id):
    """导出评议结果 (Excel; the round's staff): the results answer as a sheet — before closing 409, no mean for a
    sector under the minimum."""
    export = evaluation.results_export(current_user(), round_id)
    return workbook_download(export)


@blp.route("/ballots/paper", methods=["POST"])
@limiter.limit(_ballots_per_minute)
@blp.doc(security=[])
@blp.arguments(CodeSchema)
@blp.response(200, BallotPaperSchema)
def ballot_paper(args):
    """评议票: what a code scores (subjects, dimensions); anonymous; the code stays unspent."""
    return evaluation.ballot_paper(args["code"])


@blp.route("/ballots", methods=["POST"])
@limiter.limit(_ballots_per_minute)
@blp.doc(security=[])
@blp.arguments(BallotSchema)
@blp.response(201)
def cast_ballot(args):
    """投票: anonymous (no login); one ballot per code; a used code 409, an unknown code 404.

    The code is never logged."""
    evaluation.cast_ballot(args["code"], args["scores"])
    db.session.commit()
    return "", 201
