"""Positions (阵地): station kinds fit the org level, checklist evidence, completeness per street and district."""
import io
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from extensions import db
from models.stations import CHECKLIST_ITEMS, STATION_KINDS, STATION_KINDS_BY_ORG_KIND, StationChecklistEvidence
from services.orgs import add_org
from services.stations import EVIDENCE_FOLDER
from tests.conftest import body
from tests.fixtures.members import CENTRE

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%evidence\n"


def _station(org, kind="community_service_station", **extra):
    return {"name": "阵地", "kind": kind, "org_id": org.id, "address": "路1号", "lat": CENTRE[0], "lng": CENTRE[1],
            "radius_m": 100, "acquisition": "rented", "opening_hours": {"weekly": {}}, **extra}


@pytest.fixture
def positions(make):
    units = make.tree()
    enterprise = add_org("泉城科技党支部", "enterprise_branch", units["street"])
    db.session.commit()
    return {"units": units, "enterprise": enterprise, "street": make.headers(make.staff(units["street"])),
            "other": make.headers(make.staff(units["community_b"]))}


def upload(client, headers, station_id, item, content=PNG, name="photo.png"):
    return client.post(f"/api/v1/stations/{station_id}/checklist-evidence", headers=headers,
                       content_type="multipart/form-data",
                       data={"item": item, "file": (io.BytesIO(content), name)})


def test_every_station_kind_has_an_org_level_where_it_may_stand():
    allowed = {kind for kinds in STATION_KINDS_BY_ORG_KIND.values() for kind in kinds}
    assert allowed == set(STATION_KINDS)


@pytest.mark.parametrize(("org", "kind", "status"), [
    ("community_a", "community_service_station", 201),
    ("building_a1", "community_service_station", 422),
    ("building_a1", "building_named_station", 201),
    ("community_a", "building_named_station", 422),
    ("street", "street_service_centre", 201),
    ("community_a", "street_service_centre", 422),
    ("building_a1", "liaison_station", 422),
])
def test_a_station_kind_must_fit_its_org_level(client, positions, org, kind, status):
    answer = client.post("/api/v1/stations", headers=positions["street"], json=_station(positions["units"][org], kind))
    assert answer.status_code == status, answer.get_json()
    if status == 422:
        assert body(answer)["error"]["code"] == "station_kind_not_allowed"


def test_moving_a_station_to_a_level_that_does_not_hold_its_kind_is_refused(client, positions):
    units = positions["units"]
    station = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(units["community_a"])))
    moved = client.patch(f"/api/v1/stations/{station['id']}", headers=positions["street"],
                         json={"org_id": units["building_a1"].id})
    rekinded = client.patch(f"/api/v1/stations/{station['id']}", headers=positions["street"],
                            json={"kind": "household_activity_room"})
    renamed = client.patch(f"/api/v1/stations/{station['id']}", headers=positions["street"], json={"name": "新名"})
    assert (moved.status_code, body(moved)["error"]["code"]) == (422, "station_kind_not_allowed")
    assert (rekinded.status_code, body(rekinded)["error"]["code"]) == (422, "station_kind_not_allowed")
    assert renamed.status_code == 200


def test_evidence_marks_the_item_done_and_records_who_checked_it(client, positions):
    station = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(positions["enterprise"])))
    first = upload(client, positions["street"], station["id"], "has_flag")
    again = upload(client, positions["street"], station["id"], "has_flag", PDF, "flag.pdf")
    assert first.status_code == 201, first.get_json()
    assert again.status_code == 201 and body(again)["id"] == body(first)["id"] and body(again)["content_type"] == (
        "application/pdf")
    assert body(again)["checked_by_id"] is not None and body(again)["checked_at"]
    shown = body(client.get(f"/api/v1/stations/{station['id']}", headers=positions["street"]))
    assert shown["checklist"]["has_flag"] is True and shown["checklist_done"] == 1
    listed = body(client.get(f"/api/v1/stations/{station['id']}/checklist-evidence", headers=positions["street"]))
    assert [item["item"] for item in listed["items"]] == ["has_flag"]
    served = client.get(f"/api/v1/stations/{station['id']}/checklist-evidence/{body(again)['id']}",
                        headers=positions["street"])
    assert served.status_code == 200 and served.data == PDF and served.headers["Cache-Control"] == "no-store"


