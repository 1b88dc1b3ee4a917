"""The standardisation checklist of a station: evidence replacing evidence (and its file), a lost
race for an item's first evidence, the checklist page, and completeness per station, per org
and as a spreadsheet."""
import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from extensions import db
from models.base import utcnow
from models.stations import CHECKLIST_ITEM_NAMES, CHECKLIST_ITEMS, Station, StationChecklistEvidence
from services import stations
from services.orgs import add_org
from services.stations import EVIDENCE_FOLDER
from tests.conftest import body, unordered_rows_reversed
from tests.test_positions import _station

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%evidence\n"
NOT_APPLICABLE = "只有企业和社会组织的阵地填写标准化清单"


@pytest.fixture
def positions(make):
    units = make.tree()
    enterprise = add_org("泉城科技党支部", "enterprise_branch", units["street"])
    db.session.commit()
    staff = make.staff(units["street"])
    return {"units": units, "enterprise": enterprise, "staff": staff, "headers": make.headers(staff)}


def _create(client, positions, org, **extra) -> dict:
    answer = client.post("/api/v1/stations", headers=positions["headers"], json=_station(org, **extra))
    assert answer.status_code == 201, answer.get_json()
    return body(answer)


def _upload(client, headers, station_id, item, content=PNG, name="photo.png"):
    return client.post(f"/api/v1/stations/{station_id}/checklist-evidence", headers=headers,
                       content_type="multipart/form-data",
                       data={"item": item, "file": (io.BytesIO(content), name)})


def _stored_files(app) -> set[str]:
    folder = Path(app.instance_path) / EVIDENCE_FOLDER
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def _evidence_rows(station_id) -> list[StationChecklistEvidence]:
    db.session.expire_all()
    return db.session.execute(select(StationChecklistEvidence).where(
        StationChecklistEvidence.station_id == station_id)).scalars().all()


def _prove(station_id, items, checker_id=None) -> None:
    """Evidence rows for `items` of the station, as uploads leave them (no files needed to count)."""
    for number, item in enumerate(items):
        db.session.execute(insert(StationChecklistEvidence).values(
            station_id=station_id, item=item, stored_name=f"proof-{station_id}-{number}", content_type="image/png",
            size_bytes=len(PNG), checked_by_id=checker_id, checked_at=utcnow()))
    db.session.commit()


# ------------------------------------------------------------------ evidence


def test_the_first_evidence_fills_the_whole_checklist_marking_only_its_item_done(client, positions):
    station = _create(client, positions, positions["enterprise"])
    assert _upload(client, positions["headers"], station["id"], "has_oath").status_code == 201
    shown = body(client.get(f"/api/v1/stations/{station['id']}", headers=positions["headers"]))
    assert shown["checklist"] == {item: item == "has_oath" for item in CHECKLIST_ITEMS}


def test_evidence_keeps_the_items_already_done(client, positions):
    station = _create(client, positions, positions["enterprise"], checklist={"has_place": True, "has_flag": False})
    assert _upload(client, positions["headers"], station["id"], "has_sign").status_code == 201
    shown = body(client.get(f"/api/v1/stations/{station['id']}", headers=positions["headers"]))
    assert {item for item, done in shown["checklist"].items() if done} == {"has_place", "has_sign"}
    assert set(shown["checklist"]) == set(CHECKLIST_ITEMS)


def test_new_evidence_replaces_the_old_file_and_names_the_new_checker(client, make, app, positions):
    station = _create(client, positions, positions["enterprise"])
    before = _stored_files(app)
    first = body(_upload(client, positions["headers"], station["id"], "has_flag"))
    (first_file,) = _stored_files(app) - before
    second_checker = make.staff(positions["units"]["street"])
    started = utcnow()
    again = body(_upload(client, make.headers(second_checker), station["id"], "has_flag", PDF, "flag.pdf"))
    finished = utcnow()
    (second_file,) = _stored_files(app) - before
    assert second_file != first_file
    (row,) = _evidence_rows(station["id"])
    assert (row.id, row.stored_name, row.content_type, row.size_bytes) == (
        first["id"], second_file, "application/pdf", len(PDF))
    assert row.checked_by_id == again["checked_by_id"] == second_checker.id
    assert started - timedelta(seconds=1) <= row.checked_at.replace(tzinfo=started.tzinfo) <= finished


