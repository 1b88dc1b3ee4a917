"""文化惠民服务: publishing, sign-ups under load, the waiting list, QR check-in, helpers' hours, reminders."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests as http
from sqlalchemy import func, select, update

from extensions import db
from jobs.activities import remind_upcoming_activities
from models.activities import Activity, ActivitySignup
from models.base import utcnow
from models.ledger import HourEntry
from models.notifications import Notification
from services import activities
from tests.conftest import body
from tests.fixtures.members import CENTRE


@pytest.fixture
def scene(make):
    units = make.tree()
    return {
        "units": units,
        "staff": make.staff(units["community_a"], role="secretary"),
        "resident": make.resident(units["community_a"], units["building_a1"]),
        "member": make.member(units["community_a"], units["building_a2"]),
        "outsider": make.resident(units["community_b"], units["building_b1"]),
    }


def _payload(org, capacity=10, starts_in=timedelta(days=1), hours=2, **extra):
    starts = utcnow() + starts_in
    return {
        "title": "广场舞展演", "level": "square", "org_id": org.id, "audience": "全体居民",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=hours)).isoformat(),
        "capacity": capacity, "address": "幸福广场", "lat": CENTRE[0], "lng": CENTRE[1], **extra,
    }


def _publish(client, make, scene, **fields) -> dict:
    response = client.post("/api/v1/activities", json=_payload(scene["units"]["community_a"], **fields),
                           headers=make.headers(scene["staff"]))
    assert response.status_code == 201, response.get_json()
    return body(response)


def _code(response):
    return body(response)["error"]["code"]


def _move(activity_id, **values):
    """Put the activity's times where a test needs them (its constraints still hold)."""
    db.session.execute(update(Activity).where(Activity.id == activity_id).values(**values))
    db.session.commit()


# --- publishing and reading ---------------------------------------------------------------


def test_staff_publish_an_activity_and_its_community_reads_it(client, make, scene):
    activity = _publish(client, make, scene)
    assert (activity["level"], activity["level_name"], activity["confirmed_count"]) == ("square", "广场", 0)
    for person in ("resident", "member"):
        response = client.get(f"/api/v1/activities/{activity['id']}", headers=make.headers(scene[person]))
        assert response.status_code == 200
        assert body(response)["my_signup"] is None
    listed = body(client.get("/api/v1/activities", headers=make.headers(scene["resident"])))
    assert [item["id"] for item in listed["items"]] == [activity["id"]]


def test_another_communitys_resident_sees_no_activity(client, make, scene):
    activity = _publish(client, make, scene)
    headers = make.headers(scene["outsider"])
    missing = client.get("/api/v1/activities/2147483647", headers=headers)
    hidden = client.get(f"/api/v1/activities/{activity['id']}", headers=headers)
    assert (hidden.status_code, _code(hidden)) == (missing.status_code, _code(missing)) == (404, "activity_not_found")
    assert body(client.get("/api/v1/activities", headers=headers))["total"] == 0


def test_a_street_activity_reaches_every_community_of_the_street(client, make, scene):
    street_staff = make.staff(scene["units"]["street"])
    response = client.post("/api/v1/activities", json=_payload(scene["units"]["street"]),
                           headers=make.headers(street_staff))
    assert response.status_code == 201
    for person in ("resident", "outsider"):
        assert client.get(f"/api/v1/activities/{body(response)['id']}",
                          headers=make.headers(scene[person])).status_code == 200


def test_residents_cannot_publish_and_bad_periods_are_refused(client, make, scene):
    community = scene["units"]["community_a"]
    refused = client.post("/api/v1/activities", json=_payload(community), headers=make.headers(scene["resident"]))
    assert (refused.status_code, _code(refused)) == (403, "staff_only")
    backwards = _payload(community)
    backwards["ends_at"] = backwards["starts_at"]
    response = client.post("/api/v1/activities", json=backwards, headers=make.headers(scene["staff"]))
    assert (response.status_code, _code(response)) == (422, "invalid_period")
    for bad in ({"level": "village"}, {"capacity": 0}, {"starts_at": "2026-12-01T10:00:00"}, {"lat": None}):
        response = client.post("/api/v1/activities", json={**_payload(community), **bad},
                               headers=make.headers(scene["staff"]))
        assert response.status_code == 422, bad


