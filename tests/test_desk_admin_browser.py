"""The desk's 首页, 组织与账号 and 数据导出 in real headless Chromium: today's figures, an administrator
managing scopes and accounts, and both Excel exports opened with openpyxl."""
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from extensions import db
from tests.conftest import body
from tests.fixtures.desk import log_in
from tests.test_desk_requests_browser import completed_request, post, submit

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"
ADMIN_PASSWORD = "admin-password-1"


@pytest.fixture
def secretary(make, scene):
    return make.staff(scene["units"]["community_a"], role="secretary", password=PASSWORD, name="社区A书记")


def enter(page, live_server, username, password, tab=None):
    log_in(page, live_server, username, password)
    page.wait_for_selector("#home-view:not([hidden])")
    if tab:
        page.get_by_role("button", name=tab, exact=True).click()


def figure(page, name):
    return page.locator(f'#figures [data-figure="{name}"] dd')


def test_the_home_shows_todays_figures_of_the_scope_and_twelve_weeks(page, live_server, make, client, scene, secretary):
    submit(client, make, scene["resident"], scene["category"], "楼道灯不亮")
    submit(client, make, scene["resident"], scene["category"], "<img src=x onerror=alert(1)>")
    elsewhere = make.resident(scene["units"]["community_b"], scene["units"]["building_b1"])
    submit(client, make, elsewhere, scene["category"], "社区B的请求")
    expected = body(client.get("/api/v1/dashboard", headers=make.headers(secretary)))

    enter(page, live_server, secretary.username, PASSWORD)

    expect(page.get_by_role("button", name="首页", exact=True)).to_have_attribute("aria-current", "page")
    expect(figure(page, "open_requests")).to_have_text("2")
    expect(figure(page, "overdue_requests")).to_have_text(str(expected["today"]["overdue_requests"]))
    expect(figure(page, "registrations_waiting")).to_have_text(str(expected["today"]["registrations_waiting"]))
    expect(page.locator("#open-by-status")).to_contain_text("2")
    bars = page.locator("#weekly-chart svg rect.column.requests")
    expect(bars).to_have_count(12)
    assert len(expected["weeks"]) == 12
    expect(page.locator("#weekly-chart svg text.label").last).to_have_text(
        expected["weeks"][-1]["week_start"][5:].replace("-", "/")
    )
    expect(page.locator("#dashboard-error")).to_have_text("")


def test_an_administrator_removes_a_scope_and_it_stops_working(page, live_server, make, client, scene, secretary):
    admin = make.admin(password=ADMIN_PASSWORD)
    headers = make.headers(secretary)
    community = scene["units"]["community_a"]
    reach = f"/api/v1/dashboard?org_id={community.id}"
    assert client.get(reach, headers=headers).status_code == 200

    enter(page, live_server, admin.username, ADMIN_PASSWORD, "组织与账号")
    row = page.locator(f'#staff-list > li[data-user-id="{secretary.id}"]')
    expect(row).to_contain_text("社区A · 书记")
    row.get_by_role("button", name="收回社区A书记在社区A的权限").click()

    expect(page.locator("#staff-notice")).to_have_text("已收回社区A书记在社区A的权限")
    expect(row).to_contain_text("无权限范围")
    db.session.expire_all()  # the test's session still holds the scopes it loaded
    assert client.get(reach, headers=headers).status_code in (403, 404)

    row.get_by_label("授权组织").select_option(str(community.id))
    row.get_by_label("角色").select_option(label="工作人员")
    row.get_by_role("button", name="授权", exact=True).click()
    expect(page.locator("#staff-notice")).to_have_text("已授权社区A书记：社区A")
    expect(row).to_contain_text("社区A · 工作人员")
    db.session.expire_all()
    assert client.get(reach, headers=headers).status_code == 200


def test_disabling_an_account_ends_its_sessions_and_enabling_lets_it_log_in(
    page, live_server, make, client, scene, secretary
):
    admin = make.admin(password=ADMIN_PASSWORD)
    headers = make.headers(secretary)

    enter(page, live_server, admin.username, ADMIN_PASSWORD, "组织与账号")
    row = page.locator(f'#staff-list > li[data-user-id="{secretary.id}"]')
    row.get_by_role("button", name="停用账号").click()
    expect(page.locator("#staff-notice")).to_have_text("已停用社区A书记的账号")
    expect(row.locator(".account")).to_have_text("已停用")
    db.session.expire_all()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    login = client.post("/api/v1/auth/desk-login", json={"username": secretary.username, "password": PASSWORD})
    assert login.status_code == 403

    row.get_by_role("button", name="启用账号").click()
    expect(page.locator("#staff-notice")).to_have_text("已启用社区A书记的账号")
    expect(row.locator(".account")).to_have_count(0)
    db.session.expire_all()
    login = client.post("/api/v1/auth/desk-login", json={"username": secretary.username, "password": PASSWORD})
    assert login.status_code == 200


