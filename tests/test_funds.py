"""The funds: donations, disbursements approved by a second person, reversals, statements; never below zero."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.funds import Disbursement, Fund, FundEntry
from services.funds import ledger_total
from services.periods import local_today
from services.spreadsheets import CONTENT_TYPE
from tests.conftest import body


@pytest.fixture
def desk(make):
    """Community A with a secretary and a colleague; community B with its own secretary."""
    units = make.tree()
    return {
        "units": units,
        "asker": make.staff(units["community_a"], role="secretary"),
        "approver": make.staff(units["community_a"]),
        "other": make.staff(units["community_b"], role="secretary"),
    }


def post(client, make, user, path, payload=None, status=None):
    response = client.post(path, json=payload, headers=make.headers(user))
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)
    return response


def new_fund(client, make, desk, kind="poverty_relief", name="扶贫帮困基金"):
    payload = {"name": name, "kind": kind, "org_id": desk["units"]["community_a"].id}
    return body(post(client, make, desk["asker"], "/api/v1/funds", payload, 201))


def donate(client, make, user, fund_id, cents, donor="爱心企业", donor_kind="unit"):
    payload = {
        "amount_cents": cents,
        "donor_name": donor,
        "donor_kind": donor_kind,
        "received_on": local_today().isoformat(),
    }
    return body(post(client, make, user, f"/api/v1/funds/{fund_id}/donations", payload, 201))


def ask(client, make, user, fund_id, cents, purpose="慰问金", **extra):
    payload = {"amount_cents": cents, "purpose": purpose, **extra}
    return body(post(client, make, user, f"/api/v1/funds/{fund_id}/disbursements", payload, 201))


def balance(client, make, user, fund_id) -> int:
    response = client.get(f"/api/v1/funds/{fund_id}", headers=make.headers(user))
    assert response.status_code == 200
    return body(response)["balance_cents"]


def test_fund_starts_empty_and_donations_raise_the_balance(client, make, desk):
    fund = new_fund(client, make, desk)
    assert (fund["balance_cents"], fund["kind"]) == (0, "poverty_relief")
    donate(client, make, desk["asker"], fund["id"], 12345)
    donate(client, make, desk["approver"], fund["id"], 655, donor="张大爷", donor_kind="person")
    assert balance(client, make, desk["asker"], fund["id"]) == 13000
    listed = body(client.get("/api/v1/funds", headers=make.headers(desk["approver"])))
    assert [(item["id"], item["balance_cents"]) for item in listed["items"]] == [(fund["id"], 13000)]


def test_a_disbursement_waits_for_another_staff_member(client, make, desk):
    fund = new_fund(client, make, desk)
    donate(client, make, desk["asker"], fund["id"], 10000)
    asked = ask(client, make, desk["asker"], fund["id"], 3000)
    assert asked["status"] == "pending"
    assert balance(client, make, desk["asker"], fund["id"]) == 10000
    refused = post(client, make, desk["asker"], f"/api/v1/disbursements/{asked['id']}/approve", status=403)
    assert body(refused)["error"]["code"] == "self_approval"
    approved = body(post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve", status=200))
    assert (approved["status"], approved["decided_by_id"]) == ("approved", desk["approver"].id)
    assert balance(client, make, desk["asker"], fund["id"]) == 7000
    again = post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve", status=409)
    assert body(again)["error"]["code"] == "disbursement_not_pending"
    assert balance(client, make, desk["asker"], fund["id"]) == 7000


def test_the_database_refuses_self_approval_and_a_negative_balance(make, desk, client):
    fund = new_fund(client, make, desk)
    asked = ask(client, make, desk["asker"], fund["id"], 100)
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(Disbursement)
            .where(Disbursement.id == asked["id"])
            .values(status="approved", decided_by_id=desk["asker"].id)
        )
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Fund).where(Fund.id == fund["id"]).values(balance_cents=-1))
        db.session.flush()
    db.session.rollback()


def test_not_enough_money_is_409_and_the_disbursement_stays_pending(client, make, desk):
    fund = new_fund(client, make, desk)
    donate(client, make, desk["asker"], fund["id"], 500)
    asked = ask(client, make, desk["asker"], fund["id"], 501)
    refused = post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve", status=409)
    assert body(refused)["error"]["code"] == "insufficient_funds"
    db.session.expire_all()
    assert db.session.get(Disbursement, asked["id"]).status == "pending"
    assert balance(client, make, desk["asker"], fund["id"]) == 500
    assert (
        db.session.execute(
            select(func.count()).select_from(FundEntry).where(FundEntry.kind == "disbursement")
        ).scalar_one()
        == 0
    )
    donate(client, make, desk["asker"], fund["id"], 1)
    post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve", status=200)
    assert balance(client, make, desk["asker"], fund["id"]) == 0


def test_rejected_disbursement_moves_no_money_and_cannot_be_approved(client, make, desk):
    fund = new_fund(client, make, desk)
    donate(client, make, desk["asker"], fund["id"], 500)
    asked = ask(client, make, desk["asker"], fund["id"], 200)
    post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/reject", {"note": "材料不全"}, 200)
    post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve", status=409)
    assert balance(client, make, desk["asker"], fund["id"]) == 500


def test_staff_of_another_community_see_no_fund_and_no_disbursement(client, make, desk):
    fund = new_fund(client, make, desk)
    asked = ask(client, make, desk["asker"], fund["id"], 100)
    other = desk["other"]
    for method, path in (
        ("GET", f"/api/v1/funds/{fund['id']}"),
        ("POST", f"/api/v1/disbursements/{asked['id']}/approve"),
        ("GET", f"/api/v1/funds/{fund['id']}/entries"),
    ):
        response = client.open(path, method=method, headers=make.headers(other))
        assert response.status_code == 404, (path, response.status_code)
    assert body(client.get("/api/v1/funds", headers=make.headers(other)))["total"] == 0
    resident = make.resident(desk["units"]["community_a"])
    assert client.get("/api/v1/funds", headers=make.headers(resident)).status_code == 403


def test_bad_amounts_are_refused(client, make, desk):
    fund = new_fund(client, make, desk)
    path = f"/api/v1/funds/{fund['id']}/donations"
    today = local_today().isoformat()
    for amount in (0, -5, 1.5, "100", 10**12, None):
        payload = {"amount_cents": amount, "donor_name": "某人", "received_on": today}
        assert post(client, make, desk["asker"], path, payload).status_code == 422, amount
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = post(
        client, make, desk["asker"], path, {"amount_cents": 1, "donor_name": "某人", "received_on": tomorrow}
    )
    assert body(response)["error"]["code"] == "received_in_future"
    response = post(
        client,
        make,
        desk["asker"],
        f"/api/v1/funds/{fund['id']}/disbursements",
        {"amount_cents": 10, "purpose": "x", "care_target_id": 2**31 - 1},
    )
    assert response.status_code == 422


def test_a_reversal_undoes_an_entry_once_and_never_edits_it(client, make, desk):
    fund = new_fund(client, make, desk)
    wrong = donate(client, make, desk["asker"], fund["id"], 9000)
    donate(client, make, desk["asker"], fund["id"], 1000)
    reversal = body(
        post(client, make, desk["approver"], f"/api/v1/fund-entries/{wrong['id']}/reverse", {"reason": "金额录错"}, 201)
    )
    assert (reversal["amount_cents"], reversal["reverses_id"], reversal["kind"]) == (-9000, wrong["id"], "reversal")
    assert balance(client, make, desk["asker"], fund["id"]) == 1000
    again = post(client, make, desk["approver"], f"/api/v1/fund-entries/{wrong['id']}/reverse", {"reason": "再来"}, 409)
    assert body(again)["error"]["code"] == "entry_already_reversed"
    post(client, make, desk["approver"], f"/api/v1/fund-entries/{reversal['id']}/reverse", {"reason": "x"}, 409)
    db.session.expire_all()
    original = db.session.get(FundEntry, wrong["id"])
    assert (original.amount_cents, original.kind) == (9000, "donation")
    assert ledger_total(fund["id"]) == 1000


def test_reversing_a_donation_already_spent_is_insufficient_funds(client, make, desk):
    fund = new_fund(client, make, desk)
    gift = donate(client, make, desk["asker"], fund["id"], 1000)
    asked = ask(client, make, desk["asker"], fund["id"], 800)
    post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve", status=200)
    refused = post(
        client, make, desk["approver"], f"/api/v1/fund-entries/{gift['id']}/reverse", {"reason": "退回"}, 409
    )
    assert body(refused)["error"]["code"] == "insufficient_funds"
    assert balance(client, make, desk["asker"], fund["id"]) == 200


def test_balance_equals_the_sum_of_the_entries(client, make, desk):
    fund = new_fund(client, make, desk)
    for cents in (1001, 2002, 3003):
        donate(client, make, desk["asker"], fund["id"], cents)
    for cents in (999, 5000, 1):
        asked = ask(client, make, desk["asker"], fund["id"], cents)
        post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve")
    entries = body(client.get(f"/api/v1/funds/{fund['id']}/entries?per_page=100", headers=make.headers(desk["asker"])))
    assert balance(client, make, desk["asker"], fund["id"]) == sum(e["amount_cents"] for e in entries["items"])
    assert balance(client, make, desk["asker"], fund["id"]) == ledger_total(fund["id"]) == 6006 - 999 - 5000 - 1


def test_monthly_statement_shows_opening_entries_and_closing(client, make, desk):
    fund = new_fund(client, make, desk)
    earlier = donate(client, make, desk["asker"], fund["id"], 5000)
    # Booked last month: the opening balance of this month's statement.
    last_month = local_today().replace(day=1) - timedelta(days=1)
    db.session.execute(update(FundEntry).where(FundEntry.id == earlier["id"]).values(booked_on=last_month))
    db.session.commit()
    donate(client, make, desk["asker"], fund["id"], 250, donor='=HYPERLINK("x")')
    asked = ask(client, make, desk["asker"], fund["id"], 1250, purpose="春节慰问")
    post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve", status=200)
    month = local_today().strftime("%Y-%m")
    statement = body(
        client.get(f"/api/v1/funds/{fund['id']}/statement?month={month}", headers=make.headers(desk["asker"]))
    )
    assert statement["opening_balance_cents"] == 5000
    assert [entry["amount_cents"] for entry in statement["entries"]] == [250, -1250]
    assert statement["closing_balance_cents"] == 4000 == balance(client, make, desk["asker"], fund["id"])
    previous = body(
        client.get(
            f"/api/v1/funds/{fund['id']}/statement?month={last_month.strftime('%Y-%m')}",
            headers=make.headers(desk["asker"]),
        )
    )
    assert (previous["opening_balance_cents"], previous["closing_balance_cents"]) == (0, 5000)

    response = client.get(
        f"/api/v1/funds/{fund['id']}/statement.xlsx?month={month}", headers=make.headers(desk["asker"])
    )
    assert response.status_code == 200 and response.mimetype == CONTENT_TYPE
    rows = [list(row) for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    assert rows[0] == ["记账日期", "编号", "类型", "捐赠方或用途", "备注", "收入（元）", "支出（元）", "余额（元）"]
    assert rows[1][2] == "期初余额" and rows[1][7] == 50
    assert rows[2][5] == 2.5 and rows[2][7] == 52.5
    assert rows[2][3] == '\'=HYPERLINK("x")（单位）'
    assert rows[3][6] == 12.5 and rows[3][3] == "春节慰问"
    assert rows[-1][2] == "期末余额" and rows[-1][7] == 40
    for bad in ("2026-13", "26-01", "1999-01", "abc"):
        assert (
            client.get(
                f"/api/v1/funds/{fund['id']}/statement?month={bad}", headers=make.headers(desk["asker"])
            ).status_code
            == 422
        )


def test_approvers_hear_of_a_request_and_the_asker_of_the_decision(client, make, desk):
    from models.notifications import Notification

    fund = new_fund(client, make, desk)
    donate(client, make, desk["asker"], fund["id"], 500)
    asked = ask(client, make, desk["asker"], fund["id"], 100)
    post(client, make, desk["approver"], f"/api/v1/disbursements/{asked['id']}/approve", status=200)
    told = db.session.execute(select(Notification.user_id, Notification.event).order_by(Notification.id)).all()
    assert (desk["approver"].id, "disbursement_requested") in told
    assert (desk["asker"].id, "disbursement_requested") not in told
    assert (desk["other"].id, "disbursement_requested") not in told
    assert told[-1] == (desk["asker"].id, "disbursement_decided")


def test_duplicate_fund_name_in_one_org_is_409(client, make, desk):
    new_fund(client, make, desk)
    payload = {"name": "扶贫帮困基金", "kind": "charity", "org_id": desk["units"]["community_a"].id}
    assert post(client, make, desk["asker"], "/api/v1/funds", payload).status_code == 409
    payload["org_id"] = desk["units"]["community_b"].id
    assert post(client, make, desk["asker"], "/api/v1/funds", payload).status_code == 404
