"""The in-app inbox, subscribe-message templates and grants, and the staff outbox view."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, page_response
from extensions import db
from schemas.common import PageArgsSchema
from schemas.notifications import (
    GrantListSchema,
    GrantsSchema,
    NotificationPageSchema,
    NotificationSchema,
    OutboxArgsSchema,
    OutboxItemSchema,
    OutboxPageSchema,
    TemplateListSchema,
)
from services import limits, notifications

blp = Blueprint("notifications", __name__, url_prefix="/notifications", description="通知")


@blp.route("/templates", methods=["GET"])
@blp.response(200, TemplateListSchema)
def list_templates():
    """订阅消息模板: the ids the mini-program passes to wx.requestSubscribeMessage."""
    return {"items": notifications.templates()}


@blp.route("/grants", methods=["POST"])
@auth_required
@blp.arguments(GrantsSchema)
@blp.response(200, GrantListSchema)
def add_grants(args):
    """记录订阅授权: each accepted template allows one more message."""
    # Each template id is one more message the user may be sent: limited per person and day.
    limits.spend(current_user(), "grant", len(args["template_ids"]))
    grants = notifications.add_grants(current_user(), args["template_ids"])
    db.session.commit()
    return {"items": grants}


@blp.route("", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, NotificationPageSchema)
def list_inbox(args):
    """站内通知: the caller's own, newest first."""
    return page_response(notifications.inbox(current_user()), args)


@blp.route("/<id:notification_id>/read", methods=["POST"])
@auth_required
@blp.response(200, NotificationSchema)
def read_notification(notification_id):
    """标记已读"""
    notification = notifications.mark_read(current_user(), notification_id)
    db.session.commit()
    return notification


@blp.route("/outbox", methods=["GET"])
@auth_required
@blp.arguments(OutboxArgsSchema, location="query")
@blp.response(200, OutboxPageSchema)
def list_outbox(args):
    """发送状态: status, attempts and last error of notifications in the caller's scope (never their text),
    filtered by delivery `status` and by `event` (a key of /meta `notification_event`)."""
    return page_response(notifications.outbox(current_user(), args.get("status"), args.get("event")), args)


@blp.route("/outbox/<id:notification_id>/retry", methods=["POST"])
@auth_required
@blp.response(200, OutboxItemSchema)
def retry_outbox_item(notification_id):
    """重新发送: a `failed` row goes back to `pending`.

    Only staff over the recipient may retry; any other status → 409 `not_failed`.
    """
    notification = notifications.retry_failed(current_user(), notification_id)
    db.session.commit()
    return notification
