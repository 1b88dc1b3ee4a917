"""Races on a social offer against a running server: one decision wins, and a decision never lands on a
text changed after the decider read it."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests as http

from extensions import db
from models.offers import SocialOffer
from services import offers
from services.periods import local_today

CLIENTS = 10


def _pending_offer(make, org) -> int:
    today = local_today()
    offer = SocialOffer(
        org_id=org.id, provider_name="书店", provider_kind="merchant", kind="discount", title="购书九折",
        terms="凭居民身份", valid_from=today, valid_until=today + timedelta(days=30),
        created_by_id=make.staff(org).id,
    )
    db.session.add(offer)
    db.session.commit()
    return offer.id


def test_of_ten_colleagues_deciding_at_once_exactly_one_wins(live_server, app_context, make):
    units = make.tree()
    offer_id = _pending_offer(make, units["community_a"])
    headers = [make.headers(make.staff(units["community_a"])) for _ in range(CLIENTS)]

    def decide(index):
        action, payload = ("approve", {}) if index % 2 else ("reject", {"reason": "资质不全"})
        return http.post(f"{live_server}/api/v1/social-offers/{offer_id}/{action}", json=payload,
                         headers=headers[index], timeout=60)

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(decide, range(CLIENTS)))
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * (CLIENTS - 1)
    winner = next(answer.json() for answer in answers if answer.status_code == 200)
    db.session.expire_all()
    stored = db.session.get(SocialOffer, offer_id)
    assert (stored.status, stored.decided_by_id) == (winner["status"], winner["decided_by_id"])


def test_an_approval_read_before_a_change_does_not_approve_the_changed_text(live_server, app_context, make,
                                                                            monkeypatch):
    units = make.tree()
    offer_id = _pending_offer(make, units["community_a"])
    approver, editor = make.staff(units["community_a"]), make.staff(units["community_a"])
    approver_id = approver.id
    approver_headers, editor_headers = make.headers(approver), make.headers(editor)
    # Both requests have read the offer before either writes.
    both_read = threading.Barrier(2, timeout=20)
    read = offers._for_staff

    def read_then_wait(actor, offer_id):
        found = read(actor, offer_id)
        both_read.wait()
        return found

    monkeypatch.setattr(offers, "_for_staff", read_then_wait)

    def approve():
        return http.post(f"{live_server}/api/v1/social-offers/{offer_id}/approve", json={},
                         headers=approver_headers, timeout=60)

    def edit():
        return http.patch(f"{live_server}/api/v1/social-offers/{offer_id}", json={"terms": "凭居民身份五折"},
                          headers=editor_headers, timeout=60)

    with ThreadPoolExecutor(2) as pool:
        approved, edited = pool.submit(approve), pool.submit(edit)
        answers = {"approve": approved.result(), "edit": edited.result()}
    assert sorted(answer.status_code for answer in answers.values()) == [200, 409]
    lost = next(answer for answer in answers.values() if answer.status_code == 409)
    assert lost.json()["error"]["code"] == "offer_state_changed"
    db.session.expire_all()
    stored = db.session.get(SocialOffer, offer_id)
    if answers["edit"].status_code == 200:
        assert (stored.status, stored.terms, stored.decided_by_id) == ("pending", "凭居民身份五折", None)
    else:
        assert (stored.status, stored.terms, stored.decided_by_id) == ("approved", "凭居民身份", approver_id)
