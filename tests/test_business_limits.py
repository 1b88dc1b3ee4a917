"""Per-person daily limits on business flows: 429 with Retry-After in the error envelope, nothing created."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models.limits import UsageCounter
from models.members import Registration
from models.requests import ServiceRequest
from services import ledger
from tests.conftest import body
from tests.test_members import _register
from tests.test_requests import post, submit

DAY = 24 * 3600


def assert_limited(response):
    assert response.status_code == 429, response.get_data(as_text=True)
    assert body(response)["error"]["code"] == "daily_limit_reached"
    assert 0 < int(response.headers["Retry-After"]) <= DAY


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_resident_creates_at_most_the_daily_number_of_requests(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUESTS_PER_DAY", 2)
    submit(client, make, scene)
    submit(client, make, scene)
    payload = {"category_id": scene["category"].id, "title": "第三个请求"}
    assert_limited(client.post("/api/v1/requests", json=payload, headers=make.headers(scene["resident"])))
    assert count(ServiceRequest) == 2
    # Another resident has a budget of their own.
    neighbour = make.resident(scene["units"]["community_a"], scene["units"]["building_a1"])
    assert client.post("/api/v1/requests", json=payload, headers=make.headers(neighbour)).status_code == 201


def test_the_limit_opens_again_in_the_next_window(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUESTS_PER_DAY", 1)
    submit(client, make, scene)
    payload = {"category_id": scene["category"].id, "title": "第二个请求"}
    assert_limited(client.post("/api/v1/requests", json=payload, headers=make.headers(scene["resident"])))
    counter = db.session.execute(select(UsageCounter)).scalar_one()
    counter.window_start -= timedelta(days=1)
    db.session.commit()
    assert client.post("/api/v1/requests", json=payload, headers=make.headers(scene["resident"])).status_code == 201
    assert count(UsageCounter) == 1  # the finished window's row is gone


def test_a_refused_request_uses_nothing_of_the_budget(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUESTS_PER_DAY", 1)
    bad = {"category_id": scene["category"].id, "title": "楼院不对", "building_id": scene["units"]["building_b1"].id}
    assert client.post("/api/v1/requests", json=bad, headers=make.headers(scene["resident"])).status_code == 422
    submit(client, make, scene)


def test_registrations_are_limited_per_day(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATIONS_PER_DAY", 1)
    units = make.tree()
    person, staff = make.resident(), make.staff(units["community_a"])
    headers = make.headers(person)
    first = body(_register(client, headers, units["community_a"]))
    rejected = client.post(
        f"/api/v1/members/registrations/{first['id']}/reject", json={"reason": "信息不全"}, headers=make.headers(staff)
    )
    assert rejected.status_code == 200
    assert_limited(_register(client, headers, units["community_a"]))
    assert count(Registration) == 1


def test_questions_to_the_resident_are_limited_per_day(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "QUESTIONS_PER_DAY", 1)
    created = submit(client, make, scene)
    assert post(client, make, scene["staff"], created["id"], "ask-resident", question="几点方便？").status_code == 200
    assert post(client, make, scene["resident"], created["id"], "answer", answer="晚上").status_code == 200
    assert_limited(post(client, make, scene["staff"], created["id"], "ask-resident", question="几楼？"))


def test_grants_are_limited_per_day_by_template_ids(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "GRANTS_PER_DAY", 3)
    template_id = app.config["WECHAT_TEMPLATES"]["request_offered"]
    headers = make.headers(make.resident())
    url = "/api/v1/notifications/grants"
    assert client.post(url, json={"template_ids": [template_id, template_id]}, headers=headers).status_code == 200
    assert_limited(client.post(url, json={"template_ids": [template_id, template_id]}, headers=headers))
    answered = client.post(url, json={"template_ids": [template_id]}, headers=headers)
    assert body(answered)["items"] == [{"template_id": template_id, "remaining": 3}]


def test_hour_corrections_are_limited_per_day(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "HOUR_CORRECTIONS_PER_DAY", 1)
    units = make.tree()
    member = make.member(units["community_a"])
    entries = [ledger.record_entry(member.id, units["community_a"].id, "activity", n, 30) for n in (901, 902)]
    db.session.commit()
    headers = make.headers(member)
    for entry, expected in zip(entries, (201, 429), strict=True):
        response = client.post(
            f"/api/v1/members/me/hours/{entry.id}/corrections", json={"reason": "漏记", "minutes": 60}, headers=headers
        )
        if expected == 429:
            assert_limited(response)
        else:
            assert response.status_code == 201


@pytest.mark.parametrize("setting", ["REQUESTS_PER_DAY", "REGISTRATIONS_PER_DAY", "QUESTIONS_PER_DAY",
                                     "GRANTS_PER_DAY", "HOUR_CORRECTIONS_PER_DAY"])
def test_every_limit_is_a_tunable_setting(setting, tmp_path):
    from config import TUNABLES, from_environment

    assert setting in TUNABLES
    assert from_environment(str(tmp_path), {setting: "7", "SECRET_KEY": "x"})[setting] == 7
