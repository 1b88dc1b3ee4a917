"""The desk's 阵地标准化 screens in real headless Chromium: evidence uploaded for a checklist item marks it
done with the checker's name, a wrong file shows the server's Chinese error, the completeness table follows;
a building point's funding and 冠名 member are set from the stations screen."""
import io

import pytest
import segno
from playwright.sync_api import expect

from extensions import db
from models.stations import Station, StationChecklistEvidence
from services.orgs import add_org
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def real_png() -> bytes:
    """A PNG a browser can draw (the preview shows it)."""
    image = io.BytesIO()
    segno.make("阵地佐证").save(image, kind="png", scale=4)
    return image.getvalue()


@pytest.fixture
def world(make, make_station):
    units = make.tree()
    enterprise = add_org("泉城科技党支部", "enterprise_branch", units["street"])
    db.session.commit()
    station = make_station(enterprise, name="泉城科技党员活动室")
    checker = make.staff(units["street"], role="secretary", password=PASSWORD, name="王书记")
    return {"units": units, "station": station, "checker": checker}


def open_positions(page, live_server, user):
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    log_in(page, live_server, user.username, PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    page.get_by_role("button", name="阵地标准化", exact=True).click()


def test_evidence_marks_an_item_done_with_the_checker_a_wrong_file_shows_the_error_and_the_table_follows(
        page, live_server, world, app, monkeypatch):
    station = world["station"]
    open_positions(page, live_server, world["checker"])
    expect(page.locator("#positions-org")).to_have_value(str(world["units"]["street"].id))
    overview_row = page.locator(f'#positions-stations tr[data-station-id="{station.id}"]')
    expect(overview_row).to_contain_text("0 / 12")
    expect(overview_row.locator(".missing-items")).to_contain_text("有党旗")

    overview_row.get_by_role("button", name="打开泉城科技党员活动室").click()
    detail = page.locator("#position-detail")
    expect(detail.locator("#position-heading")).to_have_text("泉城科技党员活动室")
    flag = detail.locator('tr[data-item="has_flag"]')
    expect(flag).to_contain_text("未完成")
    flag.get_by_label("有党旗的佐证文件").set_input_files(
        files=[{"name": "flag.png", "mimeType": "image/png", "buffer": real_png()}])
    flag.get_by_role("button", name="上传有党旗的佐证").click()
    expect(detail.get_by_role("status")).to_have_text("已上传「有党旗」的佐证，该项已完成")
    expect(flag).to_contain_text("已完成")
    expect(flag).to_contain_text("王书记")
    expect(flag).to_contain_text("照片")

    flag.get_by_role("button", name="查看有党旗的佐证").click()
    preview = detail.get_by_role("img", name="有党旗的佐证照片")
    expect(preview).to_be_visible()
    assert preview.evaluate("image => image.naturalWidth") > 0

    sign = detail.locator('tr[data-item="has_sign"]')
    sign.get_by_label("有党组织标牌的佐证文件").set_input_files(
        files=[{"name": "sign.jpg", "mimeType": "image/jpeg", "buffer": EXE}])
    sign.get_by_role("button", name="上传有党组织标牌的佐证").click()
    expect(sign.get_by_role("alert")).to_have_text("文件类型不支持（仅限 JPEG、PNG 图片或 PDF 文档）")
    expect(sign).to_contain_text("未完成")

    monkeypatch.setitem(app.config, "EVALUATION_MEDIA_MAX_BYTES", 1024)
    sign.get_by_label("有党组织标牌的佐证文件").set_input_files(
        files=[{"name": "sign.png", "mimeType": "image/png", "buffer": real_png() + b"\x00" * 4096}])
    sign.get_by_role("button", name="上传有党组织标牌的佐证").click()
    expect(sign.get_by_role("alert")).to_have_text("文件过大（不超过 1 KB）")
    expect(sign).to_contain_text("未完成")

    expect(overview_row).to_contain_text("1 / 12")
    expect(overview_row.locator(".missing-items")).not_to_contain_text("有党旗")
    expect(overview_row.locator(".missing-items")).to_contain_text("有党组织标牌")
    db.session.expire_all()
    assert [(row.item, row.checked_by_id) for row in db.session.query(StationChecklistEvidence)] == [
        ("has_flag", world["checker"].id)]


def test_the_completeness_table_downloads_as_a_spreadsheet(page, live_server, world):
    open_positions(page, live_server, world["checker"])
    expect(page.locator(f'#positions-stations tr[data-station-id="{world["station"].id}"]')).to_be_visible()
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="导出 Excel").click()
    assert downloaded.value.suggested_filename.endswith(".xlsx")
    expect(page.locator("#positions-notice")).to_contain_text("已下载")


def test_a_building_points_funding_and_named_member_are_set_from_the_stations_screen(
        page, live_server, make, make_station, world):
    units = world["units"]
    member = make.member(units["community_a"], units["building_a1"], name="张大姐")
    make.member(units["community_b"], units["building_b1"], name="别社区党员")
    point = make_station(units["building_a1"], kind="building_named_station", name="1号楼冠名服务点")
    log_in(page, live_server, world["checker"].username, PASSWORD)
    page.wait_for_selector("#home-view:not([hidden])")
    page.get_by_role("button", name="服务站点", exact=True).click()
    row = page.locator(f'#station-list > li[data-station-id="{point.id}"]')
    row.get_by_role("button", name="标准化与经费").click()
    settings = row.get_by_role("form", name="1号楼冠名服务点的经费来源和冠名党员")
    expect(settings.get_by_label("冠名党员").locator("option")).to_have_text(["未指定", "张大姐"])
    expect(row).to_contain_text("该类阵地不填写标准化清单")
    settings.get_by_label("经费来源").select_option(label="部门帮扶")
    settings.get_by_label("冠名党员").select_option(label="张大姐")
    settings.get_by_role("button", name="保存").click()
    expect(row.get_by_role("status")).to_have_text("已保存1号楼冠名服务点的经费来源和冠名党员")
    db.session.expire_all()
    saved = db.session.get(Station, point.id)
    assert (saved.funding, saved.named_member_id) == ("department_aid", member.id)
