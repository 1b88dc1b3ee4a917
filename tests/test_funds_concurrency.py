"""Twenty approvals press at once against a fund that covers five: five win, the balance never goes below zero."""

from concurrent.futures import ThreadPoolExecutor

import requests as http
from sqlalchemy import func, select

from extensions import db
from models.funds import Disbursement, Fund, FundEntry
from services.funds import ledger_total

CLIENTS = 20
AMOUNT_CENTS = 1_337
COVERED = 5
# Enough for five, and some change that no sixth fits into.
BALANCE_CENTS = AMOUNT_CENTS * COVERED + 1_000


def test_twenty_concurrent_approvals_against_a_balance_covering_five(live_server, make):
    units = make.tree()
    asker = make.staff(units["community_a"], role="secretary")
    approvers = [make.staff(units["community_a"]) for _ in range(4)]
    fund = Fund(name="扶贫帮困基金", kind="poverty_relief", org_id=units["community_a"].id, created_by_id=asker.id)
    db.session.add(fund)
    db.session.commit()
    headers = make.headers(asker)
    donated = http.post(
        f"{live_server}/api/v1/funds/{fund.id}/donations",
        headers=headers,
        timeout=30,
        json={
            "amount_cents": BALANCE_CENTS,
            "donor_name": "爱心企业",
            "donor_kind": "unit",
            "received_on": "2026-01-05",
        },
    )
    assert donated.status_code == 201, donated.text
    pending = []
    for number in range(CLIENTS):
        asked = http.post(
            f"{live_server}/api/v1/funds/{fund.id}/disbursements",
            headers=headers,
            timeout=30,
            json={"amount_cents": AMOUNT_CENTS, "purpose": f"慰问金 {number}"},
        )
        assert asked.status_code == 201, asked.text
        pending.append(asked.json()["id"])
    approver_headers = [make.headers(approvers[number % len(approvers)]) for number in range(CLIENTS)]

    def press(number):
        return http.post(
            f"{live_server}/api/v1/disbursements/{pending[number]}/approve",
            headers=approver_headers[number],
            timeout=60,
        )

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(press, range(CLIENTS)))

    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200] * COVERED + [409] * (CLIENTS - COVERED), [a.text for a in answers if a.status_code >= 500]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"insufficient_funds"}
    db.session.expire_all()
    remainder = BALANCE_CENTS - COVERED * AMOUNT_CENTS
    assert db.session.get(Fund, fund.id).balance_cents == remainder == ledger_total(fund.id)
    statuses = db.session.execute(select(Disbursement.status, func.count()).group_by(Disbursement.status)).all()
    assert dict(statuses) == {"approved": COVERED, "pending": CLIENTS - COVERED}
    booked = db.session.execute(
        select(func.count()).select_from(FundEntry).where(FundEntry.kind == "disbursement")
    ).scalar_one()
    assert booked == COVERED
