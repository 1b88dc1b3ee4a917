"""Abuse limits on contact messages (Flask-Limiter on the real Redis), and who is on duty now."""
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import select

from extensions import db, get_redis
from models.base import utcnow
from models.checkins import CheckIn
from models.contacts import ContactThread
from models.stations import Station
from tests.conftest import body


def _write(client, scene, member, text="您好"):
    return client.post(f"/api/v1/contacts/{member.id}/messages", json={"text": text}, headers=scene.headers["resident"])


def test_messages_over_the_per_minute_limit_get_429_with_retry_after(client, app, contact_scene, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_MESSAGES_PER_MINUTE", 3)
    statuses = [_write(client, contact_scene, contact_scene.member).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    thread_id = db.session.execute(select(ContactThread.id)).scalar_one()
    # The budget is shared across endpoints: the thread reply is the fourth message this minute.
    limited = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"text": "第四条"}, headers=contact_scene.headers["resident"]
    )
    assert limited.status_code == 429
    assert body(limited)["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert get_redis().keys("*linli-limits*"), "the limit is counted in Redis"
    # The limit is per person: the member still answers.
    reply = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"text": "收到"}, headers=contact_scene.headers["member"]
    )
    assert reply.status_code == 201


def test_new_threads_over_the_daily_limit_get_429_but_old_threads_continue(
    client, app, make, contact_scene, monkeypatch
):
    monkeypatch.setitem(app.config, "CONTACT_THREADS_PER_DAY", 1)
    second_member = make.member(contact_scene.tree["community_a"], contact_scene.tree["building_a1"])
    assert _write(client, contact_scene, contact_scene.member).status_code == 201
    assert _write(client, contact_scene, contact_scene.member).status_code == 201
    limited = _write(client, contact_scene, second_member)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 60
    assert db.session.execute(select(db.func.count(ContactThread.id))).scalar_one() == 1


def test_idempotent_replay_does_not_spend_the_message_budget(client, app, contact_scene, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_MESSAGES_PER_MINUTE", 1)
    headers = {**contact_scene.headers["resident"], "Idempotency-Key": "same"}
    url = f"/api/v1/contacts/{contact_scene.member.id}/messages"
    first = client.post(url, json={"text": "一次"}, headers=headers)
    replay = client.post(url, json={"text": "一次"}, headers=headers)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert body(replay)["id"] == body(first)["id"]


def test_member_at_a_station_with_an_open_checkin_is_on_duty(client, contact_scene):
    station = Station(
        name="社区A党员服务站",
        kind="liaison_station",
        org_id=contact_scene.tree["community_a"].id,
        address="社区A",
        lat=36.65,
        lng=117.0,
        radius_m=200,
        acquisition="self_built",
        qr_secret="secret",
    )
    db.session.add(station)
    db.session.flush()
    db.session.add(
        CheckIn(
            member_id=contact_scene.member.id, station_id=station.id, lat=36.65, lng=117.0, distance_m=1.0, qr_window=1
        )
    )
    db.session.commit()
    card = body(client.get("/api/v1/contacts", headers=contact_scene.headers["resident"]))["items"][0]
    assert card["on_duty"] is True
    assert "on_duty_station_id" not in card  # where a member is right now is not told
    checkin = db.session.execute(select(CheckIn)).scalar_one()
    checkin.checked_out_at = utcnow()
    checkin.status = "closed"
    db.session.commit()
    card = body(client.get("/api/v1/contacts", headers=contact_scene.headers["resident"]))["items"][0]
    assert card["on_duty"] is False


def _concurrently(live_server, headers, member_id, count=20):
    def send(n):
        return requests.post(
            f"{live_server}/api/v1/contacts/{member_id}/messages",
            json={"text": f"第{n}条"},
            headers=headers,
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(20) as pool:
        return list(pool.map(send, range(count)))


def test_concurrent_first_messages_open_exactly_one_thread(live_server, app, contact_scene, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_MESSAGES_PER_MINUTE", 100)
    # Racing first messages each look like a new thread to the daily limit; give it room.
    monkeypatch.setitem(app.config, "CONTACT_THREADS_PER_DAY", 100)
    statuses = _concurrently(live_server, contact_scene.headers["resident"], contact_scene.member.id)
    assert statuses == [201] * 20
    db.session.expire_all()
    assert db.session.execute(select(db.func.count(ContactThread.id))).scalar_one() == 1


def test_per_minute_limit_holds_under_concurrent_requests(live_server, app, contact_scene, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_MESSAGES_PER_MINUTE", 5)
    statuses = _concurrently(live_server, contact_scene.headers["resident"], contact_scene.member.id)
    assert sorted(statuses) == [201] * 5 + [429] * 15
