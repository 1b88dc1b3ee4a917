"""The message-push endpoint: WeChat's signature checked, its GET echo answered, media-check verdicts applied once."""
import base64
import json
import secrets

import pytest
from sqlalchemy import select

from extensions import db
from models.contacts import ContactMessage, ContactThread
from models.moderation import ModerationHold
from services import moderation
from tests.conftest import body
from wx.push import encrypt_message, signature

TIMESTAMP, NONCE = "1767225600", "n0nce"


def _signed(app, **extra) -> dict:
    token = app.config["WECHAT_PUSH_TOKEN"]
    return {"timestamp": TIMESTAMP, "nonce": NONCE, "signature": signature(token, TIMESTAMP, NONCE), **extra}


def test_the_url_check_answers_the_echo_only_with_wechats_signature(app, client):
    answered = client.get("/wx/push", query_string=_signed(app, echostr="hello-wechat"))
    assert (answered.status_code, answered.get_data(as_text=True)) == (200, "hello-wechat")
    forged = client.get("/wx/push", query_string={**_signed(app, echostr="x"), "signature": "0" * 40})
    assert forged.status_code == 403
    assert body(forged)["error"]["code"] == "push_signature_invalid"


@pytest.fixture
def held_image(contact_scene, wx):
    """A resident's image in their thread, sent to mediaCheckAsync: (message id, trace id)."""
    thread = ContactThread(resident_id=contact_scene.resident.id, member_id=contact_scene.member.id,
                           community_id=contact_scene.tree["community_a"].id)
    db.session.add(thread)
    db.session.flush()
    message = ContactMessage(thread_id=thread.id, sender_id=contact_scene.resident.id, text="[图片] a.png")
    db.session.add(message)
    db.session.flush()
    resident = db.session.merge(contact_scene.resident)
    hold = moderation.check_media(resident, ContactMessage, message.id, "text", "https://files.example/a.png", 4)
    db.session.commit()
    (checked,) = wx.media_checks()
    assert checked["trace_id"] == hold.trace_id and checked["openid"] == resident.openid
    return thread.id, hold.trace_id


def _verdict(trace_id, suggest) -> dict:
    return {"ToUserName": "gh_linli", "FromUserName": "o-wechat", "CreateTime": 1767225600, "MsgType": "event",
            "Event": "wxa_media_check", "appid": "wx-sandbox-appid", "trace_id": trace_id, "version": 2,
            "result": {"suggest": suggest, "label": 100 if suggest == "pass" else 20002}}


def _member_sees(client, contact_scene, thread_id) -> list:
    response = client.get(f"/api/v1/threads/{thread_id}/messages", headers=contact_scene.headers["member"])
    return body(response)["items"]


def _status(trace_id):
    db.session.expire_all()
    return db.session.execute(select(ModerationHold.status).where(ModerationHold.trace_id == trace_id)).scalar_one()


def test_an_image_is_shown_to_others_only_after_wechats_verdict_which_is_applied_once(
    app, client, contact_scene, held_image
):
    thread_id, trace_id = held_image
    assert _status(trace_id) == "pending"
    assert _member_sees(client, contact_scene, thread_id) == []
    passed = client.post("/wx/push", query_string=_signed(app), json=_verdict(trace_id, "pass"))
    assert (passed.status_code, passed.get_data(as_text=True)) == (200, "success")
    assert _status(trace_id) == "released"
    assert len(_member_sees(client, contact_scene, thread_id)) == 1
    # WeChat repeats a push it thinks was lost: a later (or forged-looking) verdict changes nothing.
    again = client.post("/wx/push", query_string=_signed(app), json=_verdict(trace_id, "risky"))
    assert again.status_code == 200
    assert _status(trace_id) == "released"


def test_a_push_with_a_bad_signature_is_refused_and_changes_nothing(app, client, held_image):
    _thread_id, trace_id = held_image
    forged = {**_signed(app), "signature": signature("not-the-token", TIMESTAMP, NONCE)}
    refused = client.post("/wx/push", query_string=forged, json=_verdict(trace_id, "pass"))
    assert refused.status_code == 403
    unsigned = client.post("/wx/push", json=_verdict(trace_id, "pass"))
    assert unsigned.status_code == 403
    assert _status(trace_id) == "pending"


def test_a_risky_image_stays_hidden_and_review_goes_to_the_desk(app, client, contact_scene, held_image):
    thread_id, trace_id = held_image
    client.post("/wx/push", query_string=_signed(app), json=_verdict(trace_id, "risky"))
    assert _status(trace_id) == "removed"
    assert _member_sees(client, contact_scene, thread_id) == []


def test_safe_mode_takes_encrypted_messages_through_wechatpys_crypto(app, client, held_image, monkeypatch):
    _thread_id, trace_id = held_image
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    monkeypatch.setitem(app.config, "WECHAT_PUSH_AES_KEY", aes_key)
    token, appid = app.config["WECHAT_PUSH_TOKEN"], app.config["WECHAT_APPID"]

    plain = client.post("/wx/push", query_string=_signed(app), json=_verdict(trace_id, "pass"))
    assert plain.status_code == 403  # safe mode: plain messages are not taken

    sealed = encrypt_message(token, aes_key, appid, _verdict(trace_id, "review"), NONCE, TIMESTAMP)
    query = {**_signed(app), "encrypt_type": "aes", "msg_signature": sealed["msg_signature"]}
    tampered = client.post("/wx/push", query_string={**query, "msg_signature": "0" * 40},
                           data=json.dumps({"ToUserName": "gh_linli", "Encrypt": sealed["Encrypt"]}))
    assert tampered.status_code == 403
    assert _status(trace_id) == "pending"

    accepted = client.post("/wx/push", query_string=query,
                           data=json.dumps({"ToUserName": "gh_linli", "Encrypt": sealed["Encrypt"]}))
    assert accepted.status_code == 200
    assert _status(trace_id) == "review"
