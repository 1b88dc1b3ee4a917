"""Managing stations: the exact error answers of each rule on create and change, what a change
re-checks (and what it leaves alone), the QR secret, and the directory's order and filters."""
import re

from extensions import db
from models.stations import Station
from schemas.common import MAX_ID
from services import stations
from services.orgs import add_org
from tests.conftest import body, unordered_rows_reversed
from tests.fixtures.members import CENTRE

NOT_APPLICABLE = "只有企业和社会组织的阵地填写标准化清单"


def _payload(org, kind="community_service_station", **extra):
    return {"name": "阵地", "kind": kind, "org_id": org.id, "address": "路1号", "lat": CENTRE[0], "lng": CENTRE[1],
            "radius_m": 100, "acquisition": "rented", "opening_hours": {"weekly": {}}, **extra}


def _error(answer) -> tuple[int, dict]:
    return answer.status_code, body(answer)["error"]


# ------------------------------------------------------------------ errors, word for word


def test_a_missing_station_answers_404_station_not_found(client, make):
    make.tree()
    answer = client.get(f"/api/v1/stations/{MAX_ID}", headers=make.headers(make.admin()))
    assert _error(answer) == (404, {"code": "station_not_found", "message": "服务站点不存在"})


def test_a_station_outside_the_scope_answers_exactly_like_a_missing_one(client, make, make_station):
    units = make.tree()
    station = make_station(units["community_a"])
    headers = make.headers(make.staff(units["community_b"]))
    hidden = client.patch(f"/api/v1/stations/{station.id}", json={"name": "改名"}, headers=headers)
    missing = client.patch(f"/api/v1/stations/{MAX_ID}", json={"name": "改名"}, headers=headers)
    assert _error(hidden) == _error(missing) == (404, {"code": "station_not_found", "message": "服务站点不存在"})


def test_a_checklist_on_a_community_station_is_refused_with_its_message_on_create_and_on_change(
        client, make, make_station):
    units = make.tree()
    headers = make.headers(make.admin())
    created = client.post("/api/v1/stations", json=_payload(units["community_a"], checklist={"has_flag": True}),
                          headers=headers)
    station = make_station(units["community_a"])
    changed = client.patch(f"/api/v1/stations/{station.id}", json={"checklist": {"has_flag": True}}, headers=headers)
    expected = (422, {"code": "checklist_not_applicable", "message": NOT_APPLICABLE,
                      "fields": {"checklist": [NOT_APPLICABLE]}})
    assert _error(created) == _error(changed) == expected


