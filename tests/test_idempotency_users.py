"""An Idempotency-Key belongs to its user: the same key from two users makes two resources.

Keyed on (endpoint, key) alone, the second user would be handed the first user's answer (and
see someone else's request, check-in or message). Each test sends one key from two users to
one endpoint, then repeats both calls: each user replays their own first answer only.
"""
from sqlalchemy import func, select

from extensions import db
from models.checkins import CheckIn
from models.contacts import ContactMessage
from models.members import Registration
from models.requests import ServiceRequest
from services.stations import qr_token
from tests.conftest import body
from tests.fixtures.members import CENTRE

KEY = "same-key-1"


def _with_key(headers: dict) -> dict:
    return {**headers, "Idempotency-Key": KEY}


def _twice_each(send, users) -> dict:
    """Each user sends twice with the shared key; their first answer's body, per user."""
    firsts = {}
    for user in users:
        first = send(user)
        assert first.status_code == 201, first.get_data(as_text=True)
        firsts[user] = body(first)
    for user in users:
        again = send(user)
        assert again.status_code == 201
        assert body(again) == firsts[user], user
    assert len({answer["id"] for answer in firsts.values()}) == len(users)
    return firsts


def test_same_key_from_two_residents_creates_two_requests(client, make, contact_scene, category):
    headers = contact_scene.headers
    payload = {"category_id": category.id, "title": "水龙头漏水", "description": "厨房水龙头一直滴水"}
    firsts = _twice_each(
        lambda who: client.post("/api/v1/requests", json=payload, headers=_with_key(headers[who])),
        ("resident", "stranger"),
    )
    owners = dict(db.session.execute(select(ServiceRequest.id, ServiceRequest.resident_id)).all())
    assert owners == {
        firsts["resident"]["id"]: contact_scene.resident.id,
        firsts["stranger"]["id"]: contact_scene.stranger.id,
    }


def test_same_key_from_two_members_creates_two_checkins(client, make, make_station, contact_scene):
    station = make_station(contact_scene.tree["community_a"])
    headers = contact_scene.headers

    def check_in(who):
        payload = {"station_id": station.id, "qr_token": qr_token(station).token, "lat": CENTRE[0], "lng": CENTRE[1]}
        return client.post("/api/v1/checkins", json=payload, headers=_with_key(headers[who]))

    firsts = _twice_each(check_in, ("member", "other_member"))
    owners = dict(db.session.execute(select(CheckIn.id, CheckIn.member_id)).all())
    assert owners == {
        firsts["member"]["id"]: contact_scene.member.id,
        firsts["other_member"]["id"]: contact_scene.other_member.id,
    }


def test_same_key_from_two_residents_opens_two_threads(client, make, contact_scene):
    neighbour = make.resident(contact_scene.tree["community_a"], contact_scene.tree["building_a1"], name="邻居")
    headers = {"resident": contact_scene.headers["resident"], "neighbour": make.headers(neighbour)}
    firsts = _twice_each(
        lambda who: client.post(
            f"/api/v1/contacts/{contact_scene.member.id}/messages", json={"text": "您好"},
            headers=_with_key(headers[who]),
        ),
        ("resident", "neighbour"),
    )
    assert firsts["resident"]["thread_id"] != firsts["neighbour"]["thread_id"]
    senders = dict(db.session.execute(select(ContactMessage.id, ContactMessage.sender_id)).all())
    assert senders == {firsts["resident"]["id"]: contact_scene.resident.id, firsts["neighbour"]["id"]: neighbour.id}


def test_same_key_from_both_parties_of_a_thread_posts_two_messages(client, contact_scene):
    headers = contact_scene.headers
    opened = client.post(
        f"/api/v1/contacts/{contact_scene.member.id}/messages", json={"text": "您好"}, headers=headers["resident"]
    )
    thread_id = body(opened)["thread_id"]
    firsts = _twice_each(
        lambda who: client.post(
            f"/api/v1/threads/{thread_id}/messages", json={"text": "好的"}, headers=_with_key(headers[who])
        ),
        ("resident", "member"),
    )
    assert firsts["resident"]["sender_id"] == contact_scene.resident.id
    assert firsts["member"]["sender_id"] == contact_scene.member.id
    assert db.session.scalar(select(func.count(ContactMessage.id))) == 3


def test_same_key_from_two_users_files_two_registrations(client, make, contact_scene):
    community = contact_scene.tree["community_b"]
    applicants = {"first": make.resident(community), "second": make.resident(community)}
    payload = {"community_id": community.id, "employer_unit": "市供电公司", "home_branch": "第一党支部",
               "skills": ["维修"], "availability": []}
    firsts = _twice_each(
        lambda who: client.post(
            "/api/v1/members/registrations", json=payload, headers=_with_key(make.headers(applicants[who]))
        ),
        ("first", "second"),
    )
    for who, user in applicants.items():
        assert db.session.get(Registration, firsts[who]["id"]).user_id == user.id
