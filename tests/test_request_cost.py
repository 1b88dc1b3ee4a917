"""The fixed cost of an authenticated request, and listings whose statements do not grow with their rows."""
import itertools
from datetime import timedelta

import pytest

from extensions import db
from models.base import utcnow
from models.ledger import HourEntry
from models.notifications import Notification
from models.orgs import OrgUnit
from models.requests import RequestOffer, ServiceRequest
from services.orgs import add_org
from tests.conftest import body, executed_statements

_source_ids = itertools.count(1)


def _statements(client, path, headers):
    db.session.expire_all()
    with executed_statements() as statements:
        answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return statements, body(answer)


def _requests(scene, count, assignee=None):
    """`count` requests of the scene's resident, each in a community of its own under the street."""
    now = utcnow()
    for n in range(count):
        community = add_org(f"加测社区{next(_source_ids)}", "community_general_branch", scene["units"]["street"])
        db.session.add(ServiceRequest(
            resident_id=scene["resident"].id, community_id=community.id, category_id=scene["category"].id,
            title=f"求助{n}", status="accepted" if assignee else "submitted", created_at=now, updated_at=now,
            sla_due_at=now + timedelta(hours=2), assignee_id=assignee.id if assignee else None,
        ))
    db.session.commit()


def _offered_in_buildings(ids, count):
    """`count` requests on offer to the member, each in a building of its own (with a position) of the community."""
    now = utcnow()
    community = db.session.get(OrgUnit, ids["community"])
    for n in range(count):
        building = add_org(f"加测楼{next(_source_ids)}", "building_branch", community, lat=30.0 + n / 1000, lng=120.0)
        request = ServiceRequest(
            resident_id=ids["resident"], community_id=community.id, building_id=building.id,
            category_id=ids["category"], title=f"求助{n}", status="offered", offer_round=1,
            offer_expires_at=now + timedelta(minutes=30), created_at=now, updated_at=now,
            sla_due_at=now + timedelta(hours=2),
        )
        db.session.add(request)
        db.session.flush()
        db.session.add(RequestOffer(request_id=request.id, member_id=ids["member"], round=1, status="open", score=1.0,
                                    reasons=[]))
    db.session.commit()


def _notifications(user, count):
    for n in range(count):
        db.session.add(Notification(user_id=user.id, event="request_accepted", title=f"通知{n}", status="sent"))
    db.session.commit()


def _hours(member, org, confirmer, count):
    for _ in range(count):
        db.session.add(HourEntry(
            member_id=member.id, org_id=org.id, source="visit", source_id=next(_source_ids), minutes=30,
            status="confirmed", confirmed_at=utcnow(), confirmed_by_id=confirmer.id,
        ))
    db.session.commit()


def _growth(client, headers, path, fill):
    """Statements of `path` with two rows, then with six."""
    fill(2)
    few, _ = _statements(client, path, headers)
    fill(4)
    many, answer = _statements(client, path, headers)
    return len(few), len(many), answer


def test_authentication_reads_the_token_its_user_the_staff_scopes_and_the_provider_in_one_statement(
    client, make, scene
):
    units = scene["units"]
    staff = make.staff(units["community_a"])
    make.grant(staff, units["community_b"], role="secretary")
    statements, me = _statements(client, "/api/v1/me", make.headers(staff))
    assert {scope["org_id"] for scope in me["scopes"]} == {units["community_a"].id, units["community_b"].id}
    assert [s for s in statements if "auth_tokens" in s] == statements[:1]
    assert not any(s.lstrip().startswith("SELECT staff_scopes") for s in statements)
    assert [s for s in statements if "provider_accounts" in s] == statements[:1]


@pytest.mark.parametrize("who", ["resident", "member", "staff"])
def test_me_answers_in_a_fixed_number_of_statements(client, make, scene, who):
    user = {"resident": scene["resident"], "member": scene["members"][0], "staff": scene["staff"]}[who]
    statements, _ = _statements(client, "/api/v1/me", make.headers(user))
    assert len(statements) <= 4


def test_staff_request_list_statements_do_not_grow_with_its_requests_or_their_communities(client, make, scene):
    """A street secretary's queue: the listed requests' communities are read in one statement, not one each."""
    secretary = make.staff(scene["units"]["street"], role="secretary")
    few, many, page = _growth(client, make.headers(secretary), "/api/v1/requests?per_page=100",
                              lambda count: _requests(scene, count))
    assert page["total"] == 6 and all("resident_name" in item for item in page["items"])  # the full view: in scope
    assert many == few <= 6


@pytest.mark.parametrize("who", ["resident", "member"])
def test_own_request_list_statements_do_not_grow_with_its_requests(client, make, scene, who):
    """The resident who asked and the member who took them."""
    member = scene["members"][0]
    caller = scene["resident"] if who == "resident" else member
    few, many, page = _growth(client, make.headers(caller), "/api/v1/requests?per_page=100",
                              lambda count: _requests(scene, count, assignee=member))
    assert page["total"] == 6
    assert many == few <= 5


def test_offered_member_list_statements_do_not_grow_with_the_requests_buildings(client, make, scene):
    """An offered member's view gives each request's distance from the member's home: the home is read once,
    not once per listed request (the session holds its objects weakly, so a home nobody keeps is read again)."""
    member, units = scene["members"][0], scene["units"]
    units["building_a1"].lat, units["building_a1"].lng = 30.0, 120.0
    headers = make.headers(member)
    ids = {"member": member.id, "community": units["community_a"].id, "resident": scene["resident"].id,
           "category": scene["category"].id}
    db.session.commit()
    db.session.expunge_all()  # no object of the test keeps the member's home in the session
    few, many, page = _growth(client, headers, "/api/v1/requests?per_page=100",
                              lambda count: _offered_in_buildings(ids, count))
    assert page["total"] == 6
    assert all(item["approximate_distance_m"] is not None and "resident_name" not in item for item in page["items"])
    assert many == few <= 6  # the own list's five and the member's home


def test_inbox_statements_do_not_grow_with_its_notifications(client, make, scene):
    user = scene["resident"]
    few, many, page = _growth(client, make.headers(user), "/api/v1/notifications?per_page=100",
                              lambda count: _notifications(user, count))
    assert page["total"] == 6
    assert many == few <= 4


def test_member_hours_statements_do_not_grow_with_the_entries(client, make, scene):
    member = scene["members"][0]
    few, many, hours = _growth(client, make.headers(member), "/api/v1/members/me/hours",
                               lambda count: _hours(member, scene["units"]["community_a"], scene["staff"], count))
    assert len(hours["entries"]) == 6 and hours["confirmed_minutes"] == 180
    assert many == few <= 5
