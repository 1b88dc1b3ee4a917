"""Where a person lives: a home they set themselves opens no contact list until staff confirm it."""
from datetime import timedelta

from extensions import db
from models.users import User
from tests.conftest import body


def patch_home(client, make, user, **home):
    return client.patch("/api/v1/me", json=home, headers=make.headers(user))


def test_a_home_set_through_patch_me_opens_no_contact_list_until_staff_confirm(client, make, contact_scene):
    tree = contact_scene.tree
    newcomer = make.user()
    moved = patch_home(client, make, newcomer, community_id=tree["community_a"].id, building_id=tree["building_a1"].id)
    assert moved.status_code == 200
    assert body(moved)["home_confirmed"] is False
    response = client.get("/api/v1/contacts", headers=make.headers(newcomer))
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "home_unconfirmed"
    written = client.post(f"/api/v1/contacts/{contact_scene.member.id}/messages", json={"text": "你好"},
                          headers=make.headers(newcomer))
    assert written.status_code == 403

    stranger_staff = make.staff(tree["community_b"])
    url = f"/api/v1/residents/{newcomer.id}/confirm-home"
    assert client.post(url, headers=make.headers(stranger_staff)).status_code == 404
    assert client.post(url, headers=make.headers(contact_scene.resident)).status_code == 404
    confirmed = client.post(url, headers=contact_scene.headers["staff"])
    assert confirmed.status_code == 200
    assert body(confirmed)["user_id"] == newcomer.id
    listed = body(client.get("/api/v1/contacts", headers=make.headers(newcomer)))
    assert [card["member_id"] for card in listed["items"]] == [contact_scene.member.id]


def test_moving_home_makes_it_unconfirmed_again(client, make, contact_scene):
    tree = contact_scene.tree
    resident = contact_scene.resident
    assert client.get("/api/v1/contacts", headers=contact_scene.headers["resident"]).status_code == 200
    assert patch_home(client, make, resident, community_id=tree["community_b"].id).status_code == 200
    assert db.session.get(User, resident.id).home_confirmed_at is None
    assert client.get("/api/v1/contacts", headers=contact_scene.headers["resident"]).status_code == 403
    # Changing only the name keeps the confirmation of an unchanged home.
    confirmed = client.post(
        f"/api/v1/residents/{resident.id}/confirm-home", headers=make.headers(make.staff(tree["community_b"]))
    )
    assert confirmed.status_code == 200
    assert body(patch_home(client, make, resident, name="新名字"))["home_confirmed"] is True


def test_home_moves_at_most_once_per_interval(client, make, contact_scene, app):
    tree = contact_scene.tree
    person = make.user()
    assert patch_home(client, make, person, community_id=tree["community_a"].id).status_code == 200
    again = patch_home(client, make, person, community_id=tree["community_b"].id)
    assert again.status_code == 429
    assert body(again)["error"]["code"] == "home_change_too_soon"
    days = app.config["HOME_CHANGE_INTERVAL_DAYS"]
    assert days * 86400 - 60 <= int(again.headers["Retry-After"]) <= days * 86400
    assert db.session.get(User, person.id).community_id == tree["community_a"].id
    stored = db.session.get(User, person.id)
    stored.home_changed_at -= timedelta(days=days)
    db.session.commit()
    assert patch_home(client, make, person, community_id=tree["community_b"].id).status_code == 200


def test_approved_registration_confirms_the_home(client, make, contact_scene):
    tree = contact_scene.tree
    person = make.user()
    payload = {"community_id": tree["community_a"].id, "building_id": tree["building_a2"].id, "employer_unit": "单位",
               "home_branch": "单位支部", "skills": ["维修"], "availability": []}
    registration = body(client.post("/api/v1/members/registrations", json=payload, headers=make.headers(person)))
    approved = client.post(f"/api/v1/members/registrations/{registration['id']}/approve", json={},
                           headers=contact_scene.headers["staff"])
    assert approved.status_code == 200
    assert body(client.get("/api/v1/me", headers=make.headers(person)))["home_confirmed"] is True
    assert client.get("/api/v1/contacts", headers=make.headers(person)).status_code == 200


def test_served_residents_are_only_those_with_a_confirmed_home(client, make, contact_scene):
    tree = contact_scene.tree
    claimant = make.user(name="自称住户")
    assert patch_home(client, make, claimant, community_id=tree["community_a"].id,
                      building_id=tree["building_a1"].id).status_code == 200
    served = body(client.get("/api/v1/contacts/served", headers=contact_scene.headers["member"]))
    names = {r["name"] for building in served["buildings"] for r in building["residents"]}
    assert contact_scene.resident.name in names and "自称住户" not in names
