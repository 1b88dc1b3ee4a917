"""A hypothesis state machine drives one request through random moves by every party.

Whatever the order: at most one assignee, hours credited once and only after staff
confirmation, a history that accounts for every status change, and a response clock that is
paused exactly while a question waits and flags the same requests in Python and in SQL
(tests/test_sla.py drives the clock itself harder).
"""
from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.ledger import HourEntry
from models.requests import RequestHistory, RequestOffer, ServiceRequest
from services import requests
from services.errors import ServiceError


def test_random_walks_keep_the_request_invariants(make, scene, app, monkeypatch):
    members = scene["members"] + [make.member(scene["units"]["community_a"], skills=("电工",))]
    staff, resident = scene["staff"], scene["resident"]
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 2)
    monkeypatch.setitem(app.config, "MATCH_ROUNDS", 2)
    # Many walks by one resident and one staff member: the daily limits are not what is tested here.
    monkeypatch.setitem(app.config, "REQUESTS_PER_DAY", 10_000)
    monkeypatch.setitem(app.config, "QUESTIONS_PER_DAY", 10_000)
    member_index = st.integers(min_value=0, max_value=len(members) - 1)

    class RequestMachine(RuleBasedStateMachine):
        @initialize()
        def submit(self):
            request = requests.create_request(resident, {"category_id": scene["category"].id, "title": "修门"})
            db.session.commit()
            self.request_id = request.id

        def attempt(self, action, *args):
            try:
                action(*args)
            except ServiceError:
                db.session.rollback()
            else:
                db.session.commit()

        @rule(i=member_index)
        def accept(self, i):
            self.attempt(requests.accept, members[i], self.request_id)

        @rule(i=member_index)
        def decline(self, i):
            self.attempt(requests.decline, members[i], self.request_id)

        @rule(i=member_index)
        def start(self, i):
            self.attempt(requests.start, members[i], self.request_id)

        @rule(i=member_index, minutes=st.integers(min_value=1, max_value=300))
        def complete(self, i, minutes):
            self.attempt(requests.complete, members[i], self.request_id, "完成", minutes)

        @rule()
        def confirm(self):
            self.attempt(requests.confirm, staff, self.request_id)

        @rule()
        def reject(self):
            self.attempt(requests.reject_completion, staff, self.request_id, "不合格")

        @rule(i=member_index)
        def assign(self, i):
            self.attempt(requests.assign, staff, self.request_id, members[i].id)

        @rule()
        def cancel(self):
            self.attempt(requests.cancel, resident, self.request_id, None)

        @rule(stars=st.integers(min_value=1, max_value=5))
        def rate(self, stars):
            self.attempt(requests.rate, resident, self.request_id, stars, None)

        @rule(i=member_index, asked_by_staff=st.booleans())
        def ask_resident(self, i, asked_by_staff):
            self.attempt(requests.ask_resident, staff if asked_by_staff else members[i], self.request_id, "几点方便？")

        @rule()
        def answer(self):
            self.attempt(requests.answer_question, resident, self.request_id, "下午三点")

        @rule()
        def offer_window_closes(self):
            db.session.execute(
                update(ServiceRequest)
                .where(ServiceRequest.id == self.request_id, ServiceRequest.status == "offered")
                .values(offer_expires_at=utcnow() - timedelta(seconds=1))
            )
            request = db.session.get(ServiceRequest, self.request_id)
            db.session.refresh(request)
            self.attempt(requests.advance_offers, self.request_id, request.offer_round)

        def current(self) -> ServiceRequest:
            db.session.expire_all()
            return db.session.get(ServiceRequest, self.request_id)

        @invariant()
        def one_assignee_at_most(self):
            request = self.current()
            won = db.session.execute(
                select(RequestOffer.member_id).where(
                    RequestOffer.request_id == self.request_id, RequestOffer.status == "accepted"
                )
            ).scalars().all()
            assert len(won) <= 1
            if request.status in ("accepted", "in_progress", "completed", "confirmed"):
                assert request.assignee_id is not None

        @invariant()
        def hours_credited_once_and_only_after_confirmation(self):
            request = self.current()
            entries = db.session.execute(
                select(HourEntry).where(HourEntry.source == "request", HourEntry.source_id == self.request_id)
            ).scalars().all()
            if request.status == "confirmed":
                assert len(entries) == 1
                assert (entries[0].status, entries[0].member_id) == ("confirmed", request.assignee_id)
                assert entries[0].minutes == request.minutes
            else:
                assert entries == []

        @invariant()
        def the_clock_stops_exactly_while_a_question_waits(self):
            request = self.current()
            assert request.sla_paused == (request.pending_question is not None)
            flagged = db.session.execute(
                requests.listing(staff, {"sla_breached": True}).where(ServiceRequest.id == self.request_id)
            ).scalars().all()
            assert (len(flagged) == 1) == request.sla_breached

        @invariant()
        def history_accounts_for_every_status(self):
            request = self.current()
            rows = db.session.execute(
                select(RequestHistory).where(RequestHistory.request_id == self.request_id).order_by(RequestHistory.id)
            ).scalars().all()
            assert rows[0].to_status == "submitted"
            for before, after in zip(rows, rows[1:], strict=False):
                assert after.from_status == before.to_status
            assert rows[-1].to_status == request.status
            assert sum(row.action == "rate" for row in rows) == (request.stars is not None)

    run_state_machine_as_test(
        RequestMachine, settings=settings(max_examples=20, stateful_step_count=20, deadline=None)
    )
