"""The desk's 服务请求 screen in real headless Chromium: the queue, one request, its candidates, staff actions."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from extensions import db
from models.base import utcnow
from models.requests import ServiceRequest
from tests.conftest import body
from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser

PASSWORD = "desk-password-1"
LOCAL_TIME = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}")
OFFER_STATUS_NAMES = {
    "open": "待答复", "accepted": "已接单", "declined": "已婉拒", "expired": "已超时", "withdrawn": "已撤回"
}


@pytest.fixture
def secretary(make, scene):
    return make.staff(scene["units"]["community_a"], role="secretary", password=PASSWORD)


def submit(client, make, resident, category, title, **fields):
    """A request made by the resident through the HTTP API, as the mini-program would."""
    payload = {"category_id": category.id, "title": title, **fields}
    response = client.post("/api/v1/requests", json=payload, headers=make.headers(resident))
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def post(client, make, user, request_id, action, **payload):
    response = client.post(f"/api/v1/requests/{request_id}/{action}", json=payload, headers=make.headers(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return body(response)


def fetch(client, make, user, request_id):
    return body(client.get(f"/api/v1/requests/{request_id}", headers=make.headers(user)))


def completed_request(client, make, scene, minutes=45):
    """A request the first member has taken, served and reported done."""
    member = scene["members"][0]
    created = submit(client, make, scene["resident"], scene["category"], "水龙头漏水")
    post(client, make, member, created["id"], "accept")
    post(client, make, member, created["id"], "start")
    post(client, make, member, created["id"], "complete", note="已更换阀芯", minutes=minutes)
    return created


def open_queue(page, live_server, staff):
    log_in(page, live_server, staff.username, PASSWORD)
    page.get_by_role("button", name="服务请求", exact=True).click()
    expect(page.locator("#requests-summary")).to_contain_text("共")


def row(page, request_id):
    return page.locator(f'#request-list > li[data-request-id="{request_id}"]')


def open_detail(page, request_id):
    row(page, request_id).get_by_role("button").click()
    expect(page.locator("#detail-facts")).to_contain_text(f"#{request_id}")


def detail_status(page):
    return page.locator("#detail-flags .status")


def history_entry(page, action):
    return page.locator("#timeline > li").filter(has=page.get_by_text(action, exact=True))


def test_secretary_sees_their_community_queue_and_filters_by_status(page, live_server, make, client, scene, secretary):
    units, category = scene["units"], scene["category"]
    urgent = submit(client, make, scene["resident"], category, "楼道灯不亮", urgency="urgent")
    taken = submit(client, make, scene["resident"], category, "水管漏水")
    post(client, make, secretary, taken["id"], "assign", member_id=scene["members"][0].id)
    elsewhere = make.resident(units["community_b"], units["building_b1"])
    submit(client, make, elsewhere, category, "社区B的请求")

    open_queue(page, live_server, secretary)

    rows = page.locator("#request-list > li")
    expect(rows).to_have_count(2)
    expect(page.locator("#request-list")).not_to_contain_text("社区B的请求")
    expect(row(page, urgent["id"]).locator(".request-title")).to_have_text("楼道灯不亮")
    expect(row(page, urgent["id"])).to_contain_text("小修小补")
    expect(row(page, urgent["id"])).to_contain_text(LOCAL_TIME)
    expect(row(page, urgent["id"]).locator(".status")).to_have_text("派单中")
    expect(row(page, urgent["id"]).locator(".urgent")).to_have_text("紧急")
    expect(row(page, taken["id"]).locator(".status")).to_have_text("已接单")
    expect(row(page, taken["id"]).locator(".urgent")).to_have_count(0)

    page.locator("#status-filter").select_option(label="已接单")
    expect(rows).to_have_count(1)
    expect(row(page, taken["id"])).to_be_visible()
    page.locator("#status-filter").select_option(label="已确认")
    expect(rows).to_have_text(["暂无符合条件的服务请求"])
    expect(page.locator("#requests-summary")).to_have_text("共 0 条")


def test_candidates_show_score_and_reasons_and_assign_takes_the_request(
    page, live_server, make, client, scene, secretary
):
    member = scene["members"][0]
    created = submit(client, make, scene["resident"], scene["category"], "水龙头漏水")
    ranked = body(client.get(f"/api/v1/requests/{created['id']}/candidates", headers=make.headers(secretary)))
    score = next(candidate["score"] for candidate in ranked if candidate["member_id"] == member.id)

    open_queue(page, live_server, secretary)
    open_detail(page, created["id"])

    candidate = page.locator(f'#candidates > li[data-member-id="{member.id}"]')
    expect(page.locator("#candidates > li")).to_have_count(len(ranked))
    expect(candidate.locator("strong")).to_have_text(re.compile(rf"^({re.escape(member.name)}|党员 #{member.id})$"))
    expect(candidate.locator(".score")).to_have_text(f"得分 {score:.2f}")
    expect(candidate.locator(".reasons")).to_contain_text("技能匹配：维修")
    expect(candidate.locator(".reasons")).to_contain_text("同一楼院")

    candidate.get_by_role("button", name="指派").click()
    expect(detail_status(page)).to_have_text("已接单")
    expect(row(page, created["id"]).locator(".status")).to_have_text("已接单")
    expect(page.locator("#timeline")).to_contain_text("指派")
    expect(page.locator("#detail-error")).to_have_text("")
    assigned = fetch(client, make, secretary, created["id"])
    assert (assigned["status"], assigned["assignee_id"]) == ("accepted", member.id)


def test_rejecting_needs_a_reason_and_confirming_credits_the_minutes(page, live_server, make, client, scene, secretary):
    member = scene["members"][0]
    created = completed_request(client, make, scene)

    open_queue(page, live_server, secretary)
    open_detail(page, created["id"])
    expect(detail_status(page)).to_have_text("待确认")
    expect(page.locator("#detail-facts")).to_contain_text("已更换阀芯")
    expect(page.locator("#detail-facts")).to_contain_text("45 分钟")
    expect(page.locator("#timeline")).to_contain_text("完成")

    reject = page.get_by_role("button", name="退回", exact=True)
    reject.click()
    expect(page.get_by_role("alert").filter(has_text="请填写退回原因")).to_be_visible()
    assert fetch(client, make, secretary, created["id"])["status"] == "completed"

    page.get_by_label("退回原因").fill("居民反映仍在漏水")
    reject.click()
    expect(detail_status(page)).to_have_text("服务中")
    expect(page.locator("#timeline")).to_contain_text("退回")
    expect(page.locator("#timeline")).to_contain_text("居民反映仍在漏水")
    expect(page.locator("#detail-error")).to_have_text("")
    assert fetch(client, make, secretary, created["id"])["status"] == "in_progress"

    post(client, make, member, created["id"], "complete", note="已重新更换阀芯", minutes=50)
    page.get_by_role("button", name="刷新").click()
    expect(detail_status(page)).to_have_text("待确认")
    page.get_by_role("button", name="确认", exact=True).click()
    expect(detail_status(page)).to_have_text("已确认")
    expect(row(page, created["id"]).locator(".status")).to_have_text("已确认")
    assert fetch(client, make, secretary, created["id"])["status"] == "confirmed"
    hours = body(client.get("/api/v1/members/me/hours", headers=make.headers(member)))
    assert hours["confirmed_minutes"] == 50


def test_a_stale_action_shows_the_api_conflict_in_chinese(page, live_server, make, client, scene, secretary):
    created = completed_request(client, make, scene)
    open_queue(page, live_server, secretary)
    open_detail(page, created["id"])
    expect(detail_status(page)).to_have_text("待确认")
    post(client, make, scene["staff"], created["id"], "confirm")

    page.get_by_label("退回原因").fill("居民反映仍在漏水")
    page.get_by_role("button", name="退回", exact=True).click()

    expect(page.locator("#detail-error")).to_have_text("该请求的状态已变化，不能执行此操作，请查看最新状态")
    expect(detail_status(page)).to_have_text("已确认")
    expect(page.locator("#completion-actions")).to_be_hidden()


def test_sla_breached_request_is_flagged_and_listed_under_only_breached(
    page, live_server, make, client, scene, secretary
):
    late = submit(client, make, scene["resident"], scene["category"], "门锁坏了")
    on_time = submit(client, make, scene["resident"], scene["category"], "窗户关不上")
    db.session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == late["id"])
        .values(sla_due_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()

    open_queue(page, live_server, secretary)
    expect(row(page, late["id"]).locator(".breached")).to_have_text("超时")
    expect(row(page, on_time["id"])).to_be_visible()
    expect(row(page, on_time["id"]).locator(".breached")).to_have_count(0)

    page.get_by_label("仅看超时").check()
    expect(page.locator("#request-list > li")).to_have_count(1)
    expect(row(page, late["id"])).to_be_visible()
    open_detail(page, late["id"])
    expect(page.locator("#detail-flags .breached")).to_have_text("超时")


def test_an_html_title_is_shown_as_text(page, live_server, make, client, scene, secretary):
    title = '<img src=x onerror="window.pwned=1">'
    created = submit(client, make, scene["resident"], scene["category"], title)

    open_queue(page, live_server, secretary)
    expect(row(page, created["id"]).locator(".request-title")).to_have_text(title)
    open_detail(page, created["id"])
    expect(page.locator("#detail-title")).to_have_text(title)

    assert page.locator("#requests-panel img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_detail_names_the_people_and_lists_who_was_offered_the_request(
    page, live_server, make, client, scene, secretary
):
    taker, passer = scene["members"][0], scene["members"][1]
    created = submit(client, make, scene["resident"], scene["category"], "水龙头漏水")
    post(client, make, passer, created["id"], "decline")
    post(client, make, taker, created["id"], "accept")
    offers = body(client.get(f"/api/v1/requests/{created['id']}/offers", headers=make.headers(secretary)))
    statuses = {offer["member_id"]: offer["status"] for offer in offers}
    assert (statuses[taker.id], statuses[passer.id]) == ("accepted", "declined")

    open_queue(page, live_server, secretary)
    open_detail(page, created["id"])

    facts = page.locator("#detail-facts")
    expect(facts).to_contain_text(f"居民{scene['resident'].name}")
    expect(facts).to_contain_text(f"承接党员{taker.name}")
    expect(history_entry(page, "提交")).to_contain_text(f"居民 {scene['resident'].name}")
    expect(history_entry(page, "接单")).to_contain_text(taker.name)
    expect(page.locator("#timeline")).not_to_contain_text("#")

    listed = page.locator("#offers > li")
    expect(listed).to_have_count(len(offers))
    for offer in offers:
        item = page.locator(f'#offers > li[data-member-id="{offer["member_id"]}"]')
        expect(item.locator("strong")).to_have_text(offer["member_name"])
        expect(item.locator(".offer")).to_have_text(OFFER_STATUS_NAMES[offer["status"]])
        expect(item).to_contain_text(f"第 {offer['round']} 轮 · 得分 {offer['score']:.2f}")
        expect(item.locator(".reasons")).to_contain_text(offer["reasons"][0])
    expect(page.locator(f'#offers > li[data-member-id="{passer.id}"]')).to_contain_text(
        re.compile(f"答复 {LOCAL_TIME.pattern}")
    )


def test_staff_assignment_is_shown_with_the_staff_name(page, live_server, make, client, scene, secretary):
    member = scene["members"][2]
    created = submit(client, make, scene["resident"], scene["category"], "门锁坏了")
    post(client, make, secretary, created["id"], "assign", member_id=member.id)

    open_queue(page, live_server, secretary)
    open_detail(page, created["id"])

    expect(history_entry(page, "指派")).to_contain_text(secretary.name)
    expect(page.locator("#detail-facts")).to_contain_text(f"承接党员{member.name}")