def test_each_item_and_each_station_keeps_its_own_evidence(client, app, positions):
    first = _create(client, positions, positions["enterprise"])
    second = _create(client, positions, positions["enterprise"])
    before = _stored_files(app)
    uploads = [(first["id"], "has_flag", PNG), (first["id"], "has_sign", PDF), (second["id"], "has_flag", PDF)]
    for station_id, item, content in uploads:
        assert _upload(client, positions["headers"], station_id, item, content).status_code == 201
    assert len(_stored_files(app) - before) == 3
    assert [(row.item, row.content_type) for row in _evidence_rows(first["id"])] == [
        ("has_flag", "image/png"), ("has_sign", "application/pdf")]
    assert [(row.item, row.content_type) for row in _evidence_rows(second["id"])] == [
        ("has_flag", "application/pdf")]


def test_evidence_for_a_community_station_is_refused_with_its_message_naming_the_item(client, positions):
    station = _create(client, positions, positions["units"]["community_a"])
    refused = _upload(client, positions["headers"], station["id"], "has_flag")
    assert (refused.status_code, body(refused)["error"]) == (422, {
        "code": "checklist_not_applicable", "message": NOT_APPLICABLE, "fields": {"item": [NOT_APPLICABLE]}})


def test_a_first_evidence_that_loses_the_race_for_its_item_answers_409_and_keeps_no_file(
        client, app, positions, monkeypatch):
    station = _create(client, positions, positions["enterprise"])
    before = _stored_files(app)
    real_utcnow = stations.utcnow
    raced = []

    def another_upload_commits_first():
        """Called after this upload found no row for the item, before it writes its own."""
        if not raced:
            raced.append(True)
            with db.engine.begin() as other:
                other.execute(insert(StationChecklistEvidence).values(
                    station_id=station["id"], item="has_oath", stored_name="the-winners-file",
                    content_type="image/png", size_bytes=len(PNG), checked_at=real_utcnow()))
        return real_utcnow()

    monkeypatch.setattr(stations, "utcnow", another_upload_commits_first)
    lost = _upload(client, positions["headers"], station["id"], "has_oath")
    assert raced
    assert (lost.status_code, body(lost)["error"]) == (409, {
        "code": "evidence_conflict", "message": "该项佐证正在由他人上传，请刷新后重试"})
    assert _stored_files(app) == before
    db.session.rollback()  # the test shares the request's session, which the failed flush left to roll back
    assert [row.stored_name for row in _evidence_rows(station["id"])] == ["the-winners-file"]


def test_evidence_of_another_station_or_none_at_all_answers_404_evidence_not_found(client, positions):
    station = _create(client, positions, positions["enterprise"])
    other = _create(client, positions, positions["enterprise"])
    evidence = body(_upload(client, positions["headers"], other["id"], "has_flag"))
    crossed = client.get(f"/api/v1/stations/{station['id']}/checklist-evidence/{evidence['id']}",
                         headers=positions["headers"])
    missing = client.get(f"/api/v1/stations/{station['id']}/checklist-evidence/2147483647",
                         headers=positions["headers"])
    expected = (404, {"code": "evidence_not_found", "message": "佐证材料不存在"})
    assert (crossed.status_code, body(crossed)["error"]) == expected
    assert (missing.status_code, body(missing)["error"]) == expected
    own = client.get(f"/api/v1/stations/{other['id']}/checklist-evidence/{evidence['id']}",
                     headers=positions["headers"])
    assert (own.status_code, own.data, own.mimetype) == (200, PNG, "image/png")


def test_the_evidence_list_comes_in_upload_order_whatever_order_rows_are_read(client, positions):

    station = _create(client, positions, positions["enterprise"])
    made = [body(_upload(client, positions["headers"], station["id"], item))["id"]
            for item in ("has_sign", "has_flag", "has_place")]
    with unordered_rows_reversed():
        listed = stations.evidence_of(positions["staff"], station["id"])
    assert [row.id for row in listed] == made


# ------------------------------------------------------------------ the checklist page


