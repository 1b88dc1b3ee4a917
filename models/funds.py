"""The funds (扶贫帮困基金, 慈善基金, 残疾人帮扶基金): each a ledger of entries in integer cents.

The balance is a column kept beside the entries; the database refuses a negative balance,
and every change to it happens in the transaction that writes the entry causing it, so the
balance always equals the sum of the entries.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

FUND_KIND_NAMES = {"poverty_relief": "扶贫帮困基金", "charity": "慈善基金", "disability": "残疾人帮扶基金"}
FUND_KINDS = tuple(FUND_KIND_NAMES)
DONOR_KIND_NAMES = {"unit": "单位", "person": "个人"}
DONOR_KINDS = tuple(DONOR_KIND_NAMES)
FUND_ENTRY_KIND_NAMES = {"donation": "捐赠", "disbursement": "支出", "reversal": "冲正"}
FUND_ENTRY_KINDS = tuple(FUND_ENTRY_KIND_NAMES)
DISBURSEMENT_STATUS_NAMES = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回"}
DISBURSEMENT_STATUSES = tuple(DISBURSEMENT_STATUS_NAMES)


class Fund(db.Model):
    __tablename__ = "funds"
    __table_args__ = (
        UniqueConstraint("org_id", "name"),
        CheckConstraint("balance_cents >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(choice(FUND_KINDS, "fund_kind", 20))
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Disbursement(db.Model):
    """A payment out of a fund: asked for by one staff member, approved by another."""

    __tablename__ = "fund_disbursements"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        # 审批分离: nobody approves their own request, not even through SQL.
        CheckConstraint("status <> 'approved' OR decided_by_id <> requested_by_id", name="not_self_approved"),
        Index("ix_fund_disbursements_fund_status", "fund_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    # The fund's org, kept on the row so scope checks and the audit trail find it directly.
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(200))
    care_target_id: Mapped[int | None] = mapped_column(ForeignKey("care_targets.id"), index=True)
    status: Mapped[str] = mapped_column(choice(DISBURSEMENT_STATUSES, "disbursement_status", 20), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    fund = relationship(Fund, viewonly=True)


class FundEntry(db.Model):
    """One line of a fund's ledger: money in (positive) or out (negative); never changed afterwards.

    A mistake is corrected by a reversal: a new entry of the opposite amount pointing at the one it undoes.
    """

    __tablename__ = "fund_entries"
    __table_args__ = (
        CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
        CheckConstraint("kind <> 'donation' OR amount_cents > 0", name="donation_in"),
        CheckConstraint("kind <> 'disbursement' OR amount_cents < 0", name="disbursement_out"),
        CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_names_entry"),
        CheckConstraint("(kind = 'disbursement') = (disbursement_id IS NOT NULL)", name="disbursement_named"),
        CheckConstraint("(kind = 'donation') = (donor_name IS NOT NULL)", name="donation_has_donor"),
        # One ledger entry per approved disbursement, one reversal per entry.
        UniqueConstraint("disbursement_id"),
        UniqueConstraint("reverses_id"),
        Index("ix_fund_entries_fund_booked", "fund_id", "booked_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(choice(FUND_ENTRY_KINDS, "fund_entry_kind", 20))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    # The local day the entry was booked: the month whose statement shows it.
    booked_on: Mapped[date] = mapped_column(Date)
    donor_kind: Mapped[str | None] = mapped_column(choice(DONOR_KINDS, "donor_kind", 10))
    donor_name: Mapped[str | None] = mapped_column(String(100))
    received_on: Mapped[date | None] = mapped_column(Date)
    disbursement_id: Mapped[int | None] = mapped_column(ForeignKey("fund_disbursements.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entries.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    disbursement = relationship(Disbursement, viewonly=True)
