"""The desk's 支部名册 in real headless Chromium: a community secretary reads a mobile-member branch's roster
(numbers masked), adds a mobile member with where they are, removes one who left, and records the choir
behind a functional branch."""
import pytest
from playwright.sync_api import expect

from extensions import db
from models.coordination import BranchMember
from services.orgs import add_org
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"


def test_secretary_keeps_the_rosters_of_the_communitys_branches(page, live_server, make):
    units = make.tree()
    mobile_branch = add_org("社区A流动党员党支部", "mobile_member_branch", units["community_a"])
    choir_branch = add_org("社区A合唱团党支部", "functional_branch", units["community_a"])
    db.session.add(BranchMember(branch_id=mobile_branch.id, name="老党员李", mobile=True,
                                current_location="上海市浦东新区", phone="0755-26881234"))
    db.session.commit()
    make.staff(units["community_a"], role="secretary", password=PASSWORD, username="community-sec")

    log_in(page, live_server, "community-sec", PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    page.get_by_role("button", name="支部名册", exact=True).click()
    page.locator("#roster-branch").select_option(str(mobile_branch.id))
    expect(page.locator("#roster-branch-kind")).to_have_text("流动党员党支部")
    existing = page.locator("#roster-list > li", has_text="老党员李")
    expect(existing).to_contain_text("上海市浦东新区")
    expect(existing).to_contain_text("075****1234")

    roster_form = page.locator("#roster-form")
    roster_form.get_by_label("姓名").fill("流动党员王")
    roster_form.get_by_label("流动党员").check()
    roster_form.get_by_label("现所在地").fill("广东省深圳市南山区")
    roster_form.get_by_label("联系电话").fill("13800138000")
    roster_form.get_by_role("button", name="登记党员").click()
    expect(page.locator("#roster-notice")).to_have_text("已登记流动党员王")
    added = page.locator("#roster-list > li", has_text="流动党员王")
    expect(added).to_contain_text("广东省深圳市南山区")
    expect(added).to_contain_text("138****8000")

    existing.get_by_role("button", name="移出名册").click()
    existing.get_by_role("button", name="确认移出").click()
    expect(page.locator("#roster-notice")).to_have_text("已将老党员李移出名册")
    expect(page.locator("#roster-list")).not_to_contain_text("老党员李")
    assert [row.name for row in db.session.query(BranchMember).filter_by(branch_id=mobile_branch.id)] == ["流动党员王"]

    page.locator("#roster-branch").select_option(str(choir_branch.id))
    expect(page.locator("#roster-list")).to_contain_text("名册中暂无党员")
    organisation_form = page.locator("#mass-organisation-form")
    organisation_form.get_by_label("名称").fill("夕阳红合唱团")
    organisation_form.get_by_label("类型").select_option("choir")
    organisation_form.get_by_role("button", name="登记群众组织").click()
    expect(page.locator("#mass-organisation-list")).to_contain_text("夕阳红合唱团")
    expect(page.locator("#mass-organisation-list")).to_contain_text("合唱团")
