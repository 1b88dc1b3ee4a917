"""The desk's 帮扶基金 screen in real headless Chromium: a donation, and approving another's disbursement."""

import pytest
from playwright.sync_api import expect

from extensions import db
from models.funds import Fund
from tests.conftest import body
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"


def test_staff_approve_a_colleagues_disbursement_and_the_balance_drops(page, live_server, make, client):
    units = make.tree()
    secretary = make.staff(units["community_a"], role="secretary", password=PASSWORD)
    colleague = make.staff(units["community_a"])
    fund = Fund(name="扶贫帮困基金", kind="poverty_relief", org_id=units["community_a"].id, created_by_id=secretary.id)
    db.session.add(fund)
    db.session.commit()
    theirs = body(
        client.post(
            f"/api/v1/funds/{fund.id}/disbursements",
            json={"amount_cents": 12050, "purpose": "春节慰问金"},
            headers=make.headers(colleague),
        )
    )
    mine = body(
        client.post(
            f"/api/v1/funds/{fund.id}/disbursements",
            json={"amount_cents": 100, "purpose": "自己的申请"},
            headers=make.headers(secretary),
        )
    )

    log_in(page, live_server, secretary.username, PASSWORD)
    page.get_by_role("button", name="帮扶基金", exact=True).click()
    row = page.locator(f'#fund-list > li[data-fund-id="{fund.id}"]')
    expect(row).to_contain_text("0.00 元")
    expect(row.locator(f'li[data-disbursement-id="{mine["id"]}"]').get_by_role("button", name="批准")).to_have_count(0)

    donation = row.locator(".donation-form")
    donation.get_by_label("捐赠金额（元）").fill("500.5")
    donation.get_by_label("捐赠方").fill("爱心企业")
    donation.get_by_role("button", name="登记捐赠").click()
    expect(page.locator("#funds-notice")).to_have_text("已登记爱心企业向扶贫帮困基金捐赠 500.50 元")
    expect(row).to_contain_text("500.50 元")

    row.locator(f'li[data-disbursement-id="{theirs["id"]}"]').get_by_role("button", name="批准").click()
    expect(page.locator("#funds-notice")).to_have_text("已批准扶贫帮困基金的支出：春节慰问金 120.50 元")
    expect(row).to_contain_text("380.00 元")
    expect(row.locator(f'li[data-disbursement-id="{theirs["id"]}"]')).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(Fund, fund.id).balance_cents == 38000
