"""The staff's correction queue: each row names its own source only, newest first, hidden outside scope."""
from services import ledger
from tests.conftest import body
from tests.test_ledger import _ask, _checked_out_entry, _confirmed_request_entry, _queue


def test_a_checkin_and_a_request_sharing_an_id_each_show_only_their_own_name(client, make, make_station, scene):
    station = make_station(scene["units"]["community_a"], name="社区A党群服务站")
    visitor = scene["members"][1]
    checkin_entry = _checked_out_entry(client, make, visitor, station, 50)
    request_entry = _confirmed_request_entry(client, make, scene, 45)
    assert checkin_entry.source_id == request_entry.source_id, "the ids must coincide for the joins to be told apart"
    older = _ask(client, make, visitor, checkin_entry.id)
    newer = _ask(client, make, scene["members"][0], request_entry.id)
    listed = _queue(client, make, scene["staff"])
    assert [row["id"] for row in listed] == [newer["id"], older["id"]]
    assert (listed[0]["source"], listed[0]["station_name"], listed[0]["request_title"]) == (
        "request", None, "水龙头漏水"
    )
    assert (listed[1]["source"], listed[1]["station_name"], listed[1]["request_title"]) == (
        "checkin", "社区A党群服务站", None
    )


def test_hidden_and_absent_corrections_answer_the_same_404(client, make, make_station, scene):
    station = make_station(scene["units"]["community_a"])
    entry = _checked_out_entry(client, make, scene["members"][1], station, 50)
    asked = _ask(client, make, scene["members"][1], entry.id)
    outsider = make.headers(make.staff(scene["units"]["community_b"]))
    response = client.post(
        f"/api/v1/members/hour-corrections/{asked['id']}/answer", json={"accept": False, "answer": "不予更正"},
        headers=outsider,
    )
    absent = client.post(
        f"/api/v1/members/hour-corrections/{asked['id'] + 1000}/answer", json={"accept": False, "answer": "不予更正"},
        headers=make.headers(scene["staff"]),
    )
    for hidden in (response, absent):
        assert hidden.status_code == 404
        assert body(hidden)["error"] == {"code": "correction_not_found", "message": "更正申请不存在"}


def test_points_are_whole_thirty_minute_blocks():
    assert [ledger.points_for(minutes) for minutes in (0, 29, 30, 59, 60, 95)] == [0, 0, 1, 1, 2, 3]
    assert isinstance(ledger.points_for(45), int)


def test_a_request_correction_is_listed_once_with_its_own_request_among_others(client, make, scene):
    other = client.post(
        "/api/v1/requests", json={"category_id": scene["category"].id, "title": "修门锁"},
        headers=make.headers(scene["resident"]),
    )
    assert other.status_code == 201
    entry = _confirmed_request_entry(client, make, scene, 45)
    asked = _ask(client, make, scene["members"][0], entry.id)
    listed = _queue(client, make, scene["staff"])
    assert [(row["id"], row["request_title"]) for row in listed] == [(asked["id"], "水龙头漏水")]