def test_other_communitys_staff_cannot_publish_there(client, make, scene):
    other = make.staff(scene["units"]["community_b"])
    response = client.post("/api/v1/activities", json=_payload(scene["units"]["community_a"]),
                           headers=make.headers(other))
    assert response.status_code == 404


# --- sign-ups -------------------------------------------------------------------------------------


def test_the_same_person_signing_up_again_gets_the_same_signup(client, make, scene):
    activity = _publish(client, make, scene)
    headers = make.headers(scene["resident"])
    first = client.post(f"/api/v1/activities/{activity['id']}/signups", headers=headers)
    again = client.post(f"/api/v1/activities/{activity['id']}/signups", headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert body(first)["id"] == body(again)["id"]
    assert body(first)["status"] == "confirmed"
    assert db.session.get(Activity, activity["id"]).confirmed_count == 1


def test_staff_without_a_home_cannot_sign_up(client, make, scene):
    activity = _publish(client, make, scene)
    response = client.post(f"/api/v1/activities/{activity['id']}/signups", headers=make.headers(scene["staff"]))
    assert (response.status_code, _code(response)) == (403, "resident_required")


def test_no_signup_after_the_start(client, make, scene):
    activity = _publish(client, make, scene)
    _move(activity["id"], starts_at=utcnow() - timedelta(minutes=1))
    response = client.post(f"/api/v1/activities/{activity['id']}/signups", headers=make.headers(scene["resident"]))
    assert (response.status_code, _code(response)) == (409, "activity_started")


def test_thirty_people_signing_up_at_once_fill_exactly_ten_seats_and_the_rest_wait_in_order(live_server, make, scene):
    community = scene["units"]["community_a"]
    people = [make.resident(community, scene["units"]["building_a1"]) for _ in range(30)]
    headers = [make.headers(person) for person in people]
    created = http.post(f"{live_server}/api/v1/activities", json=_payload(community, capacity=10),
                        headers=make.headers(scene["staff"]), timeout=30)
    activity_id = created.json()["id"]

    def sign_up(header):
        return http.post(f"{live_server}/api/v1/activities/{activity_id}/signups", headers=header, timeout=120)

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(sign_up, headers))
    assert [answer.status_code for answer in answers] == [201] * 30
    statuses = [answer.json()["status"] for answer in answers]
    assert statuses.count("confirmed") == 10 and statuses.count("waitlisted") == 20
    db.session.expire_all()
    assert db.session.get(Activity, activity_id).confirmed_count == 10
    waiting = db.session.execute(
        select(ActivitySignup).where(ActivitySignup.activity_id == activity_id, ActivitySignup.status == "waitlisted")
        .order_by(ActivitySignup.id)
    ).scalars().all()
    assert len(waiting) == 20
    positions = [http.get(f"{live_server}/api/v1/activities/{activity_id}", headers=headers[people.index(
        next(p for p in people if p.id == signup.user_id))], timeout=30).json()["my_signup"]["position"]
        for signup in waiting]
    assert positions == list(range(1, 21))


def _full_activity(client, make, scene, capacity=10, waiting=20):
    """An activity with its seats taken and a waiting list, signed up one after another (ids in order)."""
    activity = _publish(client, make, scene, capacity=capacity)
    community = scene["units"]["community_a"]
    people = [make.resident(community) for _ in range(capacity + waiting)]
    headers = [make.headers(person) for person in people]
    for header in headers:
        assert client.post(f"/api/v1/activities/{activity['id']}/signups", headers=header).status_code == 201
    return activity, people, headers


def _promotions(user_id=None) -> int:
    statement = select(func.count(Notification.id)).where(Notification.event == "activity_promoted")
    if user_id is not None:
        statement = statement.where(Notification.user_id == user_id)
    return db.session.execute(statement).scalar_one()


