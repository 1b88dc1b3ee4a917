"""The desk's 社会化服务 screen in real headless Chromium: a colleague's offer approved, then listed as shown
and downloaded; one's own offer cannot be approved, and a change sends an approved offer back for approval."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from extensions import db
from models.offers import SocialOffer
from services.periods import local_today
from tests.conftest import body
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"


def _enter(client, make, staff, org, title):
    today = local_today()
    response = client.post("/api/v1/social-offers", json={
        "org_id": org.id, "provider_name": "阳光书画培训学校", "provider_kind": "training_body", "kind": "course",
        "title": title, "terms": "凭社区居民身份八折", "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=30)).isoformat(),
    }, headers=make.headers(staff))
    assert response.status_code == 201, response.get_json()
    return body(response)


def test_staff_approve_a_colleagues_offer_and_see_it_listed_as_shown(page, live_server, make, client):
    units = make.tree()
    secretary = make.staff(units["community_a"], role="secretary", password=PASSWORD)
    colleague = make.staff(units["community_a"])
    theirs = _enter(client, make, colleague, units["community_a"], "少儿书法课八折")
    mine = _enter(client, make, secretary, units["community_a"], "自己录入的课程")

    log_in(page, live_server, secretary.username, PASSWORD)
    page.get_by_role("button", name="社会化服务", exact=True).click()
    row = page.locator(f'#social-offer-list > li[data-offer-id="{theirs["id"]}"]')
    expect(row).to_contain_text("待审核")
    expect(row).to_contain_text("（有效）")
    own = page.locator(f'#social-offer-list > li[data-offer-id="{mine["id"]}"]')
    expect(own).to_contain_text("待其他工作人员审核")
    expect(own.get_by_role("button", name="审核通过")).to_have_count(0)

    row.get_by_role("button", name="审核通过").click()
    expect(page.locator("#social-offers-notice")).to_have_text("已通过：少儿书法课八折，居民可在有效期内看到")
    page.locator("#offer-status-filter").select_option("approved")
    expect(page.locator("#social-offer-list > li")).to_have_count(1)
    expect(row).to_contain_text("已上架")
    db.session.expire_all()
    assert db.session.get(SocialOffer, theirs["id"]).decided_by_id == secretary.id
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="导出 Excel").click()
    assert downloaded.value.suggested_filename == "服务资源_已上架.xlsx"
    sheet = load_workbook(io.BytesIO(downloaded.value.path().read_bytes())).active
    assert [row[:2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [(theirs["id"], "少儿书法课八折")]
    expect(page.locator("#social-offers-notice")).to_have_text("已下载 服务资源_已上架.xlsx")

    row.get_by_role("button", name="修改").click()
    row.get_by_label("标题").fill("少儿书法课七折")
    row.get_by_role("button", name="保存修改").click()
    expect(page.locator("#social-offers-notice")).to_have_text("已保存：少儿书法课七折，需其他工作人员重新审核后才向居民展示")
    page.locator("#offer-status-filter").select_option("pending")
    edited = page.locator(f'#social-offer-list > li[data-offer-id="{theirs["id"]}"]')
    expect(edited).to_contain_text("少儿书法课七折")
    expect(edited).to_contain_text("待其他工作人员审核")


def test_staff_enter_an_offer_through_the_form(page, live_server, make):
    units = make.tree()
    secretary = make.staff(units["community_a"], role="secretary", password=PASSWORD)
    log_in(page, live_server, secretary.username, PASSWORD)
    page.get_by_role("button", name="社会化服务", exact=True).click()
    page.get_by_text("录入服务资源", exact=True).click()
    entry = page.locator("#offer-form")
    entry.get_by_label("提供方名称").fill("惠民药房")
    entry.get_by_label("提供方类型").select_option("merchant")
    entry.get_by_label("资源类型").select_option("discount")
    entry.get_by_label("标题").fill("常用药九折")
    entry.get_by_label("内容与条件").fill("凭居民身份九折")
    entry.get_by_label("纬度（可选）").fill("31.23")
    entry.get_by_label("经度（可选）").fill("121.47")
    entry.get_by_role("button", name="录入").click()
    expect(page.locator("#social-offers-notice")).to_have_text("已录入：常用药九折，待其他工作人员审核")
    offer = db.session.query(SocialOffer).one()
    assert (offer.org_id, offer.lat, offer.lng, offer.status) == (units["community_a"].id, 31.23, 121.47, "pending")
