"""双向述职评议: rounds, subjects and their computed record, assessments, one-time codes, secret ballots, results.

Secrecy of the ballot (有权利评述). A code is shown once, when it is made, and kept only as an
HMAC with a `spent` flag. A ballot is stored apart from the code: a random UUID, the round, the
sector and the scores, no timestamp. Whatever a database administrator reads afterwards must not
join a ballot to its code, so casting a ballot, in one transaction:
  1. spends the code with a guarded UPDATE (… WHERE spent = false): of concurrent uses one wins;
  2. adds the ballot;
  3. rewrites every code of the round (in creation order) and every ballot of the round (in the
     order of their random ids).
After step 3 the rows' physical order says nothing about the order of casting (codes stand in
the order they were made, ballots in random order; on SQLite the ballot table has no hidden row
number) and on PostgreSQL every code and ballot row of the round carries the same transaction
id (xmin). The round row is locked for the cast, so the rewrites of two casts never interleave.
Results are computed only after the round is closed, and a sector with fewer than
EVALUATION_MIN_BALLOTS ballots shows counts without means.
"""
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, distinct, func, insert, select, update

from extensions import db
from localtime import to_local
from models.base import utcnow
from models.checkins import CheckIn
from models.evaluation import (
    DEFAULT_DIMENSIONS,
    SECTOR_NAMES,
    SECTORS,
    EvaluationAssessment,
    EvaluationBallot,
    EvaluationCode,
    EvaluationMedia,
    EvaluationRound,
    EvaluationSubject,
)
from models.ledger import HourEntry
from models.members import Registration
from models.orgs import OrgUnit, StaffScope
from models.requests import REQUEST_STATUSES, ServiceRequest
from models.stations import CHECKLIST_ITEMS, Station
from models.users import User
from services import activities, care, coordination, moderation, uploads
from services.database import UNPAGED_LIMIT, add_or_conflict, is_postgresql
from services.errors import Conflict, Invalid, NotFound
from services.exports import Export
from services.notifications import notify
from services.periods import local_days
from services.permissions import reaches, require_org, require_staff, within_scope
from services.spreadsheets import Column, workbook

# Who opens a round: a street or a district.
ROUND_ORG_KINDS = ("street_working_committee", "district_committee")
# Whose secretaries report: community general branches, enterprise and social-organisation branches.
SUBJECT_ORG_KINDS = ("community_general_branch", "enterprise_branch", "social_org_branch")
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "close": (("open",), "closed"),
}
# Printable and typeable: no 0/O, 1/I; 12 characters of 32 = 60 bits, shown as XXXX-XXXX-XXXX.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12


# ------------------------------------------------------------------ rounds


def _round_not_found() -> NotFound:
    return NotFound("评议不存在", code="evaluation_not_found")


def round_in_scope(actor: User, round_id: int) -> EvaluationRound:
    """The round, if the actor's staff scope covers the street or district that opened it; 404 otherwise."""
    evaluation = db.session.get(EvaluationRound, round_id)
    if evaluation is None or not reaches(actor, evaluation.org):
        raise _round_not_found()
    return evaluation


def open_round(actor: User, fields: dict) -> EvaluationRound:
    org = require_org(actor, fields["org_id"])
    if org.kind not in ROUND_ORG_KINDS:
        raise Invalid("述职评议由街道党工委或区委组织", code="round_org_kind",
                      fields={"org_id": ["述职评议由街道党工委或区委组织"]})
    dimensions = fields.get("dimensions") or list(DEFAULT_DIMENSIONS)
    evaluation = EvaluationRound(
        org_id=org.id, year=fields["year"], title=fields["title"], dimensions=dimensions,
        meeting_at=fields.get("meeting_at"), meeting_place=fields.get("meeting_place"), created_by_id=actor.id,
    )
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


def round_listing(actor: User, year: int | None = None):
    require_staff(actor)
    statement = (
        select(EvaluationRound).join(OrgUnit, OrgUnit.id == EvaluationRound.org_id)
        .where(within_scope(actor)).order_by(EvaluationRound.id.desc())
    )
    if year is not None:
        statement = statement.where(EvaluationRound.year == year)
    return statement


