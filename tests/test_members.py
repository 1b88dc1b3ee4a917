"""报到: registration, approval within scope, one active registration, and the hours endpoint."""
from sqlalchemy import select

from extensions import db
from models.members import Registration
from models.notifications import Notification
from models.users import User
from services.ledger import confirm_entry, record_entry
from services.orgs import add_org
from tests.conftest import body

REGISTRATION = {
    "employer_unit": "市供电公司",
    "home_branch": "市供电公司第一党支部",
    "skills": ["维修", "电工"],
    "availability": [{"weekday": 5, "start": "09:00", "end": "12:00"}],
}


def _register(client, headers, community, building=None, **extra):
    payload = dict(REGISTRATION, community_id=community.id, **extra)
    if building is not None:
        payload["building_id"] = building.id
    return client.post("/api/v1/members/registrations", json=payload, headers=headers)


def test_registration_starts_pending(client, make):
    units = make.tree()
    response = _register(client, make.headers(make.resident()), units["community_a"], units["building_a1"])
    assert response.status_code == 201
    assert body(response)["status"] == "pending"
    assert body(response)["building_id"] == units["building_a1"].id


def test_second_pending_registration_gets_409(client, make):
    units = make.tree()
    headers = make.headers(make.resident())
    assert _register(client, headers, units["community_a"]).status_code == 201
    second = _register(client, headers, units["community_b"])
    assert second.status_code == 409
    assert body(second)["error"]["code"] == "registration_pending"


def test_building_of_another_community_is_422(client, make):
    units = make.tree()
    response = _register(client, make.headers(make.resident()), units["community_a"], units["building_b1"])
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "building_not_in_community"


def test_bad_availability_and_long_fields_are_rejected(client, make):
    units = make.tree()
    headers = make.headers(make.resident())
    bad_window = _register(
        client, headers, units["community_a"], availability=[{"weekday": 7, "start": "09:00", "end": "08:00"}]
    )
    assert bad_window.status_code == 422
    too_long = _register(client, headers, units["community_a"], employer_unit="长" * 101)
    assert too_long.status_code == 422
    assert "employer_unit" in body(too_long)["error"]["fields"]


def test_approval_makes_a_member_and_notifies(client, make):
    units = make.tree()
    user = make.resident()
    registration = body(_register(client, make.headers(user), units["community_a"], units["building_a2"]))
    staff = make.staff(units["community_a"])
    response = client.post(
        f"/api/v1/members/registrations/{registration['id']}/approve", json={}, headers=make.headers(staff)
    )
    assert response.status_code == 200, body(response)
    assert body(response)["status"] == "approved"
    me = body(client.get("/api/v1/me", headers=make.headers(user)))
    assert "member" in me["roles"]
    assert me["community_id"] == units["community_a"].id
    assert me["building_id"] == units["building_a2"].id
    assert set(me["skills"]) >= {"维修", "电工"}
    events = db.session.execute(select(Notification.event).where(Notification.user_id == user.id)).scalars().all()
    assert events == ["registration_approved"]


def test_second_approval_gets_409(client, make):
    units = make.tree()
    registration = body(_register(client, make.headers(make.resident()), units["community_a"]))
    headers = make.headers(make.staff(units["community_a"]))
    url = f"/api/v1/members/registrations/{registration['id']}/approve"
    assert client.post(url, json={}, headers=headers).status_code == 200
    again = client.post(url, json={}, headers=headers)
    assert again.status_code == 409
    assert body(again)["error"]["code"] == "registration_not_pending"


def test_rejection_needs_a_reason_and_notifies(client, make):
    units = make.tree()
    user = make.resident()
    registration = body(_register(client, make.headers(user), units["community_a"]))
    headers = make.headers(make.staff(units["community_a"]))
    url = f"/api/v1/members/registrations/{registration['id']}/reject"
    assert client.post(url, json={}, headers=headers).status_code == 422
    response = client.post(url, json={"reason": "单位信息有误"}, headers=headers)
    assert body(response)["status"] == "rejected"
    assert body(response)["reason"] == "单位信息有误"
    notification = db.session.execute(select(Notification).where(Notification.user_id == user.id)).scalar_one()
    assert notification.event == "registration_rejected"
    assert "member" not in body(client.get("/api/v1/me", headers=make.headers(user)))["roles"]


