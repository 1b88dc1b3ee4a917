"""The desk's 资源共建 in real headless Chromium: a street secretary records a unit's offer and a community's
need, sees the offer suggested for the need, makes a joint project of it, runs it and finishes it with its
outcome; the street's annual report then shows the project among its figures."""
import pytest
from playwright.sync_api import expect

from extensions import db
from services.periods import local_today
from tests.conftest import body
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"
HERE = (30.0, 120.0)


def test_street_secretary_meets_a_need_with_a_units_offer(page, live_server, make, client):
    units = make.tree()
    units["community_a"].lat, units["community_a"].lng = HERE
    db.session.commit()
    secretary = make.staff(units["street"], role="secretary", password=PASSWORD, username="street-sec")
    created = client.post("/api/v1/units", headers=make.headers(secretary), json={
        "name": "幸福科技有限公司", "kind": "enterprise", "party_org_name": "幸福科技党支部", "address": "幸福路 8 号",
        "street_id": units["street"].id, "lat": HERE[0] + 800 / 111_195, "lng": HERE[1]})
    assert created.status_code == 201, created.get_json()

    log_in(page, live_server, "street-sec", PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    page.get_by_role("button", name="资源共建", exact=True).click()

    page.get_by_text("登记资源", exact=True).first.click()
    offer_form = page.locator("#offer-form")
    expect(offer_form.get_by_label("驻区单位")).to_contain_text("幸福科技有限公司")
    offer_form.get_by_label("类别").select_option("venue")
    offer_form.get_by_label("资源名称").fill("多功能礼堂")
    offer_form.get_by_label("说明").fill("周末可用，容纳 200 人")
    offer_form.get_by_role("button", name="登记资源").click()
    expect(page.locator("#offers-notice")).to_have_text("已登记幸福科技有限公司的资源：多功能礼堂")
    offer = page.locator("#offer-list > li", has_text="多功能礼堂")
    expect(offer).to_contain_text("周末可用，容纳 200 人")
    offer.get_by_role("button", name="修改").click()
    offer.get_by_label("说明").fill("周末可用，容纳 300 人")
    offer.get_by_role("button", name="保存").click()
    expect(page.locator("#offers-notice")).to_have_text("已保存：多功能礼堂")
    expect(offer).to_contain_text("周末可用，容纳 300 人")

    page.get_by_text("登记需求", exact=True).first.click()
    need_form = page.locator("#need-form")
    need_form.get_by_label("社区").select_option(str(units["community_a"].id))
    need_form.get_by_label("类别").select_option("venue")
    need_form.get_by_label("需求名称").fill("重阳节文艺汇演场地")
    need_form.get_by_role("button", name="登记需求").click()
    need = page.locator("#need-list > li", has_text="重阳节文艺汇演")
    expect(need).to_contain_text("社区A")
    need.get_by_role("button", name="修改").click()
    need.get_by_label("名称").fill("重阳节文艺汇演礼堂")
    need.get_by_role("button", name="保存").click()
    expect(page.locator("#needs-notice")).to_have_text("已保存：重阳节文艺汇演礼堂")

    need.get_by_role("button", name="推荐资源").click()
    suggestion = need.locator(".suggestions li", has_text="多功能礼堂")
    expect(suggestion).to_contain_text("幸福科技有限公司")
    expect(suggestion).to_contain_text("800 米")
    expect(suggestion).to_contain_text("类别相符")
    suggestion.get_by_role("checkbox").check()
    need.get_by_label("项目名称").fill("共建重阳节文艺汇演")
    need.get_by_role("button", name="设立共建项目").click()
    expect(page.locator("#projects-notice")).to_have_text("已设立共建项目：共建重阳节文艺汇演（幸福科技有限公司）")
    page.locator("#need-unmatched").check()
    expect(page.locator("#need-list")).to_contain_text("暂无需求")

    project = page.locator("#project-list > li", has_text="共建重阳节文艺汇演")
    expect(project.locator(".badge.status")).to_have_text("筹备中")
    project.get_by_role("button", name="参与单位").click()
    expect(project.locator(".project-units")).to_have_text("参与资源：多功能礼堂（幸福科技有限公司）")
    project.get_by_role("button", name="开始实施").click()
    expect(project.locator(".badge.status")).to_have_text("实施中")
    project.get_by_label("成效").fill("汇演如期举行，300 名居民观看")
    project.get_by_role("button", name="项目完成").click()
    expect(project.locator(".badge.status")).to_have_text("已完成")
    expect(project).to_contain_text("汇演如期举行，300 名居民观看")
    expect(project.get_by_role("button", name="终止项目")).to_have_count(0)

    # The venue is no longer offered: withdrawn, it leaves the list of available resources.
    offer.get_by_role("button", name="撤下").click()
    expect(page.locator("#offers-notice")).to_have_text("已撤下：多功能礼堂")
    expect(page.locator("#offer-list")).to_contain_text("暂无资源")

    page.get_by_role("button", name="协调机制", exact=True).click()
    report_form = page.locator("#report-form")
    report_form.get_by_label("年度").fill(str(local_today().year))
    report_form.get_by_role("button", name="生成报告").click()
    report = page.locator("#annual-report-list > li").first
    report.get_by_role("button", name="查看全部数字").click()
    expect(report.locator("tr", has_text="完成共建项目")).to_contain_text("1")
    expect(report.locator("tr", has_text="开展文化活动（场）")).to_contain_text("0")
    assert body(client.get("/api/v1/projects?status=done", headers=make.headers(secretary)))["total"] == 1
