"""The desk's 帮扶走访 screen in real headless Chromium: confirming a visit credits the visitor's hours; the
visits download as a workbook."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from services.periods import local_today
from tests.conftest import body
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"


def test_secretary_confirms_a_visit_and_the_minutes_are_credited(page, live_server, make, client):
    units = make.tree()
    secretary = make.staff(units["community_a"], role="secretary", password=PASSWORD)
    member = make.member(units["community_a"], units["building_a1"], name="党员甲")
    target = body(
        client.post(
            "/api/v1/care-targets",
            headers=make.headers(secretary),
            json={
                "name": "王奶奶",
                "building_id": units["building_a1"].id,
                "needs": ["买菜"],
                "consent_on": local_today().isoformat(),
                "kinds": ["elderly_alone"],
            },
        )
    )
    client.post(
        f"/api/v1/care-targets/{target['id']}/plans",
        headers=make.headers(secretary),
        json={"visitor_id": member.id, "every_weeks": 2},
    )
    visit = body(
        client.post(
            f"/api/v1/care-targets/{target['id']}/visits",
            headers=make.headers(member),
            json={"visited_on": local_today().isoformat(), "minutes": 40, "summary": "送去米面"},
        )
    )

    log_in(page, live_server, secretary.username, PASSWORD)
    page.get_by_role("button", name="帮扶走访", exact=True).click()
    expect(page.locator(f'#care-target-list > li[data-care-target-id="{target["id"]}"]')).to_contain_text("独居老人")
    row = page.locator(f'#visit-list > li[data-visit-id="{visit["id"]}"]')
    expect(row).to_contain_text("送去米面")
    row.get_by_role("button", name="确认").click()
    expect(page.locator("#visits-notice")).to_have_text("已确认党员甲的走访，计入服务时长 40 分钟")
    expect(page.locator("#visit-list")).to_contain_text("暂无待确认的走访")
    hours = body(client.get("/api/v1/members/me/hours", headers=make.headers(member)))
    assert hours["confirmed_minutes"] == 40

    export = page.locator("#visits-export")
    export.get_by_label("组织").select_option(str(units["community_a"].id))
    with page.expect_download() as downloaded:
        export.get_by_role("button", name="导出走访记录").click()
    assert downloaded.value.suggested_filename.startswith("走访记录_社区A_")
    sheet = load_workbook(io.BytesIO(downloaded.value.path().read_bytes())).active
    assert [row[:7] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        (local_today().isoformat(), "王奶奶", units["building_a1"].name, "党员甲", 40, "已确认", secretary.name)]
    expect(page.locator("#visits-export-notice")).to_contain_text("已下载 走访记录_社区A_")
