"""What each step of a request writes down and whom it tells: the history row (action, statuses, actor,
reason), the stored values, and each notification whole (recipient, event, title, body, data, page)."""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from extensions import db
from models.ledger import HourEntry
from models.notifications import Notification
from models.providers import ProviderAccount, ServiceProvider
from models.requests import RequestHistory, RequestOffer, ServiceRequest
from tests.conftest import body
from tests.test_requests import post, submit

DETAIL = "pages/requests/detail?id={}"


def notices(event: str) -> list[tuple]:
    return [
        (n.user_id, n.title, n.body, n.data, n.page)
        for n in db.session.execute(
            select(Notification).where(Notification.event == event).order_by(Notification.id)
        ).scalars()
    ]


def history(request_id: int) -> list[tuple]:
    return [
        (h.action, h.from_status, h.to_status, h.actor_id, h.reason)
        for h in db.session.execute(
            select(RequestHistory).where(RequestHistory.request_id == request_id).order_by(RequestHistory.id)
        ).scalars()
    ]


def stored(request_id: int) -> ServiceRequest:
    db.session.expire_all()
    return db.session.get(ServiceRequest, request_id)


def offers(request_id: int) -> dict[int, RequestOffer]:
    db.session.expire_all()
    return {
        offer.member_id: offer
        for offer in db.session.execute(select(RequestOffer).where(RequestOffer.request_id == request_id)).scalars()
    }


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_submitting_writes_the_submit_and_first_round_history_and_tells_each_offered_member(client, make, scene, app):
    resident = scene["resident"]
    created = submit(client, make, scene, title="水龙头漏水")
    request_id = created["id"]
    assert history(request_id) == [
        ("submit", "", "submitted", resident.id, None),
        ("offer", "submitted", "offered", None, "第 1 轮派单"),
    ]
    window = timedelta(seconds=app.config["MATCH_OFFER_WINDOW_SECONDS"])
    assert moment(created["offer_expires_at"]) - moment(created["created_at"]) - window < timedelta(seconds=5)
    assert moment(created["offer_expires_at"]) - moment(created["created_at"]) >= window
    asked = offers(request_id)
    assert set(asked) == {member.id for member in scene["members"]}
    assert {offer.round for offer in asked.values()} == {1}
    ranked = body(client.get(f"/api/v1/requests/{request_id}/offers", headers=make.headers(scene["staff"])))
    assert all(offer["score"] > 0 for offer in ranked)
    told = notices("request_offered")
    assert sorted(told) == sorted(
        (member_id, "有新的服务请求", "水龙头漏水", {"request_id": request_id, "reasons": offer.reasons},
         DETAIL.format(request_id))
        for member_id, offer in asked.items()
    )


