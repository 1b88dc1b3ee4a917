"""举报处理: staff in scope decide each reported message once; the reporter hears only the outcome."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests as http
from sqlalchemy import select

from extensions import db
from models.contacts import ContactReport
from models.notifications import Notification
from schemas.common import MAX_ID
from tests.conftest import body

REPORTED_TEXT = "你再投诉试试看"
NOTE = "已核实，约谈该党员"


def _reported(client, scene, text=REPORTED_TEXT, reason="言语威胁") -> dict:
    """The member's message in the resident's thread, reported by the resident."""
    sent = client.post(
        f"/api/v1/contacts/{scene.member.id}/messages", json={"text": "楼道灯坏了"}, headers=scene.headers["resident"]
    )
    thread_id = body(sent)["thread_id"]
    reply = body(client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"text": text}, headers=scene.headers["member"]
    ))
    reported = client.post(
        f"/api/v1/threads/{thread_id}/messages/{reply['id']}/report", json={"reason": reason},
        headers=scene.headers["resident"],
    )
    assert reported.status_code == 201
    return body(reported)


def _resolve(client, report_id, headers, outcome="upheld", note=NOTE):
    return client.post(
        f"/api/v1/contacts/reports/{report_id}/resolve", json={"outcome": outcome, "note": note}, headers=headers
    )


def test_a_new_report_is_open_and_unhandled(client, contact_scene):
    report = _reported(client, contact_scene)
    assert (report["status"], report["handled_by"], report["handled_at"], report["note"]) == ("open", None, None, None)


def test_staff_uphold_a_report_and_the_reporter_hears_only_the_outcome(client, contact_scene):
    report = _reported(client, contact_scene)
    response = _resolve(client, report["id"], contact_scene.headers["staff"])
    assert response.status_code == 200
    handled = body(response)
    assert handled["status"] == "upheld"
    assert handled["handled_by"] == {"id": contact_scene.staff.id, "name": contact_scene.staff.name}
    assert handled["handled_at"] is not None
    assert handled["note"] == NOTE
    [told] = db.session.execute(
        select(Notification).where(Notification.event == "contact_report_handled")
    ).scalars().all()
    assert told.user_id == contact_scene.resident.id
    assert told.page == f"pages/threads/detail?id={report['thread_id']}"
    assert told.data["outcome"] == "upheld"
    said = f"{told.title} {told.body} {told.data}"
    assert "成立" in told.body
    assert REPORTED_TEXT not in said and NOTE not in said


def test_dismissing_tells_the_reporter_it_was_not_upheld(client, contact_scene):
    report = _reported(client, contact_scene)
    assert body(_resolve(client, report["id"], contact_scene.headers["staff"], outcome="dismissed"))["status"] == (
        "dismissed"
    )
    told = db.session.execute(
        select(Notification).where(Notification.event == "contact_report_handled")
    ).scalar_one()
    assert "不成立" in told.body and told.data["outcome"] == "dismissed"


def test_a_handled_report_answers_409_report_handled(client, contact_scene):
    report = _reported(client, contact_scene)
    assert _resolve(client, report["id"], contact_scene.headers["staff"]).status_code == 200
    again = _resolve(client, report["id"], contact_scene.headers["staff"], outcome="dismissed", note="改判")
    assert again.status_code == 409
    assert body(again)["error"]["code"] == "report_handled"
    db.session.expire_all()
    stored = db.session.get(ContactReport, report["id"])
    assert (stored.status, stored.handling_note) == ("upheld", NOTE)


def test_another_communitys_report_answers_404_like_a_missing_one(client, make, contact_scene):
    report = _reported(client, contact_scene)
    headers = make.headers(make.staff(contact_scene.tree["community_b"], role="secretary"))
    hidden = _resolve(client, report["id"], headers)
    missing = _resolve(client, MAX_ID, headers)
    assert hidden.status_code == missing.status_code == 404
    assert body(hidden)["error"]["code"] == body(missing)["error"]["code"] == "report_not_found"
    db.session.expire_all()
    assert db.session.get(ContactReport, report["id"]).status == "open"


def test_street_staff_reach_the_reports_of_their_communities(client, make, contact_scene):
    report = _reported(client, contact_scene)
    street = make.staff(contact_scene.tree["street"])
    assert _resolve(client, report["id"], make.headers(street), outcome="dismissed").status_code == 200


@pytest.mark.parametrize("who", ["resident", "member"])
def test_residents_and_members_cannot_resolve_reports(client, contact_scene, who):
    report = _reported(client, contact_scene)
    response = _resolve(client, report["id"], contact_scene.headers[who])
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "staff_only"


@pytest.mark.parametrize("payload", [
    {"outcome": "upheld"},
    {"outcome": "upheld", "note": "   "},
    {"outcome": "upheld", "note": "长" * 201},
    {"outcome": "open", "note": NOTE},
    {"outcome": "deleted", "note": NOTE},
    {"note": NOTE},
])
def test_resolving_needs_an_outcome_and_a_note(client, contact_scene, payload):
    report = _reported(client, contact_scene)
    response = client.post(
        f"/api/v1/contacts/reports/{report['id']}/resolve", json=payload, headers=contact_scene.headers["staff"]
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(ContactReport, report["id"]).status == "open"


def test_report_list_filters_by_status_and_lists_open_ones_first(client, contact_scene):
    first = _reported(client, contact_scene, text="第一条")
    thread_id = first["thread_id"]
    second_message = body(client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"text": "第二条"}, headers=contact_scene.headers["member"]
    ))
    second = body(client.post(
        f"/api/v1/threads/{thread_id}/messages/{second_message['id']}/report", json={"reason": "骚扰"},
        headers=contact_scene.headers["resident"],
    ))
    headers = contact_scene.headers["staff"]
    # The newer report is decided: the older, still open one comes first.
    assert _resolve(client, second["id"], headers, outcome="dismissed").status_code == 200

    def listed(query=""):
        response = client.get(f"/api/v1/contacts/reports{query}", headers=headers)
        assert response.status_code == 200
        return [(item["id"], item["status"]) for item in body(response)["items"]]

    assert listed() == [(first["id"], "open"), (second["id"], "dismissed")]
    assert listed("?status=open") == [(first["id"], "open")]
    assert listed("?status=dismissed") == [(second["id"], "dismissed")]
    assert listed("?status=upheld") == []
    assert client.get("/api/v1/contacts/reports?status=closed", headers=headers).status_code == 422


def test_two_staff_resolving_one_report_at_once_one_wins(live_server, client, make, contact_scene):
    report = _reported(client, contact_scene)
    colleague = make.staff(contact_scene.tree["community_a"], role="secretary")
    headers = [contact_scene.headers["staff"], make.headers(colleague)]
    outcomes = ["upheld", "dismissed"]
    start = threading.Barrier(len(headers))

    def press(index):
        start.wait()
        return http.post(
            f"{live_server}/api/v1/contacts/reports/{report['id']}/resolve",
            json={"outcome": outcomes[index], "note": f"处理人 {index}"}, headers=headers[index], timeout=60,
        )

    with ThreadPoolExecutor(len(headers)) as pool:
        answers = list(pool.map(press, range(len(headers))))
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    lost = next(answer for answer in answers if answer.status_code == 409)
    assert lost.json()["error"]["code"] == "report_handled"
    won = next(answer.json() for answer in answers if answer.status_code == 200)
    db.session.expire_all()
    stored = db.session.get(ContactReport, report["id"])
    assert (stored.status, stored.handling_note, stored.handled_by_id) == (
        won["status"], won["note"], won["handled_by"]["id"]
    )
    told = db.session.execute(
        select(Notification).where(Notification.event == "contact_report_handled")
    ).scalars().all()
    assert len(told) == 1 and told[0].data["outcome"] == won["status"]
