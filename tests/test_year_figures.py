"""The year's visits, activities and coordination work: counted once by the area that keeps the records
(services/care.visit_figures, services/activities.activity_figures, services/coordination.coordination_figures)
and read by both the street's annual work report and the evaluation record. Each figure here is computed
again, directly from the stored rows, with rows outside the subtree and outside the year that must not count."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from extensions import db
from localtime import to_local
from models.activities import ACTIVITY_LEVELS, Activity, ActivitySignup
from models.base import utcnow
from models.care import CareTarget, VisitPlan, VisitRecord
from models.coordination import (
    AnnualReport,
    CommunityNeed,
    CoordinationBody,
    JointProject,
    Meeting,
    ResidentUnit,
    Resolution,
)
from models.orgs import OrgUnit
from services.periods import local_today, start_of_local_day
from tests.conftest import body


@pytest.fixture
def world(make):
    units = make.tree()
    outside = make.tree()  # another district and street: none of its records count
    street = make.staff(units["street"], role="secretary")
    return {"units": units, "outside": outside, "street": street, "headers": make.headers(street)}


def _visits(make, world, year):
    """Visits in buildings A1 and B1 and one outside; this year's, last year's, one sent back."""
    units, outside = world["units"], world["outside"]
    visitor = make.member(units["community_a"], units["building_a1"])
    first_day, last_year = date(year, 1, 1), date(year - 1, 12, 31)
    for building, visits in (
        (units["building_a1"], [("confirmed", 40, first_day), ("pending", 30, first_day),
                                ("rejected", 20, first_day), ("confirmed", 50, last_year)]),
        (units["building_a2"], [("confirmed", 45, first_day)]),
        (units["building_b1"], [("confirmed", 60, first_day)]),
        (outside["building_a1"], [("confirmed", 70, first_day)]),
    ):
        target = CareTarget(name="帮扶对象", building_id=building.id, consent_on=first_day,
                            created_by_id=world["street"].id)
        db.session.add(target)
        db.session.flush()
        plan = VisitPlan(care_target_id=target.id, building_id=building.id, visitor_id=visitor.id, every_weeks=2,
                         next_due_on=first_day)
        db.session.add(plan)
        db.session.flush()
        db.session.add_all(
            VisitRecord(plan_id=plan.id, care_target_id=target.id, building_id=building.id, visitor_id=visitor.id,
                        visited_on=visited_on, minutes=minutes, summary="走访", status=status)
            for status, minutes, visited_on in visits)
    db.session.commit()


def _activities(make, world, year):
    """Held activities in A and B and outside, one that began last year, one not yet held; their sign-ups."""
    units, outside = world["units"], world["outside"]
    year_starts = start_of_local_day(date(year, 1, 1))
    minute = timedelta(minutes=1)
    now = utcnow()
    people = [make.resident(units["community_a"]) for _ in range(4)]
    # (org, level, starts_at, ends_at, [(role, status, checked_in)])
    plans = [
        (units["community_a"], "square", year_starts, year_starts + minute,
         [("participant", "confirmed", True), ("participant", "confirmed", False),
          ("participant", "waitlisted", False), ("volunteer", "confirmed", True)]),
        (units["building_a1"], "family", year_starts + minute, year_starts + 2 * minute,
         [("participant", "confirmed", True), ("organiser", "confirmed", False)]),
        (units["community_b"], "corridor", year_starts + minute, year_starts + 2 * minute,
         [("participant", "confirmed", False)]),
        (units["community_a"], "lane", year_starts - minute, year_starts + minute,
         [("participant", "confirmed", True)]),
        (units["community_a"], "lane", now + timedelta(days=1), now + timedelta(days=1, hours=1),
         [("participant", "confirmed", False)]),
        (outside["community_a"], "square", year_starts + minute, year_starts + 2 * minute,
         [("participant", "confirmed", True)]),
    ]
    for org, level, starts_at, ends_at, signups in plans:
        seats = sum(1 for _role, status, _checked_in in signups if status == "confirmed")
        activity = Activity(title="活动", level=level, org_id=org.id, starts_at=starts_at, ends_at=ends_at,
                            capacity=max(seats, 1), confirmed_count=seats, address="广场", qr_secret="s" * 32)
        db.session.add(activity)
        db.session.flush()
        db.session.add_all(
            ActivitySignup(activity_id=activity.id, user_id=person.id, role=role, status=status,
                           checked_in_at=starts_at if checked_in else None)
            for person, (role, status, checked_in) in zip(people, signups, strict=False))
    db.session.commit()


def _coordination(world, year):
    """Meetings of the street's committee, of A's and of the outside street's joint meetings; their
    resolutions; joint projects done this year, last year and outside."""
    units, outside = world["units"], world["outside"]
    now = utcnow()
    last_year = start_of_local_day(date(year, 1, 1)) - timedelta(minutes=1)
    unit = ResidentUnit(name="共建单位", kind="enterprise", party_org_name="党支部", address="路",
                        street_id=units["street"].id)
    db.session.add(unit)
    db.session.flush()
    meetings = {}
    for name, kind, org, held_at in (
        ("street", "coordination_committee", units["street"], now),
        ("a", "joint_meeting", units["community_a"], now),
        ("a_last_year", "joint_meeting", units["community_a"], last_year),
        ("outside", "joint_meeting", outside["community_a"], now),
    ):
        body_row = db.session.execute(
            select(CoordinationBody).where(CoordinationBody.org_id == org.id, CoordinationBody.kind == kind)
        ).scalar_one_or_none()
        if body_row is None:
            body_row = CoordinationBody(kind=kind, org_id=org.id, name=f"{org.name}机构")
            db.session.add(body_row)
            db.session.flush()
        meeting = Meeting(body_id=body_row.id, org_id=org.id, title="会议", held_at=held_at, agenda=[])
        db.session.add(meeting)
        db.session.flush()
        meetings[name] = meeting
    for meeting, status, closed_at in (
        (meetings["a"], "done", now), (meetings["a"], "open", None),
        (meetings["a_last_year"], "done", now), (meetings["a_last_year"], "done", last_year),
        (meetings["outside"], "done", now),
    ):
        db.session.add(Resolution(meeting_id=meeting.id, body_id=meeting.body_id, org_id=meeting.org_id, text="事项",
                                  owner_unit_id=unit.id, due_date=date(year, 12, 31), status=status,
                                  outcome="已办" if status == "done" else None, closed_at=closed_at))
    for community, status, closed_at in (
        (units["community_a"], "done", now), (units["community_a"], "done", last_year),
        (units["community_b"], "dropped", now), (outside["community_a"], "done", now),
    ):
        need = CommunityNeed(community_id=community.id, kind="venue", title="场地")
        db.session.add(need)
        db.session.flush()
        db.session.add(JointProject(need_id=need.id, community_id=community.id, title="项目", status=status,
                                    outcome="结果", closed_at=closed_at))
    db.session.commit()


def _direct_counts(root: OrgUnit, year: int) -> dict:
    """The figures again, from every stored row, filtered here in Python."""
    def inside(org_id):
        return db.session.get(OrgUnit, org_id).path.startswith(root.path)

    def this_year(moment):
        return moment is not None and to_local(moment).year == year

    now = utcnow()
    visits = [v for v in db.session.execute(select(VisitRecord)).scalars()
              if inside(v.building_id) and v.visited_on.year == year and v.status != "rejected"]
    confirmed = [v for v in visits if v.status == "confirmed"]
    held = [a for a in db.session.execute(select(Activity)).scalars()
            if inside(a.org_id) and this_year(a.starts_at) and a.ends_at <= now]
    signups = [s for s in db.session.execute(select(ActivitySignup)).scalars() if s.activity_id in {a.id for a in held}]
    meetings = [m for m in db.session.execute(select(Meeting)).scalars() if inside(m.org_id) and this_year(m.held_at)]
    resolutions = [r for r in db.session.execute(select(Resolution)).scalars() if inside(r.org_id)]
    projects = [p for p in db.session.execute(select(JointProject)).scalars() if inside(p.community_id)]
    return {
        "visits": {
            "visits_made": len(visits),
            "visits_confirmed": len(confirmed),
            "visit_minutes_confirmed": sum(v.minutes for v in confirmed),
            "care_targets_visited": len({v.care_target_id for v in visits}),
        },
        "activities": {
            "activities_held": len(held),
            "activities_by_level": {level: sum(1 for a in held if a.level == level) for level in ACTIVITY_LEVELS},
            "activity_seats_taken": sum(1 for s in signups if s.role == "participant" and s.status == "confirmed"),
            "activity_participants_attended": sum(1 for s in signups if s.role == "participant" and s.checked_in_at),
            "activity_helpers": sum(1 for s in signups if s.role != "participant"),
        },
        "coordination": {
            "meetings_held": len(meetings),
            "resolutions_made": sum(1 for r in resolutions if r.meeting_id in {m.id for m in meetings}),
            "resolutions_done": sum(1 for r in resolutions if r.status == "done" and this_year(r.closed_at)),
            "projects_done": sum(1 for p in projects if p.status == "done" and this_year(p.closed_at)),
        },
    }


@pytest.fixture
def year_of_work(make, world):
    year = local_today().year
    _visits(make, world, year)
    _activities(make, world, year)
    _coordination(world, year)
    return year


def test_annual_report_counts_the_streets_visits_activities_and_meetings_of_the_year(client, world, year_of_work):
    created = client.post("/api/v1/annual-reports", headers=world["headers"],
                          json={"org_id": world["units"]["street"].id, "year": year_of_work})
    assert created.status_code == 201, created.get_json()
    figures = body(created)["figures"]
    direct = _direct_counts(world["units"]["street"], year_of_work)
    for section in direct.values():
        for name, value in section.items():
            assert figures[name] == value, name
    # The same numbers, written out: what the rows above were built to give.
    assert (figures["visits_made"], figures["visits_confirmed"], figures["visit_minutes_confirmed"],
            figures["care_targets_visited"]) == (4, 3, 145, 3)
    assert figures["activities_held"] == 3
    assert figures["activities_by_level"] == {"family": 1, "corridor": 1, "lane": 0, "square": 1}
    assert (figures["activity_seats_taken"], figures["activity_participants_attended"],
            figures["activity_helpers"]) == (4, 2, 2)
    assert (figures["meetings_held"], figures["resolutions_made"], figures["resolutions_done"],
            figures["projects_done"]) == (2, 2, 2, 1)


def test_evaluation_record_counts_the_subjects_visits_activities_and_meetings(client, make, world, year_of_work):
    units = world["units"]
    evaluation = body(client.post("/api/v1/evaluations", headers=world["headers"], json={
        "org_id": units["street"].id, "year": year_of_work, "title": "述职评议"}))
    subject = body(client.post(f"/api/v1/evaluations/{evaluation['id']}/subjects", headers=world["headers"],
                               json={"org_id": units["community_a"].id}))
    answer = client.get(f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/record",
                        headers=make.headers(make.staff(units["community_a"])))
    assert answer.status_code == 200, answer.get_json()
    record = body(answer)
    direct = _direct_counts(units["community_a"], year_of_work)
    assert {name: record[name] for name in direct} == direct
    # Community B's visit, activity and dropped project, the street's meeting: not community A's.
    assert record["visits"] == {"visits_made": 3, "visits_confirmed": 2, "visit_minutes_confirmed": 85,
                                "care_targets_visited": 2}
    assert record["activities"]["activities_held"] == 2
    assert record["activities"]["activity_seats_taken"] == 3
    assert record["coordination"] == {"meetings_held": 1, "resolutions_made": 2, "resolutions_done": 2,
                                      "projects_done": 1}


def test_report_spreadsheet_and_answer_carry_the_new_figure_rows(client, world, year_of_work):
    report = body(client.post("/api/v1/annual-reports", headers=world["headers"],
                              json={"org_id": world["units"]["street"].id, "year": year_of_work}))
    rows = dict(body(client.get(f"/api/v1/annual-reports/{report['id']}", headers=world["headers"]))["figure_rows"])
    sheet = client.get(f"/api/v1/annual-reports/{report['id']}/report.xlsx", headers=world["headers"])
    cells = dict(list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))[1:])
    for label, value in (("帮扶走访（次）", 4), ("已确认走访时长（小时）", 2.4), ("开展文化活动（场）", 3),
                         ("文化活动·广场", 1), ("活动到场签到（人次）", 2), ("召开协调会议", 2)):
        assert rows[label] == cells[label] == value, label


def test_a_report_compiled_before_visits_were_counted_still_exports(client, world):
    report = body(client.post("/api/v1/annual-reports", headers=world["headers"],
                              json={"org_id": world["units"]["street"].id, "year": local_today().year}))
    row = db.session.get(AnnualReport, report["id"])
    row.figures = {name: value for name, value in row.figures.items()
                   if not name.startswith(("visit", "care_", "activit"))}
    db.session.commit()
    rows = dict(body(client.get(f"/api/v1/annual-reports/{report['id']}", headers=world["headers"]))["figure_rows"])
    assert rows["帮扶走访（次）"] is None and "文化活动·广场" not in rows
    document = client.get(f"/api/v1/annual-reports/{report['id']}/report.docx", headers=world["headers"])
    assert document.status_code == 200