def test_a_cancellation_confirms_the_first_waiting_person_exactly_once(client, make, scene):
    activity, people, headers = _full_activity(client, make, scene, capacity=2, waiting=3)
    response = client.delete(f"/api/v1/activities/{activity['id']}/signups/me", headers=headers[0])
    assert response.status_code == 204
    again = client.delete(f"/api/v1/activities/{activity['id']}/signups/me", headers=headers[0])
    assert again.status_code == 204
    first_waiting = body(client.get(f"/api/v1/activities/{activity['id']}", headers=headers[2]))["my_signup"]
    assert (first_waiting["status"], first_waiting["position"]) == ("confirmed", None)
    second = body(client.get(f"/api/v1/activities/{activity['id']}", headers=headers[3]))["my_signup"]
    assert (second["status"], second["position"]) == ("waitlisted", 1)
    assert _promotions(people[2].id) == 1 and _promotions() == 1
    assert db.session.get(Activity, activity["id"]).confirmed_count == 2


def test_leaving_the_waiting_list_frees_no_seat(client, make, scene):
    activity, people, headers = _full_activity(client, make, scene, capacity=1, waiting=2)
    assert client.delete(f"/api/v1/activities/{activity['id']}/signups/me", headers=headers[1]).status_code == 204
    assert _promotions() == 0
    last = body(client.get(f"/api/v1/activities/{activity['id']}", headers=headers[2]))["my_signup"]
    assert (last["status"], last["position"]) == ("waitlisted", 1)


def test_twenty_concurrent_cancellations_promote_each_remaining_waiter_exactly_once(live_server, client, make, scene):
    activity, people, headers = _full_activity(client, make, scene, capacity=10, waiting=20)
    # All ten seat holders and every second person waiting leave at the same moment.
    leaving = list(range(10)) + list(range(11, 30, 2))
    staying = list(range(10, 30, 2))

    def cancel(index):
        return http.delete(f"{live_server}/api/v1/activities/{activity['id']}/signups/me",
                           headers=headers[index], timeout=120)

    with ThreadPoolExecutor(len(leaving)) as pool:
        answers = list(pool.map(cancel, leaving))
    assert [answer.status_code for answer in answers] == [204] * 20
    db.session.expire_all()
    remaining = db.session.execute(
        select(ActivitySignup.user_id, ActivitySignup.status).where(ActivitySignup.activity_id == activity["id"])
    ).all()
    assert sorted(remaining) == sorted((people[index].id, "confirmed") for index in staying)
    assert db.session.get(Activity, activity["id"]).confirmed_count == 10
    for index in staying:
        assert _promotions(people[index].id) == 1
    for index in leaving:
        assert _promotions(people[index].id) <= 1


def test_staff_list_shows_helpers_seats_then_the_waiting_list_in_order(client, make, scene):
    activity, people, headers = _full_activity(client, make, scene, capacity=1, waiting=2)
    staff = make.headers(scene["staff"])
    assert client.post(f"/api/v1/activities/{activity['id']}/helpers",
                       json={"user_id": scene["member"].id, "role": "volunteer"}, headers=staff).status_code == 201
    listed = body(client.get(f"/api/v1/activities/{activity['id']}/signups", headers=staff))["items"]
    assert [(item["user_id"], item["role"], item["status"]) for item in listed] == [
        (scene["member"].id, "volunteer", "confirmed"),
        (people[0].id, "participant", "confirmed"),
        (people[1].id, "participant", "waitlisted"),
        (people[2].id, "participant", "waitlisted"),
    ]
    refused = client.get(f"/api/v1/activities/{activity['id']}/signups", headers=headers[0])
    assert refused.status_code == 403


def test_only_members_of_the_community_can_be_helpers(client, make, scene):
    activity = _publish(client, make, scene)
    staff = make.headers(scene["staff"])
    response = client.post(f"/api/v1/activities/{activity['id']}/helpers",
                           json={"user_id": scene["resident"].id, "role": "organiser"}, headers=staff)
    assert (response.status_code, _code(response)) == (422, "invalid_member")
    member_b = make.member(scene["units"]["community_b"])
    response = client.post(f"/api/v1/activities/{activity['id']}/helpers",
                           json={"user_id": member_b.id, "role": "organiser"}, headers=staff)
    assert response.status_code == 422


