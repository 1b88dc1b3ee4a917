"""The funds: donations in, disbursements out (asked for by one staff member, approved by another),
reversals for mistakes, and the monthly statement.

The balance never goes below zero under any interleaving: every change to it is one guarded
UPDATE (`balance_cents >= amount`) in the transaction that writes the entry causing it, and the
database refuses a negative balance (CHECK). An entry is never edited: a mistake is undone by a
reversal, a new entry of the opposite amount.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.base import utcnow
from models.care import CareTarget
from models.funds import (
    DISBURSEMENT_STATUS_NAMES,
    DONOR_KIND_NAMES,
    FUND_ENTRY_KIND_NAMES,
    FUND_KIND_NAMES,
    Disbursement,
    Fund,
    FundEntry,
)
from models.orgs import OrgUnit
from models.users import User
from services.database import add_or_conflict, is_postgresql
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.notifications import notify
from services.periods import local_today
from services.permissions import reaches, require_org, require_staff, staff_reaching, within_scope
from services.spreadsheets import Column, workbook

# action → (statuses it may start from, status it leads to)
DISBURSEMENT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("pending",), "approved"),
    "reject": (("pending",), "rejected"),
}


# ------------------------------------------------------------------ funds


def create_fund(actor: User, fields: dict) -> Fund:
    require_staff(actor)
    require_org(actor, fields["org_id"])
    fund = Fund(created_by_id=actor.id, balance_cents=0, **fields)
    add_or_conflict(fund, Conflict("该组织已有同名基金", code="fund_name_taken"))
    return fund


def fund_in_scope(actor: User, fund_id: int) -> Fund:
    """The fund, if the actor's staff scope covers its org; 404 otherwise."""
    fund = db.session.get(Fund, fund_id)
    if fund is None or not reaches(actor, db.session.get(OrgUnit, fund.org_id)):
        raise NotFound("基金不存在", code="fund_not_found")
    return fund


def fund_listing(actor: User, kind: str | None = None, org_id: int | None = None):
    require_staff(actor)
    statement = select(Fund).join(OrgUnit, OrgUnit.id == Fund.org_id).where(within_scope(actor)).order_by(Fund.id)
    if kind is not None:
        statement = statement.where(Fund.kind == kind)
    if org_id is not None:
        statement = statement.where(OrgUnit.path.startswith(require_org(actor, org_id).path))
    return statement


def _hold(fund: Fund) -> None:
    """Take the fund's lock before this transaction reads anything else: every change to a balance
    starts here, so changes to one fund run one after another.

    PostgreSQL locks the row. SQLite has one write lock for the database, taken by the first write:
    a transaction that read first would pin a snapshot that a concurrent writer invalidates
    (SQLITE_BUSY at once, not after waiting), and the audit trail reads rows before each guarded update.
    """
    connection = db.session.connection()
    if is_postgresql():
        connection.execute(select(Fund.id).where(Fund.id == fund.id).with_for_update())
    else:
        connection.execute(update(Fund).where(Fund.id == fund.id).values(balance_cents=Fund.balance_cents))


