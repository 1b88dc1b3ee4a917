"""The desk's 文化活动 screen in real headless Chromium: publish an activity, read and download its sign-up list."""
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"


def test_secretary_publishes_an_activity_and_sees_seats_and_the_waiting_list(page, live_server, make, client):
    units = make.tree()
    secretary = make.staff(units["community_a"], role="secretary", password=PASSWORD)
    people = [make.resident(units["community_a"], name=name) for name in ("张三", "李四")]
    log_in(page, live_server, secretary.username, PASSWORD)
    page.get_by_role("button", name="文化活动", exact=True).click()
    expect(page.locator("#activities-summary")).to_contain_text("共 0 条")
    page.get_by_text("发布活动", exact=True).first.click()
    form = page.locator("#activity-form")
    form.get_by_label("活动名称").fill("楼道书画展")
    form.get_by_label("层级").select_option("corridor")
    form.get_by_label("组织者").select_option(str(units["community_a"].id))
    form.get_by_label("开始时间（北京时间）").fill("2030-05-01T09:00")
    form.get_by_label("结束时间（北京时间）").fill("2030-05-01T11:00")
    form.get_by_label("名额").fill("1")
    form.get_by_label("地点").fill("1号楼楼道")
    form.get_by_role("button", name="发布活动").click()
    expect(page.locator("#activities-notice")).to_contain_text("已发布：楼道书画展")
    row = page.locator("#activity-list > li").first
    expect(row).to_contain_text("楼道")
    expect(row).to_contain_text("2030/05/01 09:00")
    activity_id = int(row.get_attribute("data-activity-id"))
    for person in people:
        assert client.post(f"/api/v1/activities/{activity_id}/signups", headers=make.headers(person)).status_code == 201
    page.get_by_role("button", name="刷新").click()
    expect(row).to_contain_text("已确认 1 / 1，候补 1")
    row.get_by_role("button", name="报名名单").click()
    entries = row.locator(".signups > li")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("张三")
    expect(entries.nth(0)).to_contain_text("已确认")
    expect(entries.nth(1)).to_contain_text("李四")
    expect(entries.nth(1)).to_contain_text("候补中")
    with page.expect_download() as downloaded:
        row.get_by_role("button", name="导出名单（Excel）").click()
    assert downloaded.value.suggested_filename == "楼道书画展_报名名单.xlsx"
    sheet = load_workbook(io.BytesIO(downloaded.value.path().read_bytes())).active
    assert [row[:4] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("张三", "参加者", "已确认", None), ("李四", "参加者", "候补中", 1)]
    expect(page.locator("#activities-notice")).to_have_text("已下载 楼道书画展_报名名单.xlsx")
