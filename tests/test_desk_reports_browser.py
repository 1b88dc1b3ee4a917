"""The desk in real headless Chromium: handling a reported message (成立 / 不成立 with a note),
the outbox filtered by event, and the stations screen listing the scope's whole subtree."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.contacts import ContactReport
from models.notifications import Notification
from services.notifications import notify
from tests.conftest import body
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def units(make):
    return make.tree()


@pytest.fixture
def secretary(make, units):
    return make.staff(units["community_a"], role="secretary", password=PASSWORD, name="社区A书记")


def open_tab(page, live_server, user, title):
    """Logs in and opens a tab; a dialog (an injected alert) fails the test."""
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    log_in(page, live_server, user.username, PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    page.get_by_role("button", name=title, exact=True).click()


def reported_message(client, make, units, text) -> int:
    """A member's message in a resident's thread, reported by the resident; the report's id."""
    resident = make.resident(units["community_a"], units["building_a1"], name="居民甲")
    member = make.member(units["community_a"], units["building_a1"], name="党员甲")
    resident_headers, member_headers = make.headers(resident), make.headers(member)
    sent = body(client.post(f"/api/v1/contacts/{member.id}/messages", json={"text": "您好"}, headers=resident_headers))
    reply = body(client.post(
        f"/api/v1/threads/{sent['thread_id']}/messages", json={"text": text}, headers=member_headers
    ))
    report = client.post(
        f"/api/v1/threads/{sent['thread_id']}/messages/{reply['id']}/report", json={"reason": "言语骚扰"},
        headers=resident_headers,
    )
    assert report.status_code == 201
    return body(report)["id"]


def test_upholding_a_reported_message_needs_a_note_and_tells_the_reporter(page, live_server, client, make, units,
                                                                          secretary):
    report_id = reported_message(client, make, units, HOSTILE)
    open_tab(page, live_server, secretary, "楼院联系")

    row = page.locator(f'#report-list > li[data-report-id="{report_id}"]')
    expect(row.locator(".reported-text")).to_have_text(HOSTILE)
    expect(row.locator(".badge.report")).to_have_text("待处理")
    row.get_by_role("button", name="成立", exact=True).click()
    expect(page.locator("#reports-error")).to_have_text("请填写处理意见")
    db.session.expire_all()
    assert db.session.get(ContactReport, report_id).status == "open"

    row.get_by_label("处理意见").fill("已核实，约谈该党员")
    row.get_by_role("button", name="成立", exact=True).click()
    expect(page.locator("#reports-notice")).to_contain_text("成立")
    # The list shows open reports by default: the decided one leaves it.
    expect(page.locator("#report-list")).to_contain_text("暂无居民举报的消息")
    page.select_option("#report-status", "upheld")
    decided = page.locator(f'#report-list > li[data-report-id="{report_id}"]')
    expect(decided.locator(".badge.report")).to_have_text("成立")
    expect(decided).to_contain_text("社区A书记")
    expect(decided).to_contain_text("已核实，约谈该党员")
    expect(decided.get_by_role("button", name="成立", exact=True)).to_have_count(0)

    db.session.expire_all()
    stored = db.session.get(ContactReport, report_id)
    assert (stored.status, stored.handled_by_id) == ("upheld", secretary.id)
    told = db.session.execute(
        select(Notification).where(Notification.event == "contact_report_handled")
    ).scalar_one()
    assert HOSTILE not in f"{told.title} {told.body} {told.data}"


def test_a_report_decided_by_a_colleague_meanwhile_shows_the_conflict(page, live_server, client, make, units,
                                                                     secretary):
    report_id = reported_message(client, make, units, "不当言论")
    open_tab(page, live_server, secretary, "楼院联系")
    row = page.locator(f'#report-list > li[data-report-id="{report_id}"]')
    expect(row).to_be_visible()
    colleague = make.staff(units["community_a"], role="secretary")
    assert client.post(f"/api/v1/contacts/reports/{report_id}/resolve", json={"outcome": "dismissed", "note": "已处理"},
                       headers=make.headers(colleague)).status_code == 200

    row.get_by_label("处理意见").fill("成立")
    row.get_by_role("button", name="成立", exact=True).click()
    expect(page.locator("#reports-error")).to_have_text("该举报已处理")


def test_the_outbox_is_filtered_by_event(page, live_server, make, units, secretary):
    resident = make.resident(units["community_a"], units["building_a1"])
    offered = notify(resident.id, "request_offered", "有新的服务需求", "", {}, None)
    handled = notify(resident.id, "contact_report_handled", "您举报的留言已处理", "", {}, None)
    db.session.commit()
    open_tab(page, live_server, secretary, "消息推送")
    expect(page.locator("#outbox-list > li")).to_have_count(2)

    page.select_option("#outbox-event", "contact_report_handled")
    expect(page.locator("#outbox-list > li")).to_have_count(1)
    row = page.locator(f'#outbox-list > li[data-outbox-id="{handled.id}"]')
    expect(row.locator(".record-title")).to_have_text("留言举报处理结果通知")
    expect(page.locator(f'#outbox-list > li[data-outbox-id="{offered.id}"]')).to_have_count(0)

    page.select_option("#outbox-event", "")
    expect(page.locator("#outbox-list > li")).to_have_count(2)


def test_the_stations_screen_lists_the_whole_scope_below_the_staff_members_unit(page, live_server, make,
                                                                               make_station, units):
    street_secretary = make.staff(units["street"], role="secretary", password=PASSWORD)
    in_building = make_station(units["building_a1"], name="楼院站")
    in_community = make_station(units["community_b"], name="社区B站")
    open_tab(page, live_server, street_secretary, "服务站点")
    for station in (in_building, in_community):
        expect(page.locator(f'#station-list > li[data-station-id="{station.id}"]')).to_be_visible()

    page.select_option("#station-org", str(units["community_a"].id))
    expect(page.locator("#station-list > li")).to_have_count(1)
    expect(page.locator(f'#station-list > li[data-station-id="{in_building.id}"]')).to_be_visible()