def test_a_checklist_never_filled_lists_every_item_not_done(client, positions):
    station = _create(client, positions, positions["enterprise"])
    checklist = body(client.get(f"/api/v1/stations/{station['id']}/checklist", headers=positions["headers"]))
    assert checklist == {"station_id": station["id"], "applicable": True, "items_total": len(CHECKLIST_ITEMS),
                         "items_done": 0, "items_evidenced": 0,
                         "items": [{"item": item, "done": False, "evidence": None} for item in CHECKLIST_ITEMS]}


def test_the_checklist_page_lists_only_the_stations_own_evidence(client, positions):
    station = _create(client, positions, positions["enterprise"])
    other = _create(client, positions, positions["enterprise"])
    assert _upload(client, positions["headers"], other["id"], "has_flag").status_code == 201
    checklist = body(client.get(f"/api/v1/stations/{station['id']}/checklist", headers=positions["headers"]))
    assert (checklist["items_done"], checklist["items_evidenced"]) == (0, 0)
    listed = body(client.get(f"/api/v1/stations/{station['id']}/checklist-evidence", headers=positions["headers"]))
    assert listed == {"items": []}


# ------------------------------------------------------------------ completeness


def test_completeness_lists_stations_by_org_path_then_id(client, positions):
    units = positions["units"]
    in_building = _create(client, positions, units["building_a1"], kind="building_named_station")
    in_street = _create(client, positions, units["street"], kind="street_service_centre")
    in_community = _create(client, positions, units["community_a"])
    in_street_again = _create(client, positions, units["street"], kind="liaison_station")
    view = stations.completeness(positions["staff"], units["street"].id)
    assert [row["station_id"] for row in view["stations"]] == [
        in_street["id"], in_street_again["id"], in_community["id"], in_building["id"]]
    assert [row["org_id"] for row in view["orgs"]] == [units["street"].id, units["community_a"].id,
                                                       units["building_a1"].id]
    assert (view["org_id"], view["org_name"]) == (units["street"].id, "测试街道党工委")
    assert view["items"] == list(CHECKLIST_ITEM_NAMES.values())


def test_completeness_keeps_each_orgs_stations_in_id_order_whatever_order_rows_are_read(client, positions):

    made = [_create(client, positions, positions["enterprise"])["id"] for _ in range(3)]
    # On PostgreSQL an update writes the row anew at the end of the table, so a plain scan reads it last.
    assert client.patch(f"/api/v1/stations/{made[0]}", json={"name": "改名"},
                        headers=positions["headers"]).status_code == 200
    with unordered_rows_reversed():
        view = stations.completeness(positions["staff"], positions["enterprise"].id)
    assert [row["station_id"] for row in view["stations"]] == made


def test_completeness_keeps_each_orgs_stations_in_id_order_when_stored_in_another(positions, make_station):
    """Stations stored in the order of falling ids (on PostgreSQL the table and its org index then read the
    higher id first; SQLite keeps a table in id order, so there only the result is checked)."""
    org = positions["enterprise"]
    stored_first, stored_second = (make_station(org, id=station_id).id for station_id in (900_002, 900_001))
    view = stations.completeness(positions["staff"], org.id)
    assert [row["station_id"] for row in view["stations"]] == [stored_second, stored_first]


