"""On-demand service requests: lifecycle over HTTP, matching, offer rounds, visibility, SLA."""
from datetime import timedelta

from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.ledger import HourEntry
from models.notifications import Notification
from models.requests import RequestOffer, ServiceRequest
from tests.conftest import body


def submit(client, make, scene, **fields):
    payload = {"category_id": scene["category"].id, "title": "水龙头漏水", "description": "厨房水龙头一直滴水"}
    payload.update(fields)
    response = client.post("/api/v1/requests", json=payload, headers=make.headers(scene["resident"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def post(client, make, user, request_id, action, **payload):
    return client.post(f"/api/v1/requests/{request_id}/{action}", json=payload, headers=make.headers(user))


def events(event):
    return db.session.execute(select(Notification.user_id).where(Notification.event == event)).scalars().all()


def test_new_request_is_offered_to_the_top_k_members_with_reasons(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 2)
    created = submit(client, make, scene)
    assert created["status"] == "offered"
    assert created["offer_round"] == 1
    assert [entry["to_status"] for entry in created["history"]] == ["submitted", "offered"]
    offers = db.session.execute(select(RequestOffer)).scalars().all()
    assert len(offers) == 2
    assert any(reason.startswith("技能匹配") for reason in offers[0].reasons)
    assert "同一楼院" in offers[0].reasons
    assert sorted(events("request_offered")) == sorted(offer.member_id for offer in offers)


def test_full_lifecycle_credits_hours_once_after_confirmation(client, make, scene):
    member, staff = scene["members"][0], scene["staff"]
    created = submit(client, make, scene)
    assert post(client, make, member, created["id"], "accept").status_code == 200
    assert post(client, make, member, created["id"], "start").status_code == 200
    done = post(client, make, member, created["id"], "complete", note="已更换阀芯", minutes=45)
    assert body(done)["status"] == "completed"
    assert db.session.execute(select(HourEntry)).first() is None
    confirmed = post(client, make, staff, created["id"], "confirm")
    assert body(confirmed)["status"] == "confirmed"
    entry = db.session.execute(select(HourEntry)).scalar_one()
    assert (entry.member_id, entry.minutes, entry.status, entry.source) == (member.id, 45, "confirmed", "request")
    assert post(client, make, staff, created["id"], "confirm").status_code == 409
    assert db.session.execute(select(HourEntry)).scalars().all() == [entry]
    history = body(client.get(f"/api/v1/requests/{created['id']}", headers=make.headers(staff)))["history"]
    assert [h["action"] for h in history] == ["submit", "offer", "accept", "start", "complete", "confirm"]
    assert history[-1]["actor_id"] == staff.id
    assert set(events("request_accepted")) == {scene["resident"].id}
    assert set(events("request_confirmed")) == {member.id}


def test_second_accept_gets_409(client, make, scene):
    first, second, _ = scene["members"]
    created = submit(client, make, scene)
    assert post(client, make, first, created["id"], "accept").status_code == 200
    response = post(client, make, second, created["id"], "accept")
    assert response.status_code == 409
    assert body(response)["error"]["code"] == "request_taken"


def test_rejected_completion_goes_back_to_the_volunteer_with_the_reason(client, make, scene):
    member, staff = scene["members"][0], scene["staff"]
    created = submit(client, make, scene)
    post(client, make, member, created["id"], "accept")
    post(client, make, member, created["id"], "start")
    post(client, make, member, created["id"], "complete", note="好了", minutes=30)
    assert post(client, make, staff, created["id"], "reject-completion").status_code == 422
    rejected = post(client, make, staff, created["id"], "reject-completion", reason="居民反映仍在漏水")
    assert body(rejected)["status"] == "in_progress"
    assert body(rejected)["rejection_reason"] == "居民反映仍在漏水"
    assert body(rejected)["history"][-1]["reason"] == "居民反映仍在漏水"
    assert events("request_rejected") == [member.id]
    assert db.session.execute(select(HourEntry)).first() is None


def test_resident_rates_once_after_completion_and_the_rating_feeds_the_ranking(client, make, scene):
    member, staff, resident = scene["members"][0], scene["staff"], scene["resident"]
    created = submit(client, make, scene)
    assert post(client, make, resident, created["id"], "rate", stars=5).status_code == 409
    post(client, make, member, created["id"], "accept")
    post(client, make, member, created["id"], "start")
    post(client, make, member, created["id"], "complete", note="好了", minutes=30)
    assert post(client, make, resident, created["id"], "rate", stars=6).status_code == 422
    assert body(post(client, make, resident, created["id"], "rate", stars=5, comment="很及时"))["stars"] == 5
    again = post(client, make, resident, created["id"], "rate", stars=1)
    assert again.status_code == 409
    assert body(again)["error"]["code"] == "already_rated"
    second = submit(client, make, scene)
    ranked = body(client.get(f"/api/v1/requests/{second['id']}/candidates", headers=make.headers(staff)))
    assert ranked[0]["member_id"] == member.id
    assert "评分 5.0" in ranked[0]["reasons"]


def test_resident_cancels_before_completion_but_not_after(client, make, scene):
    member, resident = scene["members"][0], scene["resident"]
    early = submit(client, make, scene)
    post(client, make, member, early["id"], "accept")
    cancelled = post(client, make, resident, early["id"], "cancel", reason="已自行解决")
    assert body(cancelled)["status"] == "cancelled"
    assert events("request_cancelled") == [member.id]
    late = submit(client, make, scene)
    post(client, make, member, late["id"], "accept")
    post(client, make, member, late["id"], "start")
    post(client, make, member, late["id"], "complete", note="好了", minutes=30)
    response = post(client, make, resident, late["id"], "cancel")
    assert response.status_code == 409
    assert body(response)["error"]["code"] == "illegal_transition"


def test_only_the_resident_cancels(client, make, scene):
    created = submit(client, make, scene)
    response = post(client, make, scene["members"][0], created["id"], "cancel")
    assert response.status_code == 403


def test_staff_assign_and_reassign(client, make, scene):
    first, second, _ = scene["members"]
    staff = scene["staff"]
    created = submit(client, make, scene)
    assigned = post(client, make, staff, created["id"], "assign", member_id=first.id)
    assert (body(assigned)["status"], body(assigned)["assignee_id"]) == ("accepted", first.id)
    moved = post(client, make, staff, created["id"], "assign", member_id=second.id)
    assert (body(moved)["assignee_id"], body(moved)["assignee_name"]) == (second.id, second.name)
    assert events("request_reassigned") == [first.id]
    outsider = make.member(scene["units"]["district"], skills=("维修",))
    assert post(client, make, staff, created["id"], "assign", member_id=outsider.id).status_code == 422


def test_visibility_resident_member_staff_and_others(client, make, scene):
    units = scene["units"]
    created = submit(client, make, scene)
    path = f"/api/v1/requests/{created['id']}"
    assert client.get(path, headers=make.headers(scene["resident"])).status_code == 200
    assert client.get(path, headers=make.headers(scene["members"][0])).status_code == 200
    assert client.get(path, headers=make.headers(scene["staff"])).status_code == 200
    assert client.get(path, headers=make.headers(make.staff(units["street"]))).status_code == 200
    for stranger in (
        make.resident(units["community_a"], units["building_a1"]),
        make.member(units["community_a"], skills=("辅导",)),
        make.staff(units["community_b"]),
    ):
        assert client.get(path, headers=make.headers(stranger)).status_code == 404
        assert body(client.get("/api/v1/requests", headers=make.headers(stranger)))["total"] == 0
    assert client.get(f"{path}/candidates", headers=make.headers(make.staff(units["community_b"]))).status_code == 404
    assert client.get(f"{path}/candidates", headers=make.headers(scene["resident"])).status_code == 403
    assert body(client.get("/api/v1/requests?mine=1", headers=make.headers(scene["members"][1])))["total"] == 1


def test_candidates_skip_the_unskilled_the_unavailable_and_the_busy(client, make, scene, app, monkeypatch):
    units, staff = scene["units"], scene["staff"]
    make.member(units["community_a"], skills=("辅导",))
    busy = scene["members"][2]
    monkeypatch.setitem(app.config, "MEMBER_OPEN_TASK_CAP", 1)
    first = submit(client, make, scene)
    post(client, make, staff, first["id"], "assign", member_id=busy.id)
    second = submit(client, make, scene)
    ranked = body(client.get(f"/api/v1/requests/{second['id']}/candidates", headers=make.headers(staff)))
    assert {item["member_id"] for item in ranked} == {m.id for m in scene["members"][:2]}


def test_candidates_widen_to_the_street_when_the_community_has_too_few(client, make, scene, app, monkeypatch):
    neighbour = make.member(scene["units"]["community_b"], skills=("电工",))
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 4)
    created = submit(client, make, scene)
    ranked = body(client.get(f"/api/v1/requests/{created['id']}/candidates", headers=make.headers(scene["staff"])))
    assert ranked[-1]["member_id"] == neighbour.id
    assert "同一街道" in ranked[-1]["reasons"]
    assert len(ranked) == 4
    offered = db.session.execute(select(RequestOffer.member_id)).scalars().all()
    assert neighbour.id in offered


def test_no_candidates_escalates_at_once(client, make, scene, app):
    category = scene["category"]
    category.skills = ["法律咨询"]
    db.session.commit()
    created = submit(client, make, scene)
    assert created["status"] == "escalated"
    assert sorted(events("request_escalated")) == sorted([scene["resident"].id, scene["staff"].id])


def test_declines_open_the_next_round_and_the_last_round_escalates(client, make, scene, app, monkeypatch):
    extra = make.member(scene["units"]["community_a"], skills=("维修",))
    monkeypatch.setitem(app.config, "MATCH_ROUNDS", 2)
    created = submit(client, make, scene)
    for member in scene["members"]:
        assert post(client, make, member, created["id"], "decline").status_code == 200
    second = body(client.get(f"/api/v1/requests/{created['id']}", headers=make.headers(extra)))
    assert (second["status"], second["offer_round"]) == ("offered", 2)
    final = post(client, make, extra, created["id"], "decline")
    assert body(final)["status"] == "escalated"
    assert [h["to_status"] for h in body(final)["history"]][-2:] == ["expired", "escalated"]
    assert post(client, make, extra, created["id"], "decline").status_code == 409


def test_the_sweep_advances_rounds_whose_window_closed(client, make, scene, app):
    from jobs.periodic import PERIODIC_JOBS
    from jobs.requests import sweep_expired_offers

    assert "jobs.requests.sweep_expired_offers" in PERIODIC_JOBS
    created = submit(client, make, scene)
    assert sweep_expired_offers() == 0
    db.session.execute(
        update(ServiceRequest).values(offer_expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert sweep_expired_offers() == 1
    request = db.session.get(ServiceRequest, created["id"])
    db.session.refresh(request)
    assert request.status == "escalated"
    statuses = db.session.execute(select(RequestOffer.status)).scalars().all()
    assert set(statuses) == {"expired"}


def test_request_succeeds_when_redis_is_down(client, make, scene, redis_server, caplog):
    redis_server.stop()
    try:
        created = submit(client, make, scene)
    finally:
        redis_server.start()
    assert created["status"] == "offered"
    assert any("sweep" in record.getMessage() for record in caplog.records)


def test_sla_breached_requests_are_flagged_and_filtered(client, make, scene):
    created = submit(client, make, scene)
    db.session.execute(update(ServiceRequest).values(sla_due_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    headers = make.headers(scene["staff"])
    flagged = body(client.get("/api/v1/requests?sla_breached=true", headers=headers))
    assert [item["id"] for item in flagged["items"]] == [created["id"]]
    assert flagged["items"][0]["sla_breached"] is True
    assert body(client.get("/api/v1/requests?sla_breached=false", headers=headers))["total"] == 0


def test_idempotency_key_creates_one_request(client, make, scene):
    headers = {**make.headers(scene["resident"]), "Idempotency-Key": "req-1"}
    payload = {"category_id": scene["category"].id, "title": "换灯泡"}
    first = client.post("/api/v1/requests", json=payload, headers=headers)
    second = client.post("/api/v1/requests", json=payload, headers=headers)
    assert body(first)["id"] == body(second)["id"]
    assert len(db.session.execute(select(ServiceRequest)).scalars().all()) == 1


def test_bad_input_answers_422_not_500(client, make, scene):
    headers = make.headers(scene["resident"])
    for payload in (
        {"category_id": scene["category"].id},
        {"category_id": scene["category"].id, "title": "x" * 101},
        {"category_id": scene["category"].id, "title": "t", "urgency": "panic"},
        {"category_id": 99999, "title": "t"},
        {"category_id": scene["category"].id, "title": "t", "building_id": scene["units"]["building_b1"].id},
    ):
        response = client.post("/api/v1/requests", json=payload, headers=headers)
        assert response.status_code in (404, 422), payload


def test_demo_seed_has_categories_and_open_requests_offered_to_skilled_members(app, app_context):
    from models.categories import ServiceCategory
    from services.demo import CATEGORIES

    app.test_cli_runner().invoke(args=["seed-demo"])
    assert len(db.session.execute(select(ServiceCategory)).scalars().all()) == len(CATEGORIES)
    demo = db.session.execute(select(ServiceRequest).order_by(ServiceRequest.id)).scalars().all()
    assert [request.status for request in demo] == ["offered", "offered"]
    for request in demo:
        offers = db.session.execute(select(RequestOffer).where(RequestOffer.request_id == request.id)).scalars().all()
        assert offers
        assert all(reason for offer in offers for reason in offer.reasons)


def test_offers_show_staff_everyone_asked_and_members_only_themselves(client, make, scene):
    created = submit(client, make, scene)
    first, second = scene["members"][0], scene["members"][1]
    post(client, make, first, created["id"], "decline")
    path = f"/api/v1/requests/{created['id']}/offers"
    seen_by_staff = body(client.get(path, headers=make.headers(scene["staff"])))
    assert {offer["member_id"] for offer in seen_by_staff} == {member.id for member in scene["members"]}
    declined = next(offer for offer in seen_by_staff if offer["member_id"] == first.id)
    assert (declined["status"], declined["member_name"], declined["round"]) == ("declined", first.name, 1)
    assert any(reason.startswith("技能匹配") for reason in declined["reasons"])
    own = body(client.get(path, headers=make.headers(second)))
    assert [(offer["member_id"], offer["status"]) for offer in own] == [(second.id, "open")]
    assert body(client.get(path, headers=make.headers(scene["resident"]))) == []
    stranger = make.member(scene["units"]["community_b"])
    assert client.get(path, headers=make.headers(stranger)).status_code == 404


def test_awaiting_me_lists_the_offers_a_member_still_has_to_answer(client, make, scene):
    answered = submit(client, make, scene, title="已婉拒的请求")
    waiting = submit(client, make, scene, title="待答复的请求")
    member = scene["members"][0]
    assert post(client, make, member, answered["id"], "decline").status_code == 200
    listed = body(client.get("/api/v1/requests?mine=1&awaiting_me=1", headers=make.headers(member)))
    assert [item["id"] for item in listed["items"]] == [waiting["id"]]
    # A declined offer no longer shows the request at all.
    everything = body(client.get("/api/v1/requests?mine=1", headers=make.headers(member)))
    assert {item["id"] for item in everything["items"]} == {waiting["id"]}
