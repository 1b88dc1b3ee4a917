"""楼院联系: building contacts, resident–member threads, messages, blocks, reports, phone reveals."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

MESSAGE_KIND_NAMES = {"text": "留言", "phone": "公开电话"}
MESSAGE_KINDS = tuple(MESSAGE_KIND_NAMES)
REPORT_STATUS_NAMES = {"open": "待处理", "upheld": "成立", "dismissed": "不成立"}
REPORT_STATUSES = tuple(REPORT_STATUS_NAMES)
# What staff may decide an open report to be.
REPORT_OUTCOMES = ("upheld", "dismissed")


class BuildingContact(db.Model):
    """Staff's word on whether a member serves a building; it overrides the member's registration.

    `active=False` records that staff removed a member who registered with the building,
    so the registration alone no longer makes them serve it.
    """

    __tablename__ = "building_contacts"
    __table_args__ = (UniqueConstraint("building_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactThread(db.Model):
    """One conversation per resident and member; `community_id` puts it in staff scope."""

    __tablename__ = "contact_threads"
    __table_args__ = (
        UniqueConstraint("resident_id", "member_id"),
        CheckConstraint("resident_id <> member_id", name="two_people"),
        Index("ix_contact_threads_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    blocked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    resident = relationship("User", foreign_keys=[resident_id])
    member = relationship("User", foreign_keys=[member_id])


class ContactMessage(db.Model):
    """Plain text, stored exactly as written; `phone` messages carry a member's own revealed number."""

    __tablename__ = "contact_messages"
    __table_args__ = (Index("ix_contact_messages_thread_created", "thread_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("contact_threads.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(
        choice(MESSAGE_KINDS, "contact_message_kind", 10),
        default="text",
    )
    text: Mapped[str] = mapped_column(String(1000))
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhoneReveal(db.Model):
    """The record of a member choosing to show their own number in a thread."""

    __tablename__ = "phone_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("contact_threads.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("contact_messages.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactReport(db.Model):
    """A resident's report of a message to the staff of the thread's community, and its handling.

    Staff decide once: `open` becomes `upheld` or `dismissed`, with who decided, when, and a note.
    """

    __tablename__ = "contact_reports"
    __table_args__ = (
        UniqueConstraint("message_id", "reporter_id"),
        CheckConstraint(
            "(status = 'open' AND handled_at IS NULL AND handled_by_id IS NULL AND handling_note IS NULL)"
            " OR (status <> 'open' AND handled_at IS NOT NULL AND handled_by_id IS NOT NULL"
            " AND handling_note IS NOT NULL)",
            name="handled_when_decided",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("contact_messages.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("contact_threads.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(choice(REPORT_STATUSES, "contact_report_status", 10), default="open")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None]
    handling_note: Mapped[str | None] = mapped_column(String(200))

    message = relationship(ContactMessage)
    thread = relationship(ContactThread)
    reporter = relationship("User", foreign_keys=[reporter_id])
    handled_by = relationship("User", foreign_keys=[handled_by_id])
