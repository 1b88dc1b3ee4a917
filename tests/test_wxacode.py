"""Station mini-program codes: a token that fits wxacode.getUnlimited's 32-character scene."""
from datetime import timedelta

from flask import current_app

from models.base import utcnow
from schemas.common import MAX_ID
from services import qrcodes
from services.stations import qr_token
from tests.conftest import body
from tests.test_checkins import _check_in, _code, make_token
from wx import pages

SCENE_CHARACTERS = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#$&'()*+,/:;=?@-._~")


def test_a_token_fits_the_scene_of_a_mini_program_code_for_the_largest_id(app_context):
    for object_id in (1, 35, 36, 123456, MAX_ID):
        token = qrcodes.issue("station", object_id, "s" * 32).token
        assert len(token) <= qrcodes.MAX_TOKEN_LENGTH == 32
        assert set(token) <= SCENE_CHARACTERS


def test_the_signature_keeps_128_bits_and_binds_the_whole_window(app_context):
    window = qrcodes.window_seconds()
    now = utcnow()
    token = qrcodes.issue("station", 7, "secret", now).token
    assert len(token.split(".")[2]) == 22  # 16 bytes of HMAC in base64url
    # A hundred windows later the two digits are the same, but the signature is not.
    later = qrcodes.issue("station", 7, "secret", now + timedelta(seconds=100 * window)).token
    assert later.split(".")[1] == token.split(".")[1] and later != token


def test_a_code_of_the_previous_window_checks_in_and_one_of_two_windows_ago_does_not(client, make, station_scene):
    scene = station_scene
    window = timedelta(seconds=qrcodes.window_seconds())
    previous = make_token(scene["station"], utcnow() - window)
    assert _check_in(client, make, scene["member"], scene["station"], previous).status_code == 201

    older = make_token(scene["station"], utcnow() - 2 * window)
    response = _check_in(client, make, scene["member"], scene["station"], older)
    assert (response.status_code, _code(response)) == (422, "qr_expired")


def test_staff_get_the_mini_program_code_opening_the_check_in_page(client, make, station_scene, wx):
    scene = station_scene
    headers = make.headers(scene["staff"])
    response = client.get(f"/api/v1/stations/{scene['station'].id}/wxacode.png", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")
    assert response.headers["Cache-Control"] == "no-store"
    (made,) = wx.wxacodes()
    assert made["scene"] == qr_token(scene["station"]).token and len(made["scene"]) <= 32
    assert made["page"] == pages.CHECKIN
    assert (made["env_version"], made["check_path"]) == ("develop", False)
    # The scene WeChat hands the check-in page is the token: it checks in.
    assert _check_in(client, make, scene["member"], scene["station"], made["scene"]).status_code == 201


def test_the_code_is_fetched_once_per_window(client, make, station_scene, wx):
    scene = station_scene
    headers = make.headers(scene["staff"])
    path = f"/api/v1/stations/{scene['station'].id}/wxacode.png"
    first = client.get(path, headers=headers).data
    assert client.get(path, headers=headers).data == first
    assert len(wx.wxacodes()) == 1


def test_the_plain_qr_stays(client, make, station_scene):
    scene = station_scene
    response = client.get(f"/api/v1/stations/{scene['station'].id}/qr.png", headers=make.headers(scene["staff"]))
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")


def test_people_outside_the_scope_get_no_code(client, make, station_scene):
    scene = station_scene
    path = f"/api/v1/stations/{scene['station'].id}/wxacode.png"
    assert client.get(path, headers=make.headers(scene["member"])).status_code == 404
    outsider = make.staff(scene["units"]["community_b"])
    assert client.get(path, headers=make.headers(outsider)).status_code == 404


def test_when_wechat_cannot_make_the_code_the_answer_is_503(client, make, station_scene, wx):
    scene = station_scene
    wx.fault("wxa/getwxacodeunlimit", "busy")
    response = client.get(f"/api/v1/stations/{scene['station'].id}/wxacode.png", headers=make.headers(scene["staff"]))
    assert (response.status_code, body(response)["error"]["code"]) == (503, "wxacode_unavailable")


def test_the_sandbox_refuses_a_scene_over_32_characters(app_context, wx):
    from wechatpy.exceptions import WeChatClientException

    from wx.client import get_wechat

    try:
        get_wechat().get_unlimited_code("x" * 33, pages.CHECKIN, False, "develop")
    except WeChatClientException as error:
        assert error.errcode == 40169
    else:
        raise AssertionError("a 33-character scene was accepted")
    assert current_app.config["WECHAT_MINIPROGRAM_STATE"] == "developer"