def test_a_secretary_changes_their_password_with_enter(page, live_server, make, scene, secretary):
    enter(page, live_server, secretary.username, PASSWORD, "组织与账号")
    page.get_by_label("当前密码").fill("wrong-password")
    page.get_by_label("新密码", exact=True).fill("desk-password-2")
    page.get_by_label("再次输入新密码").fill("desk-password-2")
    page.get_by_label("再次输入新密码").press("Enter")
    expect(page.locator("#password-error")).not_to_have_text("")

    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("desk-password-2")
    page.get_by_label("再次输入新密码").fill("desk-password-2")
    page.get_by_role("button", name="修改密码").click()
    expect(page.locator("#password-notice")).to_have_text("密码已修改，其他设备上的登录已退出")

    page.click("#logout")
    enter(page, live_server, secretary.username, "desk-password-2")
    expect(page.locator("#who-name")).to_have_text("社区A书记")


def download(page, button_name):
    with page.expect_download() as info:
        page.get_by_role("button", name=button_name).click()
    downloaded = info.value
    return downloaded.suggested_filename, load_workbook(io.BytesIO(Path(downloaded.path()).read_bytes()))


def test_both_exports_download_as_workbooks_matching_the_api(page, live_server, make, client, scene, secretary):
    member = scene["members"][0]
    done = completed_request(client, make, scene, minutes=45)
    post(client, make, secretary, done["id"], "confirm")
    formula = submit(client, make, scene["resident"], scene["category"], '=HYPERLINK("http://x","y")')
    elsewhere = make.resident(scene["units"]["community_b"], scene["units"]["building_b1"])
    submit(client, make, elsewhere, scene["category"], "社区B的请求")

    enter(page, live_server, secretary.username, PASSWORD, "数据导出")
    page.locator("#export-org").select_option(str(scene["units"]["community_a"].id))

    name, workbook = download(page, "导出党员服务时长")
    assert name.endswith(".xlsx")
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "社区", "已确认分钟", "已确认小时", "记录条数")
    hours = body(client.get("/api/v1/members/me/hours", headers=make.headers(member)))
    assert [row[:3] for row in rows[1:]] == [(member.name, "社区A", hours["confirmed_minutes"])]
    expect(page.locator("#exports-notice")).to_have_text(f"已下载 {name}")

    name, workbook = download(page, "导出服务请求")
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "标题", "类别", "状态")
    listed = body(client.get("/api/v1/requests?per_page=100", headers=make.headers(secretary)))["items"]
    # A title that would start a formula is kept as text behind an apostrophe.
    exported = sorted((row[0], row[1].removeprefix("'")) for row in rows[1:])
    assert exported == sorted((item["id"], item["title"]) for item in listed)
    assert "社区B的请求" not in [row[1] for row in rows[1:]]
    title_cell = next(cell for cell in workbook.active["B"] if cell.value and "HYPERLINK" in str(cell.value))
    assert title_cell.data_type == "s"
    statuses = {row[0]: row[3] for row in rows[1:]}
    meta = body(client.get("/api/v1/meta"))["request_status"]
    assert statuses[done["id"]] == meta["confirmed"]
    assert formula["id"] in statuses


def test_an_export_outside_the_scope_shows_the_api_message(page, live_server, make, scene, secretary):
    enter(page, live_server, secretary.username, PASSWORD, "数据导出")
    page.evaluate(
        "id => { const o = document.createElement('option'); o.value = id; o.textContent = 'B';"
        " document.getElementById('export-org').append(o); }",
        scene["units"]["community_b"].id,
    )
    page.locator("#export-org").select_option(str(scene["units"]["community_b"].id))
    page.get_by_role("button", name="导出服务请求").click()
    expect(page.locator("#exports-error")).not_to_have_text("")
    expect(page.locator("#exports-notice")).to_have_text("")
