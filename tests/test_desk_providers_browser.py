"""The desk's 专业服务机构 screen in real headless Chromium: staff register a provider with its offerings,
route a request to it from the request screen and see where it stands; the provider's account acknowledges it."""
import pytest
from playwright.sync_api import expect

from extensions import db
from models.providers import ProviderAccount, ServiceProvider
from models.requests import ServiceRequest
from tests.conftest import body
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"


def test_staff_create_a_provider_and_route_a_request_to_it(page, live_server, make, client, scene):
    secretary = make.staff(scene["units"]["community_a"], role="secretary", password=PASSWORD)
    created = client.post("/api/v1/requests", headers=make.headers(scene["resident"]),
                          json={"category_id": scene["category"].id, "title": "独居老人需要心理疏导"})
    request_id = body(created)["id"]

    log_in(page, live_server, secretary.username, PASSWORD)
    page.get_by_role("button", name="专业服务机构", exact=True).click()
    page.get_by_text("登记服务机构", exact=True).click()
    entry = page.locator("#provider-form")
    entry.get_by_label("名称").fill("阳光社工服务中心")
    entry.get_by_label("服务内容（顿号分隔）").fill("心理疏导、康复护理")
    entry.get_by_role("button", name="登记").click()
    expect(page.locator("#providers-notice")).to_have_text("已登记：阳光社工服务中心")
    provider = db.session.query(ServiceProvider).one()
    assert (provider.org_id, provider.services) == (scene["units"]["community_a"].id, ["心理疏导", "康复护理"])
    row = page.locator(f'#provider-list > li[data-provider-id="{provider.id}"]')
    expect(row).to_contain_text("心理疏导、康复护理")

    row.get_by_role("button", name="机构账号").click()
    row.get_by_label("登录名").fill("sunshine-desk")
    row.get_by_label("初始密码").fill(PASSWORD)
    row.get_by_label("姓名或称呼").fill("阳光社工")
    row.get_by_role("button", name="开设账号").click()
    expect(row.locator(".provider-accounts")).to_contain_text("阳光社工（登录名 sunshine-desk）")

    page.get_by_role("button", name="服务请求", exact=True).click()
    page.locator(f'#request-list > li[data-request-id="{request_id}"]').get_by_role("button").click()
    expect(page.locator("#route-section")).to_be_visible()
    expect(page.locator("#route-provider")).to_contain_text("阳光社工服务中心（心理疏导、康复护理）")
    page.locator("#route-request").click()
    expect(page.locator("#detail-facts")).to_contain_text("阳光社工服务中心")
    expect(page.locator("#detail-facts")).to_contain_text("转交服务机构（")
    expect(page.locator("#route-section")).to_be_hidden()
    db.session.expire_all()
    routed = db.session.get(ServiceRequest, request_id)
    assert (routed.status, routed.assigned_provider_id) == ("accepted", provider.id)

    page.get_by_role("button", name="退出").click()
    log_in(page, live_server, "sunshine-desk", PASSWORD)
    routed_row = page.locator(f'#routed-list > li[data-request-id="{request_id}"]')
    routed_row.get_by_role("button", name="机构受理").click()
    expect(page.locator("#routed-notice")).to_have_text("已受理：独居老人需要心理疏导")
    db.session.expire_all()
    assert db.session.get(ServiceRequest, request_id).status == "in_progress"
    assert db.session.query(ProviderAccount).one().provider_id == provider.id
