"""The message-push endpoint WeChat calls (GET to verify the URL, POST with events): not part of the API."""
from flask import Blueprint, current_app, request

from extensions import db
from services import moderation
from services.errors import Forbidden, Invalid
from wx.push import PushRefused, read_message, verify_url

wxpush_blp = Blueprint("wxpush", __name__)

MEDIA_CHECK_EVENT = "wxa_media_check"


def _refused() -> Forbidden:
    return Forbidden("消息推送签名无效", code="push_signature_invalid")


@wxpush_blp.get("/wx/push")
def verify_push_url():
    """WeChat checks the URL when it is saved in the console: the echostr back, if the signature is right."""
    try:
        echo = verify_url(current_app.config["WECHAT_PUSH_TOKEN"], request.args)
    except PushRefused as error:
        raise _refused() from error
    return echo, 200, {"Content-Type": "text/plain; charset=utf-8"}


@wxpush_blp.post("/wx/push")
def receive_push():
    """An event from WeChat; media-check verdicts are applied (once), every other event is acknowledged."""
    config = current_app.config
    try:
        message = read_message(
            config["WECHAT_PUSH_TOKEN"], config["WECHAT_PUSH_AES_KEY"], config["WECHAT_APPID"],
            request.args, request.get_data(),
        )
    except PushRefused as error:
        raise _refused() from error
    except ValueError as error:
        raise Invalid("消息格式无效", code="push_message_invalid") from error
    if message.get("Event") == MEDIA_CHECK_EVENT and message.get("trace_id"):
        result = message.get("result") or {}
        moderation.apply_media_verdict(str(message["trace_id"]), result.get("suggest"), result.get("label"))
        db.session.commit()
    # WeChat retries any other answer; "success" tells it the message arrived.
    return "success", 200, {"Content-Type": "text/plain; charset=utf-8"}