def _move_balance(fund: Fund, amount_cents: int) -> None:
    """Add `amount_cents` (negative: take out) to the balance; taking out more than is there is 409."""
    guard = [Fund.id == fund.id]
    if amount_cents < 0:
        guard.append(Fund.balance_cents >= -amount_cents)
    moved = db.session.execute(
        update(Fund)
        .where(*guard)
        .values(balance_cents=Fund.balance_cents + amount_cents)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("基金余额不足", code="insufficient_funds")


def _book(fund: Fund, actor: User, kind: str, amount_cents: int, **fields) -> FundEntry:
    """One ledger entry and the balance moved by it, together or not at all (the caller holds the fund)."""
    entry = FundEntry(
        fund_id=fund.id,
        org_id=fund.org_id,
        kind=kind,
        amount_cents=amount_cents,
        booked_on=local_today(),
        recorded_by_id=actor.id,
        **fields,
    )
    with db.session.begin_nested():
        # The entry first: a second reversal of one entry fails on its unique constraint before
        # the balance is looked at.
        db.session.add(entry)
        db.session.flush()
        _move_balance(fund, amount_cents)
    return entry


def donate(actor: User, fund_id: int, fields: dict) -> FundEntry:
    """A donation from a unit or a person, received on a day not in the future."""
    fund = fund_in_scope(actor, fund_id)
    if fields["received_on"] > local_today():
        raise Invalid(
            "收到日期不能晚于今天", code="received_in_future", fields={"received_on": ["收到日期不能晚于今天"]}
        )
    _hold(fund)
    entry = _book(fund, actor, "donation", fields.pop("amount_cents"), **fields)
    db.session.refresh(fund)
    return entry


# ------------------------------------------------------------------ disbursements


def request_disbursement(actor: User, fund_id: int, fields: dict) -> Disbursement:
    """Ask for a payment out of the fund; other staff over the fund hear that it waits for them."""
    fund = fund_in_scope(actor, fund_id)
    care_target_id = fields.get("care_target_id")
    if care_target_id is not None:
        _check_care_target(actor, fund, care_target_id)
    disbursement = Disbursement(fund_id=fund.id, org_id=fund.org_id, requested_by_id=actor.id, **fields)
    db.session.add(disbursement)
    db.session.flush()
    for staff_id in staff_reaching(db.session.get(OrgUnit, fund.org_id)):
        if staff_id != actor.id:
            notify(
                staff_id,
                "disbursement_requested",
                "基金支出待审批",
                f"{fund.name}：{disbursement.purpose}（{yuan(disbursement.amount_cents)} 元）",
                {"fund_id": fund.id, "disbursement_id": disbursement.id},
            )
    return disbursement


def _check_care_target(actor: User, fund: Fund, care_target_id: int) -> None:
    """A payment to a care target names one in the fund's org that the asker sees."""
    target = db.session.get(CareTarget, care_target_id)
    fund_org = db.session.get(OrgUnit, fund.org_id)
    building = db.session.get(OrgUnit, target.building_id) if target is not None else None
    if building is None or not building.path.startswith(fund_org.path) or not reaches(actor, building):
        raise Invalid(
            "帮扶对象不存在或不在本基金所属组织内",
            code="invalid_care_target",
            fields={"care_target_id": ["帮扶对象不存在或不在本基金所属组织内"]},
        )


def disbursement_in_scope(actor: User, disbursement_id: int) -> Disbursement:
    disbursement = db.session.get(Disbursement, disbursement_id)
    if disbursement is None or not reaches(actor, db.session.get(OrgUnit, disbursement.org_id)):
        raise NotFound("支出申请不存在", code="disbursement_not_found")
    return disbursement


def _decide(disbursement: Disbursement, action: str, actor: User, note: str | None) -> None:
    """One guarded UPDATE from the status the disbursement was read in; a lost race is 409."""
    sources, target = DISBURSEMENT_TRANSITIONS[action]
    if disbursement.status not in sources:
        raise Conflict(
            f"当前状态（{DISBURSEMENT_STATUS_NAMES[disbursement.status]}）不允许该操作", code="disbursement_not_pending"
        )
    moved = db.session.execute(
        update(Disbursement)
        .where(Disbursement.id == disbursement.id, Disbursement.status.in_(sources))
        .values(status=target, decided_by_id=actor.id, decided_at=utcnow(), decision_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("该支出申请已被处理", code="disbursement_not_pending")


def approve(actor: User, disbursement_id: int) -> Disbursement:
    """Another staff member over the fund approves: the disbursement, its ledger entry and the balance
    move together; not enough money is 409 `insufficient_funds` and the disbursement stays pending."""
    disbursement = disbursement_in_scope(actor, disbursement_id)
    if disbursement.requested_by_id == actor.id:
        raise Forbidden("不能审批自己提出的支出申请", code="self_approval")
    fund = db.session.get(Fund, disbursement.fund_id)
    _hold(fund)
    with db.session.begin_nested():
        _decide(disbursement, "approve", actor, None)
        _book(
            fund,
            actor,
            "disbursement",
            -disbursement.amount_cents,
            disbursement_id=disbursement.id,
            note=disbursement.purpose,
        )
    db.session.refresh(disbursement)
    _tell_asker(disbursement, fund)
    return disbursement


def reject(actor: User, disbursement_id: int, note: str) -> Disbursement:
    """Staff over the fund turn the request down (the asker may withdraw their own)."""
    disbursement = disbursement_in_scope(actor, disbursement_id)
    _decide(disbursement, "reject", actor, note)
    db.session.refresh(disbursement)
    if disbursement.requested_by_id != actor.id:
        _tell_asker(disbursement, db.session.get(Fund, disbursement.fund_id))
    return disbursement


def _tell_asker(disbursement: Disbursement, fund: Fund) -> None:
    notify(
        disbursement.requested_by_id,
        "disbursement_decided",
        "基金支出审批结果",
        f"{fund.name}：{disbursement.purpose}（{yuan(disbursement.amount_cents)} 元）"
        f"{DISBURSEMENT_STATUS_NAMES[disbursement.status]}",
        {"fund_id": fund.id, "disbursement_id": disbursement.id, "status": disbursement.status},
    )


def disbursement_listing(actor: User, fund_id: int, status: str | None = None):
    fund = fund_in_scope(actor, fund_id)
    statement = select(Disbursement).where(Disbursement.fund_id == fund.id).order_by(Disbursement.id.desc())
    if status is not None:
        statement = statement.where(Disbursement.status == status)
    return statement


# ------------------------------------------------------------------ the ledger


def entry_in_scope(actor: User, entry_id: int) -> FundEntry:
    entry = db.session.get(FundEntry, entry_id)
    if entry is None or not reaches(actor, db.session.get(OrgUnit, entry.org_id)):
        raise NotFound("账目不存在", code="fund_entry_not_found")
    return entry


def reverse(actor: User, entry_id: int, reason: str) -> FundEntry:
    """冲正: a new entry of the opposite amount undoes a wrong one; each entry is reversed at most once,
    and a reversal that would take the balance below zero is 409 `insufficient_funds`."""
    entry = entry_in_scope(actor, entry_id)
    if entry.kind == "reversal":
        raise Conflict("冲正记录不能再冲正", code="reversal_not_reversible")
    fund = db.session.get(Fund, entry.fund_id)
    _hold(fund)
    try:
        reversal = _book(fund, actor, "reversal", -entry.amount_cents, reverses_id=entry.id, note=reason)
    except IntegrityError:
        raise Conflict("该账目已冲正", code="entry_already_reversed") from None
    return reversal


def entry_listing(actor: User, fund_id: int):
    fund = fund_in_scope(actor, fund_id)
    return select(FundEntry).where(FundEntry.fund_id == fund.id).order_by(FundEntry.id.desc())


def ledger_total(fund_id: int) -> int:
    """The sum of the fund's entries: always equal to its balance."""
    return db.session.execute(
        select(func.coalesce(func.sum(FundEntry.amount_cents), 0)).where(FundEntry.fund_id == fund_id)
    ).scalar_one()


# ------------------------------------------------------------------ monthly statement


@dataclass
class Statement:
    fund: Fund
    month: str
    opening_balance_cents: int
    entries: list[FundEntry]
    closing_balance_cents: int


def _month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, following


def statement(actor: User, fund_id: int, month: str | None) -> Statement:
    """月度对账单: the balance before the month, its entries in order, the balance after.

    A month is the local days its entries were booked on; the current month is the default."""
    fund = fund_in_scope(actor, fund_id)
    month = month or local_today().strftime("%Y-%m")
    first, following = _month_bounds(month)
    opening = db.session.execute(
        select(func.coalesce(func.sum(FundEntry.amount_cents), 0)).where(
            FundEntry.fund_id == fund.id, FundEntry.booked_on < first
        )
    ).scalar_one()
    entries = (
        db.session.execute(
            select(FundEntry)
            .where(FundEntry.fund_id == fund.id, FundEntry.booked_on >= first, FundEntry.booked_on < following)
            .order_by(FundEntry.id)
        )
        .scalars()
        .all()
    )
    closing = opening + sum(entry.amount_cents for entry in entries)
    return Statement(fund, month, int(opening), entries, int(closing))


def yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


STATEMENT_COLUMNS = [
    Column("记账日期"),
    Column("编号", "0"),
    Column("类型"),
    Column("捐赠方或用途"),
    Column("备注"),
    Column("收入（元）", "0.00"),
    Column("支出（元）", "0.00"),
    Column("余额（元）", "0.00"),
]


def _counterpart(entry: FundEntry) -> str:
    if entry.kind == "donation":
        return f"{entry.donor_name}（{DONOR_KIND_NAMES[entry.donor_kind]}）" if entry.donor_kind else entry.donor_name
    if entry.kind == "reversal":
        return f"冲正第 {entry.reverses_id} 号账目"
    return entry.note or ""


def statement_workbook(statement: Statement) -> bytes:
    """The statement as .xlsx: the opening balance, one row per entry with the running balance, the closing balance.

    Amounts are in yuan (cents / 100) with two decimals; the cents stay exact in the database."""
    title = f"{statement.fund.name}（{FUND_KIND_NAMES[statement.fund.kind]}）{statement.month}"
    balance = statement.opening_balance_cents
    rows = [(None, None, "期初余额", title, None, None, None, balance / 100)]
    for entry in statement.entries:
        balance += entry.amount_cents
        rows.append(
            (
                entry.booked_on.isoformat(),
                entry.id,
                FUND_ENTRY_KIND_NAMES[entry.kind],
                _counterpart(entry),
                entry.note if entry.kind != "disbursement" else None,
                entry.amount_cents / 100 if entry.amount_cents > 0 else None,
                -entry.amount_cents / 100 if entry.amount_cents < 0 else None,
                balance / 100,
            )
        )
    rows.append((None, None, "期末余额", title, None, None, None, balance / 100))
    return workbook(f"{statement.month} 对账单", STATEMENT_COLUMNS, rows)