def test_an_enterprise_station_updates_its_checklist_in_place(client, make):
    units = make.tree()
    enterprise = add_org("泉城科技党支部", "enterprise_branch", units["street"])
    db.session.commit()
    headers = make.headers(make.admin())
    station = body(client.post("/api/v1/stations", json=_payload(enterprise), headers=headers))
    changed = client.patch(f"/api/v1/stations/{station['id']}", json={"checklist": {"has_flag": True}},
                           headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert (body(changed)["checklist"]["has_flag"], body(changed)["checklist_done"]) == (True, 1)


def test_moving_a_station_with_a_checklist_to_a_community_is_refused(client, make):
    units = make.tree()
    enterprise = add_org("泉城科技党支部", "enterprise_branch", units["street"])
    db.session.commit()
    headers = make.headers(make.admin())
    station = body(client.post("/api/v1/stations", json=_payload(enterprise, checklist={"has_flag": True}),
                               headers=headers))
    moved = client.patch(f"/api/v1/stations/{station['id']}", json={"org_id": units["community_a"].id},
                         headers=headers)
    assert _error(moved) == (422, {"code": "checklist_not_applicable", "message": NOT_APPLICABLE,
                                   "fields": {"checklist": [NOT_APPLICABLE]}})
    cleared = client.patch(f"/api/v1/stations/{station['id']}", json={"org_id": units["community_a"].id,
                                                                      "checklist": None}, headers=headers)
    assert cleared.status_code == 200 and body(cleared)["org_id"] == units["community_a"].id


def test_a_station_kind_at_the_wrong_level_is_refused_naming_the_org_and_the_kind(client, make):
    units = make.tree()
    answer = client.post("/api/v1/stations", json=_payload(units["community_a"], "street_service_centre"),
                         headers=make.headers(make.admin()))
    message = "社区A不能设立街道党员服务中心"
    assert _error(answer) == (422, {"code": "station_kind_not_allowed", "message": message,
                                    "fields": {"kind": [message]}})


def test_an_org_level_that_holds_no_kind_of_station_refuses_every_kind(client, make):
    units = make.tree()
    answer = client.post("/api/v1/stations", json=_payload(units["district"], "liaison_station"),
                         headers=make.headers(make.admin()))
    message = "测试区委不能设立在职党员联络站"
    assert _error(answer) == (422, {"code": "station_kind_not_allowed", "message": message,
                                    "fields": {"kind": [message]}})


def test_a_person_on_a_kind_of_station_that_has_none_is_refused_with_its_message(client, make):
    units = make.tree()
    member = make.member(units["community_a"], units["building_a1"])
    headers = make.headers(make.admin())
    named = client.post("/api/v1/stations", headers=headers,
                        json=_payload(units["building_a1"], "household_activity_room", named_member_id=member.id))
    household = client.post("/api/v1/stations", headers=headers,
                            json=_payload(units["building_a1"], "building_named_station", household_user_id=member.id))
    message = "该类阵地不设此项"
    assert _error(named) == (422, {"code": "station_person_not_applicable", "message": message,
                                   "fields": {"named_member_id": [message]}})
    assert _error(household) == (422, {"code": "station_person_not_applicable", "message": message,
                                       "fields": {"household_user_id": [message]}})


def test_a_person_not_approved_in_the_community_is_refused_with_its_message(client, make):
    units = make.tree()
    outsider = make.member(units["community_b"], units["building_b1"])
    answer = client.post("/api/v1/stations", headers=make.headers(make.admin()),
                         json=_payload(units["building_a1"], "household_activity_room", household_user_id=outsider.id))
    message = "本社区没有这位已报到的党员"
    assert _error(answer) == (422, {"code": "user_not_found", "message": message,
                                    "fields": {"household_user_id": [message]}})


def test_a_person_whose_registration_in_the_community_is_not_approved_is_refused(client, make):
    from sqlalchemy import select

    from models.members import Registration

    units = make.tree()
    member = make.member(units["community_a"], units["building_a1"])
    registration = db.session.execute(select(Registration).where(Registration.user_id == member.id)).scalar_one()
    registration.status = "ended"
    db.session.commit()
    answer = client.post("/api/v1/stations", headers=make.headers(make.admin()),
                         json=_payload(units["building_a1"], "building_named_station", named_member_id=member.id))
    assert (_error(answer)[0], _error(answer)[1]["code"]) == (422, "user_not_found")


# ------------------------------------------------------------------ what a change re-checks


def test_moving_a_named_building_point_to_another_community_checks_its_member_again(client, make):
    units = make.tree()
    member = make.member(units["community_a"], units["building_a1"])
    headers = make.headers(make.admin())
    point = body(client.post("/api/v1/stations", headers=headers,
                             json=_payload(units["building_a1"], "building_named_station", named_member_id=member.id)))
    next_door = client.patch(f"/api/v1/stations/{point['id']}", json={"org_id": units["building_a2"].id},
                             headers=headers)
    assert next_door.status_code == 200, next_door.get_json()
    elsewhere = client.patch(f"/api/v1/stations/{point['id']}", json={"org_id": units["building_b1"].id},
                             headers=headers)
    assert (_error(elsewhere)[0], _error(elsewhere)[1]["code"]) == (422, "user_not_found")
    assert "named_member_id" in _error(elsewhere)[1]["fields"]


def test_changing_the_kind_of_a_named_point_keeps_its_member_in_the_check(client, make):
    units = make.tree()
    member = make.member(units["community_a"], units["building_a1"])
    headers = make.headers(make.admin())
    point = body(client.post("/api/v1/stations", headers=headers,
                             json=_payload(units["building_a1"], "building_named_station", named_member_id=member.id)))
    rekinded = client.patch(f"/api/v1/stations/{point['id']}", json={"kind": "household_activity_room"},
                            headers=headers)
    assert (_error(rekinded)[0], _error(rekinded)[1]["code"]) == (422, "station_person_not_applicable")
    assert "named_member_id" in _error(rekinded)[1]["fields"]


def test_moving_a_station_needs_the_new_org_in_the_scope_too(client, make, make_station):
    units = make.tree()
    station = make_station(units["community_a"])
    headers = make.headers(make.staff(units["community_a"]))
    moved = client.patch(f"/api/v1/stations/{station.id}", json={"org_id": units["community_b"].id}, headers=headers)
    assert _error(moved) == (404, {"code": "org_not_found", "message": "组织不存在"})
    db.session.expire_all()
    assert db.session.get(Station, station.id).org_id == units["community_a"].id


def test_a_station_from_before_the_level_rule_can_still_be_renamed_but_not_rekinded_in_place(
        client, make, make_station):
    units = make.tree()
    # Stood at a building before kinds were tied to levels (the factory takes the kind it is given).
    legacy = make_station(units["building_a1"], kind="community_service_station")
    headers = make.headers(make.admin())
    renamed = client.patch(f"/api/v1/stations/{legacy.id}", json={"name": "老站"}, headers=headers)
    assert renamed.status_code == 200 and body(renamed)["name"] == "老站"
    rekinded = client.patch(f"/api/v1/stations/{legacy.id}", json={"kind": "liaison_station"}, headers=headers)
    assert (_error(rekinded)[0], _error(rekinded)[1]["code"]) == (422, "station_kind_not_allowed")
    moved = client.patch(f"/api/v1/stations/{legacy.id}", json={"org_id": units["building_a2"].id}, headers=headers)
    assert (_error(moved)[0], _error(moved)[1]["code"]) == (422, "station_kind_not_allowed")


def test_a_change_of_other_fields_keeps_the_stations_checklist_and_people(client, make):
    units = make.tree()
    member = make.member(units["community_a"], units["building_a1"])
    headers = make.headers(make.admin())
    room = body(client.post("/api/v1/stations", headers=headers, json=_payload(
        units["building_a1"], "household_activity_room", household_user_id=member.id)))
    renamed = client.patch(f"/api/v1/stations/{room['id']}", json={"name": "张家活动室"}, headers=headers)
    assert renamed.status_code == 200
    assert (body(renamed)["household_user_id"], body(renamed)["kind"]) == (member.id, "household_activity_room")


# ------------------------------------------------------------------ the QR secret


def test_a_new_station_and_a_rotation_each_get_a_fresh_128_bit_secret(client, make):
    units = make.tree()
    headers = make.headers(make.admin())
    created = body(client.post("/api/v1/stations", json=_payload(units["community_a"]), headers=headers))
    first = db.session.get(Station, created["id"]).qr_secret
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert client.post(f"/api/v1/stations/{created['id']}/qr/rotate", headers=headers).status_code == 200
    db.session.expire_all()
    second = db.session.get(Station, created["id"]).qr_secret
    assert re.fullmatch(r"[0-9a-f]{32}", second) and second != first


# ------------------------------------------------------------------ the directory


def test_the_directory_comes_in_id_order_whatever_order_the_database_reads_rows(make, make_station):
    units = make.tree()
    made = [make_station(units["community_a"]).id for _ in range(3)]
    admin = make.admin()
    with unordered_rows_reversed():
        listed = db.session.execute(stations.station_listing(admin)).scalars().all()
    assert [station.id for station in listed] == made


def test_near_stations_at_one_spot_page_by_id_whatever_order_the_database_reads_rows(make, make_station):
    units = make.tree()
    made = [make_station(units["community_a"]).id for _ in range(3)]
    # On PostgreSQL an update writes the row anew at the end of the table, so a plain scan reads it last.
    db.session.get(Station, made[0]).name = "改名"
    db.session.commit()
    admin = make.admin()
    with unordered_rows_reversed():
        pages = [stations.nearest(stations.station_listing(admin), *CENTRE, page, 1)[0] for page in (1, 2, 3)]
    assert [page[0].id for page in pages] == made


def test_near_stations_at_one_spot_of_a_subtree_page_by_id_across_its_orgs(make, make_station):
    units = make.tree()
    # Read through the org tree, community A's stations come before community B's; ids decide.
    made = [make_station(units[org]).id for org in ("community_b", "building_a1", "community_a", "building_b1")]
    staff = make.staff(units["street"])
    statement = stations.station_listing(staff, within=units["street"].id)
    pages = [stations.nearest(statement, *CENTRE, page, 1)[0] for page in (1, 2, 3, 4)]
    assert [page[0].id for page in pages] == made


def test_the_kind_filter_lists_the_stations_of_that_kind_only(client, make, make_station):
    units = make.tree()
    liaison = make_station(units["community_a"], kind="liaison_station")
    make_station(units["community_a"], kind="community_service_station")
    answer = client.get("/api/v1/stations?kind=liaison_station", headers=make.headers(make.resident()))
    assert [item["id"] for item in body(answer)["items"]] == [liaison.id]
    near = client.get(f"/api/v1/stations?kind=liaison_station&near={CENTRE[0]},{CENTRE[1]}",
                      headers=make.headers(make.resident()))
    assert [item["id"] for item in body(near)["items"]] == [liaison.id]
