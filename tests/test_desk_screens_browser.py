"""The desk's newer screens in real headless Chromium: stations and their QR display, building
contacts, the outbox, and untrusted text on them; staff of one community never see another's rows."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from extensions import db
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


def failed_notification(user) -> Notification:
    """A subscription message to the user that the relay gave up on."""
    notification = notify(user.id, "request_accepted", "您的请求已有党员接单", "秘密正文", {"request_id": 7}, None)
    db.session.flush()
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id)
        .values(status="failed", attempts=3, last_error="40037 invalid_template_id")
    )
    db.session.commit()
    return notification


# --- 服务站点 ---


def test_stations_of_the_scope_are_listed_with_their_kind_and_way_obtained(
    page, live_server, make, make_station, units, secretary
):
    ours = make_station(units["community_a"], name=HOSTILE, address="幸福路8号", acquisition="rented")
    make_station(units["community_b"], name="社区B服务站")

    open_tab(page, live_server, secretary, "服务站点")

    rows = page.locator("#station-list > li")
    expect(rows).to_have_count(1)
    row = page.locator(f'#station-list > li[data-station-id="{ours.id}"]')
    expect(row.locator(".record-title")).to_have_text(HOSTILE)
    for shown in ("社区党员服务站", "幸福路8号", "租赁", "开放中"):
        expect(row).to_contain_text(shown)
    expect(page.locator("#stations-panel")).not_to_contain_text("社区B服务站")
    assert page.locator("#stations-panel img").count() == 0


def test_editing_opening_hours_saves_the_weekly_calendar_and_closed_days(
    page, live_server, make, make_station, units, secretary, client
):
    station = make_station(units["community_a"], name="社区A党群服务站")
    open_tab(page, live_server, secretary, "服务站点")
    row = page.locator(f'#station-list > li[data-station-id="{station.id}"]')
    row.get_by_role("button", name="编辑开放时间").click()

    row.get_by_label("周一").fill("8点到12点")
    row.get_by_role("button", name="保存开放时间").click()
    expect(row.get_by_role("alert")).to_have_text(re.compile("周一的开放时间格式应为"))
    expect(row.get_by_label("周一")).to_be_focused()

    for day in ("周二", "周三", "周四", "周五", "周六", "周日"):
        row.get_by_label(day).fill("")
    row.get_by_label("周一").fill("08:30-12:00, 14:00-17:30")
    row.get_by_label("周六").fill("09:00-11:00")
    row.get_by_label("闭馆日（每行一个日期）").fill("2026-10-01\n2026-10-02")
    row.get_by_label("周六").press("Enter")

    expect(page.locator("#stations-notice")).to_have_text("已保存社区A党群服务站的开放时间")
    saved = body(client.get(f"/api/v1/stations/{station.id}", headers=make.headers(secretary)))["opening_hours"]
    assert saved["weekly"]["mon"] == [{"open": "08:30", "close": "12:00"}, {"open": "14:00", "close": "17:30"}]
    assert saved["weekly"]["sat"] == [{"open": "09:00", "close": "11:00"}]
    assert saved["weekly"]["tue"] == []
    assert saved["closed_days"] == ["2026-10-01", "2026-10-02"]
    expect(row).to_contain_text("周一 08:30-12:00, 14:00-17:30；周六 09:00-11:00")


def test_an_api_refusal_of_the_hours_shows_its_chinese_message(page, live_server, make_station, units, secretary):
    station = make_station(units["community_a"])
    open_tab(page, live_server, secretary, "服务站点")
    row = page.locator(f'#station-list > li[data-station-id="{station.id}"]')
    row.get_by_role("button", name="编辑开放时间").click()
    row.get_by_label("周一").fill("17:00-09:00")
    row.get_by_role("button", name="保存开放时间").click()
    expect(row.get_by_role("alert")).to_contain_text("开放时间应早于关闭时间")


def test_the_qr_display_shows_a_new_code_within_one_window(
    page, live_server, app, monkeypatch, make_station, units, secretary
):
    monkeypatch.setitem(app.config, "QR_WINDOW_SECONDS", 3)
    station = make_station(units["community_a"], name="社区A党群服务站")
    open_tab(page, live_server, secretary, "服务站点")
    page.locator(f'#station-list > li[data-station-id="{station.id}"]').get_by_role("link", name="二维码大屏").click()

    expect(page.locator("#qr-station-name")).to_have_text("社区A党群服务站")
    display = page.locator("#qr-display")
    expect(display).to_have_attribute("data-token", re.compile(rf"^{station.id}\."))
    expect(page.locator("#qr-image")).to_have_attribute("src", re.compile("^blob:"))
    first = display.get_attribute("data-token")
    # The code changes every 3 s here: a new one must be shown within one window (plus slack).
    page.wait_for_function(
        "first => document.getElementById('qr-display').dataset.token !== first", arg=first, timeout=5000
    )
    second = display.get_attribute("data-token")
    assert second.split(".")[1] != first.split(".")[1]  # the window digits moved on
    assert page.evaluate("document.getElementById('qr-image').naturalWidth") > 0
    expect(page.locator("#qr-error")).to_have_text("")


def test_the_qr_display_of_another_communitys_station_is_refused(page, live_server, make_station, units, secretary):
    elsewhere = make_station(units["community_b"])
    log_in(page, live_server, secretary.username, PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    page.goto(f"{live_server}/desk/qr.html?station={elsewhere.id}")
    expect(page.locator("#qr-error")).not_to_have_text("")
    assert page.locator("#qr-display").get_attribute("data-token") is None


# --- 楼院联系 ---


def test_assigning_and_removing_a_building_contact(page, live_server, make, units, secretary, client):
    serving = make.member(units["community_a"], units["building_a1"], name="党员甲")
    make.member(units["community_a"], units["building_a2"], name=HOSTILE)
    make.member(units["community_b"], units["building_b1"], name="社区B党员")
    response = client.post(
        f"/api/v1/buildings/{units['building_a1'].id}/contacts", json={"member_id": serving.id},
        headers=make.headers(secretary),
    )
    assert response.status_code == 201

    open_tab(page, live_server, secretary, "楼院联系")
    page.locator("#contact-building").select_option(str(units["building_a1"].id))
    contacts = page.locator("#contact-list > li")
    expect(contacts).to_have_count(1)
    expect(contacts.locator(".record-title")).to_have_text("党员甲")
    options = page.locator("#contact-member option")
    expect(options).to_have_text([HOSTILE])  # neither the contact already serving nor community B's member

    page.get_by_label("指派党员").select_option(label=HOSTILE)
    page.get_by_role("button", name="指派", exact=True).click()
    expect(page.locator("#contacts-notice")).to_have_text(f"已指派{HOSTILE}联系社区A1号楼")
    expect(contacts).to_have_count(2)
    listed = body(client.get(f"/api/v1/buildings/{units['building_a1'].id}/contacts", headers=make.headers(secretary)))
    assert {contact["name"] for contact in listed["items"]} == {"党员甲", HOSTILE}

    page.locator(f'#contact-list > li[data-member-id="{serving.id}"]').get_by_role("button", name="解除联系").click()
    expect(page.locator("#contacts-notice")).to_have_text("已解除党员甲与社区A1号楼的联系")
    expect(contacts).to_have_count(1)
    listed = body(client.get(f"/api/v1/buildings/{units['building_a1'].id}/contacts", headers=make.headers(secretary)))
    assert [contact["name"] for contact in listed["items"]] == [HOSTILE]
    assert page.locator("#contacts-panel img").count() == 0


# --- 消息推送 ---


def test_retrying_a_failed_notification_puts_it_back_in_the_queue(page, live_server, make, units, secretary):
    ours = failed_notification(make.resident(units["community_a"], units["building_a1"]))
    theirs = failed_notification(make.resident(units["community_b"], units["building_b1"]))

    open_tab(page, live_server, secretary, "消息推送")
    page.get_by_label("发送情况").select_option(label="发送失败")
    rows = page.locator("#outbox-list > li")
    expect(rows).to_have_count(1)
    row = page.locator(f'#outbox-list > li[data-outbox-id="{ours.id}"]')
    expect(row.locator(".record-title")).to_have_text("服务需求已接单通知")
    for shown in ("发送失败", "40037 invalid_template_id", "尝试次数3"):
        expect(row).to_contain_text(shown)
    expect(page.locator("#notifications-panel")).not_to_contain_text("秘密正文")
    expect(page.locator(f'#outbox-list > li[data-outbox-id="{theirs.id}"]')).to_have_count(0)

    row.get_by_role("button", name="重新发送").click()
    expect(page.locator("#outbox-notice")).to_have_text(f"已将推送 #{ours.id} 重新排队发送")
    expect(rows).to_have_text(["暂无符合条件的推送记录"])
    db.session.expire_all()
    assert db.session.get(Notification, ours.id).status == "pending"
    assert db.session.get(Notification, theirs.id).status == "failed"
    page.get_by_label("发送情况").select_option(label="全部")
    expect(row.get_by_role("button", name="重新发送")).to_have_count(0)


# --- a phone-sized window ---


def test_on_a_phone_the_tabs_scroll_and_no_label_breaks_per_character(page, live_server, units, secretary):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, live_server, secretary.username, PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    tabs = page.locator(".tab")
    for index in range(tabs.count()):
        box = tabs.nth(index).bounding_box()
        if box is None:  # a tab this account does not have
            continue
        assert box["height"] < 48, f"tab {tabs.nth(index).inner_text()} wraps"
    assert page.evaluate("document.getElementById('tabs').scrollWidth > document.getElementById('tabs').clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="数据导出", exact=True).click()
    expect(page.locator("#exports-panel")).to_be_visible()


def test_the_station_names_come_from_the_api(page, live_server, client, make_station, units, secretary):
    meta = body(client.get("/api/v1/meta"))
    station = make_station(units["community_a"], kind="liaison_station", acquisition="exchanged")
    open_tab(page, live_server, secretary, "服务站点")
    row = page.locator(f'#station-list > li[data-station-id="{station.id}"]')
    expect(row.locator(".badge").first).to_have_text(meta["station_kind"]["liaison_station"])
    expect(row).to_contain_text(meta["acquisition"]["exchanged"])
