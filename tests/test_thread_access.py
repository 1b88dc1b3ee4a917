"""Every thread endpoint is for the thread's two parties: anyone else gets 404 and changes nothing.

Outsiders: a stranger from another community, a neighbour served by the same member, another
member of the community, and the community's staff. Each of them calls every endpoint under
/threads/{id}; afterwards the thread looks exactly as before to both parties.
"""
import pytest
from sqlalchemy import func, select

from extensions import db
from models.contacts import ContactMessage, ContactReport, PhoneReveal
from models.notifications import Notification
from tests.conftest import body

OUTSIDERS = ("stranger", "neighbour", "other_member", "staff")


@pytest.fixture
def conversation(client, make, contact_scene):
    """The resident wrote, the member answered: one unread message on each side."""
    headers = contact_scene.headers
    neighbour = make.resident(contact_scene.tree["community_a"], contact_scene.tree["building_a1"], name="邻居")
    headers["neighbour"] = make.headers(neighbour)
    opened = client.post(
        f"/api/v1/contacts/{contact_scene.member.id}/messages", json={"text": "您好，楼道灯坏了"},
        headers=headers["resident"],
    )
    assert opened.status_code == 201
    thread_id = body(opened)["thread_id"]
    answer = client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": "马上来"}, headers=headers["member"])
    assert answer.status_code == 201
    return contact_scene, thread_id, body(answer)["id"]


def _calls(thread_id, message_id):
    base = f"/api/v1/threads/{thread_id}"
    return [
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"text": "插话"}),
        ("POST", f"{base}/read", None),
        ("POST", f"{base}/block", None),
        ("POST", f"{base}/unblock", None),
        ("POST", f"{base}/reveal-phone", None),
        ("POST", f"{base}/messages/{message_id}/report", {"reason": "骚扰"}),
    ]


def _card(client, headers, thread_id) -> dict:
    cards = body(client.get("/api/v1/threads", headers=headers))["items"]
    return next(card for card in cards if card["id"] == thread_id)


def _state(client, scene, thread_id) -> dict:
    """What either party sees of the thread, and what it left in the database."""
    db.session.expire_all()
    return {
        "resident_card": _card(client, scene.headers["resident"], thread_id),
        "member_card": _card(client, scene.headers["member"], thread_id),
        "messages": db.session.execute(
            select(ContactMessage.id, ContactMessage.text, ContactMessage.read_at).order_by(ContactMessage.id)
        ).all(),
        "notifications": db.session.scalar(select(func.count(Notification.id))),
        "reveals": db.session.scalar(select(func.count(PhoneReveal.id))),
        "reports": db.session.scalar(select(func.count(ContactReport.id))),
    }


def _assert_outsiders_get_404(client, scene, thread_id, message_id):
    for who in OUTSIDERS:
        for method, url, payload in _calls(thread_id, message_id):
            response = client.open(url, method=method, json=payload, headers=scene.headers[who])
            assert response.status_code == 404, (who, method, url, response.get_data(as_text=True))
            assert body(response)["error"]["code"] == "thread_not_found", (who, url)


def test_outsiders_get_404_on_every_thread_endpoint_and_change_nothing(client, conversation):
    scene, thread_id, answer_id = conversation
    before = _state(client, scene, thread_id)
    assert before["resident_card"]["unread_count"] == 1
    assert before["member_card"]["unread_count"] == 1
    _assert_outsiders_get_404(client, scene, thread_id, answer_id)
    assert _state(client, scene, thread_id) == before


def test_outsiders_cannot_unblock_a_blocked_thread(client, conversation):
    scene, thread_id, answer_id = conversation
    assert client.post(f"/api/v1/threads/{thread_id}/block", headers=scene.headers["member"]).status_code == 200
    before = _state(client, scene, thread_id)
    assert before["member_card"]["blocked"] is True
    _assert_outsiders_get_404(client, scene, thread_id, answer_id)
    assert _state(client, scene, thread_id) == before


def test_outsiders_see_no_thread_in_their_list(client, conversation):
    scene, _thread_id, _answer_id = conversation
    for who in OUTSIDERS:
        listed = body(client.get("/api/v1/threads", headers=scene.headers[who]))
        assert (listed["total"], listed["items"]) == (0, []), who


def test_the_parties_reach_the_same_endpoints(client, conversation):
    """The control: the parties get through, so the 404s above are the participant check."""
    scene, thread_id, answer_id = conversation
    base = f"/api/v1/threads/{thread_id}"
    assert client.post(f"{base}/read", headers=scene.headers["member"]).status_code == 200
    assert _card(client, scene.headers["member"], thread_id)["unread_count"] == 0
    assert _card(client, scene.headers["resident"], thread_id)["unread_count"] == 1
    report = client.post(f"{base}/messages/{answer_id}/report", json={"reason": "骚扰"},
                         headers=scene.headers["resident"])
    assert report.status_code == 201