def test_evidence_is_refused_for_a_wrong_file_an_unknown_item_another_scope_or_a_community_station(
        client, positions):
    units = positions["units"]
    station = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(positions["enterprise"])))
    community = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(units["community_a"])))
    wrong_type = upload(client, positions["street"], station["id"], "has_flag", b"MZ\x90\x00", "x.png")
    unknown = upload(client, positions["street"], station["id"], "has_palace")
    hidden = upload(client, positions["other"], station["id"], "has_flag")
    not_applicable = upload(client, positions["street"], community["id"], "has_flag")
    assert (wrong_type.status_code, body(wrong_type)["error"]["code"]) == (422, "file_type_refused")
    assert unknown.status_code == 422 and "item" in body(unknown)["error"]["fields"]
    assert hidden.status_code == 404
    assert (not_applicable.status_code, body(not_applicable)["error"]["code"]) == (422, "checklist_not_applicable")
    assert db.session.execute(select(func.count()).select_from(StationChecklistEvidence)).scalar_one() == 0
    foreign = client.get(f"/api/v1/stations/{station['id']}/checklist-evidence", headers=positions["other"])
    assert foreign.status_code == 404


def test_evidence_over_the_size_limit_is_refused(client, app, positions, monkeypatch):
    station = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(positions["enterprise"])))
    monkeypatch.setitem(app.config, "EVALUATION_MEDIA_MAX_BYTES", 1024)
    too_large = upload(client, positions["street"], station["id"], "has_flag", PNG + b"\x00" * 4096)
    assert (too_large.status_code, body(too_large)["error"]["code"]) in {
        (422, "file_too_large"), (413, "payload_too_large")}


def test_completeness_counts_done_and_evidenced_items_per_station_and_org(client, positions):
    units = positions["units"]
    checklist = {"has_place": True, "has_flag": True}
    station = body(client.post("/api/v1/stations", headers=positions["street"],
                               json=_station(positions["enterprise"], checklist=checklist)))
    client.post("/api/v1/stations", headers=positions["street"], json=_station(units["community_a"]))
    assert upload(client, positions["street"], station["id"], "has_sign").status_code == 201
    view = body(client.get(f"/api/v1/stations/completeness?org_id={units['street'].id}",
                           headers=positions["street"]))
    by_station = {row["station_id"]: row for row in view["stations"]}
    assert (by_station[station["id"]]["items_done"], by_station[station["id"]]["items_evidenced"],
            by_station[station["id"]]["items_total"]) == (3, 1, 12)
    community_row = next(row for row in view["stations"] if row["station_id"] != station["id"])
    assert community_row["applicable"] is False and community_row["items_total"] == 0
    enterprise = next(org for org in view["orgs"] if org["org_id"] == positions["enterprise"].id)
    assert (enterprise["stations"], enterprise["items_done"], enterprise["stations_complete"]) == (1, 3, 0)
    hidden = client.get(f"/api/v1/stations/completeness?org_id={units['street'].id}", headers=positions["other"])
    assert hidden.status_code == 404


def test_completeness_exports_as_a_spreadsheet_with_chinese_headers(client, positions):
    station = body(client.post("/api/v1/stations", headers=positions["street"],
                               json=_station(positions["enterprise"], name="=危险名称")))
    upload(client, positions["street"], station["id"], "has_flag")
    answer = client.get(f"/api/v1/stations/completeness.xlsx?org_id={positions['units']['street'].id}",
                        headers=positions["street"])
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].startswith("attachment")
    rows = list(load_workbook(io.BytesIO(answer.data)).active.values)
    assert rows[0][:2] == ("组织", "阵地")
    assert rows[1][1] == "'=危险名称" and rows[1][5:7] == (1, 1)


