"""按需服务: residents ask, members take and complete, staff confirm; matching explained to the desk."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, idempotent, page_response
from extensions import db
from jobs.requests import schedule_offer_timer
from schemas.requests import (
    RequestAnswerSchema,
    RequestAssignSchema,
    RequestCancelSchema,
    RequestCandidateSchema,
    RequestCompleteSchema,
    RequestCreateSchema,
    RequestDetailSchema,
    RequestListArgsSchema,
    RequestOfferSchema,
    RequestPageSchema,
    RequestQuestionSchema,
    RequestRateSchema,
    RequestReasonSchema,
    RequestReportSchema,
    RequestRouteSchema,
)
from services import requests

blp = Blueprint("requests", __name__, description="按需服务")


@blp.route("/requests", methods=["POST"])
@idempotent
@auth_required
@blp.arguments(RequestCreateSchema)
@blp.response(201, RequestDetailSchema)
def create_request(args):
    """提出服务请求: matching starts at once."""
    request = requests.create_request(current_user(), args)
    db.session.commit()
    schedule_offer_timer(request)
    return request


@blp.route("/requests", methods=["GET"])
@auth_required
@blp.arguments(RequestListArgsSchema, location="query")
@blp.response(200, RequestPageSchema)
def list_requests(args):
    """服务请求列表: own, offered to or taken by the caller, or within the staff's scope
    (`awaiting_me=1`: the offers still waiting for the calling member's answer)."""
    user = current_user()
    statement, count = requests.counted_listing(user, args)
    page = page_response(statement, args, count)
    page["items"] = [requests.seen_by(user, request) for request in page["items"]]
    return page


@blp.route("/requests/<id:request_id>", methods=["GET"])
@auth_required
@blp.response(200, RequestDetailSchema)
def get_request(request_id):
    """服务请求详情, with its history (a member with an open offer: no name, address or position)."""
    user = current_user()
    return requests.seen_by(user, requests.get_visible(user, request_id))


@blp.route("/requests/<id:request_id>/candidates", methods=["GET"])
@auth_required
@blp.response(200, RequestCandidateSchema(many=True))
def candidates(request_id):
    """候选党员: ranked, each with the reasons for the score (staff in scope); the best 500 at most."""
    return requests.staff_candidates(current_user(), request_id)


@blp.route("/requests/<id:request_id>/offers", methods=["GET"])
@auth_required
@blp.response(200, RequestOfferSchema(many=True))
def offers(request_id):
    """派单记录: who was asked, when, why and how they answered (staff: all; a member: their own open offer);
    500 at most."""
    return requests.offers_seen_by(current_user(), request_id)


def _finish(request):
    db.session.commit()
    schedule_offer_timer(request)
    return requests.seen_by(current_user(), request)


@blp.route("/requests/<id:request_id>/accept", methods=["POST"])
@auth_required
@blp.response(200, RequestDetailSchema)
def accept(request_id):
    """接单: exactly one member wins; the others get 409."""
    return _finish(requests.accept(current_user(), request_id))


@blp.route("/requests/<id:request_id>/decline", methods=["POST"])
@auth_required
@blp.response(200, RequestDetailSchema)
def decline(request_id):
    """婉拒邀请"""
    return _finish(requests.decline(current_user(), request_id))


@blp.route("/requests/<id:request_id>/start", methods=["POST"])
@auth_required
@blp.response(200, RequestDetailSchema)
def start(request_id):
    """开始服务"""
    return _finish(requests.start(current_user(), request_id))


@blp.route("/requests/<id:request_id>/complete", methods=["POST"])
@auth_required
@blp.arguments(RequestCompleteSchema)
@blp.response(200, RequestDetailSchema)
def complete(args, request_id):
    """完成服务: a note and the minutes spent."""
    return _finish(requests.complete(current_user(), request_id, args["note"], args["minutes"]))


@blp.route("/requests/<id:request_id>/confirm", methods=["POST"])
@auth_required
@blp.response(200, RequestDetailSchema)
def confirm(request_id):
    """确认完成: credits the volunteer's hours (staff in scope)."""
    return _finish(requests.confirm(current_user(), request_id))


@blp.route("/requests/<id:request_id>/reject-completion", methods=["POST"])
@auth_required
@blp.arguments(RequestReasonSchema)
@blp.response(200, RequestDetailSchema)
def reject_completion(args, request_id):
    """退回: back to the volunteer with a reason (staff in scope)."""
    return _finish(requests.reject_completion(current_user(), request_id, args["reason"]))


@blp.route("/requests/<id:request_id>/assign", methods=["POST"])
@auth_required
@blp.arguments(RequestAssignSchema)
@blp.response(200, RequestDetailSchema)
def assign(args, request_id):
    """指派或改派 (staff in scope)"""
    return _finish(requests.assign(current_user(), request_id, args["member_id"]))


@blp.route("/requests/<id:request_id>/ask-resident", methods=["POST"])
@auth_required
@blp.arguments(RequestQuestionSchema)
@blp.response(200, RequestDetailSchema)
def ask_resident(args, request_id):
    """询问居民: staff in scope, the assignee or an offered member; the response clock stops until the answer."""
    return _finish(requests.ask_resident(current_user(), request_id, args["question"]))


@blp.route("/requests/<id:request_id>/answer", methods=["POST"])
@auth_required
@blp.arguments(RequestAnswerSchema)
@blp.response(200, RequestDetailSchema)
def answer(args, request_id):
    """居民答复: the resident answers the pending question; the response clock runs again."""
    return _finish(requests.answer_question(current_user(), request_id, args["answer"]))


@blp.route("/requests/<id:request_id>/cancel", methods=["POST"])
@auth_required
@blp.arguments(RequestCancelSchema)
@blp.response(200, RequestDetailSchema)
def cancel(args, request_id):
    """取消请求: the resident, before completion."""
    return _finish(requests.cancel(current_user(), request_id, args.get("reason")))


@blp.route("/requests/<id:request_id>/rate", methods=["POST"])
@auth_required
@blp.arguments(RequestRateSchema)
@blp.response(200, RequestDetailSchema)
def rate(args, request_id):
    """评价: once, after completion."""
    return _finish(requests.rate(current_user(), request_id, args["stars"], args.get("comment")))


@blp.route("/requests/<id:request_id>/route", methods=["POST"])
@auth_required
@blp.arguments(RequestRouteSchema)
@blp.response(200, RequestDetailSchema)
def route(args, request_id):
    """转交专业服务机构 (staff in scope): a provider serving the community takes it instead of a member."""
    return _finish(requests.route(current_user(), request_id, args["provider_id"]))


@blp.route("/requests/<id:request_id>/acknowledge", methods=["POST"])
@auth_required
@blp.response(200, RequestDetailSchema)
def acknowledge(request_id):
    """机构受理: the account of the provider the request was routed to."""
    return _finish(requests.acknowledge(current_user(), request_id))


@blp.route("/requests/<id:request_id>/report", methods=["POST"])
@auth_required
@blp.arguments(RequestReportSchema)
@blp.response(200, RequestDetailSchema)
def report(args, request_id):
    """机构报告完成: the provider's account; staff confirm it and the resident rates it as usual."""
    return _finish(requests.report(current_user(), request_id, args["note"]))
