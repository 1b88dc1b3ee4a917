"""Two-way reporting and evaluation (双向述职评议): rounds, subjects, assessments, media, codes and ballots.

Ballots are secret. A ballot row carries no link to the code that cast it: a random id, the
round, the sector and the scores; no time, no sequence. The code table keeps only an HMAC of
each code and whether it is spent. Casting a ballot rewrites the round's codes (in creation
order) and the round's ballots (in the order of their random ids) in the same transaction, so
neither the physical order of rows nor PostgreSQL's per-row transaction id tells which code
cast which ballot (services/evaluation.py, `cast_ballot`).
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

ROUND_STATUS_NAMES = {"open": "进行中", "closed": "已结束"}
ROUND_STATUSES = tuple(ROUND_STATUS_NAMES)
# Who is invited to evaluate (各界代表).
SECTOR_NAMES = {"member": "党员代表", "resident": "群众代表", "unit": "驻区单位代表", "superior": "上级党组织"}
SECTORS = tuple(SECTOR_NAMES)
# 日常考核 during the year, 述职前考核 just before the report.
ASSESSMENT_KIND_NAMES = {"daily": "日常考核", "pre_report": "述职前考核"}
ASSESSMENT_KINDS = tuple(ASSESSMENT_KIND_NAMES)
MEDIA_KIND_NAMES = {"image": "图片", "pdf": "PDF 文档", "video_link": "视频链接"}
MEDIA_KINDS = tuple(MEDIA_KIND_NAMES)
# The dimensions a round scores when it names none.
DEFAULT_DIMENSIONS = ("思想政治", "履职尽责", "服务群众", "廉洁自律", "总体评价")
LOWEST_SCORE, HIGHEST_SCORE = 1, 5


class EvaluationRound(db.Model):
    """One year's reporting and evaluation, opened by a street or district."""

    __tablename__ = "evaluation_rounds"
    __table_args__ = (
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_when_closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(choice(ROUND_STATUSES, "evaluation_round_status", 10), default="open")
    dimensions: Mapped[list] = mapped_column(JSON)
    # The reporting meeting (述职大会), when scheduled.
    meeting_at: Mapped[datetime | None]
    meeting_place: Mapped[str | None] = mapped_column(String(200))
    # Claimed when the day-before reminder of the meeting goes out; cleared when the meeting moves.
    meeting_reminded_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    org = relationship("OrgUnit", lazy="joined")


class EvaluationSubject(db.Model):
    """A grassroots organisation whose secretary reports in the round, with the report itself."""

    __tablename__ = "evaluation_subjects"
    __table_args__ = (UniqueConstraint("round_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    report_text: Mapped[str | None] = mapped_column(Text)
    report_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org = relationship("OrgUnit", lazy="joined")


class EvaluationAssessment(db.Model):
    """有措施监述: the superior organisation's daily and pre-report assessment of a subject."""

    __tablename__ = "evaluation_assessments"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 100", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("evaluation_subjects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(choice(ASSESSMENT_KINDS, "evaluation_assessment_kind", 20))
    assessed_on: Mapped[date]
    item: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationMedia(db.Model):
    """有手段展述: an image, a PDF (stored under the instance folder) or a video link of a subject's report."""

    __tablename__ = "evaluation_media"
    __table_args__ = (
        CheckConstraint("(kind = 'video_link') = (url IS NOT NULL)", name="link_or_file"),
        CheckConstraint("(kind = 'video_link') = (stored_name IS NULL)", name="file_unless_link"),
        CheckConstraint("size_bytes IS NULL OR size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("evaluation_subjects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(choice(MEDIA_KINDS, "evaluation_media_kind", 20))
    title: Mapped[str] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(500))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(50))
    size_bytes: Mapped[int | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationCode(db.Model):
    """A one-time invitation code, kept only as its HMAC; `spent` once it cast its ballot.

    No time of spending is kept: it would order the spent codes like the ballots they cast.
    """

    __tablename__ = "evaluation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), index=True)
    sector: Mapped[str] = mapped_column(choice(SECTORS, "evaluation_sector", 20))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    spent: Mapped[bool] = mapped_column(Boolean, default=False)


class EvaluationBallot(db.Model):
    """One cast ballot: {"<subject_id>": {"<dimension>": 1..5}}. Nothing else, by design.

    A random text id (no sequence), no timestamp; on SQLite a table WITHOUT ROWID, so even the
    hidden row number cannot give the order of casting.
    """

    __tablename__ = "evaluation_ballots"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), index=True)
    sector: Mapped[str] = mapped_column(choice(SECTORS, "evaluation_sector", 20))
    scores: Mapped[dict] = mapped_column(JSON)