def schedule_meeting(actor: User, round_id: int, changes: dict) -> EvaluationRound:
    """述职大会: when and where; the dimensions may change only while no ballot is cast.

    A new meeting time is told to every subject's staff, and re-arms the day-before reminder
    (unless the meeting is already within a day: the notice itself is the reminder)."""
    evaluation = round_in_scope(actor, round_id)
    _require_open(evaluation)
    if "dimensions" in changes and _ballot_count(evaluation.id):
        raise Conflict("已有选票，评议维度不能再改", code="ballots_cast")
    moved = "meeting_at" in changes and changes["meeting_at"] != evaluation.meeting_at
    for name, value in changes.items():
        setattr(evaluation, name, value)
    if moved:
        soon = evaluation.meeting_at is not None and evaluation.meeting_at - utcnow() <= MEETING_REMINDER_AHEAD
        evaluation.meeting_reminded_at = utcnow() if soon else None
    db.session.flush()
    if moved and evaluation.meeting_at is not None:
        for subject in subjects_of(evaluation):
            _tell_subject(evaluation, subject, "evaluation_meeting_scheduled", "述职大会已安排")
    return evaluation


# When the reminder of the reporting meeting goes out: the day before.
MEETING_REMINDER_AHEAD = timedelta(days=1)


def _subject_staff(subject: EvaluationSubject) -> list[int]:
    """The staff of the subject organisation itself (whose secretary reports)."""
    return db.session.execute(
        select(StaffScope.user_id).where(StaffScope.org_id == subject.org_id).distinct().order_by(StaffScope.user_id)
    ).scalars().all()


def _tell_subject(evaluation: EvaluationRound, subject: EvaluationSubject, event: str, title: str) -> None:
    when = to_local(evaluation.meeting_at).strftime("%Y-%m-%d %H:%M")
    place = f"，{evaluation.meeting_place}" if evaluation.meeting_place else ""
    for user_id in _subject_staff(subject):
        notify(user_id, event, title, f"{evaluation.title}：{when}{place}",
               {"round_id": evaluation.id, "subject_id": subject.id, "meeting_at": evaluation.meeting_at.isoformat()})


