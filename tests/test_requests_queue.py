"""Who sees which requests and how much of them: the listing's filters and totals, the overdue test in SQL,
an offered member's reduced view, the offers and the staff's candidates."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from extensions import db
from models.base import utcnow
from models.orgs import OrgUnit
from models.providers import ProviderAccount, ServiceProvider
from models.requests import RequestOffer, ServiceRequest
from services import requests
from tests.conftest import body, unordered_rows_reversed
from tests.fixtures.members import CENTRE
from tests.test_requests import post, submit


def listed(client, make, user, query="") -> tuple[list[int], int]:
    page = body(client.get(f"/api/v1/requests{query}", headers=make.headers(user)))
    return [item["id"] for item in page["items"]], page["total"]


def add(scene, community=None, status="submitted", resident=None, **fields) -> ServiceRequest:
    now = utcnow()
    request = ServiceRequest(
        resident_id=(resident or scene["resident"]).id, community_id=(community or scene["units"]["community_a"]).id,
        category_id=scene["category"].id, title="求助", status=status, created_at=now, updated_at=now,
        sla_due_at=fields.pop("sla_due_at", now + timedelta(hours=2)), **fields,
    )
    db.session.add(request)
    db.session.commit()
    return request


def test_an_administrator_lists_and_counts_every_request(client, make, scene):
    ours = add(scene)
    theirs = add(scene, community=scene["units"]["community_b"])
    admin = make.admin()
    assert listed(client, make, admin) == ([theirs.id, ours.id], 2)
    assert listed(client, make, admin, "?status=submitted&per_page=1") == ([theirs.id], 2)
    assert listed(client, make, admin, "?mine=1") == ([], 0)


def test_overdue_in_sql_is_strictly_past_due_and_measured_at_the_pause_while_paused(client, make, scene, monkeypatch):
    now = utcnow()
    monkeypatch.setattr("services.requests.utcnow", lambda: now)
    due_now = add(scene, sla_due_at=now)
    past = add(scene, sla_due_at=now - timedelta(microseconds=1))
    paused_in_time = add(scene, sla_due_at=now - timedelta(hours=1), sla_paused_at=now - timedelta(hours=1))
    paused_late = add(scene, sla_due_at=now - timedelta(hours=2), sla_paused_at=now - timedelta(hours=1))
    paused_due_later = add(scene, sla_due_at=now + timedelta(hours=1), sla_paused_at=now - timedelta(hours=1))
    taken_late = add(scene, status="accepted", sla_due_at=now - timedelta(hours=1))
    for status in ("offered", "expired", "escalated"):
        add(scene, status=status, sla_due_at=now - timedelta(hours=1))
    admin = make.admin()
    breached_ids, total = listed(client, make, admin, "?sla_breached=true")
    assert past.id in breached_ids and paused_late.id in breached_ids
    assert total == 5
    on_time, _ = listed(client, make, admin, "?sla_breached=false")
    assert set(on_time) == {due_now.id, paused_in_time.id, paused_due_later.id, taken_late.id}


def test_awaiting_me_lists_only_open_offers_inside_their_window(client, make, scene, monkeypatch):
    member = scene["members"][0]
    open_ = submit(client, make, scene)
    closing = submit(client, make, scene)
    unbounded = submit(client, make, scene)
    closes = db.session.get(ServiceRequest, closing["id"]).offer_expires_at
    db.session.execute(update(ServiceRequest).where(ServiceRequest.id == unbounded["id"]).values(offer_expires_at=None))
    db.session.execute(update(ServiceRequest).where(ServiceRequest.id == open_["id"])
                       .values(offer_expires_at=closes + timedelta(microseconds=1)))
    db.session.commit()
    monkeypatch.setattr("services.requests.utcnow", lambda: closes)
    ids, total = listed(client, make, member, "?awaiting_me=1")
    assert (sorted(ids), total) == (sorted([open_["id"], unbounded["id"]]), 2)
    # The same rule answers the detail.
    assert client.get(f"/api/v1/requests/{closing['id']}", headers=make.headers(member)).status_code == 404
    assert client.get(f"/api/v1/requests/{unbounded['id']}", headers=make.headers(member)).status_code == 200
    # An offer of another member shows nothing to this one.
    stranger = make.member(scene["units"]["community_a"], skills=("辅导",))
    assert listed(client, make, stranger, "?awaiting_me=1") == ([], 0)


def test_awaiting_me_leaves_out_offered_requests_whose_offer_to_me_is_closed(client, make, scene):
    member = scene["members"][0]
    created = submit(client, make, scene)
    db.session.execute(update(RequestOffer).where(RequestOffer.member_id == member.id).values(status="expired"))
    db.session.commit()
    assert listed(client, make, member, "?awaiting_me=1") == ([], 0)
    assert listed(client, make, scene["members"][1], "?awaiting_me=1") == ([created["id"]], 1)


def test_awaiting_me_needs_the_request_still_offered(client, make, scene):
    member = scene["members"][0]
    submit(client, make, scene)
    db.session.execute(update(ServiceRequest).values(status="escalated"))
    db.session.commit()
    assert listed(client, make, member, "?awaiting_me=1") == ([], 0)


def test_a_providers_account_lists_the_requests_routed_to_its_provider(client, make, scene):
    provider = ServiceProvider(org_id=scene["units"]["street"].id, name="社工站", kind="social_work_org", services=[])
    db.session.add(provider)
    db.session.commit()
    account = make.user(name="社工站账号", openid=None)
    db.session.add(ProviderAccount(provider_id=provider.id, user_id=account.id))
    db.session.commit()
    routed = add(scene, status="accepted", assigned_provider_id=provider.id)
    add(scene)
    assert listed(client, make, account) == ([routed.id], 1)
    assert client.get(f"/api/v1/requests/{routed.id}", headers=make.headers(account)).status_code == 200


def test_staff_narrow_their_queue_by_status_and_overdue_with_matching_totals(client, make, scene):
    staff = scene["staff"]
    late = add(scene, sla_due_at=utcnow() - timedelta(minutes=1))
    fine = add(scene)
    taken = add(scene, status="accepted")
    add(scene, community=scene["units"]["community_b"], sla_due_at=utcnow() - timedelta(minutes=1))
    assert listed(client, make, staff) == ([taken.id, fine.id, late.id], 3)
    assert listed(client, make, staff, "?status=accepted") == ([taken.id], 1)
    assert listed(client, make, staff, "?sla_breached=true") == ([late.id], 1)
    assert listed(client, make, staff, "?sla_breached=false") == ([taken.id, fine.id], 2)


def test_a_staff_list_reads_its_communities_in_one_statement(client, make, scene):
    from tests.conftest import executed_statements

    staff = make.staff(scene["units"]["street"])
    for community in ("community_a", "community_b"):
        for _ in range(3):
            add(scene, community=scene["units"][community])
    headers = make.headers(staff)
    db.session.expire_all()
    with executed_statements() as statements:
        response = client.get("/api/v1/requests", headers=headers)
    assert body(response)["total"] == 6
    # Two communities, one statement reading them (not one per community).
    community_reads = [s for s in statements if s.lstrip().startswith("SELECT org_units.")]
    assert len(community_reads) == 1, community_reads


def test_an_offered_member_sees_the_deciding_fields_as_staff_see_them(client, make, scene):
    member, staff = scene["members"][0], scene["staff"]
    created = submit(client, make, scene, description="厨房水龙头", preferred_time="2026-12-01T10:00:00+08:00",
                     urgency="urgent")
    post(client, make, staff, created["id"], "ask-resident", question="几点？")
    full = body(client.get(f"/api/v1/requests/{created['id']}", headers=make.headers(staff)))
    seen = body(client.get(f"/api/v1/requests/{created['id']}", headers=make.headers(member)))
    shared = (
        "id", "community_id", "building_id", "building_name", "category_id", "category_name", "title", "description",
        "preferred_time", "urgency", "status", "status_name", "offer_round", "offer_expires_at", "sla_due_at",
        "sla_breached", "sla_paused", "created_at", "updated_at",
    )
    assert {name: seen.get(name, "missing") for name in shared} == {name: full[name] for name in shared}
    assert seen["sla_paused"] is True
    assert [(h["action"], h["from_status"], h["to_status"], h["at"]) for h in seen["history"]] == [
        (h["action"], h["from_status"], h["to_status"], h["at"]) for h in full["history"]
    ]
    assert [h["action"] for h in seen["history"]] == ["submit", "offer", "ask_resident"]


@pytest.mark.parametrize("known", ["nothing", "the_request_point_only", "the_member_building_only",
                                   "the_member_building_without_position"])
def test_the_distance_is_left_out_when_either_end_is_unknown(client, make, scene, known):
    units = scene["units"]
    member = scene["members"][0]
    created = submit(client, make, scene)
    request = db.session.get(ServiceRequest, created["id"])
    if known == "the_request_point_only":
        request.lat, request.lng = CENTRE
        member.building_id = None
    elif known == "the_member_building_only":
        home = db.session.get(OrgUnit, units["building_a2"].id)
        home.lat, home.lng = CENTRE
        member.building_id = home.id
    elif known == "the_member_building_without_position":
        request.lat, request.lng = CENTRE
        member.building_id = units["building_a2"].id
    db.session.commit()
    seen = body(client.get(f"/api/v1/requests/{created['id']}", headers=make.headers(member)))
    assert seen["approximate_distance_m"] is None


def test_the_distance_runs_from_the_members_building_to_the_request(client, make, scene):
    units = scene["units"]
    member = scene["members"][0]
    home = db.session.get(OrgUnit, units["building_a2"].id)
    home.lat, home.lng = CENTRE[0] + 0.0090, CENTRE[1]
    member.building_id = home.id
    db.session.commit()
    created = submit(client, make, scene, lat=CENTRE[0], lng=CENTRE[1])
    seen = body(client.get(f"/api/v1/requests/{created['id']}", headers=make.headers(member)))
    assert seen["approximate_distance_m"] == 1000  # 1001 m


def test_offers_are_listed_in_the_order_they_were_made(client, make, scene, app, monkeypatch):
    created = submit(client, make, scene)
    offered = body(client.get(f"/api/v1/requests/{created['id']}/offers", headers=make.headers(scene["staff"])))
    ids = [o.id for o in db.session.query(RequestOffer).order_by(RequestOffer.id)]
    by_member = {o.member_id: o.id for o in db.session.query(RequestOffer)}
    assert [by_member[offer["member_id"]] for offer in offered] == ids


def test_offers_are_listed_in_the_order_they_were_made_whatever_order_the_table_returns(client, make, scene):
    created = submit(client, make, scene)
    made = [o.id for o in db.session.query(RequestOffer).order_by(RequestOffer.id)]
    with unordered_rows_reversed():
        listed_offers = requests.offers_seen_by(scene["staff"], created["id"])
    assert [offer.id for offer in listed_offers] == made


def test_an_administrator_sees_every_offer_and_may_act_as_staff(client, make, scene):
    created = submit(client, make, scene)
    admin = make.admin()
    offered = body(client.get(f"/api/v1/requests/{created['id']}/offers", headers=make.headers(admin)))
    assert len(offered) == 3
    assigned = post(client, make, admin, created["id"], "assign", member_id=scene["members"][0].id)
    assert assigned.status_code == 200


def test_the_staff_candidates_leave_out_only_those_who_declined(client, make, scene):
    declining, waiting, _ = scene["members"]
    created = submit(client, make, scene)
    post(client, make, declining, created["id"], "decline")
    db.session.execute(update(RequestOffer).where(RequestOffer.member_id == waiting.id).values(status="expired"))
    db.session.commit()
    ranked = body(client.get(f"/api/v1/requests/{created['id']}/candidates", headers=make.headers(scene["staff"])))
    assert {c["member_id"] for c in ranked} == {m.id for m in scene["members"][1:]}


def test_a_decline_of_another_request_leaves_the_member_among_the_candidates(client, make, scene):
    declining = scene["members"][0]
    declined, created = submit(client, make, scene), submit(client, make, scene)
    assert post(client, make, declining, declined["id"], "decline").status_code == 200
    ranked = body(client.get(f"/api/v1/requests/{created['id']}/candidates", headers=make.headers(scene["staff"])))
    assert {c["member_id"] for c in ranked} == {m.id for m in scene["members"]}


def test_staff_candidates_are_for_staff_in_scope_only(client, make, scene):
    created = submit(client, make, scene)
    refused = client.get(f"/api/v1/requests/{created['id']}/candidates", headers=make.headers(scene["members"][0]))
    assert (refused.status_code, body(refused)["error"]["code"]) == (403, "staff_only")
    assert requests.staff_candidates(make.admin(), created["id"])


def test_the_offers_and_the_candidates_are_capped_at_the_unpaged_limit(client, make, scene, monkeypatch):
    created = submit(client, make, scene)
    monkeypatch.setattr("services.requests.UNPAGED_LIMIT", 2)
    headers = make.headers(scene["staff"])
    offered = body(client.get(f"/api/v1/requests/{created['id']}/offers", headers=headers))
    first_two = [o.member_id for o in db.session.query(RequestOffer).order_by(RequestOffer.id).limit(2)]
    assert [offer["member_id"] for offer in offered] == first_two
    ranked = body(client.get(f"/api/v1/requests/{created['id']}/candidates", headers=headers))
    assert len(ranked) == 2


def test_awaiting_me_leaves_out_the_requests_a_member_already_took(client, make, scene):
    member = scene["members"][0]
    taken = submit(client, make, scene, title="已接的请求")
    waiting = submit(client, make, scene, title="待答复的请求")
    assert post(client, make, member, taken["id"], "accept").status_code == 200
    assert listed(client, make, member, "?awaiting_me=1") == ([waiting["id"]], 1)
    assert sorted(listed(client, make, member)[0]) == sorted([taken["id"], waiting["id"]])
