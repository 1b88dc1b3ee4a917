"""Screenshots of the desk's main screens on the demo district (`flask seed-demo` data), at 1366×768
and on a phone. They go to docs/screenshots/ when LINLI_SCREENSHOTS=1 (to refresh the README's
pictures), else to a temporary directory; either way each screen must render without an error."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from extensions import db
from services.demo import ADMIN, COMMUNITY_STAFF, seed_demo
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SECRETARY_SCREENS = [
    ("首页", "#figures .figure", "home"),
    ("服务请求", "#request-list > li", "requests"),
    ("服务时长确认", "#checkins-summary", "checkins"),
    ("服务站点", "#station-list > li", "stations"),
    ("楼院联系", "#contact-list > li", "contacts"),
    ("消息推送", "#outbox-summary", "notifications"),
    ("数据导出", "#export-org option", "exports"),
]


@pytest.fixture
def shots(tmp_path):
    directory = DOCS if os.environ.get("LINLI_SCREENSHOTS") == "1" else tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def demo(app_context):
    assert seed_demo()
    db.session.commit()


def enter(page, live_server, login):
    log_in(page, live_server, *login)
    page.wait_for_selector("#home-view:not([hidden])")


def test_screenshots_of_the_secretarys_screens(page, live_server, demo, shots):
    page.set_viewport_size({"width": 1366, "height": 768})
    enter(page, live_server, COMMUNITY_STAFF)
    for tab, ready, name in SECRETARY_SCREENS:
        page.get_by_role("button", name=tab, exact=True).click()
        expect(page.locator(ready).first).to_be_attached()
        expect(page.locator(".error[role=alert]:visible")).to_have_text(
            [""] * page.locator(".error[role=alert]:visible").count()
        )
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    page.get_by_role("button", name="首页", exact=True).click()
    expect(page.locator("#weekly-chart svg")).to_be_visible()


def test_screenshots_of_the_administrators_screen_and_a_phone(page, live_server, demo, shots):
    page.set_viewport_size({"width": 1366, "height": 768})
    enter(page, live_server, ADMIN)
    page.get_by_role("button", name="组织与账号", exact=True).click()
    expect(page.locator("#staff-list > li").first).to_be_visible()
    page.screenshot(path=str(shots / "orgs-and-accounts.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="首页", exact=True).click()
    expect(page.locator("#figures .figure").first).to_be_visible()
    page.screenshot(path=str(shots / "phone-home.png"))