# --- check-in by QR code ---------------------------------------------------------------------


def _qr(client, make, scene, activity_id) -> str:
    response = client.get(f"/api/v1/activities/{activity_id}/qr", headers=make.headers(scene["staff"]))
    assert response.status_code == 200
    assert body(response)["payload"].startswith("pages/activities/checkin?")
    return body(response)["token"]


def _check_in(client, make, person, activity_id, token, lat=CENTRE[0], lng=CENTRE[1]):
    return client.post(f"/api/v1/activities/{activity_id}/checkins",
                       json={"qr_token": token, "lat": lat, "lng": lng}, headers=make.headers(person))


def _started(client, make, scene, **fields):
    activity = _publish(client, make, scene, **fields)
    client.post(f"/api/v1/activities/{activity['id']}/signups", headers=make.headers(scene["resident"]))
    _move(activity["id"], starts_at=utcnow() - timedelta(minutes=10), ends_at=utcnow() + timedelta(hours=1))
    return activity


def test_a_confirmed_participant_checks_in_with_the_current_code(client, make, scene):
    activity = _started(client, make, scene)
    token = _qr(client, make, scene, activity["id"])
    first = _check_in(client, make, scene["resident"], activity["id"], token)
    assert first.status_code == 200 and body(first)["checked_in_at"]
    again = _check_in(client, make, scene["resident"], activity["id"], token)
    assert body(again)["checked_in_at"] == body(first)["checked_in_at"]


def test_an_activity_code_from_yesterday_fails(client, make, scene):
    activity = _started(client, make, scene)
    stale = activities.qr_token(db.session.get(Activity, activity["id"]), utcnow() - timedelta(days=1)).token
    response = _check_in(client, make, scene["resident"], activity["id"], stale)
    assert (response.status_code, _code(response)) == (422, "qr_expired")


def test_a_stations_code_or_another_activitys_code_fails(client, make, scene, make_station):
    activity = _started(client, make, scene)
    other = _publish(client, make, scene)
    wrong = _check_in(client, make, scene["resident"], activity["id"], _qr(client, make, scene, other["id"]))
    assert (wrong.status_code, _code(wrong)) == (422, "qr_wrong_activity")
    station = make_station(scene["units"]["community_a"])
    from services.stations import qr_token as station_token

    forged = f"{activity['id']}.{station_token(station).token.split('.', 1)[1]}"
    response = _check_in(client, make, scene["resident"], activity["id"], forged)
    assert (response.status_code, _code(response)) == (422, "qr_invalid")


def test_check_in_only_at_the_place_and_during_the_time(client, make, scene):
    activity = _started(client, make, scene)
    token = _qr(client, make, scene, activity["id"])
    far = _check_in(client, make, scene["resident"], activity["id"], token, lat=CENTRE[0] + 0.01)
    assert (far.status_code, _code(far)) == (422, "outside_radius")
    _move(activity["id"], starts_at=utcnow() + timedelta(hours=3), ends_at=utcnow() + timedelta(hours=4))
    early = _check_in(client, make, scene["resident"], activity["id"], token)
    assert (early.status_code, _code(early)) == (409, "activity_not_in_progress")


def test_a_waiting_person_cannot_check_in(client, make, scene):
    activity = _publish(client, make, scene, capacity=1)
    client.post(f"/api/v1/activities/{activity['id']}/signups", headers=make.headers(scene["member"]))
    client.post(f"/api/v1/activities/{activity['id']}/signups", headers=make.headers(scene["resident"]))
    _move(activity["id"], starts_at=utcnow() - timedelta(minutes=10), ends_at=utcnow() + timedelta(hours=1))
    response = _check_in(client, make, scene["resident"], activity["id"], _qr(client, make, scene, activity["id"]))
    assert (response.status_code, _code(response)) == (403, "not_signed_up")


# --- helpers' hours ---------------------------------------------------------------------------