def test_completeness_sums_per_org_and_counts_a_station_complete_when_every_item_is_evidenced(client, positions):
    units = positions["units"]
    complete = _create(client, positions, positions["enterprise"], name="全了",
                       checklist=dict.fromkeys(CHECKLIST_ITEMS, True))
    _prove(complete["id"], CHECKLIST_ITEMS, positions["staff"].id)
    partial = _create(client, positions, positions["enterprise"], name="差一项",
                      checklist={"has_place": True, "has_flag": True})
    _prove(partial["id"], ["has_place"])
    bare = _create(client, positions, positions["enterprise"], name="未开始")
    community = _create(client, positions, units["community_a"], name="社区站")
    view = body(client.get(f"/api/v1/stations/completeness?org_id={units['street'].id}",
                           headers=positions["headers"]))
    by_station = {row["station_id"]: row for row in view["stations"]}
    assert {key: by_station[complete["id"]][key] for key in (
        "applicable", "items_total", "items_done", "items_evidenced", "items_missing")} == {
        "applicable": True, "items_total": 12, "items_done": 12, "items_evidenced": 12, "items_missing": []}
    assert {key: by_station[partial["id"]][key] for key in ("items_total", "items_done", "items_evidenced")} == {
        "items_total": 12, "items_done": 2, "items_evidenced": 1}
    assert {key: by_station[bare["id"]][key] for key in (
        "items_total", "items_done", "items_evidenced", "items_missing")} == {
        "items_total": 12, "items_done": 0, "items_evidenced": 0, "items_missing": list(CHECKLIST_ITEMS)}
    assert by_station[community["id"]] == {
        "station_id": community["id"], "name": "社区站", "kind": "community_service_station",
        "org_id": units["community_a"].id, "org_name": "社区A", "applicable": False, "items_total": 0,
        "items_done": 0, "items_evidenced": 0, "items_missing": []}
    by_org = {row["org_id"]: row for row in view["orgs"]}
    assert by_org[positions["enterprise"].id] == {
        "org_id": positions["enterprise"].id, "org_name": "泉城科技党支部", "stations": 3, "items_total": 36,
        "items_done": 14, "items_evidenced": 13, "stations_complete": 1}
    assert by_org[units["community_a"].id] == {
        "org_id": units["community_a"].id, "org_name": "社区A", "stations": 1, "items_total": 0,
        "items_done": 0, "items_evidenced": 0, "stations_complete": 0}


def test_a_station_moved_out_of_the_checklist_counts_none_of_its_old_evidence(client, positions):
    units = positions["units"]
    station = _create(client, positions, positions["enterprise"], checklist={"has_place": True})
    assert _upload(client, positions["headers"], station["id"], "has_flag").status_code == 201
    moved = client.patch(f"/api/v1/stations/{station['id']}", headers=positions["headers"],
                         json={"org_id": units["community_a"].id, "checklist": None})
    assert moved.status_code == 200, moved.get_json()
    # An older row may still carry a checklist although its org keeps none.
    db.session.get(Station, station["id"]).checklist = {"has_place": True}
    db.session.commit()
    view = stations.completeness(positions["staff"], units["street"].id)
    (row,) = view["stations"]
    assert {key: row[key] for key in ("applicable", "items_total", "items_done", "items_evidenced",
                                      "items_missing")} == {
        "applicable": False, "items_total": 0, "items_done": 0, "items_evidenced": 0, "items_missing": []}
    (org,) = view["orgs"]
    assert (org["items_total"], org["items_done"], org["items_evidenced"], org["stations_complete"]) == (0, 0, 0, 0)


def test_completeness_counts_only_the_evidence_of_each_station_itself(client, positions):
    first = _create(client, positions, positions["enterprise"])
    second = _create(client, positions, positions["enterprise"])
    _prove(first["id"], CHECKLIST_ITEMS[:3])
    _prove(second["id"], CHECKLIST_ITEMS[:1])
    view = stations.completeness(positions["staff"], positions["enterprise"].id)
    assert [(row["station_id"], row["items_evidenced"]) for row in view["stations"]] == [
        (first["id"], 3), (second["id"], 1)]


def test_the_completeness_sheet_has_one_row_per_station_in_words(client, positions):
    units = positions["units"]
    enterprise = _create(client, positions, positions["enterprise"], name="企业阵地",
                         checklist={item: item != "has_oath" for item in CHECKLIST_ITEMS})
    _prove(enterprise["id"], ["has_place", "has_sign"])
    _create(client, positions, units["community_a"], name="社区站")
    answer = client.get(f"/api/v1/stations/completeness.xlsx?org_id={units['street'].id}",
                        headers=positions["headers"])
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert sheet.title == "阵地标准化完成情况"
    assert list(sheet.values) == [
        ("组织", "阵地", "类型", "适用清单", "清单项数", "已完成", "有佐证", "缺少项目"),
        ("社区A", "社区站", "社区党员服务站", "否", 0, 0, 0, None),
        ("泉城科技党支部", "企业阵地", "社区党员服务站", "是", 12, 11, 2, "有入党誓词"),
    ]
