"""The desk's 审计日志 in real headless Chromium: a secretary reads the trail of their scope (not
another community's), sees what a change was before, filters it and exports it."""
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.test_desk_admin_browser import PASSWORD, enter

pytestmark = pytest.mark.browser


def rename(client, make, actor, org, name):
    response = client.patch(f"/api/v1/orgs/{org.id}", json={"name": name}, headers=make.headers(actor))
    assert response.status_code == 200, response.get_data(as_text=True)


def test_secretary_reads_and_exports_the_trail_of_their_scope_only(page, live_server, make, client, scene):
    units = scene["units"]
    secretary = make.staff(units["community_a"], role="secretary", password=PASSWORD, name="社区A书记")
    old_name = units["building_a1"].name
    rename(client, make, secretary, units["building_a1"], "幸福楼<img src=x onerror=alert(1)>")
    rename(client, make, make.staff(units["community_b"], role="secretary"), units["building_b1"], "别处的楼")

    enter(page, live_server, secretary.username, PASSWORD, "审计日志")

    entries = page.locator("#audit-list > li.record")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("orgs.patch_org")
    expect(entries.first).to_contain_text("社区A书记")
    expect(entries.first.locator("pre").first).to_contain_text(old_name)
    expect(entries.first.locator("pre").last).to_contain_text("幸福楼<img src=x onerror=alert(1)>")
    expect(page.locator("#audit-list img")).to_have_count(0)
    expect(page.locator("#audit-panel")).not_to_contain_text("别处的楼")

    page.locator("#audit-action").fill("nothing.like.this")
    page.get_by_role("button", name="查询").click()
    expect(entries).to_have_count(0)
    page.locator("#audit-action").fill("")
    page.get_by_role("button", name="查询").click()
    expect(entries).to_have_count(1)

    with page.expect_download() as downloaded:
        page.locator("#audit-export").click()
    sheet = load_workbook(io.BytesIO(Path(downloaded.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("编号", "时间", "操作人编号", "操作人", "类型", "操作")
    assert [row[5] for row in rows[1:]] == ["orgs.patch_org"]
    assert "别处的楼" not in repr(rows)