def test_the_last_round_ending_writes_expire_and_escalate_and_tells_the_resident_and_staff(
        client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_ROUNDS", 1)
    created = submit(client, make, scene, title="灯不亮")
    request_id = created["id"]
    for member in scene["members"]:
        assert post(client, make, member, request_id, "decline").status_code == 200
    assert history(request_id)[-2:] == [
        ("expire", "offered", "expired", None, "无人接单"),
        ("escalate", "expired", "escalated", None, "转入工作人员队列"),
    ]
    assert stored(request_id).offer_expires_at is None
    assert notices("request_escalated") == [
        (scene["resident"].id, "您的请求已转交社区工作人员", "灯不亮", {"request_id": request_id},
         DETAIL.format(request_id)),
        (scene["staff"].id, "有服务请求无人接单，请派单", "灯不亮", {"request_id": request_id}, None),
    ]


def test_a_request_nobody_can_take_escalates_from_submitted_without_an_expiry(client, make, scene):
    scene["category"].skills = ["法律咨询"]
    db.session.commit()
    created = submit(client, make, scene)
    assert [row[:3] for row in history(created["id"])] == [
        ("submit", "", "submitted"), ("escalate", "submitted", "escalated"),
    ]


def test_a_second_round_is_numbered_and_offered_to_new_members_only(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 2)
    created = submit(client, make, scene)
    request_id = created["id"]
    first_round = set(offers(request_id))
    for member_id in first_round:
        member = next(m for m in scene["members"] if m.id == member_id)
        assert post(client, make, member, request_id, "decline").status_code == 200
    request = stored(request_id)
    assert (request.status, request.offer_round) == ("offered", 2)
    assert history(request_id)[-1] == ("next_round", "offered", "offered", None, "第 2 轮派单")
    second_round = {member_id for member_id, offer in offers(request_id).items() if offer.round == 2}
    assert second_round == {m.id for m in scene["members"]} - first_round


def test_accepting_records_the_taker_closes_the_other_offers_and_tells_the_resident(client, make, scene):
    winner, other, _ = scene["members"]
    created = submit(client, make, scene, title="门锁坏了")
    request_id = created["id"]
    accepted = body(post(client, make, winner, request_id, "accept"))
    assert (accepted["assignee_id"], accepted["offer_expires_at"]) == (winner.id, None)
    assert accepted["taken_at"] is not None
    assert history(request_id)[-1] == ("accept", "offered", "accepted", winner.id, None)
    asked = offers(request_id)
    assert asked[winner.id].status == "accepted" and asked[winner.id].answered_at is not None
    assert asked[other.id].status == "withdrawn" and asked[other.id].answered_at is not None
    assert notices("request_accepted") == [
        (scene["resident"].id, "您的请求已有党员接单", "门锁坏了",
         {"request_id": request_id, "member_name": winner.name}, DETAIL.format(request_id)),
    ]


def test_declining_records_the_answer_on_the_members_offer_only(client, make, scene):
    declining, waiting, _ = scene["members"]
    created = submit(client, make, scene)
    assert post(client, make, declining, created["id"], "decline").status_code == 200
    asked = offers(created["id"])
    assert (asked[declining.id].status, asked[waiting.id].status) == ("declined", "open")
    assert asked[declining.id].answered_at is not None and asked[waiting.id].answered_at is None
    assert stored(created["id"]).status == "offered"


def _accept_start_complete(client, make, member, request_id, minutes=45, note="已更换阀芯"):
    assert post(client, make, member, request_id, "accept").status_code == 200
    assert post(client, make, member, request_id, "start").status_code == 200
    return post(client, make, member, request_id, "complete", note=note, minutes=minutes)


def test_completing_stores_the_note_and_minutes_and_tells_the_resident(client, make, scene):
    member = scene["members"][0]
    created = submit(client, make, scene, title="门锁坏了")
    request_id = created["id"]
    done = body(_accept_start_complete(client, make, member, request_id))
    assert (done["completion_note"], done["minutes"]) == ("已更换阀芯", 45)
    assert history(request_id)[-2:] == [
        ("start", "accepted", "in_progress", member.id, None),
        ("complete", "in_progress", "completed", member.id, None),
    ]
    assert notices("request_completed") == [
        (scene["resident"].id, "服务已完成", "门锁坏了", {"request_id": request_id}, DETAIL.format(request_id)),
    ]


def test_confirming_credits_the_minutes_in_the_community_and_tells_the_member(client, make, scene):
    member, staff = scene["members"][0], scene["staff"]
    title = "长" * 100
    created = submit(client, make, scene, title=title)
    request_id = created["id"]
    _accept_start_complete(client, make, member, request_id, minutes=45)
    assert post(client, make, staff, request_id, "confirm").status_code == 200
    entry = db.session.execute(select(HourEntry)).scalar_one()
    assert (entry.member_id, entry.org_id, entry.source, entry.source_id, entry.minutes, entry.note) == (
        member.id, scene["units"]["community_a"].id, "request", request_id, 45, title)
    assert (entry.status, entry.confirmed_by_id) == ("confirmed", staff.id)
    assert history(request_id)[-1] == ("confirm", "completed", "confirmed", staff.id, None)
    assert notices("request_confirmed") == [
        (member.id, "服务时长已确认", title, {"request_id": request_id, "minutes": 45}, "pages/member/hours"),
    ]


def test_rejecting_a_completion_stores_the_reason_and_tells_the_member(client, make, scene):
    member, staff = scene["members"][0], scene["staff"]
    created = submit(client, make, scene)
    request_id = created["id"]
    _accept_start_complete(client, make, member, request_id)
    assert post(client, make, staff, request_id, "reject-completion", reason="仍在漏水").status_code == 200
    assert stored(request_id).rejection_reason == "仍在漏水"
    assert history(request_id)[-1] == ("reject_completion", "completed", "in_progress", staff.id, "仍在漏水")
    assert notices("request_rejected") == [
        (member.id, "服务完成情况被退回", "仍在漏水", {"request_id": request_id, "reason": "仍在漏水"},
         DETAIL.format(request_id)),
    ]


def test_assigning_moves_the_request_to_the_member_withdraws_the_offers_and_tells_both_members(
        client, make, scene):
    first, second, _ = scene["members"]
    staff = scene["staff"]
    created = submit(client, make, scene, title="换灯泡")
    request_id = created["id"]
    assigned = body(post(client, make, staff, request_id, "assign", member_id=first.id))
    assert (assigned["status"], assigned["assignee_id"], assigned["offer_expires_at"]) == ("accepted", first.id, None)
    assert assigned["taken_at"] is not None
    assert history(request_id)[-1] == ("assign", "offered", "accepted", staff.id, f"指派给 {first.name}")
    assert {offer.status for offer in offers(request_id).values()} == {"withdrawn"}
    assert all(offer.answered_at is not None for offer in offers(request_id).values())
    assert notices("request_reassigned") == []
    post(client, make, staff, request_id, "assign", member_id=second.id)
    assert notices("request_accepted") == [
        (first.id, "工作人员为您指派了服务请求", "换灯泡", {"request_id": request_id}, DETAIL.format(request_id)),
        (second.id, "工作人员为您指派了服务请求", "换灯泡", {"request_id": request_id}, DETAIL.format(request_id)),
    ]
    assert notices("request_reassigned") == [
        (first.id, "服务请求已改派他人", "换灯泡", {"request_id": request_id}, None)
    ]


def _provider_with_account(make, org, name="阳光社工站"):
    provider = ServiceProvider(org_id=org.id, name=name, kind="social_work_org", services=[])
    db.session.add(provider)
    db.session.commit()
    account = make.user(name="社工站账号", openid=None)
    db.session.add(ProviderAccount(provider_id=provider.id, user_id=account.id))
    db.session.commit()
    return provider, account


def test_routing_records_the_provider_withdraws_the_offers_and_tells_the_resident_and_the_provider(
        client, make, scene):
    staff = scene["staff"]
    provider, account = _provider_with_account(make, scene["units"]["street"])
    created = submit(client, make, scene, title="心理疏导")
    request_id = created["id"]
    routed = body(post(client, make, staff, request_id, "route", provider_id=provider.id))
    assert (routed["status"], routed["assigned_provider_id"], routed["offer_expires_at"]) == (
        "accepted", provider.id, None)
    assert routed["taken_at"] is not None
    assert history(request_id)[-1] == ("route", "offered", "accepted", staff.id, "转交 阳光社工站")
    assert {offer.status for offer in offers(request_id).values()} == {"withdrawn"}
    assert notices("request_accepted") == [
        (scene["resident"].id, "您的请求已转交专业服务机构", "心理疏导",
         {"request_id": request_id, "provider_name": "阳光社工站"}, DETAIL.format(request_id)),
    ]
    assert notices("request_routed") == [
        (account.id, "有服务请求转交本机构，请受理", "心理疏导", {"request_id": request_id}, None),
    ]
    assert notices("request_reassigned") == []


def test_a_provider_acknowledges_and_reports_with_its_note_and_the_resident_is_told(client, make, scene):
    staff = scene["staff"]
    provider, account = _provider_with_account(make, scene["units"]["community_a"])
    created = submit(client, make, scene, title="心理疏导")
    request_id = created["id"]
    post(client, make, staff, request_id, "route", provider_id=provider.id)
    assert body(post(client, make, account, request_id, "acknowledge"))["status"] == "in_progress"
    note = "上门疏导" * 60
    reported = body(post(client, make, account, request_id, "report", note=note[:500]))
    assert (reported["status"], reported["completion_note"]) == ("completed", note[:500])
    assert history(request_id)[-2:] == [
        ("acknowledge", "accepted", "in_progress", account.id, None),
        ("report", "in_progress", "completed", account.id, note[:200]),
    ]
    assert notices("request_completed") == [
        (scene["resident"].id, "服务已完成", "心理疏导", {"request_id": request_id}, DETAIL.format(request_id)),
    ]
    confirmed = body(post(client, make, staff, request_id, "confirm"))
    assert confirmed["status"] == "confirmed"
    assert db.session.execute(select(HourEntry)).first() is None
    assert notices("request_confirmed") == []


def test_rejecting_a_providers_report_tells_no_member(client, make, scene):
    staff = scene["staff"]
    provider, account = _provider_with_account(make, scene["units"]["community_a"])
    created = submit(client, make, scene)
    request_id = created["id"]
    post(client, make, staff, request_id, "route", provider_id=provider.id)
    post(client, make, account, request_id, "acknowledge")
    post(client, make, account, request_id, "report", note="已完成")
    rejected = post(client, make, staff, request_id, "reject-completion", reason="未见成效")
    assert body(rejected)["status"] == "in_progress"
    assert notices("request_rejected") == []


def test_asking_pauses_the_clock_records_the_question_and_tells_the_resident(client, make, scene):
    staff = scene["staff"]
    created = submit(client, make, scene)
    request_id = created["id"]
    before = stored(request_id).updated_at
    asked = body(post(client, make, staff, request_id, "ask-resident", question="几点方便？"))
    assert (asked["pending_question"], asked["sla_paused"]) == ("几点方便？", True)
    request = stored(request_id)
    assert request.sla_paused_at is not None and request.updated_at > before
    assert history(request_id)[-1] == ("ask_resident", "offered", "offered", staff.id, "几点方便？")
    assert notices("request_question") == [
        (scene["resident"].id, "服务请求需要您补充信息", "几点方便？", {"request_id": request_id},
         DETAIL.format(request_id)),
    ]


def test_the_answer_goes_to_whoever_asked_last(client, make, scene):
    staff, member, resident = scene["staff"], scene["members"][0], scene["resident"]
    created = submit(client, make, scene)
    request_id = created["id"]
    post(client, make, staff, request_id, "ask-resident", question="第一个问题")
    post(client, make, resident, request_id, "answer", answer="第一个答复")
    post(client, make, member, request_id, "ask-resident", question="第二个问题")
    answered = body(post(client, make, resident, request_id, "answer", answer="第二个答复"))
    assert (answered["pending_question"], answered["sla_paused"]) == (None, False)
    assert history(request_id)[-1] == ("answer", "offered", "offered", resident.id, "第二个答复")
    assert notices("request_answered") == [
        (staff.id, "居民已补充信息", "第一个答复", {"request_id": request_id}, None),
        (member.id, "居民已补充信息", "第二个答复", {"request_id": request_id}, None),
    ]


def test_the_assignee_may_ask_the_resident(client, make, scene):
    member = scene["members"][0]
    created = submit(client, make, scene)
    post(client, make, member, created["id"], "accept")
    asked = post(client, make, member, created["id"], "ask-resident", question="要带梯子吗？")
    assert asked.status_code == 200


def test_cancelling_records_the_reason_withdraws_the_offers_and_tells_the_assignee(client, make, scene):
    member, resident = scene["members"][0], scene["resident"]
    created = submit(client, make, scene, title="换灯泡")
    request_id = created["id"]
    post(client, make, member, request_id, "accept")
    cancelled = body(post(client, make, resident, request_id, "cancel", reason="已自行解决"))
    assert (cancelled["status"], cancelled["offer_expires_at"]) == ("cancelled", None)
    assert history(request_id)[-1] == ("cancel", "accepted", "cancelled", resident.id, "已自行解决")
    assert notices("request_cancelled") == [
        (member.id, "居民已取消服务请求", "换灯泡", {"request_id": request_id}, None),
    ]


def test_cancelling_an_offered_request_withdraws_every_open_offer_and_tells_nobody(client, make, scene):
    created = submit(client, make, scene)
    request_id = created["id"]
    cancelled = body(post(client, make, scene["resident"], request_id, "cancel"))
    assert (cancelled["status"], cancelled["offer_expires_at"]) == ("cancelled", None)
    asked = offers(request_id)
    assert {offer.status for offer in asked.values()} == {"withdrawn"}
    assert all(offer.answered_at is not None for offer in asked.values())
    assert notices("request_cancelled") == []


def test_rating_stores_the_stars_comment_and_time_and_writes_a_history_row(client, make, scene):
    member, resident = scene["members"][0], scene["resident"]
    created = submit(client, make, scene)
    request_id = created["id"]
    _accept_start_complete(client, make, member, request_id)
    rated = body(post(client, make, resident, request_id, "rate", stars=4, comment="很及时"))
    assert (rated["stars"], rated["rating_comment"]) == (4, "很及时")
    assert stored(request_id).rated_at is not None
    assert history(request_id)[-1] == ("rate", "completed", "completed", resident.id, "4 星")


def test_every_move_stamps_updated_at(client, make, scene):
    member = scene["members"][0]
    created = submit(client, make, scene)
    request_id = created["id"]
    earlier = moment(created["updated_at"]) - timedelta(hours=1)
    db.session.execute(update(ServiceRequest).values(updated_at=earlier))
    db.session.commit()
    accepted = body(post(client, make, member, request_id, "accept"))
    assert moment(accepted["updated_at"]) > earlier + timedelta(minutes=59)


def test_rating_one_request_leaves_the_residents_other_finished_requests_unrated(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MEMBER_OPEN_TASK_CAP", 5)
    member, resident = scene["members"][0], scene["resident"]
    rated, other = submit(client, make, scene), submit(client, make, scene)
    for request_id in (rated["id"], other["id"]):
        _accept_start_complete(client, make, member, request_id)
    assert post(client, make, resident, rated["id"], "rate", stars=5).status_code == 200
    assert (stored(rated["id"]).stars, stored(other["id"]).stars) == (5, None)
    assert post(client, make, resident, other["id"], "rate", stars=2).status_code == 200
    assert stored(other["id"]).stars == 2


def test_asking_about_one_request_leaves_the_residents_other_open_requests_alone(client, make, scene):
    asked, other = submit(client, make, scene), submit(client, make, scene)
    assert post(client, make, scene["staff"], asked["id"], "ask-resident", question="几点方便？").status_code == 200
    assert (stored(asked["id"]).pending_question, stored(other["id"]).pending_question) == ("几点方便？", None)
    assert stored(other["id"]).sla_paused_at is None


def test_answering_one_request_leaves_the_same_question_asked_of_another_at_the_same_moment_pending(
        client, make, scene, clock):
    staff, resident = scene["staff"], scene["resident"]
    answered, other = submit(client, make, scene), submit(client, make, scene)
    for request_id in (answered["id"], other["id"]):
        assert post(client, make, staff, request_id, "ask-resident", question="几点方便？").status_code == 200
    assert post(client, make, resident, answered["id"], "answer", answer="晚上").status_code == 200
    assert (stored(answered["id"]).pending_question, stored(other["id"]).pending_question) == (None, "几点方便？")
    assert stored(other["id"]).sla_paused_at == clock.now


def test_the_answer_goes_to_whoever_asked_about_that_request(client, make, scene):
    staff, member, resident = scene["staff"], scene["members"][0], scene["resident"]
    answered, other = submit(client, make, scene), submit(client, make, scene)
    post(client, make, staff, answered["id"], "ask-resident", question="几点方便？")
    # A later question about another request, by someone else.
    post(client, make, member, other["id"], "ask-resident", question="要带梯子吗？")
    assert post(client, make, resident, answered["id"], "answer", answer="晚上").status_code == 200
    assert notices("request_answered") == [
        (staff.id, "居民已补充信息", "晚上", {"request_id": answered["id"]}, None),
    ]


def test_the_answer_goes_to_the_asker_though_others_moved_the_request_since(client, make, scene):
    staff, member, resident = scene["staff"], scene["members"][0], scene["resident"]
    request_id = submit(client, make, scene)["id"]
    post(client, make, staff, request_id, "ask-resident", question="几点方便？")
    assert post(client, make, member, request_id, "accept").status_code == 200
    assert history(request_id)[-1][0] == "accept"
    assert post(client, make, resident, request_id, "answer", answer="晚上").status_code == 200
    assert notices("request_answered") == [
        (staff.id, "居民已补充信息", "晚上", {"request_id": request_id}, None),
    ]


def test_an_answer_stamps_updated_at(client, make, scene, clock):
    request_id = submit(client, make, scene)["id"]
    post(client, make, scene["staff"], request_id, "ask-resident", question="几点方便？")
    clock.at(clock.now + timedelta(hours=1))
    assert post(client, make, scene["resident"], request_id, "answer", answer="晚上").status_code == 200
    assert stored(request_id).updated_at == clock.now
