"""The desk's 协调机制 in real headless Chromium: a street secretary registers a unit, sets up the street's
coordination committee, adds the unit, holds a meeting, makes a resolution and closes it; an overdue one
shows on the home; a unit's liaison sees only their unit's members."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from extensions import db
from models.coordination import Resolution
from models.members import Registration
from services.periods import local_today
from tests.conftest import body
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"


def test_street_secretary_runs_the_coordination_committee(page, live_server, make, client):
    units = make.tree()
    make.staff(units["street"], role="secretary", password=PASSWORD, username="street-sec", name="街道书记")
    log_in(page, live_server, "street-sec", PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    page.get_by_role("button", name="协调机制", exact=True).click()

    unit_form = page.locator("#unit-form")
    unit_form.get_by_label("单位名称").fill("幸福科技有限公司")
    unit_form.get_by_label("党组织名称").fill("幸福科技党支部")
    unit_form.get_by_label("地址").fill("幸福路 8 号")
    unit_form.get_by_role("button", name="登记").click()
    expect(page.locator("#unit-list")).to_contain_text("幸福科技有限公司")

    body_form = page.locator("#body-form")
    body_form.get_by_label("机构类型").select_option("coordination_committee")
    body_form.get_by_label("名称").fill("测试街道协调委员会")
    body_form.get_by_role("button", name="设立").click()
    expect(page.locator("#body-list")).to_contain_text("测试街道协调委员会")
    page.locator("#body-list").get_by_role("button", name="查看").click()
    expect(page.locator("#body-heading")).to_have_text("测试街道协调委员会")

    member_form = page.locator("#member-form")
    expect(member_form.get_by_label("单位")).to_contain_text("幸福科技有限公司")
    member_form.get_by_label("代表").fill("王代表")
    member_form.get_by_label("职务").fill("委员")
    member_form.get_by_role("button", name="增加成员单位").click()
    expect(page.locator("#body-members")).to_contain_text("王代表")

    meeting_form = page.locator("#meeting-form")
    meeting_form.get_by_label("会议名称").fill("第一次全体会议")
    meeting_form.get_by_label("召开时间").fill("2026-03-01T09:00")
    meeting_form.get_by_label("议程（每行一项）").fill("通报工作\n议定事项")
    meeting_form.get_by_role("button", name="登记会议").click()
    expect(page.locator("#body-meetings")).to_contain_text("通报工作；议定事项")

    resolution_form = page.locator(".resolution-form")
    resolution_form.get_by_label("决议事项").fill("共建社区文化广场")
    resolution_form.get_by_label("到期日").fill((local_today() + timedelta(days=30)).isoformat())
    resolution_form.get_by_role("button", name="形成决议").click()
    expect(page.locator("#body-meetings")).to_contain_text("共建社区文化广场")

    db.session.execute(update(Resolution).values(due_date=local_today() - timedelta(days=1)))
    db.session.commit()
    page.get_by_role("button", name="首页", exact=True).click()
    expect(page.locator("#overdue-resolutions")).to_contain_text("共建社区文化广场")

    page.get_by_role("button", name="协调机制", exact=True).click()
    page.locator("#body-list").get_by_role("button", name="查看").click()
    overdue = page.locator("#body-overdue")
    overdue.get_by_label("办理结果").fill("广场已建成")
    overdue.get_by_role("button", name="办结").click()
    expect(page.locator("#body-overdue")).to_contain_text("暂无")


def test_liaison_sees_their_units_members_only(page, live_server, make, client):
    units = make.tree()
    secretary = make.staff(units["street"], role="secretary")
    headers = make.headers(secretary)
    unit = body(client.post("/api/v1/units", headers=headers, json={
        "name": "甲单位", "kind": "agency", "party_org_name": "甲单位机关党委", "address": "路1号",
        "street_id": units["street"].id}))
    client.post(f"/api/v1/units/{unit['id']}/liaisons", headers=headers,
                json={"username": "liaison-a", "password": PASSWORD, "name": "甲单位联络员"})
    ours = make.member(units["community_a"], name="甲单位党员")
    make.member(units["community_b"], name="其他党员")
    db.session.execute(update(Registration).where(Registration.user_id == ours.id).values(employer_unit_id=unit["id"]))
    db.session.commit()

    log_in(page, live_server, "liaison-a", PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    expect(page.get_by_role("button", name="协调机制", exact=True)).to_be_hidden()
    # Every tab whose calls would answer 403 is hidden: the liaison's own tab is the only one, and it opens.
    expect(page.locator("#tabs button.tab:not([hidden])")).to_have_count(1)
    expect(page.get_by_role("button", name="本单位党员", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.locator("#unit-members")).to_contain_text("甲单位党员")
    expect(page.locator("#unit-members")).not_to_contain_text("其他党员")
