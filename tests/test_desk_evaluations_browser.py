"""The desk's 述职评议 screen in real headless Chromium: open a round, add subjects, hand out codes
(the printable sheet), ballots cast through the API, close, and the results per subject and sector (and as .xlsx)."""
import io

import pytest
import requests as http
from openpyxl import load_workbook
from playwright.sync_api import expect

from models.evaluation import DEFAULT_DIMENSIONS
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"


def test_a_round_goes_from_opening_to_codes_to_results_on_screen(page, live_server, make):
    units = make.tree()
    secretary = make.staff(units["street"], role="secretary", password=PASSWORD)
    log_in(page, live_server, secretary.username, PASSWORD)
    page.get_by_role("button", name="述职评议", exact=True).click()

    page.locator("#evaluation-title").fill("2026 年书记抓党建述职评议")
    page.get_by_role("button", name="开启述职评议").click()
    detail = page.locator("#evaluation-detail")
    expect(detail).to_be_visible()
    for name, unit in (("社区A", "community_a"), ("社区B", "community_b")):
        subject_form = detail.locator(".subject-form")
        subject_form.get_by_label("述职对象").select_option(str(units[unit].id))
        subject_form.get_by_role("button", name="添加述职对象").click()
        expect(page.locator("#evaluation-notice")).to_have_text(f"已添加述职对象：{name}")
    expect(detail.locator("#evaluation-subjects > li")).to_have_count(2)
    round_id = int(detail.get_attribute("data-round-id"))
    first = detail.locator("#evaluation-subjects > li").first
    first.get_by_role("button", name="述职档案").click()
    for fact in ("帮扶走访（确认）", "文化活动", "协调会议 / 决议办结", "共建项目（完成）"):
        expect(first.locator(".subject-record")).to_contain_text(fact)

    meeting = detail.locator(".meeting-form")
    meeting.get_by_label("大会时间").fill("2030-12-20T14:30")
    meeting.get_by_label("地点").fill("街道会议室")
    meeting.get_by_role("button", name="安排述职大会").click()
    expect(detail).to_contain_text("2030/12/20 14:30 街道会议室")

    invitation = detail.locator(".invitation-form")
    invitation.get_by_label("界别").select_option("member")
    invitation.get_by_label("数量").fill("3")
    invitation.get_by_role("button", name="生成评议码").click()
    sheet = page.locator("#code-sheet")
    expect(sheet.locator(".code-slip")).to_have_count(3)
    expect(detail.locator("#evaluation-code-counts")).to_contain_text("发放 3，已使用 0")
    member_codes = sheet.locator(".code").all_text_contents()
    invitation.get_by_label("界别").select_option("resident")
    invitation.get_by_label("数量").fill("1")
    invitation.get_by_role("button", name="生成评议码").click()
    expect(sheet.locator(".code-slip")).to_have_count(1)
    resident_codes = sheet.locator(".code").all_text_contents()

    paper = http.post(f"{live_server}/api/v1/ballots/paper", json={"code": member_codes[0]}, timeout=10).json()
    subject_ids = [subject["id"] for subject in paper["subjects"]]
    for code, score in [*zip(member_codes, (5, 4, 3), strict=True), (resident_codes[0], 2)]:
        scores = {str(subject_id): dict.fromkeys(DEFAULT_DIMENSIONS, score) for subject_id in subject_ids}
        cast = http.post(f"{live_server}/api/v1/ballots", json={"code": code, "scores": scores}, timeout=10)
        assert cast.status_code == 201, cast.text

    page.once("dialog", lambda dialog: dialog.accept())
    detail.get_by_role("button", name="结束评议").click()
    results = page.locator("#evaluation-results")
    table = results.locator(f'table[data-subject-id="{subject_ids[0]}"]')
    expect(table.locator('tr[data-sector="member"]')).to_contain_text("4.00")
    expect(table.locator('tr[data-sector="resident"]')).to_contain_text("不足 3 票")
    expect(table.locator('tr[data-sector="resident"]')).not_to_contain_text("2.00")
    expect(results).to_contain_text("共 4 张选票")
    with page.expect_download() as downloaded:
        results.get_by_role("button", name="导出评议结果").click()
    assert downloaded.value.suggested_filename.endswith("年书记抓党建述职评议_评议结果.xlsx")
    sheet = load_workbook(io.BytesIO(downloaded.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2 * 4 * len(DEFAULT_DIMENSIONS)
    assert ("社区A", "党员代表", 3, DEFAULT_DIMENSIONS[0], 3, 4.0, None) in rows
    assert ("社区A", "群众代表", 1, DEFAULT_DIMENSIONS[0], 1, None, "该界别不足 3 票，不显示均分") in rows
    expect(page.locator("#evaluation-notice")).to_contain_text("已下载")
    assert round_id


def test_the_meeting_screen_draws_the_record_as_bars(page, live_server, make, client):
    from tests.conftest import body

    units = make.tree()
    secretary = make.staff(units["street"], role="secretary", password=PASSWORD)
    headers = make.headers(secretary)
    evaluation = body(client.post("/api/v1/evaluations", headers=headers, json={
        "org_id": units["street"].id, "year": 2026, "title": "述职评议"}))
    subject = body(client.post(f"/api/v1/evaluations/{evaluation['id']}/subjects", headers=headers,
                               json={"org_id": units["community_a"].id}))
    client.post(f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/video-links", headers=headers,
                json={"title": "述职视频", "url": "https://example.org/v.mp4"})
    log_in(page, live_server, secretary.username, PASSWORD)
    expect(page.locator("#who")).to_be_visible()
    page.goto(f"{live_server}/desk/display.html?round={evaluation['id']}&subject={subject['id']}")
    expect(page.locator("#display-subject")).to_have_text("社区A")
    expect(page.locator("#display-figures svg.bars g")).to_have_count(11)
    for label in ("帮扶走访", "文化活动", "协调会议", "决议办结"):
        expect(page.locator("#display-figures")).to_contain_text(label)
    expect(page.locator("#display-media")).to_contain_text("述职视频")
