"""A station's codes at their edges: the mini-program version and path check each
WECHAT_MINIPROGRAM_STATE asks for, the cache per station and secret and how long it lasts, a
Redis that fails, and the exact error answers (WeChat refusing, a code of another station);
and a check-in verifies its code at its own instant."""
from datetime import timedelta

import pytest
import redis

from extensions import get_redis
from models.base import utcnow
from services import checkins, qrcodes, stations
from services.stations import WXACODE_CACHE_PREFIX, qr_token
from tests.conftest import body
from tests.test_checkins import _check_in


@pytest.fixture
def scene(make, make_station):
    units = make.tree()
    staff = make.staff(units["community_a"])
    return {"units": units, "station": make_station(units["community_a"]), "staff": staff,
            "headers": make.headers(staff)}


def _code(client, scene, station=None):
    station = station or scene["station"]
    return client.get(f"/api/v1/stations/{station.id}/wxacode.png", headers=scene["headers"])


@pytest.mark.parametrize(("state", "env_version", "check_path"), [
    ("formal", "release", True),
    ("trial", "trial", False),
    ("developer", "develop", False),
])
def test_the_code_opens_the_mini_program_version_of_the_configured_state(
        client, app, scene, wx, monkeypatch, state, env_version, check_path):
    monkeypatch.setitem(app.config, "WECHAT_MINIPROGRAM_STATE", state)
    assert _code(client, scene).status_code == 200
    (made,) = wx.wxacodes()
    assert (made["env_version"], made["check_path"]) == (env_version, check_path)


def test_each_station_gets_its_own_code_and_a_new_secret_a_new_one(client, make, make_station, scene, wx):
    other = make_station(scene["units"]["community_a"])
    first = _code(client, scene)
    assert _code(client, scene, other).status_code == 200
    assert [made["scene"] for made in wx.wxacodes()] == [qr_token(scene["station"]).token, qr_token(other).token]
    rotated = client.post(f"/api/v1/stations/{scene['station'].id}/qr/rotate", headers=scene["headers"])
    assert rotated.status_code == 200
    assert _code(client, scene).status_code == 200 and first.status_code == 200
    assert len(wx.wxacodes()) == 3


def test_a_cached_code_is_kept_for_two_windows_under_the_station_and_its_token(client, app, scene, wx):
    response = _code(client, scene)
    token = qr_token(scene["station"]).token
    key = f"{WXACODE_CACHE_PREFIX}:{scene['station'].id}:{token}"
    assert key == f"linli-wxacode:{scene['station'].id}:{token}"
    assert get_redis().get(key) == response.data
    ttl = get_redis().ttl(key)
    assert 2 * qrcodes.window_seconds() - 5 <= ttl <= 2 * qrcodes.window_seconds()


class _BrokenRedis:
    def get(self, *args, **kwargs):
        raise redis.ConnectionError("redis is down")

    set = get


def test_with_redis_down_the_code_comes_straight_from_wechat_each_time(client, scene, wx, monkeypatch):
    monkeypatch.setattr(stations, "get_redis", lambda: _BrokenRedis())
    first, second = _code(client, scene), _code(client, scene)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.data.startswith(b"\x89PNG") and second.data == first.data
    assert len(wx.wxacodes()) == 2


@pytest.mark.parametrize("kind", ["busy", "http500"])
def test_when_wechat_refuses_the_answer_is_503_with_its_message(client, scene, wx, kind):
    wx.fault("wxa/getwxacodeunlimit", kind)
    answer = _code(client, scene)
    assert (answer.status_code, body(answer)["error"]) == (503, {
        "code": "wxacode_unavailable", "message": "小程序码暂时无法生成，请稍后再试或使用普通二维码"})
    # Nothing was cached: the next call asks WeChat again and gets the code.
    assert _code(client, scene).status_code == 200


def test_a_code_of_another_station_is_refused_with_its_message(client, make, make_station, scene):
    member = make.member(scene["units"]["community_a"], scene["units"]["building_a1"])
    other = make_station(scene["units"]["community_a"])
    answer = _check_in(client, make, member, scene["station"], qr_token(other).token)
    assert (answer.status_code, body(answer)["error"]) == (422, {
        "code": "qr_wrong_station", "message": "二维码不属于该服务站点"})


def test_a_check_in_verifies_the_code_at_the_instant_it_records(client, make, scene, monkeypatch):
    member = make.member(scene["units"]["community_a"], scene["units"]["building_a1"])
    # The check-in's clock reads an hour ago (many windows back): the code of that moment is
    # valid then, though it would have expired by the wall clock.
    then = utcnow() - timedelta(hours=1)
    monkeypatch.setattr(checkins, "utcnow", lambda: then)
    answer = _check_in(client, make, member, scene["station"], qr_token(scene["station"], then).token)
    assert answer.status_code == 201, answer.get_json()
