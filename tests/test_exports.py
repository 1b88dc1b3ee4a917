"""Excel exports: hours per member and service requests, scoped, in local dates, formula-safe."""
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from extensions import db
from models.base import utcnow
from models.ledger import HourEntry
from models.requests import ServiceRequest
from services.spreadsheets import CONTENT_TYPE
from tests.conftest import body

INJECTION = '=HYPERLINK("http://x","y")'
HOURS_HEADERS = ["姓名", "社区", "已确认分钟", "已确认小时", "记录条数"]
REQUEST_HEADERS = [
    "编号", "标题", "类别", "状态", "紧急程度", "社区",
    "提交时间", "接单时间", "完成时间", "确认时间", "接单党员", "评分",
]


def submit(client, make, resident, category, title="水龙头漏水"):
    payload = {"category_id": category.id, "title": title, "description": "厨房水龙头一直滴水"}
    response = client.post("/api/v1/requests", json=payload, headers=make.headers(resident))
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def act(client, make, user, request_id, action, **payload):
    response = client.post(f"/api/v1/requests/{request_id}/{action}", json=payload, headers=make.headers(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return body(response)


def download(client, make, user, name, query=""):
    response = client.get(f"/api/v1/exports/{name}.xlsx{query}", headers=make.headers(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == CONTENT_TYPE
    return response


def sheet_of(response):
    return load_workbook(io.BytesIO(response.data)).active


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def two_communities(client, make, scene):
    """A confirmed request and an injection-titled one in community A; one request in community B."""
    units, member, staff = scene["units"], scene["members"][0], scene["staff"]
    done = submit(client, make, scene["resident"], scene["category"])
    act(client, make, member, done["id"], "accept")
    act(client, make, member, done["id"], "start")
    act(client, make, member, done["id"], "complete", note="已更换阀芯", minutes=45)
    act(client, make, staff, done["id"], "confirm")
    tricky = submit(client, make, scene["resident"], scene["category"], title=INJECTION)
    resident_b = make.resident(units["community_b"], units["building_b1"])
    other = submit(client, make, resident_b, scene["category"], title="B 社区的请求")
    return {"done": done, "tricky": tricky, "other": other, **scene}


def test_requests_export_has_chinese_headers_frozen_and_matches_the_api(client, make, two_communities):
    staff = two_communities["staff"]
    response = download(client, make, staff, "requests")
    sheet = sheet_of(response)
    assert [cell.value for cell in sheet[1]] == REQUEST_HEADERS
    assert sheet.freeze_panes == "A2"
    listed = body(client.get("/api/v1/requests?per_page=100", headers=make.headers(staff)))["items"]
    rows = rows_of(sheet)
    assert [row[0] for row in rows] == sorted(item["id"] for item in listed)
    by_id = {item["id"]: item for item in listed}
    for row in rows:
        item = by_id[row[0]]
        assert row[2] == item["category_name"] and row[3] == item["status_name"]
        assert row[5] == "社区A"
    done = next(row for row in rows if row[0] == two_communities["done"]["id"])
    assert done[3] == "已确认" and done[10] == two_communities["members"][0].name
    assert all(isinstance(moment, datetime) for moment in done[6:10])
    submitted = datetime.fromisoformat(by_id[done[0]]["created_at"])
    assert abs(done[6] - (submitted + timedelta(hours=8)).replace(tzinfo=None)) < timedelta(seconds=1)


def test_a_title_that_looks_like_a_formula_stays_text(client, make, two_communities):
    sheet = sheet_of(download(client, make, two_communities["staff"], "requests"))
    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == two_communities["tricky"]["id"])
    title = row[1]
    assert title.data_type == "s"
    assert not title.value.startswith("=")
    assert title.value.endswith(INJECTION)


def test_staff_of_community_a_see_none_of_community_b(client, make, two_communities):
    sheet = sheet_of(download(client, make, two_communities["staff"], "requests"))
    ids = [row[0] for row in rows_of(sheet)]
    assert two_communities["other"]["id"] not in ids
    assert all("B 社区" not in str(value) for row in rows_of(sheet) for value in row)
    admin_ids = [row[0] for row in rows_of(sheet_of(download(client, make, make.admin(), "requests")))]
    assert two_communities["other"]["id"] in admin_ids


def test_org_outside_scope_answers_404(client, make, two_communities):
    community_b = two_communities["units"]["community_b"]
    for name in ("requests", "hours"):
        response = client.get(
            f"/api/v1/exports/{name}.xlsx?org_id={community_b.id}", headers=make.headers(two_communities["staff"])
        )
        assert response.status_code == 404
        assert body(response)["error"]["code"] == "org_not_found"


@pytest.mark.parametrize(
    "query", ["?from=2026-13-01", "?to=yesterday", "?from=2026-05-02&to=2026-05-01", "?org_id=99999999999", "?org_id=0"]
)
def test_bad_dates_or_ids_answer_422(client, make, scene, query):
    for name in ("requests", "hours"):
        response = client.get(f"/api/v1/exports/{name}.xlsx{query}", headers=make.headers(scene["staff"]))
        assert response.status_code == 422, (name, query)
        assert "error" in body(response)


def test_residents_cannot_export(client, make, scene):
    response = client.get("/api/v1/exports/requests.xlsx", headers=make.headers(scene["resident"]))
    assert response.status_code == 403


def test_period_is_read_in_local_dates(client, make, two_communities):
    staff, request_id = two_communities["staff"], two_communities["done"]["id"]
    # 00:30 on 1 July in Shanghai is still 30 June in UTC.
    db.session.execute(
        update(ServiceRequest).where(ServiceRequest.id == request_id)
        .values(created_at=datetime(2026, 6, 30, 16, 30, tzinfo=UTC))
    )
    db.session.commit()
    july = rows_of(sheet_of(download(client, make, staff, "requests", "?from=2026-07-01&to=2026-07-01")))
    june = rows_of(sheet_of(download(client, make, staff, "requests", "?from=2026-06-01&to=2026-06-30")))
    assert [row[0] for row in july] == [request_id]
    assert july[0][6] == datetime(2026, 7, 1, 0, 30)
    assert june == []


def test_download_is_named_in_chinese_with_an_ascii_fallback(client, make, two_communities):
    response = download(client, make, two_communities["staff"], "hours", "?from=2026-01-01&to=2026-03-31")
    disposition = response.headers["Content-Disposition"]
    community_a = two_communities["units"]["community_a"]
    assert disposition.startswith("attachment; ")
    assert f'filename="hours_{community_a.id}_2026-01-01_2026-03-31.xlsx"' in disposition
    assert "filename*=UTF-8''" + quote("服务时长_社区A_2026-01-01_2026-03-31.xlsx") in disposition
    disposition.encode("ascii")
    assert response.headers["Cache-Control"] == "no-store"


def test_hours_export_sums_confirmed_entries_per_member(client, make, two_communities):
    units, staff = two_communities["units"], two_communities["staff"]
    worker, idle = two_communities["members"][0], two_communities["members"][1]
    member_b = make.member(units["community_b"], units["building_b1"])
    now = utcnow()
    db.session.add_all([
        HourEntry(member_id=worker.id, org_id=units["building_a1"].id, source="visit", source_id=1, minutes=30,
                  status="confirmed", confirmed_by_id=staff.id, confirmed_at=now),
        HourEntry(member_id=idle.id, org_id=units["community_a"].id, source="visit", source_id=2, minutes=20),
        HourEntry(member_id=idle.id, org_id=units["community_a"].id, source="visit", source_id=3, minutes=50,
                  status="confirmed", confirmed_by_id=staff.id, confirmed_at=now - timedelta(days=800)),
        HourEntry(member_id=member_b.id, org_id=units["community_b"].id, source="visit", source_id=4, minutes=90,
                  status="confirmed", confirmed_by_id=staff.id, confirmed_at=now),
    ])
    db.session.commit()
    sheet = sheet_of(download(client, make, staff, "hours"))
    assert [cell.value for cell in sheet[1]] == HOURS_HEADERS
    assert sheet.freeze_panes == "A2"
    assert rows_of(sheet) == [[worker.name, "社区A", 75, 1.25, 2]]
    hours = body(client.get("/api/v1/members/me/hours", headers=make.headers(worker)))
    assert hours["confirmed_minutes"] == 75
    everything = rows_of(sheet_of(download(client, make, make.admin(), "hours")))
    assert sorted(row[0] for row in everything) == sorted([worker.name, member_b.name])


def test_exports_are_documented_in_openapi(client):
    spec = body(client.get("/api/v1/openapi.json"))
    for name in ("hours", "requests"):
        operation = spec["paths"][f"/api/v1/exports/{name}.xlsx"]["get"]
        assert CONTENT_TYPE in operation["responses"]["200"]["content"]
        assert {parameter["name"] for parameter in operation["parameters"]} == {"org_id", "from", "to"}


def test_a_title_and_a_name_held_by_the_content_check_read_as_held_in_the_exports(client, make, two_communities):
    from services.moderation import HELD_TEXT
    from wx.sandbox import SANDBOX_REVIEW_WORD

    staff, member = two_communities["staff"], two_communities["members"][0]
    held_title = f"请求{SANDBOX_REVIEW_WORD}"
    held = submit(client, make, two_communities["resident"], two_communities["category"], title=held_title)
    renamed = client.patch("/api/v1/me", json={"name": f"党员{SANDBOX_REVIEW_WORD}"}, headers=make.headers(member))
    assert renamed.status_code == 200

    requests_rows = {row[0]: row for row in rows_of(sheet_of(download(client, make, staff, "requests")))}
    assert requests_rows[held["id"]][1] == HELD_TEXT
    assert requests_rows[two_communities["done"]["id"]][1] == "水龙头漏水"
    assert requests_rows[two_communities["done"]["id"]][10] == HELD_TEXT
    hours_rows = rows_of(sheet_of(download(client, make, staff, "hours")))
    assert [row[0] for row in hours_rows] == [HELD_TEXT]