def test_two_first_uploads_of_one_item_at_once_keep_one_row(live_server, positions):
    import requests as http

    created = http.post(f"{live_server}/api/v1/stations", headers=positions["street"],
                        json=_station(positions["enterprise"]), timeout=10)
    station_id = created.json()["id"]
    statuses, barrier = [], threading.Barrier(4)

    def send():
        barrier.wait()
        answer = http.post(f"{live_server}/api/v1/stations/{station_id}/checklist-evidence",
                           headers=positions["street"], data={"item": "has_oath"},
                           files={"file": ("x.png", PNG)}, timeout=10)
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {201, 409} and 201 in statuses
    db.session.expire_all()
    rows = db.session.execute(select(StationChecklistEvidence).where(
        StationChecklistEvidence.station_id == station_id)).scalars().all()
    assert len(rows) == 1


def test_an_evidence_upload_leaves_one_audit_row_of_the_station_and_its_org(client, positions):
    from models.audit import AuditEntry

    station = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(positions["enterprise"])))
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert upload(client, positions["street"], station["id"], "has_rules").status_code == 201
    db.session.expire_all()
    trail = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()[before:]
    assert [(entry.target_type, entry.target_id, entry.org_id) for entry in trail] == [
        ("stations", station["id"], positions["enterprise"].id)]


def test_every_demo_station_stands_at_a_level_that_holds_its_kind(app, app_context):
    from models.stations import Station

    app.test_cli_runner().invoke(args=["seed-demo"])
    demo = db.session.execute(select(Station)).scalars().all()
    assert demo
    assert [station.name for station in demo if station.kind not in STATION_KINDS_BY_ORG_KIND.get(
        station.org.kind, ())] == []


def _stored_evidence_files(app) -> set[str]:
    """The names of the evidence files kept on disk."""
    folder = Path(app.instance_path) / EVIDENCE_FOLDER
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def test_the_evidence_list_names_who_checked_each_item(client, make, positions):
    checker = make.staff(positions["units"]["street"], name="王核查")
    headers = make.headers(checker)
    station = body(client.post("/api/v1/stations", headers=headers, json=_station(positions["enterprise"])))
    assert upload(client, headers, station["id"], "has_sign").status_code == 201
    listed = body(client.get(f"/api/v1/stations/{station['id']}/checklist-evidence", headers=positions["street"]))
    assert [(row["item"], row["checked_by_id"], row["checked_by_name"]) for row in listed["items"]] == [
        ("has_sign", checker.id, "王核查")]


def test_completeness_names_the_missing_items_of_each_station(client, positions):
    units = positions["units"]
    done = {item: True for item in CHECKLIST_ITEMS if item not in ("has_oath", "study_video_system")}
    station = body(client.post("/api/v1/stations", headers=positions["street"],
                               json=_station(positions["enterprise"], name="企业阵地", checklist=done)))
    client.post("/api/v1/stations", headers=positions["street"], json=_station(units["community_a"]))
    view = body(client.get(f"/api/v1/stations/completeness?org_id={units['street'].id}", headers=positions["street"]))
    by_station = {row["station_id"]: row for row in view["stations"]}
    assert by_station[station["id"]]["items_missing"] == ["has_oath", "study_video_system"]
    assert [row["items_missing"] for row in view["stations"] if not row["applicable"]] == [[]]
    sheet = client.get(f"/api/v1/stations/completeness.xlsx?org_id={units['street'].id}", headers=positions["street"])
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.values)
    assert rows[0][-1] == "缺少项目"
    assert [row[-1] for row in rows[1:] if row[1] == "企业阵地"] == ["有入党誓词、有党员学习教育电视视频系统"]


def test_an_exe_renamed_jpg_is_refused_by_its_content_storing_nothing_and_keeping_the_earlier_evidence(
        client, app, positions):
    station = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(positions["enterprise"])))
    first = body(upload(client, positions["street"], station["id"], "has_flag"))
    files = _stored_evidence_files(app)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
    refused = client.post(f"/api/v1/stations/{station['id']}/checklist-evidence", headers=positions["street"],
                          content_type="multipart/form-data",
                          data={"item": "has_flag", "file": (io.BytesIO(exe), "flag.jpg", "image/jpeg")})
    assert refused.status_code == 422
    assert body(refused)["error"]["code"] == "file_type_refused"
    assert body(refused)["error"]["message"].startswith("文件类型不支持") and "file" in body(refused)["error"]["fields"]
    assert _stored_evidence_files(app) == files
    listed = body(client.get(f"/api/v1/stations/{station['id']}/checklist-evidence", headers=positions["street"]))
    assert [(row["id"], row["content_type"], row["size_bytes"]) for row in listed["items"]] == [
        (first["id"], "image/png", len(PNG))]
    served = client.get(f"/api/v1/stations/{station['id']}/checklist-evidence/{first['id']}",
                        headers=positions["street"])
    assert served.data == PNG


