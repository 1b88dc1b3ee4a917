"""双向述职评议: rounds, subjects, one-time codes, secret ballots, results, the computed record, assessments, media."""
import json
import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests as http
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import OperationalError

from extensions import db
from models.audit import AuditEntry
from models.base import utcnow
from models.evaluation import DEFAULT_DIMENSIONS, EvaluationBallot, EvaluationCode
from models.ledger import HourEntry
from models.requests import ServiceRequest
from services.periods import local_today
from tests.conftest import body

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def evaluation_world(make):
    units = make.tree()
    street = make.staff(units["street"], role="secretary")
    world = {
        "units": units,
        "street": make.headers(street),
        "community": make.headers(make.staff(units["community_a"], role="secretary")),
        "other_community": make.headers(make.staff(units["community_b"], role="secretary")),
        "resident": make.headers(make.resident(units["community_a"], units["building_a1"])),
    }
    return world


def open_round(client, world, subjects=("community_a", "community_b")) -> dict:
    created = client.post("/api/v1/evaluations", headers=world["street"], json={
        "org_id": world["units"]["street"].id, "year": local_today().year, "title": "书记抓党建述职评议"})
    assert created.status_code == 201, created.get_json()
    evaluation = body(created)
    evaluation["subjects"] = []
    for name in subjects:
        added = client.post(f"/api/v1/evaluations/{evaluation['id']}/subjects", headers=world["street"],
                            json={"org_id": world["units"][name].id})
        assert added.status_code == 201, added.get_json()
        evaluation["subjects"].append(body(added))
    return evaluation


def invite(client, world, round_id, sector, count) -> list[str]:
    answer = client.post(f"/api/v1/evaluations/{round_id}/invitations", headers=world["street"],
                         json={"sector": sector, "count": count})
    assert answer.status_code == 201, answer.get_json()
    return body(answer)["codes"]


def scores_for(evaluation, value: int) -> dict:
    return {str(subject["id"]): dict.fromkeys(DEFAULT_DIMENSIONS, value) for subject in evaluation["subjects"]}