def test_staff_of_another_community_get_404(client, make):
    units = make.tree()
    registration = body(_register(client, make.headers(make.resident()), units["community_a"]))
    headers = make.headers(make.staff(units["community_b"]))
    for action in ("approve", "reject"):
        response = client.post(
            f"/api/v1/members/registrations/{registration['id']}/{action}",
            json={"reason": "不属于本社区"},
            headers=headers,
        )
        assert response.status_code == 404
        assert body(response)["error"]["code"] == "registration_not_found"
    listed = body(client.get("/api/v1/members/registrations", headers=headers))
    assert listed["total"] == 0


def test_listing_is_scoped_and_filtered(client, make):
    units = make.tree()
    for community in ("community_a", "community_a", "community_b"):
        _register(client, make.headers(make.resident()), units[community])
    headers = make.headers(make.staff(units["community_a"]))
    listed = body(client.get("/api/v1/members/registrations?status=pending", headers=headers))
    assert listed["total"] == 2
    assert {item["community_id"] for item in listed["items"]} == {units["community_a"].id}
    assert all(item["user"]["name"] for item in listed["items"])
    assert body(client.get("/api/v1/members/registrations?status=approved", headers=headers))["total"] == 0
    street = body(client.get("/api/v1/members/registrations", headers=make.headers(make.staff(units["street"]))))
    assert street["total"] == 3


def test_residents_cannot_list_registrations(client, make):
    make.tree()
    response = client.get("/api/v1/members/registrations", headers=make.headers(make.resident()))
    assert response.status_code == 403


def test_registering_elsewhere_ends_the_old_registration_on_approval(client, make):
    units = make.tree()
    member = make.member(units["community_a"], units["building_a1"])
    headers = make.headers(member)
    new = body(_register(client, headers, units["community_b"], units["building_b1"]))
    old = db.session.execute(
        select(Registration).where(Registration.user_id == member.id, Registration.status == "approved")
    ).scalar_one()
    assert old.community_id == units["community_a"].id
    approve = client.post(
        f"/api/v1/members/registrations/{new['id']}/approve",
        json={},
        headers=make.headers(make.staff(units["community_b"])),
    )
    assert approve.status_code == 200
    db.session.expire_all()
    statuses = dict(
        db.session.execute(
            select(Registration.community_id, Registration.status).where(Registration.user_id == member.id)
        ).all()
    )
    assert statuses == {units["community_a"].id: "ended", units["community_b"].id: "approved"}
    assert db.session.get(User, member.id).community_id == units["community_b"].id


def test_own_registrations_are_listed_with_mine(client, make):
    units = make.tree()
    headers = make.headers(make.resident())
    _register(client, headers, units["community_a"])
    listed = body(client.get("/api/v1/members/registrations?mine=1", headers=headers))
    assert listed["total"] == 1 and listed["items"][0]["status"] == "pending"


def test_hours_are_computed_from_the_ledger(client, make):
    units = make.tree()
    member = make.member(units["community_a"])
    staff = make.staff(units["community_a"])
    confirm_entry(staff, record_entry(member.id, units["community_a"].id, "checkin", 1, 65))
    record_entry(member.id, units["community_a"].id, "checkin", 2, 20)
    db.session.commit()
    hours = body(client.get("/api/v1/members/me/hours", headers=make.headers(member)))
    assert hours["confirmed_minutes"] == 65
    assert hours["pending_minutes"] == 20
    assert hours["points"] == 2
    assert len(hours["entries"]) == 2
    assert {entry["status"] for entry in hours["entries"]} == {"confirmed", "pending"}


def test_functional_branch_must_belong_to_the_community(client, make):
    units = make.tree()
    from_a = add_org("社区A合唱团功能型党支部", "functional_branch", units["community_a"])
    db.session.commit()
    headers = make.headers(make.resident())
    refused = _register(client, headers, units["community_b"], functional_branch_id=from_a.id)
    assert refused.status_code == 422
    assert body(refused)["error"]["code"] == "functional_branch_not_in_community"
    accepted = _register(client, headers, units["community_a"], functional_branch_id=from_a.id)
    assert body(accepted)["functional_branch_id"] == from_a.id
