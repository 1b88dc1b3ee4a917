"""The desk in real headless Chromium: releasing a text WeChat's content check held for review."""
import pytest
from playwright.sync_api import expect

from tests.conftest import body
from tests.fixtures.desk import log_in
from wx.sandbox import SANDBOX_REVIEW_WORD

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"
HOSTILE = f"<img src=x onerror=alert(1)>{SANDBOX_REVIEW_WORD}"


def test_staff_release_a_held_message_and_the_member_then_reads_it(page, live_server, client, make, wx):
    units = make.tree()
    secretary = make.staff(units["community_a"], role="secretary", password=PASSWORD, name="社区A书记")
    resident = make.resident(units["community_a"], units["building_a1"], name="居民甲")
    member = make.member(units["community_a"], units["building_a1"], name="党员甲")
    sent = client.post(f"/api/v1/contacts/{member.id}/messages", json={"text": HOSTILE}, headers=make.headers(resident))
    assert body(sent)["moderation"] == "review"
    messages = f"/api/v1/threads/{body(sent)['thread_id']}/messages"
    assert body(client.get(messages, headers=make.headers(member)))["items"] == []

    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    log_in(page, live_server, secretary.username, PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    page.get_by_role("button", name="内容审核", exact=True).click()
    row = page.locator("#moderation-list > li").first
    expect(row).to_contain_text(HOSTILE)  # shown as text, never as markup
    row.get_by_role("button", name="放行").click()
    expect(page.locator("#moderation-notice")).to_contain_text("已放行内容")

    assert [item["text"] for item in body(client.get(messages, headers=make.headers(member)))["items"]] == [HOSTILE]