def test_helpers_who_checked_in_get_the_activitys_hours_once_after_it_ended(client, make, scene):
    activity = _publish(client, make, scene, hours=2)
    staff = make.headers(scene["staff"])
    volunteer = make.member(scene["units"]["community_a"])
    for person, role in ((scene["member"], "organiser"), (volunteer, "volunteer")):
        assert client.post(f"/api/v1/activities/{activity['id']}/helpers",
                           json={"user_id": person.id, "role": role}, headers=staff).status_code == 201
    early = client.post(f"/api/v1/activities/{activity['id']}/hours", headers=staff)
    assert (early.status_code, _code(early)) == (409, "activity_not_ended")
    start = utcnow() - timedelta(minutes=30)
    _move(activity["id"], starts_at=start, ends_at=start + timedelta(hours=2))
    token = _qr(client, make, scene, activity["id"])
    assert _check_in(client, make, scene["member"], activity["id"], token).status_code == 200
    _move(activity["id"], starts_at=start - timedelta(hours=2), ends_at=start)
    credited = client.post(f"/api/v1/activities/{activity['id']}/hours", headers=staff)
    assert credited.status_code == 200
    assert [(e["member_id"], e["minutes"], e["status"]) for e in body(credited)["entries"]] == [
        (scene["member"].id, 120, "confirmed")]
    again = client.post(f"/api/v1/activities/{activity['id']}/hours", headers=staff)
    assert body(again)["entries"] == []
    entries = db.session.execute(select(HourEntry).where(HourEntry.source == "activity")).scalars().all()
    assert [(e.member_id, e.status, e.confirmed_by_id) for e in entries] == [
        (scene["member"].id, "confirmed", scene["staff"].id)]


# --- reminders ------------------------------------------------------------------------------------


def test_reminders_go_once_to_each_confirmed_person_before_the_start(client, make, scene, app):
    activity = _publish(client, make, scene, capacity=1, starts_in=timedelta(minutes=60))
    later = _publish(client, make, scene, starts_in=timedelta(days=2))
    for header in (make.headers(scene["resident"]), make.headers(scene["member"])):
        for target in (activity, later):
            client.post(f"/api/v1/activities/{target['id']}/signups", headers=header)
    assert remind_upcoming_activities() == 1
    assert remind_upcoming_activities() == 0
    reminders = db.session.execute(
        select(Notification.user_id, Notification.data).where(Notification.event == "activity_reminder")
    ).all()
    assert [(user_id, data["activity_id"]) for user_id, data in reminders] == [(scene["resident"].id, activity["id"])]


def test_concurrent_reminder_runs_send_one_reminder_each(client, make, scene, app):
    activity = _publish(client, make, scene, starts_in=timedelta(minutes=30))
    for person in [make.resident(scene["units"]["community_a"]) for _ in range(5)]:
        client.post(f"/api/v1/activities/{activity['id']}/signups", headers=make.headers(person))

    def run(_):
        with app.app_context():
            try:
                return remind_upcoming_activities()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(run, range(4)))
    assert sum(counts) == 5
    per_person = db.session.execute(
        select(Notification.user_id, func.count(Notification.id))
        .where(Notification.event == "activity_reminder").group_by(Notification.user_id)
    ).all()
    assert len(per_person) == 5 and {count for _user, count in per_person} == {1}


# --- personal data ----------------------------------------------------------------------------------


def test_a_deleted_account_gives_up_its_seat_to_the_first_waiting_and_exports_list_signups(client, make, scene):
    activity, people, headers = _full_activity(client, make, scene, capacity=1, waiting=1)
    exported = body(client.get("/api/v1/me/export", headers=headers[0]))
    assert [row["activity_id"] for row in exported["activity_signups"]] == [activity["id"]]
    assert client.delete("/api/v1/me", headers=headers[0]).status_code == 204
    db.session.expire_all()
    assert [s.user_id for s in db.session.execute(select(ActivitySignup)).scalars()] == [people[1].id]
    assert db.session.execute(select(ActivitySignup.status)).scalar_one() == "confirmed"
    assert _promotions(people[1].id) == 1
