"""The response clock: wall clock or station opening hours, urgent requests, pausing on the resident."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.notifications import Notification
from models.requests import RequestHistory, ServiceRequest
from services import requests
from services.errors import ServiceError
from services.sla import counted_between, due_after
from tests.conftest import body
from tests.test_requests import post, submit

LOCAL = ZoneInfo("Asia/Shanghai")
OFFICE = [{"open": "08:30", "close": "12:00"}, {"open": "14:00", "close": "17:30"}]
WEEKDAYS_ONLY = {"weekly": {day: OFFICE for day in ("mon", "tue", "wed", "thu", "fri")}, "closed_days": []}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


def test_opening_hours_carry_the_clock_over_the_weekend(app_context):
    friday_evening = local(2026, 11, 27, 20, 30)
    assert due_after([WEEKDAYS_ONLY], friday_evening, timedelta(minutes=120)) == local(2026, 11, 30, 10, 30)


def test_closed_days_and_the_lunch_break_do_not_count(app_context):
    hours = {**WEEKDAYS_ONLY, "closed_days": ["2026-11-30"]}
    # Five hours from Friday 11:00: 11:00-12:00 and 14:00-17:30 (4.5 h), then the last half hour
    # on Tuesday morning, Monday being a closed day.
    assert due_after([hours], local(2026, 11, 27, 11, 0), timedelta(hours=5)) == local(2026, 12, 1, 9, 0)
    assert counted_between([hours], local(2026, 11, 27, 11, 0), local(2026, 12, 1, 9, 0)) == timedelta(hours=5)
    assert counted_between([hours], local(2026, 11, 27, 12, 0), local(2026, 11, 27, 14, 0)) == timedelta(0)


def test_the_clock_runs_while_any_station_is_open_and_counts_overlaps_once(app_context):
    mornings = {"weekly": {"fri": [{"open": "08:00", "close": "12:00"}]}, "closed_days": []}
    afternoons = {"weekly": {"fri": [{"open": "11:00", "close": "15:00"}]}, "closed_days": []}
    friday = local(2026, 11, 27, 8, 0)
    # 08:00-15:00 is covered once, however the two stations overlap: seven hours, not eight.
    assert counted_between([mornings, afternoons], friday, local(2026, 11, 27, 18, 0)) == timedelta(hours=7)
    assert due_after([mornings, afternoons], friday, timedelta(hours=6)) == local(2026, 11, 27, 14, 0)


def test_the_wall_clock_counts_everything():
    start = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    assert due_after(None, start, timedelta(minutes=90)) == start + timedelta(minutes=90)
    assert counted_between(None, start, start - timedelta(minutes=5)) == timedelta(0)


@pytest.fixture
def office_clock(scene, make_station):
    """The category counts in opening hours; the community station keeps office hours on weekdays."""
    scene["category"].sla_opening_hours = True
    db.session.commit()
    make_station(scene["units"]["community_a"], opening_hours=WEEKDAYS_ONLY)
    return scene


def seconds_apart(first: str, second: datetime) -> float:
    return abs((datetime.fromisoformat(first) - second).total_seconds())


def test_requests_run_on_the_wall_clock_unless_the_category_says_otherwise(client, make, scene, app):
    before = utcnow()
    created = submit(client, make, scene)
    assert seconds_apart(created["sla_due_at"], before + timedelta(minutes=app.config["REQUEST_SLA_MINUTES"])) < 5


def test_a_category_on_opening_hours_gets_a_deadline_inside_them(client, make, office_clock, app):
    before = utcnow()
    created = submit(client, make, office_clock)
    expected = due_after([WEEKDAYS_ONLY], before, timedelta(minutes=app.config["REQUEST_SLA_MINUTES"]))
    assert seconds_apart(created["sla_due_at"], expected) < 5
    due_local = datetime.fromisoformat(created["sla_due_at"]).astimezone(LOCAL)
    assert due_local.weekday() < 5 and ("08:30" <= due_local.strftime("%H:%M") <= "17:30")


def test_urgent_requests_always_run_on_the_wall_clock(client, make, office_clock, app):
    before = utcnow()
    created = submit(client, make, office_clock, urgency="urgent")
    expected = before + timedelta(minutes=app.config["REQUEST_SLA_URGENT_MINUTES"])
    assert seconds_apart(created["sla_due_at"], expected) < 5


def move_clock(request_id: int, **values) -> None:
    db.session.execute(update(ServiceRequest).where(ServiceRequest.id == request_id).values(**values))
    db.session.commit()


def test_the_clock_stops_while_waiting_on_the_resident(client, make, scene):
    created = submit(client, make, scene)
    asked = post(client, make, scene["staff"], created["id"], "ask-resident", question="请问具体是哪个单元？")
    assert asked.status_code == 200
    assert (body(asked)["sla_paused"], body(asked)["pending_question"]) == (True, "请问具体是哪个单元？")
    assert body(asked)["history"][-1]["action"] == "ask_resident"
    notified = db.session.execute(
        select(Notification).where(Notification.event == "request_question")
    ).scalar_one()
    assert notified.user_id == scene["resident"].id

    # The resident takes three hours to answer; the deadline was 30 minutes after the question.
    now = utcnow()
    move_clock(created["id"], sla_paused_at=now - timedelta(hours=3), sla_due_at=now - timedelta(hours=2, minutes=30))
    staff = make.headers(scene["staff"])
    waiting = body(client.get(f"/api/v1/requests/{created['id']}", headers=staff))
    assert waiting["sla_breached"] is False
    assert body(client.get("/api/v1/requests?sla_breached=true", headers=staff))["total"] == 0

    answered = post(client, make, scene["resident"], created["id"], "answer", answer="3 单元 502")
    assert answered.status_code == 200
    result = body(answered)
    assert (result["sla_paused"], result["pending_question"], result["sla_breached"]) == (False, None, False)
    assert seconds_apart(result["sla_due_at"], now + timedelta(minutes=30)) < 5
    assert result["history"][-1]["action"] == "answer" and result["history"][-1]["reason"] == "3 单元 502"
    answered_to = db.session.execute(
        select(Notification.user_id).where(Notification.event == "request_answered")
    ).scalar_one()
    assert answered_to == scene["staff"].id


def test_a_request_already_late_stays_late_while_paused(client, make, scene):
    created = submit(client, make, scene)
    move_clock(created["id"], sla_due_at=utcnow() - timedelta(minutes=10))
    post(client, make, scene["staff"], created["id"], "ask-resident", question="方便什么时候上门？")
    staff = make.headers(scene["staff"])
    flagged = body(client.get("/api/v1/requests?sla_breached=true", headers=staff))
    assert [item["id"] for item in flagged["items"]] == [created["id"]]
    answered = body(post(client, make, scene["resident"], created["id"], "answer", answer="明天上午"))
    assert answered["sla_breached"] is True


def test_offered_members_may_ask_but_strangers_may_not(client, make, scene):
    created = submit(client, make, scene)
    offered = scene["members"][0]
    stranger = make.member(scene["units"]["community_a"], skills=("辅导",))
    other_staff = make.staff(scene["units"]["community_b"])
    question = {"question": "需要自带工具吗？"}
    assert post(client, make, stranger, created["id"], "ask-resident", **question).status_code == 404
    assert post(client, make, other_staff, created["id"], "ask-resident", **question).status_code == 404
    refused = post(client, make, scene["resident"], created["id"], "ask-resident", **question)
    assert (refused.status_code, body(refused)["error"]["code"]) == (403, "not_involved")
    assert post(client, make, offered, created["id"], "ask-resident", **question).status_code == 200
    again = post(client, make, scene["staff"], created["id"], "ask-resident", question="还有问题")
    assert (again.status_code, body(again)["error"]["code"]) == (409, "question_pending")
    not_resident = post(client, make, offered, created["id"], "answer", answer="自问自答")
    assert (not_resident.status_code, body(not_resident)["error"]["code"]) == (403, "not_requester")
    asked = db.session.execute(
        select(RequestHistory).where(RequestHistory.action == "ask_resident")
    ).scalars().all()
    assert [row.actor_id for row in asked] == [offered.id]


def test_answers_need_a_question_and_questions_need_an_open_request(client, make, scene):
    created = submit(client, make, scene)
    nothing = post(client, make, scene["resident"], created["id"], "answer", answer="好的")
    assert (nothing.status_code, body(nothing)["error"]["code"]) == (409, "no_pending_question")
    assert post(client, make, scene["staff"], created["id"], "ask-resident").status_code == 422
    assert post(client, make, scene["staff"], created["id"], "ask-resident", question="").status_code == 422
    post(client, make, scene["resident"], created["id"], "cancel")
    closed = post(client, make, scene["staff"], created["id"], "ask-resident", question="还需要吗？")
    assert (closed.status_code, body(closed)["error"]["code"]) == (409, "illegal_transition")
    assert body(closed)["error"]["message"] == "当前状态（已取消）不允许该操作"
    stored = db.session.get(ServiceRequest, created["id"])
    assert (stored.status, stored.pending_question, stored.sla_paused_at) == ("cancelled", None, None)


def test_staff_hear_once_about_an_overdue_request(client, make, scene):
    from jobs.requests import alert_overdue_requests

    late = submit(client, make, scene)
    waiting = submit(client, make, scene)
    on_time = submit(client, make, scene)
    for request_id in (late["id"], waiting["id"]):
        move_clock(request_id, sla_due_at=utcnow() - timedelta(minutes=5))
    # Asked before its deadline passed: waiting on the resident, not overdue.
    move_clock(waiting["id"], sla_paused_at=utcnow() - timedelta(minutes=10), pending_question="几点方便？")
    assert alert_overdue_requests() == 1
    assert alert_overdue_requests() == 0
    alerts = db.session.execute(
        select(Notification.user_id, Notification.data).where(Notification.event == "request_overdue")
    ).all()
    assert [(user_id, data["request_id"]) for user_id, data in alerts] == [(scene["staff"].id, late["id"])]
    assert db.session.get(ServiceRequest, on_time["id"]).sla_alerted_at is None


def test_random_pauses_keep_the_clock_honest(make, scene, app, monkeypatch):
    # Many runs by one resident and one staff member: the daily limits are not what is tested here.
    monkeypatch.setitem(app.config, "REQUESTS_PER_DAY", 10_000)
    monkeypatch.setitem(app.config, "QUESTIONS_PER_DAY", 10_000)
    """Questions, answers, the resident's delays and deadlines anywhere around them: the clock is
    paused exactly while a question waits, Python and SQL flag the same requests, and an answer
    gives back exactly the time that was left when the question was asked."""
    staff, resident, member = scene["staff"], scene["resident"], scene["members"][0]

    class ClockMachine(RuleBasedStateMachine):
        @initialize()
        def submit(self):
            request = requests.create_request(resident, {"category_id": scene["category"].id, "title": "换灯泡"})
            db.session.commit()
            self.request_id = request.id

        def current(self) -> ServiceRequest:
            db.session.expire_all()
            return db.session.get(ServiceRequest, self.request_id)

        @rule()
        def ask(self):
            try:
                requests.ask_resident(staff, self.request_id, "灯管什么规格？")
            except ServiceError:
                db.session.rollback()
            else:
                db.session.commit()

        @rule()
        def answer(self):
            before = self.current()
            left = before.sla_due_at - before.sla_paused_at if before.sla_paused_at else None
            try:
                requests.answer_question(resident, self.request_id, "T8 的")
            except ServiceError:
                db.session.rollback()
                assert left is None
                return
            db.session.commit()
            after = self.current()
            if left > timedelta(0):
                resumed_at = after.history[-1].at
                assert abs((after.sla_due_at - resumed_at) - left) < timedelta(seconds=1)
            else:
                assert after.sla_due_at == before.sla_due_at

        @rule(minutes=st.integers(min_value=1, max_value=300))
        def resident_takes_their_time(self, minutes):
            request = self.current()
            if request.sla_paused_at is not None:
                request.sla_paused_at -= timedelta(minutes=minutes)
                db.session.commit()

        @rule(minutes=st.integers(min_value=-300, max_value=300))
        def deadline_moves(self, minutes):
            request = self.current()
            request.sla_due_at = (request.sla_paused_at or utcnow()) + timedelta(minutes=minutes)
            db.session.commit()

        # Rarely: once taken, the clock no longer matters and the walk has little left to find.
        @rule(roll=st.integers(min_value=0, max_value=5))
        def taken(self, roll):
            if roll:
                return
            try:
                requests.assign(staff, self.request_id, member.id)
            except ServiceError:
                db.session.rollback()
            else:
                db.session.commit()

        @invariant()
        def paused_exactly_while_a_question_waits(self):
            request = self.current()
            assert request.sla_paused == (request.pending_question is not None)

        @invariant()
        def python_and_sql_flag_the_same(self):
            request = self.current()
            flagged = db.session.execute(
                requests.listing(staff, {"sla_breached": True}).where(ServiceRequest.id == self.request_id)
            ).scalars().all()
            assert (len(flagged) == 1) == request.sla_breached

    run_state_machine_as_test(ClockMachine, settings=settings(max_examples=50, stateful_step_count=12, deadline=None))
