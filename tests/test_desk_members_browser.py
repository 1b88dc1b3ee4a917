"""The desk's 报到审核 and 服务时长确认 screens in real headless Chromium."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from extensions import db
from jobs.checkins import close_forgotten_checkins
from models.base import utcnow
from models.checkins import CheckIn
from services import ledger
from services.stations import qr_token
from tests.conftest import body
from tests.fixtures.desk import log_in
from tests.fixtures.members import CENTRE

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
REGISTRATION = {
    "employer_unit": "市供电公司",
    "home_branch": "市供电公司第一党支部",
    "skills": ["维修", "电工"],
    "availability": [{"weekday": 5, "start": "09:00", "end": "12:00"}],
}
# Both place the scan 94 m from a station of radius 100 m: past the 90 % edge, inside the radius.
AT_THE_EDGE = {"lat": CENTRE[0] + 0.00085, "lng": CENTRE[1]}


@pytest.fixture
def community(make, make_station):
    """A tree, the secretary of community A and a station of community A."""
    units = make.tree()
    return {
        "units": units,
        "secretary": make.staff(units["community_a"], role="secretary", password=PASSWORD),
        "station": make_station(units["community_a"], name="社区A党群服务站"),
    }


def local_time(iso: str) -> str:
    """How the desk shows an API time: Asia/Shanghai, to the minute."""
    return datetime.fromisoformat(iso).astimezone(SHANGHAI).strftime("%Y/%m/%d %H:%M")


def register(client, make, user, community, building=None, **fields):
    """A 报到 registration sent by the user through the HTTP API, as the mini-program would."""
    payload = {**REGISTRATION, "community_id": community.id, **fields}
    if building is not None:
        payload["building_id"] = building.id
    response = client.post("/api/v1/members/registrations", json=payload, headers=make.headers(user))
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def registration_as_listed(client, make, staff, registration_id):
    listed = body(client.get("/api/v1/members/registrations?per_page=100", headers=make.headers(staff)))
    return next(item for item in listed["items"] if item["id"] == registration_id)


def check_in(client, make, member, station, lat=CENTRE[0], lng=CENTRE[1], **fields):
    payload = {"station_id": station.id, "qr_token": qr_token(station).token, "lat": lat, "lng": lng, **fields}
    response = client.post("/api/v1/checkins", json=payload, headers=make.headers(member))
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def visit(client, make, member, station, minutes, **scan):
    """A check-in the member closed `minutes` after scanning."""
    checkin = check_in(client, make, member, station, **scan)
    db.session.execute(
        update(CheckIn).where(CheckIn.id == checkin["id"]).values(checked_in_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()
    response = client.post(f"/api/v1/checkins/{checkin['id']}/checkout", headers=make.headers(member))
    assert response.status_code == 200, response.get_data(as_text=True)
    return body(response)


def hours_of(client, make, member):
    hours = body(client.get("/api/v1/members/me/hours", headers=make.headers(member)))
    return hours["confirmed_minutes"], hours["pending_minutes"]


def open_tab(page, live_server, staff, tab, panel):
    log_in(page, live_server, staff.username, PASSWORD)
    page.get_by_role("button", name=tab, exact=True).click()
    expect(page.locator(f"#{panel} .summary")).to_contain_text("共")


def open_registrations(page, live_server, staff):
    open_tab(page, live_server, staff, "报到审核", "registrations-panel")


def open_checkins(page, live_server, staff):
    open_tab(page, live_server, staff, "服务时长确认", "checkins-panel")


def registration_row(page, registration_id):
    return page.locator(f'#registration-list > li[data-registration-id="{registration_id}"]')


def checkin_row(page, checkin_id):
    return page.locator(f'#checkin-list > li[data-checkin-id="{checkin_id}"]')


# --- 报到审核 ---


def test_secretary_approves_a_pending_registration_of_their_community(page, live_server, make, client, community):
    units, secretary = community["units"], community["secretary"]
    first = register(client, make, make.resident(name="张建国"), units["community_a"], units["building_a1"])
    second = register(client, make, make.resident(name="李红"), units["community_a"], employer_unit="市自来水公司")
    register(client, make, make.resident(name="社区B的申请人"), units["community_b"])

    open_registrations(page, live_server, secretary)

    rows = page.locator("#registration-list > li")
    expect(rows).to_have_count(2)
    expect(page.locator("#registration-list")).not_to_contain_text("社区B的申请人")
    row = registration_row(page, first["id"])
    expect(row.locator(".record-title")).to_have_text("张建国")
    expect(row.locator(".status")).to_have_text("待审核")
    for shown in ("市供电公司", "市供电公司第一党支部", "社区A · 社区A1号楼", "电工、维修", "周六 09:00–12:00"):
        expect(row).to_contain_text(shown)
    expect(row).to_contain_text(local_time(first["created_at"]))
    expect(registration_row(page, second["id"])).to_contain_text("市自来水公司")

    row.get_by_role("button", name="通过", exact=True).click()

    expect(rows).to_have_count(1)
    expect(registration_row(page, second["id"])).to_be_visible()
    expect(page.locator("#registrations-notice")).to_have_text("已通过张建国的报到申请")
    expect(page.locator("#registrations-error")).to_have_text("")
    assert registration_as_listed(client, make, secretary, first["id"])["status"] == "approved"

    page.get_by_label("审核进度").select_option(label="已通过")
    expect(rows).to_have_count(1)
    expect(row.locator(".status")).to_have_text("已通过")
    expect(row.get_by_role("button")).to_have_count(0)


def test_rejecting_a_registration_needs_a_reason(page, live_server, make, client, community):
    units, secretary = community["units"], community["secretary"]
    created = register(client, make, make.resident(name="赵敏"), units["community_a"])

    open_registrations(page, live_server, secretary)
    row = registration_row(page, created["id"])
    reject = row.get_by_role("button", name="驳回", exact=True)
    reject.click()

    expect(page.get_by_role("alert").filter(has_text="请填写驳回原因")).to_be_visible()
    expect(row.get_by_label("驳回原因")).to_be_focused()
    assert registration_as_listed(client, make, secretary, created["id"])["status"] == "pending"

    row.get_by_label("驳回原因").fill("不在本社区居住")
    reject.click()

    expect(page.locator("#registration-list > li")).to_have_text(["暂无符合条件的报到申请"])
    expect(page.locator("#registrations-notice")).to_have_text("已驳回赵敏的报到申请")
    expect(page.locator("#registrations-error")).to_have_text("")
    decided = registration_as_listed(client, make, secretary, created["id"])
    assert (decided["status"], decided["reason"]) == ("rejected", "不在本社区居住")

    page.get_by_label("审核进度").select_option(label="未通过")
    expect(row.locator(".status")).to_have_text("未通过")
    expect(row).to_contain_text("驳回原因不在本社区居住")


# --- 服务时长确认 ---


def test_a_closed_checkin_shows_minutes_and_flags_and_confirming_credits_the_hours(
    page, live_server, make, make_station, client, community
):
    units, station, secretary = community["units"], community["station"], community["secretary"]
    member = make.member(units["community_a"], units["building_a1"])
    neighbour = make.member(units["community_a"])
    still_open = check_in(client, make, neighbour, station, device_id="phone-1")
    closed = visit(client, make, member, station, minutes=60, device_id="phone-1", **AT_THE_EDGE)
    visit(client, make, make.member(units["community_b"]), make_station(units["community_b"]), minutes=30)

    open_checkins(page, live_server, secretary)

    rows = page.locator("#checkin-list > li")
    expect(rows).to_have_count(1)
    row = checkin_row(page, closed["id"])
    expect(row.locator(".record-title")).to_have_text(member.name)
    expect(row.locator(".status")).to_have_text("已签退")
    for shown in (
        "社区A党群服务站",
        "60 分钟",
        local_time(closed["checked_in_at"]),
        local_time(closed["checked_out_at"]),
    ):
        expect(row).to_contain_text(shown)
    expect(row.locator(".flag-list .badge")).to_have_text(["多人共用设备", "位于签到范围边缘"])
    expect(row.locator(".flag-list")).to_contain_text("该设备 24 小时内另有 1 名党员使用")
    expect(row.locator(".flag-list")).to_contain_text("签到范围 100 米")

    row.get_by_role("button", name="确认", exact=True).click()

    expect(page.locator("#checkins-notice")).to_have_text(f"已确认{member.name}在社区A党群服务站的服务时长 60 分钟")
    expect(page.locator("#checkins-error")).to_have_text("")
    assert hours_of(client, make, member) == (60, 0)
    expect(rows).to_have_text(["暂无符合条件的签到记录"])

    page.get_by_label("确认进度").select_option(label="全部")
    page.get_by_label("签退情况").select_option(label="签到中")
    expect(rows).to_have_count(1)
    expect(checkin_row(page, still_open["id"]).locator(".status")).to_have_text("签到中")


def test_visits_without_pending_minutes_name_their_flags_and_offer_no_confirm(
    page, live_server, make, make_station, client, community
):
    units, station = community["units"], community["station"]
    member = make.member(units["community_a"])
    forgotten = check_in(client, make, member, station)
    far = make_station(units["community_a"], name="远郊服务站", lat=CENTRE[0] + 0.5)
    overlong = visit(client, make, member, far, minutes=9 * 60, lat=CENTRE[0] + 0.5)
    station.opening_hours = {"weekly": {}, "closed_days": []}
    db.session.commit()
    assert close_forgotten_checkins() == 1

    open_checkins(page, live_server, community["secretary"])
    expect(page.locator("#checkin-list > li")).to_have_text(["暂无符合条件的签到记录"])

    page.get_by_label("确认进度").select_option(label="全部")
    page.get_by_label("签退情况").select_option(label="已签退")
    row = checkin_row(page, overlong["id"])
    expect(page.locator("#checkin-list > li")).to_have_count(1)
    expect(row.locator(".hours")).to_have_count(0)
    expect(row.locator(".flag-list .badge")).to_have_text(["位置跳变过快", "时长过长"])
    expect(row.locator(".flag-list")).to_contain_text("距上一次签到约 55.6 公里")
    expect(row.locator(".flag-list")).to_contain_text("540 分钟，超过上限 480 分钟，未计入时长")
    expect(row.get_by_role("button", name="确认")).to_have_count(0)

    page.get_by_label("签退情况").select_option(label="自动结束")
    row = checkin_row(page, forgotten["id"])
    expect(page.locator("#checkin-list > li")).to_have_count(1)
    expect(row.locator(".status")).to_have_text("自动结束")
    expect(row.locator(".flag-list .badge")).to_have_text(["未签退"])
    expect(row.get_by_role("button", name="确认")).to_have_count(0)

    page.get_by_label("签退情况").select_option(label="全部")
    page.get_by_label("仅看异常").check()
    expect(page.locator("#checkin-list > li")).to_have_count(2)
    assert hours_of(client, make, member) == (0, 0)


def test_confirming_ones_own_checkin_shows_the_api_refusal(page, live_server, make, client, community):
    units, station, secretary = community["units"], community["station"], community["secretary"]
    colleague = make.staff(units["community_a"], password=PASSWORD)
    registration = register(client, make, colleague, units["community_a"])
    approval = client.post(
        f"/api/v1/members/registrations/{registration['id']}/approve", json={}, headers=make.headers(secretary)
    )
    assert approval.status_code == 200
    own = visit(client, make, colleague, station, minutes=45)

    open_checkins(page, live_server, colleague)
    checkin_row(page, own["id"]).get_by_role("button", name="确认", exact=True).click()

    expect(page.get_by_role("alert").filter(has_text="不能确认自己的服务时长")).to_be_visible()
    expect(page.locator("#checkins-notice")).to_have_text("")
    assert hours_of(client, make, colleague) == (0, 45)


# --- untrusted text ---


def test_html_in_names_is_shown_as_text(page, live_server, make, make_station, client, community):
    units, secretary = community["units"], community["secretary"]
    name, employer = "<b>x</b>", '<img src=x onerror="window.pwned=1">'
    created = register(client, make, make.resident(name=name), units["community_a"], employer_unit=employer)
    station_name = "<i>站</i>"
    closed = visit(
        client, make, make.member(units["community_a"]), make_station(units["community_a"], name=station_name), 30
    )

    open_registrations(page, live_server, secretary)
    row = registration_row(page, created["id"])
    expect(row.locator(".record-title")).to_have_text(name)
    expect(row).to_contain_text(employer)
    page.get_by_role("button", name="服务时长确认", exact=True).click()
    expect(checkin_row(page, closed["id"])).to_contain_text(station_name)

    assert page.locator("#registrations-panel :is(b, img), #checkins-panel i").count() == 0
    assert page.evaluate("window.pwned") is None


# --- 服务时长确认 by the state of the minutes ---


def confirm_via_api(client, make, staff, checkin_id):
    response = client.post(f"/api/v1/checkins/{checkin_id}/confirm", headers=make.headers(staff))
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_hours_list_names_members_and_starts_with_the_minutes_to_confirm(
    page, live_server, make, client, community
):
    units, station, secretary = community["units"], community["station"], community["secretary"]
    zhang, li = make.member(units["community_a"], name="张建国"), make.member(units["community_a"], name="李红")
    waiting = visit(client, make, zhang, station, minutes=40)
    confirmed = visit(client, make, li, station, minutes=25)
    confirm_via_api(client, make, secretary, confirmed["id"])
    still_open = check_in(client, make, make.member(units["community_a"], name="王芳"), station)

    open_checkins(page, live_server, secretary)

    rows = page.locator("#checkin-list > li")
    expect(rows).to_have_count(1)
    row = checkin_row(page, waiting["id"])
    expect(row.locator(".record-title")).to_have_text("张建国")
    expect(row.locator(".hours")).to_have_text("待确认")
    expect(row.get_by_role("button", name="确认", exact=True)).to_be_visible()

    page.get_by_label("确认进度").select_option(label="已确认")
    expect(rows).to_have_count(1)
    row = checkin_row(page, confirmed["id"])
    expect(row.locator(".record-title")).to_have_text("李红")
    expect(row.locator(".hours")).to_have_text("已确认")
    expect(row.get_by_role("button", name="确认")).to_have_count(0)

    page.get_by_label("确认进度").select_option(label="全部")
    expect(rows).to_have_count(3)
    expect(checkin_row(page, still_open["id"]).locator(".record-title")).to_have_text("王芳")
    expect(checkin_row(page, still_open["id"]).locator(".hours")).to_have_count(0)
    expect(checkin_row(page, still_open["id"]).get_by_role("button", name="确认")).to_have_count(0)


def test_confirmed_minutes_leave_the_list_and_are_shown_as_confirmed(page, live_server, make, client, community):
    units, station, secretary = community["units"], community["station"], community["secretary"]
    member = make.member(units["community_a"], name="张建国")
    closed = visit(client, make, member, station, minutes=35)

    open_checkins(page, live_server, secretary)
    checkin_row(page, closed["id"]).get_by_role("button", name="确认", exact=True).click()

    expect(page.locator("#checkins-notice")).to_have_text("已确认张建国在社区A党群服务站的服务时长 35 分钟")
    expect(page.locator("#checkin-list > li")).to_have_text(["暂无符合条件的签到记录"])
    page.get_by_label("确认进度").select_option(label="已确认")
    expect(checkin_row(page, closed["id"]).locator(".hours")).to_have_text("已确认")
    expect(checkin_row(page, closed["id"]).get_by_role("button")).to_have_count(0)
    assert hours_of(client, make, member) == (35, 0)


# --- 时长更正 ---


def ask_correction(client, make, member, entry_id, reason, minutes=None):
    payload = {"reason": reason} if minutes is None else {"reason": reason, "minutes": minutes}
    response = client.post(
        f"/api/v1/members/me/hours/{entry_id}/corrections", json=payload, headers=make.headers(member)
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def entry_of(client, make, member):
    [entry] = body(client.get("/api/v1/members/me/hours", headers=make.headers(member)))["entries"]
    return entry


def open_corrections(page, live_server, staff):
    open_tab(page, live_server, staff, "时长更正", "corrections-panel")


def correction_row(page, correction_id):
    return page.locator(f'#correction-list > li[data-correction-id="{correction_id}"]')


def test_staff_see_an_open_correction_and_accept_it_with_their_minutes(page, live_server, make, client, community):
    units, station, secretary = community["units"], community["station"], community["secretary"]
    member = make.member(units["community_a"], name="张建国")
    visit(client, make, member, station, minutes=50)
    asked = ask_correction(client, make, member, entry_of(client, make, member)["id"], "签退前漏扫了半小时", minutes=80)
    elsewhere = make.member(units["community_b"], name="社区B的党员")
    ledger.record_entry(elsewhere.id, units["community_b"].id, "activity", 1, 30)
    db.session.commit()
    ask_correction(client, make, elsewhere, entry_of(client, make, elsewhere)["id"], "少记")

    open_corrections(page, live_server, secretary)

    rows = page.locator("#correction-list > li")
    expect(rows).to_have_count(1)
    row = correction_row(page, asked["id"])
    expect(row.locator(".record-title")).to_have_text("张建国")
    expect(row.locator(".correction")).to_have_text("待处理")
    for shown in ("签到 · 社区A党群服务站", "当前时长50 分钟", "申请更正为80 分钟", "签退前漏扫了半小时"):
        expect(row).to_contain_text(shown)
    expect(row.get_by_label("更正后时长（分钟）")).to_have_value("80")

    row.get_by_label("更正后时长（分钟）").fill("75")
    row.get_by_label("答复说明").fill("已核实签到记录")
    row.get_by_role("button", name="采纳", exact=True).click()

    expect(page.locator("#corrections-notice")).to_have_text("已采纳张建国的时长更正申请，更正为 75 分钟")
    expect(page.locator("#corrections-error")).to_have_text("")
    expect(rows).to_have_text(["暂无符合条件的更正申请"])
    assert hours_of(client, make, member) == (75, 0)

    page.get_by_label("处理进度").select_option(label="已采纳")
    expect(row.locator(".correction")).to_have_text("已采纳")
    for shown in ("当前时长75 分钟", "50 分钟 → 75 分钟", "已核实签到记录"):
        expect(row).to_contain_text(shown)
    expect(row.get_by_role("button")).to_have_count(0)


def test_answering_a_correction_needs_an_answer_and_not_accepting_keeps_the_minutes(
    page, live_server, make, client, community
):
    units, secretary = community["units"], community["secretary"]
    member = make.member(units["community_a"], name="李红")
    entry = ledger.record_entry(member.id, units["community_a"].id, "activity", 7, 40)
    db.session.commit()
    asked = ask_correction(client, make, member, entry.id, "记错了")

    open_corrections(page, live_server, secretary)
    row = correction_row(page, asked["id"])
    for shown in ("活动 #7", "当前时长40 分钟", "申请更正为未填写"):
        expect(row).to_contain_text(shown)

    row.get_by_role("button", name="采纳", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="请填写答复说明")).to_be_visible()
    expect(row.get_by_label("答复说明")).to_be_focused()

    row.get_by_label("答复说明").fill("同意更正")
    row.get_by_role("button", name="采纳", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="请填写更正后的分钟数")).to_be_visible()
    assert hours_of(client, make, member) == (0, 40)

    row.get_by_label("答复说明").fill("活动签到表记录为 40 分钟")
    row.get_by_role("button", name="不采纳", exact=True).click()

    expect(page.locator("#corrections-notice")).to_have_text("已答复李红的时长更正申请（未采纳）")
    expect(page.locator("#corrections-error")).to_have_text("")
    page.get_by_label("处理进度").select_option(label="未采纳")
    expect(row.locator(".correction")).to_have_text("未采纳")
    expect(row).to_contain_text("活动签到表记录为 40 分钟")
    assert hours_of(client, make, member) == (0, 40)