def remind_meetings() -> int:
    """Tell the subjects' staff once, the day before, of an open round's meeting; returns how many rounds."""
    now = utcnow()
    due = db.session.execute(
        select(EvaluationRound.id).where(
            EvaluationRound.status == "open", EvaluationRound.meeting_reminded_at.is_(None),
            EvaluationRound.meeting_at > now, EvaluationRound.meeting_at <= now + MEETING_REMINDER_AHEAD,
        ).order_by(EvaluationRound.id)
    ).scalars().all()
    reminded = 0
    for round_id in due:
        claimed = db.session.execute(
            update(EvaluationRound)
            .where(EvaluationRound.id == round_id, EvaluationRound.meeting_reminded_at.is_(None))
            .values(meeting_reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue  # another worker got there first
        evaluation = db.session.get(EvaluationRound, round_id)
        for subject in subjects_of(evaluation):
            _tell_subject(evaluation, subject, "evaluation_meeting_reminder", "明天召开述职大会")
        reminded += 1
    return reminded


def close_round(actor: User, round_id: int) -> EvaluationRound:
    evaluation = round_in_scope(actor, round_id)
    sources, target = TRANSITIONS["close"]
    moved = db.session.execute(
        update(EvaluationRound)
        .where(EvaluationRound.id == evaluation.id, EvaluationRound.status.in_(sources))
        .values(status=target, closed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("评议已结束", code="evaluation_closed")
    db.session.refresh(evaluation)
    return evaluation


def _require_open(evaluation: EvaluationRound) -> None:
    if evaluation.status != "open":
        raise Conflict("评议已结束", code="evaluation_closed")


# ------------------------------------------------------------------ subjects


def add_subject(actor: User, round_id: int, org_id: int) -> EvaluationSubject:
    evaluation = round_in_scope(actor, round_id)
    _require_open(evaluation)
    org = db.session.get(OrgUnit, org_id)
    if org is None or not org.path.startswith(evaluation.org.path) or org.id == evaluation.org_id:
        raise Invalid("述职对象应是本街道（区）内的基层党组织", code="subject_outside_round",
                      fields={"org_id": ["述职对象应是本街道（区）内的基层党组织"]})
    if org.kind not in SUBJECT_ORG_KINDS:
        raise Invalid("述职对象应是社区党总支、企业或社会组织党组织", code="subject_org_kind",
                      fields={"org_id": ["述职对象应是社区党总支、企业或社会组织党组织"]})
    subject = EvaluationSubject(round_id=evaluation.id, org_id=org.id)
    add_or_conflict(subject, Conflict("该组织已是述职对象", code="subject_exists"))
    if evaluation.meeting_at is not None and evaluation.meeting_at > utcnow():
        _tell_subject(evaluation, subject, "evaluation_meeting_scheduled", "述职大会已安排")
    return subject


def subjects_of(evaluation: EvaluationRound) -> list[EvaluationSubject]:
    return db.session.execute(
        select(EvaluationSubject).where(EvaluationSubject.round_id == evaluation.id).order_by(EvaluationSubject.id)
        .limit(UNPAGED_LIMIT)
    ).scalars().all()


def subject_for_reporter(actor: User, round_id: int, subject_id: int) -> EvaluationSubject:
    """The subject, for the round's staff or the subject organisation's own staff (who write its report).

    404 otherwise."""
    subject = db.session.get(EvaluationSubject, subject_id)
    evaluation = db.session.get(EvaluationRound, round_id)
    if (subject is None or evaluation is None or subject.round_id != evaluation.id
            or not (reaches(actor, evaluation.org) or reaches(actor, subject.org))):
        raise NotFound("述职对象不存在", code="subject_not_found")
    return subject


def subject_in_round(actor: User, round_id: int, subject_id: int) -> EvaluationSubject:
    """The subject, for the round's staff only (the superior organisation); 404 otherwise."""
    evaluation = round_in_scope(actor, round_id)
    subject = db.session.get(EvaluationSubject, subject_id)
    if subject is None or subject.round_id != evaluation.id:
        raise NotFound("述职对象不存在", code="subject_not_found")
    return subject


def write_report(actor: User, round_id: int, subject_id: int, report_text: str) -> EvaluationSubject:
    subject = subject_for_reporter(actor, round_id, subject_id)
    _require_open(db.session.get(EvaluationRound, round_id))
    subject.report_text = report_text
    subject.report_updated_at = utcnow()
    db.session.flush()
    return subject


# ------------------------------------------------------------------ the record (有内容可述)


def _requests_section(org: OrgUnit, start: datetime, end: datetime) -> dict:
    rows = db.session.execute(
        select(ServiceRequest.status, func.count())
        .join(OrgUnit, OrgUnit.id == ServiceRequest.community_id)
        .where(OrgUnit.path.startswith(org.path), ServiceRequest.created_at >= start, ServiceRequest.created_at < end)
        .group_by(ServiceRequest.status)
    ).all()
    by_status = dict.fromkeys(REQUEST_STATUSES, 0)
    by_status.update(dict(rows))
    return {"submitted": sum(by_status.values()), "confirmed": by_status["confirmed"], "by_status": by_status}


def _hours_section(org: OrgUnit, start: datetime, end: datetime) -> dict:
    minutes, members = db.session.execute(
        select(func.coalesce(func.sum(HourEntry.minutes), 0), func.count(distinct(HourEntry.member_id)))
        .join(OrgUnit, OrgUnit.id == HourEntry.org_id)
        .where(OrgUnit.path.startswith(org.path), HourEntry.status == "confirmed",
               HourEntry.confirmed_at >= start, HourEntry.confirmed_at < end)
    ).one()
    return {"confirmed_minutes": int(minutes), "members_credited": members}


def _registrations_section(org: OrgUnit, start: datetime, end: datetime) -> dict:
    approved = db.session.execute(
        select(func.count(Registration.id))
        .join(OrgUnit, OrgUnit.id == Registration.community_id)
        .where(OrgUnit.path.startswith(org.path), Registration.status == "approved",
               Registration.decided_at >= start, Registration.decided_at < end)
    ).scalar_one()
    return {"approved": approved}


def _checkins_section(org: OrgUnit, start: datetime, end: datetime) -> dict:
    count, members = db.session.execute(
        select(func.count(CheckIn.id), func.count(distinct(CheckIn.member_id)))
        .join(Station, Station.id == CheckIn.station_id)
        .join(OrgUnit, OrgUnit.id == Station.org_id)
        .where(OrgUnit.path.startswith(org.path), CheckIn.checked_in_at >= start, CheckIn.checked_in_at < end)
    ).one()
    return {"checkins": count, "members": members}


def _stations_section(org: OrgUnit, start: datetime, end: datetime) -> dict:
    stations = db.session.execute(
        select(Station).join(OrgUnit, OrgUnit.id == Station.org_id)
        .where(OrgUnit.path.startswith(org.path)).order_by(Station.id).limit(UNPAGED_LIMIT)
    ).scalars().all()
    return {
        "count": len(stations),
        "items": [
            {
                "id": station.id, "name": station.name, "kind": station.kind,
                "checklist_done": sum(1 for item in CHECKLIST_ITEMS if (station.checklist or {}).get(item))
                if station.checklist is not None else None,
                "checklist_total": len(CHECKLIST_ITEMS) if station.checklist is not None else None,
            }
            for station in stations
        ],
    }


# The year's record of an org's subtree, one section per kind of work, each computed from
# Linli's own data (each a function(org, start, end) -> dict over UTC bounds, and a field of
# schemas/evaluation.RecordSchema).
RECORD_SECTIONS: dict[str, Callable[[OrgUnit, datetime, datetime], dict]] = {
    "requests": _requests_section,
    "hours": _hours_section,
    "registrations": _registrations_section,
    "checkins": _checkins_section,
    "stations": _stations_section,
}
# Sections counted by the area that keeps the records, over local days (the same functions compile
# a street's annual work report, services/coordination.compile_figures).
AREA_SECTIONS: dict[str, Callable[[OrgUnit, date, date], dict]] = {
    "visits": care.visit_figures,
    "activities": activities.activity_figures,
    "coordination": coordination.coordination_figures,
}


def record(org: OrgUnit, year: int) -> dict:
    """The year's record (local calendar year) of the org's subtree: computed, never typed."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    start, end = local_days(first, last)
    sections = {name: section(org, start, end) for name, section in RECORD_SECTIONS.items()}
    sections.update({name: count(org, first, last) for name, count in AREA_SECTIONS.items()})
    return {"org_id": org.id, "year": year, **sections}


def subject_record(actor: User, round_id: int, subject_id: int) -> dict:
    subject = subject_for_reporter(actor, round_id, subject_id)
    evaluation = db.session.get(EvaluationRound, round_id)
    return record(subject.org, evaluation.year)


# ------------------------------------------------------------------ assessments (有措施监述)


def add_assessment(actor: User, round_id: int, subject_id: int, fields: dict) -> EvaluationAssessment:
    """Only the superior organisation (the round's staff) assesses; the subject's own staff do not."""
    subject = subject_in_round(actor, round_id, subject_id)
    assessment = EvaluationAssessment(subject_id=subject.id, assessed_by_id=actor.id, **fields)
    db.session.add(assessment)
    db.session.flush()
    return assessment


def assessments_of(actor: User, round_id: int, subject_id: int) -> list[EvaluationAssessment]:
    subject = subject_for_reporter(actor, round_id, subject_id)
    return db.session.execute(
        select(EvaluationAssessment).where(EvaluationAssessment.subject_id == subject.id)
        .order_by(EvaluationAssessment.assessed_on, EvaluationAssessment.id).limit(UNPAGED_LIMIT)
    ).scalars().all()


# ------------------------------------------------------------------ codes and ballots (有权利评述)


def _digest(code: str) -> str:
    key = hashlib.sha256(b"linli-evaluation-code:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, normalised_code(code).encode(), hashlib.sha256).hexdigest()


def normalised_code(code: str) -> str:
    """What the person typed, as stored: capitals, without the separators printed for reading."""
    return "".join(character for character in code.upper() if character not in "- ")


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[start:start + 4] for start in range(0, CODE_LENGTH, 4))


def invite(actor: User, round_id: int, sector: str, count: int) -> list[str]:
    """`count` one-time codes for a sector; shown now and never again (only their HMAC is kept)."""
    evaluation = round_in_scope(actor, round_id)
    _require_open(evaluation)
    existing = db.session.execute(
        select(func.count(EvaluationCode.id)).where(EvaluationCode.round_id == evaluation.id)
    ).scalar_one()
    cap = current_app.config["EVALUATION_CODES_PER_ROUND"]
    if existing + count > cap:
        raise Invalid(f"每次评议最多发放 {cap} 个评议码", code="too_many_codes",
                      fields={"count": [f"最多还能发放 {max(cap - existing, 0)} 个"]})
    codes = [_new_code() for _ in range(count)]
    db.session.add_all(
        EvaluationCode(round_id=evaluation.id, sector=sector, digest=_digest(code), spent=False) for code in codes
    )
    db.session.flush()
    return codes


def _code_row(code: str) -> EvaluationCode:
    row = db.session.execute(select(EvaluationCode).where(EvaluationCode.digest == _digest(code))).scalar_one_or_none()
    if row is None:
        raise NotFound("评议码无效", code="code_unknown")
    return row


def ballot_paper(code: str) -> dict:
    """What a code holder scores: the round, its subjects and dimensions (the code is not spent)."""
    row = _code_row(code)
    if row.spent:
        raise Conflict("该评议码已使用", code="code_used")
    evaluation = db.session.get(EvaluationRound, row.round_id)
    _require_open(evaluation)
    return {
        "title": evaluation.title, "year": evaluation.year, "sector": row.sector,
        "dimensions": evaluation.dimensions,
        "subjects": [{"id": subject.id, "org_name": subject.org.name} for subject in subjects_of(evaluation)],
    }


def cast_ballot(code: str, scores: dict) -> None:
    """One ballot for one code; see the module docstring for why the round's rows are rewritten."""
    row = _code_row(code)
    if row.spent:
        raise Conflict("该评议码已使用", code="code_used")
    code_id, round_id, sector = row.id, row.round_id, row.sector
    locked = select(EvaluationRound).where(EvaluationRound.id == round_id)
    if is_postgresql():
        locked = locked.with_for_update(of=EvaluationRound)
    evaluation = db.session.execute(locked).scalar_one()
    _require_open(evaluation)
    _check_scores(evaluation, scores)
    spent = db.session.execute(
        update(EvaluationCode)
        .where(EvaluationCode.id == code_id, EvaluationCode.spent.is_(False),
               EvaluationCode.round_id.in_(select(EvaluationRound.id).where(
                   EvaluationRound.id == round_id, EvaluationRound.status == "open")))
        .values(spent=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise Conflict("该评议码已使用", code="code_used")
    db.session.execute(insert(EvaluationBallot), [
        {"id": str(uuid.uuid4()), "round_id": round_id, "sector": sector, "scores": scores}
    ])
    _rewrite_round_rows(round_id)


def _rewrite_round_rows(round_id: int) -> None:
    """Every code of the round in creation order, every ballot in random-id order, written anew."""
    codes = db.session.execute(
        select(EvaluationCode.id, EvaluationCode.round_id, EvaluationCode.sector, EvaluationCode.digest,
               EvaluationCode.spent).where(EvaluationCode.round_id == round_id).order_by(EvaluationCode.id)
    ).mappings().all()
    ballots = db.session.execute(
        select(EvaluationBallot.id, EvaluationBallot.round_id, EvaluationBallot.sector, EvaluationBallot.scores)
        .where(EvaluationBallot.round_id == round_id).order_by(EvaluationBallot.id)
    ).mappings().all()
    db.session.execute(delete(EvaluationCode).where(EvaluationCode.round_id == round_id)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(EvaluationBallot).where(EvaluationBallot.round_id == round_id)
                       .execution_options(synchronize_session=False))
    db.session.execute(insert(EvaluationCode), [dict(code) for code in codes])
    db.session.execute(insert(EvaluationBallot), [dict(ballot) for ballot in ballots])


def _check_scores(evaluation: EvaluationRound, scores: dict) -> None:
    """Scores name subjects of this round and its dimensions only (each score 1..5 is the schema's rule)."""
    subject_ids = {str(subject.id) for subject in subjects_of(evaluation)}
    problems = {}
    for subject_id, by_dimension in scores.items():
        if subject_id not in subject_ids:
            problems[subject_id] = ["不是本次评议的述职对象"]
            continue
        unknown = sorted(set(by_dimension) - set(evaluation.dimensions))
        if unknown:
            problems[subject_id] = [f"未知的评议维度：{'、'.join(unknown)}"]
    if problems:
        raise Invalid("选票内容无效", code="ballot_invalid", fields={"scores": problems})


def _ballot_count(round_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(EvaluationBallot).where(EvaluationBallot.round_id == round_id)
    ).scalar_one()


# ------------------------------------------------------------------ results


def results(actor: User, round_id: int) -> dict:
    """Per subject, sector and dimension: how many scored and the mean; only after closing; no
    mean where a sector cast fewer than EVALUATION_MIN_BALLOTS ballots."""
    evaluation = round_in_scope(actor, round_id)
    if evaluation.status != "closed":
        raise Conflict("评议结束后才能查看结果", code="evaluation_open")
    minimum = current_app.config["EVALUATION_MIN_BALLOTS"]
    ballots = db.session.execute(
        select(EvaluationBallot.sector, EvaluationBallot.scores).where(EvaluationBallot.round_id == evaluation.id)
    ).all()
    ballots_by_sector = {sector: 0 for sector in SECTORS}
    totals: dict[tuple[str, str, str], list[int]] = {}
    for sector, scores in ballots:
        ballots_by_sector[sector] += 1
        for subject_id, by_dimension in scores.items():
            for dimension, score in by_dimension.items():
                totals.setdefault((subject_id, sector, dimension), []).append(score)
    subjects = []
    for subject in subjects_of(evaluation):
        sectors = []
        for sector in SECTORS:
            shown = ballots_by_sector[sector] >= minimum
            dimensions = []
            for dimension in evaluation.dimensions:
                given = totals.get((str(subject.id), sector, dimension), [])
                mean = round(sum(given) / len(given), 2) if given and shown else None
                dimensions.append({"dimension": dimension, "count": len(given), "mean": mean})
            sectors.append({"sector": sector, "ballots": ballots_by_sector[sector], "means_shown": shown,
                            "dimensions": dimensions})
        subjects.append({"subject_id": subject.id, "org_id": subject.org_id, "org_name": subject.org.name,
                         "sectors": sectors})
    return {"id": evaluation.id, "status": evaluation.status, "ballots": len(ballots),
            "min_ballots_for_mean": minimum, "subjects": subjects}


RESULT_EXPORT_COLUMNS = [
    Column("述职对象"),
    Column("界别"),
    Column("界别票数", "0"),
    Column("评议维度"),
    Column("评分人数", "0"),
    Column("均分", "0.00"),
    Column("说明"),
]


def results_export(actor: User, round_id: int) -> Export:
    """评议结果 (.xlsx): the rows of `results` (so the same 404 and 409, and no mean where it shows none),
    one per subject, sector and dimension."""
    answer = results(actor, round_id)
    evaluation = db.session.get(EvaluationRound, round_id)
    too_few = f"该界别不足 {answer['min_ballots_for_mean']} 票，不显示均分"

    def shown(text: str) -> str:
        # Names and dimensions copied into the answer: held from others as the JSON answer holds them.
        return moderation.shown(actor, None, "", text)

    content = workbook("评议结果", RESULT_EXPORT_COLUMNS, (
        (
            shown(subject["org_name"]),
            SECTOR_NAMES[sector["sector"]],
            sector["ballots"],
            shown(dimension["dimension"]),
            dimension["count"],
            dimension["mean"],
            "" if sector["means_shown"] else too_few,
        )
        for subject in answer["subjects"]
        for sector in subject["sectors"]
        for dimension in sector["dimensions"]
    ))
    title = moderation.shown(actor, evaluation, "title", evaluation.title)
    return Export(content, f"{evaluation.year}年{title}_评议结果.xlsx", f"evaluation-{evaluation.id}-results.xlsx")


def code_counts(evaluation: EvaluationRound) -> dict:
    """Codes made and spent per sector (how many came to vote, not who)."""
    rows = db.session.execute(
        select(EvaluationCode.sector, func.count(), func.count().filter(EvaluationCode.spent.is_(True)))
        .where(EvaluationCode.round_id == evaluation.id).group_by(EvaluationCode.sector)
    ).all()
    counts = {sector: {"sector": sector, "codes": 0, "spent": 0} for sector in SECTORS}
    for sector, made, spent in rows:
        counts[sector].update(codes=made, spent=spent)
    return list(counts.values())


def media_of(subject: EvaluationSubject) -> list[EvaluationMedia]:
    return db.session.execute(
        select(EvaluationMedia).where(EvaluationMedia.subject_id == subject.id).order_by(EvaluationMedia.id)
        .limit(UNPAGED_LIMIT)
    ).scalars().all()


# ------------------------------------------------------------------ media (有手段展述)

MEDIA_FOLDER = "evaluation_media"


def add_media_file(actor: User, round_id: int, subject_id: int, title: str, data: bytes) -> EvaluationMedia:
    """An image or a PDF of the report, by the subject's staff or the round's."""
    subject = subject_for_reporter(actor, round_id, subject_id)
    _require_open(db.session.get(EvaluationRound, round_id))
    stored_name, content_type, size = uploads.store(MEDIA_FOLDER, data, uploads.DOCUMENT_TYPES)
    media = EvaluationMedia(
        subject_id=subject.id, kind="pdf" if content_type == "application/pdf" else "image", title=title,
        stored_name=stored_name, content_type=content_type, size_bytes=size, uploaded_by_id=actor.id,
    )
    db.session.add(media)
    db.session.flush()
    return media


def add_video_link(actor: User, round_id: int, subject_id: int, title: str, url: str) -> EvaluationMedia:
    subject = subject_for_reporter(actor, round_id, subject_id)
    _require_open(db.session.get(EvaluationRound, round_id))
    media = EvaluationMedia(subject_id=subject.id, kind="video_link", title=title, url=url, uploaded_by_id=actor.id)
    db.session.add(media)
    db.session.flush()
    return media


def subject_media(actor: User, round_id: int, subject_id: int) -> list[EvaluationMedia]:
    return media_of(subject_for_reporter(actor, round_id, subject_id))


def media_content(actor: User, round_id: int, media_id: int) -> tuple[bytes, str]:
    """A stored file, for the round's staff and the subject's own staff only."""
    media = db.session.get(EvaluationMedia, media_id)
    missing = NotFound("材料不存在", code="media_not_found")
    if media is None or media.stored_name is None:
        raise missing
    try:
        subject_for_reporter(actor, round_id, media.subject_id)
    except NotFound:
        raise missing from None
    return uploads.load(MEDIA_FOLDER, media.stored_name), media.content_type


def display(actor: User, round_id: int, subject_id: int) -> dict:
    """The meeting screen for one subject: the round, the record, assessments and media."""
    subject = subject_in_round(actor, round_id, subject_id)
    evaluation = db.session.get(EvaluationRound, round_id)
    return {
        "round": evaluation, "subject": subject, "record": record(subject.org, evaluation.year),
        "assessments": assessments_of(actor, round_id, subject_id), "media": media_of(subject),
    }
