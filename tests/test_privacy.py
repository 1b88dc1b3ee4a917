"""Personal information: a person's export, deleting an account, and the retention of check-in positions."""
import json
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.checkins import CheckIn
from models.ledger import HourEntry
from models.requests import RequestHistory, ServiceRequest
from services.privacy import ERASED_NAME, coarsen_checkins
from tests.conftest import body


def _post(client, headers, path, **payload):
    response = client.post(path, json=payload, headers=headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return body(response)


def _served_request(client, make, scene, resident, title: str) -> dict:
    """A request of `resident`, taken, done and confirmed (hours credited to the member), then rated."""
    member, staff = scene["members"][0], scene["staff"]
    resident_headers, member_headers = make.headers(resident), make.headers(member)
    created = _post(client, resident_headers, "/api/v1/requests", category_id=scene["category"].id, title=title,
                    description=f"{title}：我家住三楼，老人行动不便")
    _post(client, make.headers(staff), f"/api/v1/requests/{created['id']}/assign", member_id=member.id)
    _post(client, member_headers, f"/api/v1/requests/{created['id']}/start")
    _post(client, member_headers, f"/api/v1/requests/{created['id']}/complete", note="已修好", minutes=40)
    _post(client, make.headers(staff), f"/api/v1/requests/{created['id']}/confirm")
    _post(client, resident_headers, f"/api/v1/requests/{created['id']}/rate", stars=5, comment=f"{title}，谢谢")
    return created


def _database_text() -> str:
    """Every value of every row of every table, as text (JSON values both escaped and not)."""
    chunks = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for value in row:
                    chunks.append(json.dumps(value, ensure_ascii=False, default=str))
                    chunks.append(json.dumps(value, default=str))
    return "\n".join(chunks)


def test_export_holds_the_callers_data_and_nobody_elses(client, make, scene):
    community, building = scene["units"]["community_a"], scene["units"]["building_a1"]
    alice = make.resident(community, building, name="导出甲", phone="13900000001")
    bob = make.resident(community, building, name="导出乙", phone="13900000002")
    mine = _served_request(client, make, scene, alice, "甲的水管")
    theirs = _served_request(client, make, scene, bob, "乙的水管")
    _post(client, make.headers(bob), f"/api/v1/contacts/{scene['members'][0].id}/messages", text="乙的留言")
    _post(client, make.headers(alice), f"/api/v1/contacts/{scene['members'][0].id}/messages", text="甲的留言")

    response = client.get("/api/v1/me/export", headers=make.headers(alice))

    assert response.status_code == 200
    document = body(response)
    text = json.dumps(document, ensure_ascii=False)
    assert document["profile"]["id"] == alice.id
    assert document["profile"]["name"] == "导出甲"
    assert document["profile"]["phone"] == "139****0001"
    assert "session_key" not in document["profile"] and "password_hash" not in document["profile"]
    assert [row["id"] for row in document["requests"]] == [mine["id"]]
    assert document["requests"][0]["rating_comment"] == "甲的水管，谢谢"
    assert [row["text"] for row in document["messages"]] == ["甲的留言"]
    assert document["notifications"], "the inbox belongs to the export"
    assert all(row["user_id"] == alice.id for row in document["notifications"])
    assert all(row["user_id"] == alice.id for row in document["tokens"] if "user_id" in row)
    for foreign in ("导出乙", "乙的水管", "乙的留言", "0002"):
        assert foreign not in text
    assert theirs["id"] not in [row["id"] for row in document["requests"]]


def test_deleting_a_residents_account_keeps_the_service_record_and_leaves_no_trace(client, make, scene):
    community, building = scene["units"]["community_a"], scene["units"]["building_a1"]
    resident = make.resident(community, building, name="注销测试居民", openid="openid-erase-me", phone="13912345678")
    member = scene["members"][0]
    served = _served_request(client, make, scene, resident, "注销前的请求")
    _post(client, make.headers(resident), f"/api/v1/contacts/{member.id}/messages", text="我是注销测试居民，住三楼")
    open_request = _post(client, make.headers(resident), "/api/v1/requests", category_id=scene["category"].id,
                         title="还没人接的请求")
    headers = make.headers(resident)
    entries_before = [(e.id, e.member_id, e.minutes, e.status) for e in db.session.execute(select(HourEntry)).scalars()]
    history_before = db.session.execute(
        select(RequestHistory.id).where(RequestHistory.request_id == served["id"]).order_by(RequestHistory.id)
    ).scalars().all()

    response = client.delete("/api/v1/me", headers=headers)

    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    db.session.expire_all()
    entries_after = [(e.id, e.member_id, e.minutes, e.status) for e in db.session.execute(select(HourEntry)).scalars()]
    assert entries_after == entries_before
    request = db.session.get(ServiceRequest, served["id"])
    assert (request.status, request.stars, request.minutes, request.assignee_id) == ("confirmed", 5, 40, member.id)
    assert request.resident_id == resident.id and request.resident_name == ERASED_NAME
    assert db.session.execute(
        select(RequestHistory.id).where(RequestHistory.request_id == served["id"]).order_by(RequestHistory.id)
    ).scalars().all() == history_before
    assert db.session.get(ServiceRequest, open_request["id"]).status == "cancelled"
    everything = _database_text()
    for trace in ("注销测试居民", "openid-erase-me", "13912345678", "12345678", "住三楼", "老人行动不便"):
        assert trace not in everything, trace


def test_deleting_a_members_account_keeps_the_residents_record_and_erases_the_name_they_quote(client, make, scene):
    community, building = scene["units"]["community_a"], scene["units"]["building_a1"]
    member = make.member(community, building, name="注销测试党员", openid="openid-member-gone", phone="13787654321")
    scene["members"].insert(0, member)
    resident = scene["resident"]
    served = _served_request(client, make, scene, resident, "党员注销前")
    minutes_before = db.session.execute(
        select(HourEntry.minutes).where(HourEntry.member_id == member.id)
    ).scalars().all()

    assert client.delete("/api/v1/me", headers=make.headers(member)).status_code == 204

    db.session.expire_all()
    request = db.session.get(ServiceRequest, served["id"])
    assert (request.status, request.stars, request.assignee_id) == ("confirmed", 5, member.id)
    assert request.assignee_name == ERASED_NAME
    assert db.session.execute(
        select(HourEntry.minutes).where(HourEntry.member_id == member.id)
    ).scalars().all() == minutes_before == [40]
    everything = _database_text()
    for trace in ("注销测试党员", "openid-member-gone", "13787654321"):
        assert trace not in everything, trace


def test_staff_accounts_are_not_deleted_through_me(client, make, scene):
    response = client.delete("/api/v1/me", headers=make.headers(scene["staff"]))
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "staff_account"


def test_a_member_with_a_service_in_hand_must_finish_it_first(client, make, scene):
    member = scene["members"][0]
    created = _post(client, make.headers(scene["resident"]), "/api/v1/requests", category_id=scene["category"].id,
                    title="进行中")
    _post(client, make.headers(scene["staff"]), f"/api/v1/requests/{created['id']}/assign", member_id=member.id)
    response = client.delete("/api/v1/me", headers=make.headers(member))
    assert response.status_code == 409
    assert body(response)["error"]["code"] == "tasks_in_hand"


def _visit(member, station, days_ago: int) -> CheckIn:
    at = utcnow() - timedelta(days=days_ago)
    checkin = CheckIn(
        member_id=member.id, station_id=station.id, status="closed", lat=36.651234, lng=117.120187, distance_m=12.5,
        device_id="device-abc", qr_window=1, checked_in_at=at, checked_out_at=at + timedelta(minutes=50), minutes=50,
    )
    db.session.add(checkin)
    db.session.flush()
    db.session.add(HourEntry(member_id=member.id, org_id=station.org_id, source="checkin", source_id=checkin.id,
                             minutes=50, status="confirmed", confirmed_at=at))
    db.session.commit()
    return checkin


def test_coarsening_old_checkins_leaves_the_confirmed_minutes_unchanged(app, make, make_station, scene):
    member = scene["members"][0]
    station = make_station(scene["units"]["community_a"])
    old, recent = _visit(member, station, days_ago=91), _visit(member, station, days_ago=89)

    assert coarsen_checkins() == 1
    db.session.commit()
    assert coarsen_checkins() == 0

    db.session.expire_all()
    assert (old.lat, old.lng, old.device_id) == (36.65, 117.12, None)
    assert old.coarsened_at is not None
    assert (old.minutes, old.distance_m, old.status) == (50, 12.5, "closed")
    assert (recent.lat, recent.lng, recent.device_id) == (36.651234, 117.120187, "device-abc")
    entries = db.session.execute(select(HourEntry.minutes, HourEntry.status)).all()
    assert sorted(entries) == [(50, "confirmed"), (50, "confirmed")]


def test_the_retention_period_is_configurable(app, make, make_station, scene, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKIN_POSITION_RETENTION_DAYS", 10)
    station = make_station(scene["units"]["community_a"])
    _visit(scene["members"][0], station, days_ago=11)
    assert coarsen_checkins() == 1


def test_the_coarsening_job_is_scheduled_and_commits(app, make, make_station, scene):
    from importlib import import_module

    from jobs.periodic import PERIODIC_JOBS

    path = "jobs.privacy.coarsen_old_checkins"
    assert path in PERIODIC_JOBS
    old = _visit(scene["members"][0], make_station(scene["units"]["community_a"]), days_ago=120)
    module, name = path.rsplit(".", 1)
    assert getattr(import_module(module), name)() == 1
    db.session.rollback()
    assert db.session.get(CheckIn, old.id).device_id is None