def test_evidence_over_the_size_limit_answers_422_storing_nothing_and_keeping_the_earlier_evidence(
        client, app, positions, monkeypatch):
    station = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(positions["enterprise"])))
    first = body(upload(client, positions["street"], station["id"], "has_flag"))
    files = _stored_evidence_files(app)
    monkeypatch.setitem(app.config, "EVALUATION_MEDIA_MAX_BYTES", 1024)
    too_large = upload(client, positions["street"], station["id"], "has_flag", PNG + b"\x00" * 2048)
    assert too_large.status_code == 422
    assert body(too_large)["error"]["code"] == "file_too_large"
    assert body(too_large)["error"]["message"] == "文件过大（不超过 1 KB）"
    assert "file" in body(too_large)["error"]["fields"]
    assert _stored_evidence_files(app) == files
    listed = body(client.get(f"/api/v1/stations/{station['id']}/checklist-evidence", headers=positions["street"]))
    assert [(row["id"], row["size_bytes"]) for row in listed["items"]] == [(first["id"], len(PNG))]


def test_a_request_body_far_over_the_upload_limit_answers_413_in_the_error_envelope(
        client, app, positions, monkeypatch):
    station = body(client.post("/api/v1/stations", headers=positions["street"], json=_station(positions["enterprise"])))
    files = _stored_evidence_files(app)
    monkeypatch.setitem(app.config, "EVALUATION_MEDIA_MAX_BYTES", 1024)
    # The form may be the limit plus 64 KiB of its own; this one is far beyond that.
    huge = upload(client, positions["street"], station["id"], "has_flag", PNG + b"\x00" * (256 * 1024))
    assert huge.status_code == 413
    assert huge.get_json() == {"error": {"code": "payload_too_large", "message": "请求内容过大"}}
    assert _stored_evidence_files(app) == files
    assert db.session.execute(select(func.count()).select_from(StationChecklistEvidence)).scalar_one() == 0


def test_a_building_point_is_named_only_after_an_approved_member_of_its_community(client, make, positions):
    units = positions["units"]
    own = make.member(units["community_a"], units["building_a1"])
    elsewhere = make.member(units["community_b"], units["building_b1"])
    resident = make.resident(units["community_a"], units["building_a1"])
    point = _station(units["building_a1"], "building_named_station")
    answers = {who.id: client.post("/api/v1/stations", headers=positions["street"],
                                   json={**point, "named_member_id": who.id}) for who in (own, elsewhere, resident)}
    assert answers[own.id].status_code == 201, answers[own.id].get_json()
    for refused in (answers[elsewhere.id], answers[resident.id]):
        assert (refused.status_code, body(refused)["error"]["code"]) == (422, "user_not_found")
        assert "named_member_id" in body(refused)["error"]["fields"]
    room = body(client.post("/api/v1/stations", headers=positions["street"],
                            json=_station(units["building_a1"], "household_activity_room")))
    moved_in = client.patch(f"/api/v1/stations/{room['id']}", headers=positions["street"],
                            json={"household_user_id": own.id, "funding": "department_aid"})
    outsider = client.patch(f"/api/v1/stations/{room['id']}", headers=positions["street"],
                            json={"household_user_id": elsewhere.id})
    assert moved_in.status_code == 200 and body(moved_in)["household_user_id"] == own.id
    assert (outsider.status_code, body(outsider)["error"]["code"]) == (422, "user_not_found")