def test_opening_a_round_answers_open_with_default_dimensions(client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    assert evaluation["status"] == "open"
    assert evaluation["dimensions"] == list(DEFAULT_DIMENSIONS)
    shown = body(client.get(f"/api/v1/evaluations/{evaluation['id']}", headers=evaluation_world["street"]))
    assert [subject["org_id"] for subject in shown["subjects"]] == [
        evaluation_world["units"]["community_a"].id, evaluation_world["units"]["community_b"].id]


def test_community_staff_cannot_open_a_round_for_a_community(client, evaluation_world):
    answer = client.post("/api/v1/evaluations", headers=evaluation_world["community"], json={
        "org_id": evaluation_world["units"]["community_a"].id, "year": 2026, "title": "社区自评"})
    assert (answer.status_code, body(answer)["error"]["code"]) == (422, "round_org_kind")


def test_staff_of_another_street_get_404_on_the_round(client, make, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    from services.orgs import add_org

    other_street = add_org("别的街道", "street_working_committee", evaluation_world["units"]["district"])
    db.session.commit()
    stranger = make.headers(make.staff(other_street, role="secretary"))
    missing = client.get("/api/v1/evaluations/2147483647", headers=stranger)
    for path in ("", "/results"):
        answer = client.get(f"/api/v1/evaluations/{evaluation['id']}{path}", headers=stranger)
        assert (answer.status_code, body(answer)["error"]["code"]) == (404, body(missing)["error"]["code"])
    invited = client.post(f"/api/v1/evaluations/{evaluation['id']}/invitations", headers=stranger,
                          json={"sector": "member", "count": 1})
    assert invited.status_code == 404
    listed = body(client.get("/api/v1/evaluations", headers=stranger))
    assert listed["total"] == 0


def test_a_subject_must_be_a_grassroots_org_inside_the_round(client, evaluation_world):
    evaluation = open_round(client, evaluation_world, subjects=())
    building = client.post(f"/api/v1/evaluations/{evaluation['id']}/subjects", headers=evaluation_world["street"],
                           json={"org_id": evaluation_world["units"]["building_a1"].id})
    assert body(building)["error"]["code"] == "subject_org_kind"
    first = client.post(f"/api/v1/evaluations/{evaluation['id']}/subjects", headers=evaluation_world["street"],
                        json={"org_id": evaluation_world["units"]["community_a"].id})
    again = client.post(f"/api/v1/evaluations/{evaluation['id']}/subjects", headers=evaluation_world["street"],
                        json={"org_id": evaluation_world["units"]["community_a"].id})
    assert (first.status_code, again.status_code, body(again)["error"]["code"]) == (201, 409, "subject_exists")


def test_a_code_casts_one_ballot_and_a_second_use_is_409(client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    [code] = invite(client, evaluation_world, evaluation["id"], "resident", 1)
    paper = client.post("/api/v1/ballots/paper", json={"code": code.lower().replace("-", " ")})
    assert paper.status_code == 200
    assert [s["id"] for s in body(paper)["subjects"]] == [s["id"] for s in evaluation["subjects"]]
    first = client.post("/api/v1/ballots", json={"code": code, "scores": scores_for(evaluation, 5)})
    second = client.post("/api/v1/ballots", json={"code": code, "scores": scores_for(evaluation, 1)})
    unknown = client.post("/api/v1/ballots", json={"code": "AAAA-BBBB-CCCC", "scores": scores_for(evaluation, 1)})
    assert first.status_code == 201
    assert (second.status_code, body(second)["error"]["code"]) == (409, "code_used")
    assert (unknown.status_code, body(unknown)["error"]["code"]) == (404, "code_unknown")
    assert db.session.execute(select(func.count()).select_from(EvaluationBallot)).scalar_one() == 1


def test_a_ballot_naming_another_rounds_subject_or_an_unknown_dimension_is_422_and_spends_nothing(
        client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    [code] = invite(client, evaluation_world, evaluation["id"], "member", 1)
    stranger = client.post("/api/v1/ballots", json={"code": code, "scores": {"2147483647": {"思想政治": 3}}})
    unknown = client.post("/api/v1/ballots", json={
        "code": code, "scores": {str(evaluation["subjects"][0]["id"]): {"颜值": 5}}})
    out_of_range = client.post("/api/v1/ballots", json={
        "code": code, "scores": {str(evaluation["subjects"][0]["id"]): {"思想政治": 6}}})
    assert [a.status_code for a in (stranger, unknown, out_of_range)] == [422, 422, 422]
    assert client.post("/api/v1/ballots", json={"code": code, "scores": scores_for(evaluation, 4)}).status_code == 201


def test_twenty_concurrent_uses_of_one_code_cast_one_ballot(live_server, client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    [code] = invite(client, evaluation_world, evaluation["id"], "unit", 1)
    payload = {"code": code, "scores": scores_for(evaluation, 4)}

    def cast(_):
        return http.post(f"{live_server}/api/v1/ballots", json=payload, timeout=60).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = sorted(pool.map(cast, range(20)))
    assert statuses == [201] + [409] * 19
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(EvaluationBallot)).scalar_one() == 1


def test_concurrent_ballots_with_different_codes_are_all_kept(live_server, client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    codes = invite(client, evaluation_world, evaluation["id"], "member", 12)

    def cast(code):
        return http.post(f"{live_server}/api/v1/ballots", json={"code": code, "scores": scores_for(evaluation, 3)},
                         timeout=60).status_code

    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(cast, codes))
    assert statuses == [201] * 12
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(EvaluationBallot)).scalar_one() == 12
    assert db.session.execute(select(func.count()).where(EvaluationCode.spent.is_(True))).scalar_one() == 12


def test_results_before_closing_are_409(client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    answer = client.get(f"/api/v1/evaluations/{evaluation['id']}/results", headers=evaluation_world["street"])
    assert (answer.status_code, body(answer)["error"]["code"]) == (409, "evaluation_open")


def test_a_closed_round_takes_no_ballot(client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    [code] = invite(client, evaluation_world, evaluation["id"], "member", 1)
    closed = client.post(f"/api/v1/evaluations/{evaluation['id']}/close", headers=evaluation_world["street"])
    assert closed.status_code == 200
    late = client.post("/api/v1/ballots", json={"code": code, "scores": scores_for(evaluation, 5)})
    assert (late.status_code, body(late)["error"]["code"]) == (409, "evaluation_closed")
    again = client.post(f"/api/v1/evaluations/{evaluation['id']}/close", headers=evaluation_world["street"])
    assert again.status_code == 409


def test_results_equal_an_independent_computation_and_hide_means_under_three_ballots(client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    rng = random.Random(7)
    cast = []
    for sector, count in (("member", 5), ("resident", 4), ("superior", 2)):
        for code in invite(client, evaluation_world, evaluation["id"], sector, count):
            scores = {str(subject["id"]): {dimension: rng.randint(1, 5) for dimension in DEFAULT_DIMENSIONS}
                      for subject in evaluation["subjects"]}
            assert client.post("/api/v1/ballots", json={"code": code, "scores": scores}).status_code == 201
            cast.append((sector, scores))
    client.post(f"/api/v1/evaluations/{evaluation['id']}/close", headers=evaluation_world["street"])
    answer = body(client.get(f"/api/v1/evaluations/{evaluation['id']}/results", headers=evaluation_world["street"]))

    stored = db.session.execute(select(EvaluationBallot.sector, EvaluationBallot.scores)).all()
    def canonical(rows):
        return sorted(json.dumps([sector, scores], sort_keys=True) for sector, scores in rows)

    assert canonical(stored) == canonical(cast)
    expected = defaultdict(list)
    for sector, scores in stored:
        for subject_id, by_dimension in scores.items():
            for dimension, score in by_dimension.items():
                expected[(int(subject_id), sector, dimension)].append(score)
    sector_ballots = {sector: sum(1 for s, _ in stored if s == sector) for sector, _ in stored}
    for subject in answer["subjects"]:
        for sector in subject["sectors"]:
            for dimension in sector["dimensions"]:
                given = expected[(subject["subject_id"], sector["sector"], dimension["dimension"])]
                assert dimension["count"] == len(given)
                if sector_ballots.get(sector["sector"], 0) >= 3:
                    assert dimension["mean"] == pytest.approx(sum(given) / len(given), abs=0.005)
                else:
                    assert dimension["mean"] is None
    superior = next(s for s in answer["subjects"][0]["sectors"] if s["sector"] == "superior")
    assert (superior["ballots"], superior["means_shown"]) == (2, False)
    assert all(d["mean"] is None and d["count"] == 2 for d in superior["dimensions"])


def test_stored_ballots_cannot_be_joined_to_their_codes(client, evaluation_world):
    """After voting, no column, shared value, physical row order or (PostgreSQL) transaction id joins
    a ballot to the code that cast it."""
    evaluation = open_round(client, evaluation_world)
    codes = invite(client, evaluation_world, evaluation["id"], "member", 8)
    order = list(range(8))
    random.Random(3).shuffle(order)
    cast_order = []
    for position in order:  # each ballot says which code cast it, so the test can look for it
        scores = {str(evaluation["subjects"][0]["id"]): {"总体评价": 1 + position % 5, "思想政治": 1 + position // 5}}
        assert client.post("/api/v1/ballots", json={"code": codes[position], "scores": scores}).status_code == 201
        cast_order.append(position)
    client.post(f"/api/v1/evaluations/{evaluation['id']}/close", headers=evaluation_world["street"])

    ballot_columns = {column["name"] for column in inspect(db.engine).get_columns("evaluation_ballots")}
    code_columns = {column["name"] for column in inspect(db.engine).get_columns("evaluation_codes")}
    assert ballot_columns == {"id", "round_id", "sector", "scores"}
    assert code_columns == {"id", "round_id", "sector", "digest", "spent"}
    ballot_ids = db.session.execute(select(EvaluationBallot.id)).scalars().all()
    code_ids = db.session.execute(select(EvaluationCode.id)).scalars().all()
    assert not {str(i) for i in code_ids} & set(ballot_ids)

    postgresql = db.engine.dialect.name == "postgresql"
    physical = "ctid" if postgresql else None
    ballots_as_stored = db.session.execute(text(
        "SELECT id FROM evaluation_ballots ORDER BY ctid" if physical else "SELECT id FROM evaluation_ballots"
    )).scalars().all()
    codes_as_stored = db.session.execute(text(
        "SELECT id FROM evaluation_codes ORDER BY ctid" if physical else "SELECT id FROM evaluation_codes"
    )).scalars().all()
    # Ballots lie in the order of their random ids, codes in the order they were made: neither
    # follows the order of casting.
    assert ballots_as_stored == sorted(ballots_as_stored)
    assert codes_as_stored == sorted(codes_as_stored)
    if postgresql:
        assert db.session.execute(text("SELECT count(DISTINCT xmin::text) FROM evaluation_ballots")).scalar_one() == 1
        assert db.session.execute(text("SELECT count(DISTINCT xmin::text) FROM evaluation_codes")).scalar_one() == 1
    else:
        with pytest.raises(OperationalError):  # WITHOUT ROWID: no hidden row number to order by
            db.session.execute(text("SELECT rowid FROM evaluation_ballots")).all()
        db.session.rollback()
    # The audit trail holds no ballot and no time of any cast.
    assert not db.session.execute(select(AuditEntry).where(AuditEntry.target_type == "evaluation_ballots")).all()
    assert not [entry for entry in db.session.execute(select(AuditEntry.after)).scalars() if "scores" in entry]


def test_the_record_equals_direct_counts(client, make, make_station, category, evaluation_world):
    units = evaluation_world["units"]
    evaluation = open_round(client, evaluation_world)
    resident = make.resident(units["community_a"], units["building_a1"])
    member = make.member(units["community_a"], units["building_a1"])
    staff = make.staff(units["community_a"])
    for title in ("修水管", "换灯泡"):
        db.session.add(ServiceRequest(community_id=units["community_a"].id, resident_id=resident.id,
                                      category_id=category.id, title=title, description="", status="submitted",
                                      sla_due_at=utcnow() + timedelta(hours=2)))
    db.session.add(ServiceRequest(community_id=units["community_b"].id, resident_id=resident.id,
                                  category_id=category.id, title="别处的", description="", status="submitted",
                                  sla_due_at=utcnow() + timedelta(hours=2)))
    db.session.add(HourEntry(member_id=member.id, org_id=units["building_a1"].id, source="visit", source_id=1,
                             minutes=90, status="confirmed", confirmed_at=utcnow(), confirmed_by_id=staff.id))
    db.session.add(HourEntry(member_id=member.id, org_id=units["community_a"].id, source="visit", source_id=2,
                             minutes=30, status="pending"))
    make_station(units["community_a"])
    db.session.commit()
    subject = evaluation["subjects"][0]
    answer = client.get(f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/record",
                        headers=evaluation_world["community"])
    assert answer.status_code == 200, answer.get_json()
    record = body(answer)
    in_a = [request for request in db.session.execute(select(ServiceRequest)).scalars()
            if request.community_id == units["community_a"].id]
    assert record["requests"]["submitted"] == len(in_a) == 2
    assert record["hours"] == {"confirmed_minutes": 90, "members_credited": 1}
    assert record["registrations"]["approved"] == 1
    assert record["stations"]["count"] == 1
    assert record["checkins"]["checkins"] == 0


def test_the_subjects_own_staff_write_the_report_and_others_get_404(client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    subject = evaluation["subjects"][0]
    path = f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/report"
    own = client.put(path, headers=evaluation_world["community"], json={"report_text": "一年来，社区党总支……"})
    other = client.put(path, headers=evaluation_world["other_community"], json={"report_text": "冒名"})
    assert own.status_code == 200 and body(own)["report_text"].startswith("一年来")
    assert other.status_code == 404


def test_only_the_superior_org_assesses_and_both_kinds_appear(client, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    subject = evaluation["subjects"][0]
    path = f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/assessments"
    for kind in ("daily", "pre_report"):
        answer = client.post(path, headers=evaluation_world["street"], json={
            "kind": kind, "assessed_on": "2026-03-01", "item": "三会一课", "score": 90, "note": "按时"})
        assert answer.status_code == 201, answer.get_json()
    self_assessed = client.post(path, headers=evaluation_world["community"], json={
        "kind": "daily", "assessed_on": "2026-03-02", "item": "自评", "score": 100})
    assert self_assessed.status_code == 404
    listed = body(client.get(path, headers=evaluation_world["community"]))["items"]
    assert [item["kind"] for item in listed] == ["daily", "pre_report"]
    shown = body(client.get(f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/display",
                            headers=evaluation_world["street"]))
    assert len(shown["assessments"]) == 2 and shown["record"]["org_id"] == subject["org_id"]


def test_media_are_refused_over_the_size_limit_or_of_the_wrong_type(client, app, evaluation_world, monkeypatch):
    evaluation = open_round(client, evaluation_world)
    subject = evaluation["subjects"][0]
    path = f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/media"
    monkeypatch.setitem(app.config, "EVALUATION_MEDIA_MAX_BYTES", 1024)

    def upload(content, name="x.png"):
        import io
        return client.post(path, headers=evaluation_world["community"], content_type="multipart/form-data",
                           data={"title": "阵地照片", "file": (io.BytesIO(content), name)})

    too_large = upload(PNG + b"\x00" * 2048)
    wrong_type = upload(b"MZ\x90\x00 not an image", "photo.png")
    trail_before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    image = upload(PNG)
    db.session.expire_all()
    trail = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()[trail_before:]
    assert [entry.target_type for entry in trail] == ["evaluation_rounds"]  # one row for the upload
    pdf = upload(PDF, "report.pdf")
    assert (too_large.status_code, body(too_large)["error"]["code"]) in {
        (422, "file_too_large"), (413, "payload_too_large")}
    assert (wrong_type.status_code, body(wrong_type)["error"]["code"]) == (422, "file_type_refused")
    assert (image.status_code, body(image)["kind"]) == (201, "image")
    assert (pdf.status_code, body(pdf)["kind"]) == (201, "pdf")
    served = client.get(f"/api/v1/evaluations/{evaluation['id']}/media/{body(image)['id']}",
                        headers=evaluation_world["street"])
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    hidden = client.get(f"/api/v1/evaluations/{evaluation['id']}/media/{body(image)['id']}",
                        headers=evaluation_world["other_community"])
    assert hidden.status_code == 404


def test_a_station_names_its_member_or_household_only_where_its_kind_has_one(client, make, evaluation_world):
    units = evaluation_world["units"]
    member = make.member(units["community_a"], units["building_a1"])
    station = {"name": "冠名服务点", "org_id": units["building_a1"].id, "address": "1号楼", "lat": 36.65, "lng": 117.12,
               "radius_m": 50, "acquisition": "joint_built", "opening_hours": {"weekly": {}}, "funding": "self_raised"}
    wrong = client.post("/api/v1/stations", headers=evaluation_world["community"],
                        json={**station, "kind": "community_service_station", "named_member_id": member.id})
    named = client.post("/api/v1/stations", headers=evaluation_world["community"],
                        json={**station, "kind": "building_named_station", "named_member_id": member.id})
    nobody = client.post("/api/v1/stations", headers=evaluation_world["community"],
                         json={**station, "kind": "household_activity_room", "household_user_id": 2147483647})
    assert (wrong.status_code, body(wrong)["error"]["code"]) == (422, "station_person_not_applicable")
    assert named.status_code == 201, named.get_json()
    assert (body(named)["named_member_id"], body(named)["funding"]) == (member.id, "self_raised")
    assert (nobody.status_code, body(nobody)["error"]["code"]) == (422, "user_not_found")


def test_assessments_and_media_rows_belong_to_their_subjects_org_in_the_audit_trail(client, evaluation_world):
    from services.audit import org_of_row

    evaluation = open_round(client, evaluation_world)
    subject = evaluation["subjects"][0]
    for table in ("evaluation_assessments", "evaluation_media"):
        assert org_of_row(table, {"id": 1, "subject_id": subject["id"]}) == subject["org_id"]


def _meeting_notices(event):
    from models.notifications import Notification
    db.session.expire_all()
    return db.session.execute(
        select(Notification.user_id, Notification.data).where(Notification.event == event).order_by(Notification.id)
    ).all()


def _own_staff(org):
    from models.orgs import StaffScope
    return set(db.session.execute(select(StaffScope.user_id).where(StaffScope.org_id == org.id)).scalars())


def test_scheduling_the_meeting_tells_each_subjects_own_staff_once_per_new_time(client, evaluation_world):
    units = evaluation_world["units"]
    evaluation = open_round(client, evaluation_world)
    path = f"/api/v1/evaluations/{evaluation['id']}"
    meeting_at = (utcnow() + timedelta(days=7)).isoformat()
    assert client.patch(path, headers=evaluation_world["street"],
                        json={"meeting_at": meeting_at, "meeting_place": "街道会议室"}).status_code == 200
    assert client.patch(path, headers=evaluation_world["street"], json={"meeting_place": "二楼"}).status_code == 200
    notices = _meeting_notices("evaluation_meeting_scheduled")
    told = {user_id for user_id, _ in notices}
    assert told == _own_staff(units["community_a"]) | _own_staff(units["community_b"]) and told
    assert len(notices) == len(told)  # the place alone moving tells nobody again
    assert {data["round_id"] for _, data in notices} == {evaluation["id"]}


def test_the_day_before_reminder_goes_once_and_again_only_after_the_meeting_moves(client, app, evaluation_world):
    from jobs.evaluation import remind_evaluation_meetings

    units = evaluation_world["units"]
    evaluation = open_round(client, evaluation_world, subjects=("community_a",))
    path = f"/api/v1/evaluations/{evaluation['id']}"
    client.patch(path, headers=evaluation_world["street"],
                 json={"meeting_at": (utcnow() + timedelta(days=3)).isoformat()})
    assert remind_evaluation_meetings() == 0  # not yet the day before
    from models.evaluation import EvaluationRound
    db.session.execute(EvaluationRound.__table__.update().values(meeting_at=utcnow() + timedelta(hours=20)))
    db.session.commit()

    def run(_):
        with app.app_context():
            try:
                return remind_evaluation_meetings()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(run, range(4))) == 1
    assert remind_evaluation_meetings() == 0
    assert {user_id for user_id, _ in _meeting_notices("evaluation_meeting_reminder")} == _own_staff(
        units["community_a"])
    client.patch(path, headers=evaluation_world["street"],
                 json={"meeting_at": (utcnow() + timedelta(days=5)).isoformat()})
    db.session.execute(EvaluationRound.__table__.update().values(meeting_at=utcnow() + timedelta(hours=10)))
    db.session.commit()
    assert remind_evaluation_meetings() == 1


def test_a_meeting_scheduled_within_a_day_is_not_reminded_again(client, evaluation_world):
    from jobs.evaluation import remind_evaluation_meetings

    evaluation = open_round(client, evaluation_world, subjects=("community_a",))
    client.patch(f"/api/v1/evaluations/{evaluation['id']}", headers=evaluation_world["street"],
                 json={"meeting_at": (utcnow() + timedelta(hours=5)).isoformat()})
    assert remind_evaluation_meetings() == 0
    own_staff = _own_staff(evaluation_world["units"]["community_a"])
    assert len(_meeting_notices("evaluation_meeting_scheduled")) == len(own_staff)
