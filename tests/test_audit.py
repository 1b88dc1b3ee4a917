"""The audit trail: append-only in the database, hash-chained, scoped when read, and what it never holds."""
import io
import json

import pytest
from flask import Response, request
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from blueprints.common import USER_KEY, current_user
from extensions import db
from models.audit import AuditEntry
from models.members import Registration
from models.orgs import OrgUnit
from services import audit
from services.errors import NotFound
from tests.conftest import body

STATION = {
    "name": "审计服务站", "kind": "community_service_station", "address": "幸福路 1 号", "lat": 36.65, "lng": 117.12,
    "radius_m": 100, "acquisition": "self_built", "opening_hours": {"weekly": {}},
}


@pytest.fixture
def units(make):
    return make.tree()


def _create_station(client, make, actor, org, **fields):
    payload = {**STATION, "org_id": org.id, **fields}
    response = client.post("/api/v1/stations", json=payload, headers=make.headers(actor))
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def _rows() -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()


def test_update_and_delete_on_the_audit_table_are_refused_by_the_database(client, make, units):
    _create_station(client, make, make.admin(), units["community_a"])
    (row,) = _rows()
    db.session.rollback()
    for statement in ("UPDATE audit_entries SET action = 'forged'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    (unchanged,) = _rows()
    assert (unchanged.id, unchanged.action, unchanged.hash) == (row.id, "stations.create_station", row.hash)


@pytest.fixture
def triggers_lifted(app):
    """Edits made around the triggers (as a database owner could), the triggers restored afterwards."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
            saved = []
        else:
            saved = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'")
            ).all()
            for name, _sql in saved:
                connection.execute(text(f"DROP TRIGGER {name}"))
    yield
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
        for _name, sql in saved:
            connection.execute(text(sql))


def _three_rows(client, make, units):
    admin = make.admin()
    for name in ("一站", "二站", "三站"):
        _create_station(client, make, admin, units["community_a"], name=name)
    rows = _rows()
    db.session.rollback()
    return rows


def test_verify_finds_the_chain_whole(app, client, make, units):
    rows = _three_rows(client, make, units)
    assert [row.prev_hash for row in rows] == [None, rows[0].hash, rows[1].hash]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "完整" in result.output


def test_verify_reports_a_row_edited_around_the_trigger(app, client, make, units, triggers_lifted):
    rows = _three_rows(client, make, units)
    edited = rows[1].id
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET ip = '6.6.6.6' WHERE id = :id"), {"id": edited})
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"#{edited}: 内容与哈希不符" in result.output


def test_verify_reports_a_missing_row(app, client, make, units, triggers_lifted):
    rows = _three_rows(client, make, units)
    removed, following = rows[1].id, rows[2].id
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": removed})
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"#{following}: 上一条记录的哈希不符" in result.output


def test_a_row_says_who_when_where_what_and_what_it_was_before(client, make, units):
    secretary = make.staff(units["community_a"], role="secretary")
    station = _create_station(client, make, secretary, units["community_a"])
    response = client.patch(
        f"/api/v1/stations/{station['id']}", json={"radius_m": 150}, headers=make.headers(secretary),
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert response.status_code == 200
    page = body(client.get("/api/v1/audit?action=stations.patch_station", headers=make.headers(secretary)))
    (item,) = page["items"]
    assert item["actor_id"] == secretary.id and item["actor_name"] == secretary.name
    assert (item["target_type"], item["target_id"]) == ("stations", station["id"])
    assert item["org_id"] == units["community_a"].id
    assert item["before"] == {f"stations:{station['id']}": {"radius_m": 100}}
    assert item["after"] == {f"stations:{station['id']}": {"radius_m": 150}}
    assert item["ip"] == "203.0.113.7"
    assert item["at"]


def test_secrets_and_full_phone_numbers_never_enter_the_trail(client, make, units):
    secretary = make.staff(units["community_a"], role="secretary")
    response = client.post(
        "/api/v1/staff",
        json={"username": "desk-new", "password": "secret-password-42", "name": "新同事",
              "org_id": units["community_a"].id, "role": "staff"},
        headers=make.headers(secretary),
    )
    assert response.status_code == 201
    _create_station(client, make, secretary, units["community_a"])
    stored = json.dumps([[row.before, row.after] for row in _rows()], ensure_ascii=False)
    assert "secret-password-42" not in stored
    assert "scrypt" not in stored
    assert '"password_hash": "[已隐藏]"' in stored and '"qr_secret": "[已隐藏]"' in stored
    assert "session_key" not in stored, "an empty secret is not even named"


def test_phone_numbers_in_any_recorded_value_are_masked():
    assert audit.recorded_value("phone", "13812345678") == "138****5678"
    assert audit.recorded_value("address", "幸福路 1 号 电话13812345678") == "幸福路 1 号 电话138****5678"
    assert audit.recorded_value("data", {"note": ["call 13812345678"]}) == {"note": ["call 138****5678"]}
    assert audit.recorded_value("openid", "o-123") == "[已隐藏]"
    assert audit.recorded_value("openid", "o-123", show_identifiers=True) == "o-123"


def test_a_secretary_reads_only_the_rows_of_their_scope(client, make, units):
    admin = make.admin()
    secretary_a = make.staff(units["community_a"], role="secretary")
    secretary_b = make.staff(units["community_b"], role="secretary")
    plain_staff = make.staff(units["community_a"], role="staff")
    _create_station(client, make, secretary_a, units["community_a"], name="甲站")
    _create_station(client, make, secretary_b, units["community_b"], name="乙站")
    _create_station(client, make, admin, units["street"], name="街道站", kind="street_service_centre")

    seen_by_a = body(client.get("/api/v1/audit", headers=make.headers(secretary_a)))
    assert [item["actor_id"] for item in seen_by_a["items"]] == [secretary_a.id]
    assert seen_by_a["total"] == 1
    hidden = client.get(f"/api/v1/audit?org_id={units['community_b'].id}", headers=make.headers(secretary_a))
    assert hidden.status_code == 404
    others = client.get(f"/api/v1/audit?actor_id={secretary_b.id}", headers=make.headers(secretary_a))
    assert body(others)["items"] == []
    assert client.get("/api/v1/audit", headers=make.headers(plain_staff)).status_code == 403
    everything = body(client.get("/api/v1/audit", headers=make.headers(admin)))
    assert everything["total"] == 3
    street = body(client.get(f"/api/v1/audit?org_id={units['street'].id}", headers=make.headers(admin)))
    assert street["total"] == 3
    community_b = body(client.get(f"/api/v1/audit?org_id={units['community_b'].id}", headers=make.headers(admin)))
    assert [item["actor_id"] for item in community_b["items"]] == [secretary_b.id]


def test_filters_by_target_and_time(client, make, units):
    admin = make.admin()
    first = _create_station(client, make, admin, units["community_a"], name="一站")
    _create_station(client, make, admin, units["community_a"], name="二站")
    headers = make.headers(admin)
    by_target = body(client.get(f"/api/v1/audit?target_type=stations&target_id={first['id']}", headers=headers))
    assert by_target["total"] == 1
    (row,) = [item for item in by_target["items"]]
    since = row["at"].replace("+00:00", "Z")
    assert body(client.get("/api/v1/audit", query_string={"since": since}, headers=headers))["total"] == 2
    assert body(client.get("/api/v1/audit", query_string={"until": since}, headers=headers))["total"] == 0
    assert client.get("/api/v1/audit?since=2026-01-01T00:00:00", headers=headers).status_code == 422


def test_the_spreadsheet_has_chinese_headers_the_filtered_rows_and_no_formulas(client, make, units):
    admin = make.admin()
    secretary = make.staff(units["community_a"], role="secretary", name="=HYPERLINK(\"http://x\")")
    _create_station(client, make, secretary, units["community_a"])
    _create_station(client, make, admin, units["street"], kind="street_service_centre")
    response = client.get(f"/api/v1/audit.xlsx?actor_id={secretary.id}", headers=make.headers(admin))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("编号", "时间", "操作人编号", "操作人", "类型", "操作")
    assert len(rows) == 2
    assert rows[1][2] == secretary.id and rows[1][4] == "修改" and rows[1][5] == "stations.create_station"
    assert rows[1][3] == "'=HYPERLINK(\"http://x\")"
    assert client.get("/api/v1/audit.xlsx", headers=make.headers(secretary)).status_code == 200


def _stand_in_read(app, reader, registration, assigned):
    """A care-target read as the next area will do it: inside a request, through read_sensitive."""
    with app.test_request_context("/api/v1/care-targets/1", environ_base={"REMOTE_ADDR": "198.51.100.4"}):
        app.preprocess_request()
        request.environ[USER_KEY] = reader
        try:
            org = db.session.get(OrgUnit, registration.community_id)
            audit.read_sensitive(current_user(), registration, org, assigned, ["employer_unit"])
            app.process_response(Response(status=200))
        finally:
            app.do_teardown_request()


def test_a_sensitive_read_is_recorded_and_refused_to_others(app, make, units):
    member = make.member(units["community_a"])
    registration = db.session.execute(select(Registration).where(Registration.user_id == member.id)).scalar_one()
    staff_in_scope = make.staff(units["community_a"])
    visitor = make.resident(units["community_a"])
    outsider = make.staff(units["community_b"])

    _stand_in_read(app, staff_in_scope, registration, assigned=[])
    _stand_in_read(app, visitor, registration, assigned=[visitor.id])
    with pytest.raises(NotFound):
        _stand_in_read(app, outsider, registration, assigned=[visitor.id])

    rows = _rows()
    assert [(row.kind, row.actor_id) for row in rows] == [("read", staff_in_scope.id), ("read", visitor.id)]
    assert rows[0].target_type == "registrations" and rows[0].target_id == registration.id
    assert rows[0].org_id == units["community_a"].id
    assert rows[0].after == {f"registrations:{registration.id}": {"read": ["employer_unit"]}}
    assert rows[0].ip == "198.51.100.4"
    assert rows[1].prev_hash == rows[0].hash