def test_a_station_keeps_its_named_member_when_other_fields_change_after_the_membership_ended(
        client, make, positions):
    from models.members import Registration

    units = positions["units"]
    member = make.member(units["community_a"], units["building_a1"])
    point = body(client.post("/api/v1/stations", headers=positions["street"],
                             json={**_station(units["building_a1"], "building_named_station"),
                                   "named_member_id": member.id}))
    registration = db.session.execute(select(Registration).where(Registration.user_id == member.id)).scalar_one()
    registration.status = "ended"
    db.session.commit()
    renamed = client.patch(f"/api/v1/stations/{point['id']}", headers=positions["street"], json={"name": "新名"})
    assert renamed.status_code == 200 and body(renamed)["named_member_id"] == member.id


def test_a_member_finds_the_positions_named_after_them_in_their_export_and_deleting_the_account_unlinks_them(
        client, make, positions):
    units = positions["units"]
    member = make.member(units["community_a"], units["building_a1"])
    point = body(client.post("/api/v1/stations", headers=positions["street"],
                             json={**_station(units["building_a1"], "building_named_station", name="张大姐冠名服务点"),
                                   "named_member_id": member.id}))
    room = body(client.post("/api/v1/stations", headers=positions["street"],
                            json={**_station(units["building_a1"], "household_activity_room"),
                                  "household_user_id": member.id}))
    exported = body(client.get("/api/v1/me/export", headers=make.headers(member)))
    assert [(row["id"], row["name"]) for row in exported["stations"]] == [
        (point["id"], "张大姐冠名服务点"), (room["id"], "阵地")]
    assert client.delete("/api/v1/me", headers=make.headers(member)).status_code == 204
    for station in (point, room):
        shown = body(client.get(f"/api/v1/stations/{station['id']}", headers=positions["street"]))
        assert (shown["named_member_id"], shown["household_user_id"]) == (None, None)


def test_a_station_tells_whether_it_keeps_the_checklist(client, positions):
    enterprise = body(client.post("/api/v1/stations", headers=positions["street"],
                                  json=_station(positions["enterprise"])))
    community = body(client.post("/api/v1/stations", headers=positions["street"],
                                 json=_station(positions["units"]["community_a"])))
    assert (enterprise["checklist_applicable"], community["checklist_applicable"]) == (True, False)
    shown = body(client.get(f"/api/v1/stations/{enterprise['id']}", headers=positions["street"]))
    assert shown["checklist_applicable"] is True and shown["checklist"] is None


def test_a_stations_checklist_lists_every_item_in_order_with_its_evidence_and_checker(client, make, positions):
    checker = make.staff(positions["units"]["street"], name="李核查")
    headers = make.headers(checker)
    station = body(client.post("/api/v1/stations", headers=headers,
                               json=_station(positions["enterprise"], checklist={"has_place": True})))
    evidence = body(upload(client, headers, station["id"], "has_oath"))
    checklist = body(client.get(f"/api/v1/stations/{station['id']}/checklist", headers=positions["street"]))
    assert [row["item"] for row in checklist["items"]] == list(CHECKLIST_ITEMS)
    by_item = {row["item"]: row for row in checklist["items"]}
    assert (by_item["has_place"]["done"], by_item["has_place"]["evidence"]) == (True, None)
    assert by_item["has_oath"]["done"] is True
    assert (by_item["has_oath"]["evidence"]["id"], by_item["has_oath"]["evidence"]["checked_by_name"]) == (
        evidence["id"], "李核查")
    assert by_item["has_flag"] == {"item": "has_flag", "done": False, "evidence": None}
    assert (checklist["applicable"], checklist["items_total"], checklist["items_done"],
            checklist["items_evidenced"]) == (True, 12, 2, 1)


def test_a_station_without_the_checklist_answers_an_empty_one_and_another_scope_404(client, positions):
    community = body(client.post("/api/v1/stations", headers=positions["street"],
                                 json=_station(positions["units"]["community_a"])))
    checklist = body(client.get(f"/api/v1/stations/{community['id']}/checklist", headers=positions["street"]))
    assert checklist == {"station_id": community["id"], "applicable": False, "items_total": 0, "items_done": 0,
                         "items_evidenced": 0, "items": []}
    hidden = client.get(f"/api/v1/stations/{community['id']}/checklist", headers=positions["other"])
    missing = client.get("/api/v1/stations/2147483647/checklist", headers=positions["other"])
    assert (hidden.status_code, body(hidden)) == (missing.status_code, body(missing))
    assert hidden.status_code == 404
