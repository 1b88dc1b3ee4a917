"""The areas' Excel exports: care visits, an activity's sign-up list, socialised offers, evaluation results.

Each workbook is opened and read back against the stored data; another community's rows are absent and
its objects answer 404, exactly like missing ones; text that looks like a formula stays text."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from extensions import db
from localtime import to_local
from models.activities import ActivitySignup
from models.audit import AuditEntry
from models.base import utcnow
from models.care import VisitRecord
from models.offers import SocialOffer
from services.periods import local_today
from services.spreadsheets import CONTENT_TYPE
from tests.conftest import body
from tests.test_evaluation import invite, open_round, scores_for
from tests.test_offers import _payload as offer_payload

FORMULA = "=1+2"
VISIT_HEADERS = ["走访日期", "帮扶对象", "楼院", "走访人", "时长（分钟）", "状态", "审核人", "审核时间"]
SIGNUP_HEADERS = ["姓名", "角色", "状态", "候补顺位", "签到时间"]
OFFER_HEADERS = ["编号", "标题", "提供方", "提供方类型", "面向组织", "资源类型", "内容与条件", "有效期自", "有效期至",
                 "状态", "审核人", "审核时间", "审核意见"]
RESULT_HEADERS = ["述职对象", "界别", "界别票数", "评议维度", "评分人数", "均分", "说明"]


def _post(client, make, user, path, payload=None, status=201) -> dict:
    response = client.post(path, json=payload, headers=make.headers(user))
    assert response.status_code == status, response.get_data(as_text=True)
    return body(response)


def download(client, make, user, path):
    response = client.get(path, headers=make.headers(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == CONTENT_TYPE
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    return load_workbook(io.BytesIO(response.data)).active


def headers_of(sheet) -> list:
    return [cell.value for cell in sheet[1]]


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def refused(client, make, user, path) -> tuple[int, str]:
    response = client.get(path, headers=make.headers(user))
    return response.status_code, body(response)["error"]["code"]


def wall(moment):
    return to_local(moment).replace(tzinfo=None, microsecond=0)


def same_time(cell, moment) -> bool:
    return abs(cell - wall(moment)) < timedelta(seconds=1)


# ------------------------------------------------------------------ care visits


@pytest.fixture
def care_world(client, make):
    units = make.tree()
    world = {
        "units": units,
        "staff": make.staff(units["community_a"], role="secretary", name="书记甲"),
        "colleague": make.staff(units["community_a"], name="干事甲"),
        "other": make.staff(units["community_b"], role="secretary"),
        "visitor": make.member(units["community_a"], units["building_a1"], name="党员甲"),
        "visitor_b": make.member(units["community_b"], units["building_b1"], name="党员丙"),
        "resident": make.resident(units["community_a"], units["building_a1"]),
    }
    today = local_today().isoformat()

    def target_with_visit(staff, building, visitor, name, minutes):
        target = _post(client, make, staff, "/api/v1/care-targets", {
            "name": name, "building_id": building.id, "needs": ["买菜"], "address": "幸福里 3 号",
            "consent_on": today, "kinds": ["elderly_alone"]})
        _post(client, make, staff, f"/api/v1/care-targets/{target['id']}/plans",
              {"visitor_id": visitor.id, "every_weeks": 2})
        visit = _post(client, make, visitor, f"/api/v1/care-targets/{target['id']}/visits",
                      {"visited_on": today, "minutes": minutes, "summary": "送去米面"})
        return target, visit

    world["target"], world["confirmed"] = target_with_visit(
        world["staff"], units["building_a1"], world["visitor"], "王奶奶", 45)
    _post(client, make, world["colleague"], f"/api/v1/visits/{world['confirmed']['id']}/confirm", status=200)
    world["formula_target"], world["pending"] = target_with_visit(
        world["staff"], units["building_a1"], world["visitor"], FORMULA, 30)
    world["target_b"], world["visit_b"] = target_with_visit(
        world["other"], units["building_b1"], world["visitor_b"], "李爷爷", 60)
    return world


def test_the_visits_workbook_holds_the_scopes_visits_as_stored(client, make, care_world):
    sheet = download(client, make, care_world["staff"], "/api/v1/visits.xlsx")
    assert headers_of(sheet) == VISIT_HEADERS
    assert sheet.freeze_panes == "A2"
    rows = rows_of(sheet)
    stored = {visit.id: visit for visit in db.session.execute(select(VisitRecord)).scalars()}
    confirmed = stored[care_world["confirmed"]["id"]]
    today = local_today().isoformat()
    building = care_world["units"]["building_a1"].name
    assert [row[:7] for row in rows] == [
        [today, "王奶奶", building, "党员甲", 45, "已确认", "干事甲"],
        [today, "'" + FORMULA, building, "党员甲", 30, "待确认", None],
    ]
    assert same_time(rows[0][7], confirmed.confirmed_at)
    assert rows[1][7] is None
    # The other community's visit and every needs/address text are not in it.
    values = [str(value) for row in rows for value in row]
    assert not any(text in value for value in values for text in ("李爷爷", "党员丙", "买菜", "幸福里", "送去米面"))


def test_a_care_target_name_like_a_formula_stays_text(client, make, care_world):
    sheet = download(client, make, care_world["staff"], "/api/v1/visits.xlsx")
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[4].value == 30)
    assert cell.data_type == "s"
    assert cell.value == "'" + FORMULA


def test_each_care_target_in_the_visits_workbook_is_a_recorded_read(client, make, care_world):
    download(client, make, care_world["staff"], "/api/v1/visits.xlsx")
    db.session.expire_all()
    reads = db.session.execute(
        select(AuditEntry.actor_id, AuditEntry.target_id, AuditEntry.org_id)
        .where(AuditEntry.kind == "read", AuditEntry.target_type == "care_targets")
    ).all()
    building = care_world["units"]["building_a1"].id
    assert sorted(reads) == sorted(
        (care_world["staff"].id, care_world[key]["id"], building) for key in ("target", "formula_target")
    )


def test_the_visits_workbook_keeps_to_the_period_and_the_org(client, make, care_world):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    later = download(client, make, care_world["staff"], f"/api/v1/visits.xlsx?from={tomorrow}")
    assert rows_of(later) == []
    building_a2 = care_world["units"]["building_a2"].id
    assert rows_of(download(client, make, care_world["staff"], f"/api/v1/visits.xlsx?org_id={building_a2}")) == []
    # The street's staff read both communities.
    street = make.staff(care_world["units"]["street"])
    names = {row[1] for row in rows_of(download(client, make, street, "/api/v1/visits.xlsx"))}
    assert names == {"王奶奶", "'" + FORMULA, "李爷爷"}


def test_the_visits_workbook_of_another_community_is_404_and_residents_get_403(client, make, care_world):
    community_b = care_world["units"]["community_b"].id
    missing = refused(client, make, care_world["staff"], "/api/v1/visits.xlsx?org_id=2147483647")
    assert refused(client, make, care_world["staff"], f"/api/v1/visits.xlsx?org_id={community_b}") == missing
    assert missing == (404, "org_not_found")
    for who in ("visitor", "resident"):
        assert refused(client, make, care_world[who], "/api/v1/visits.xlsx")[0] == 403
    bad = client.get("/api/v1/visits.xlsx?from=2026-05-02&to=2026-05-01", headers=make.headers(care_world["staff"]))
    assert bad.status_code == 422


# ------------------------------------------------------------------ activity sign-ups


@pytest.fixture
def activity_world(client, make):
    units = make.tree()
    world = {
        "units": units,
        "staff": make.staff(units["community_a"], role="secretary"),
        "other": make.staff(units["community_b"], role="secretary"),
        "helper": make.member(units["community_a"], units["building_a1"], name="志愿者甲"),
        "people": [make.resident(units["community_a"], units["building_a1"], name=name, phone=phone)
                   for name, phone in (("张三", "13800138001"), (FORMULA, "13800138002"), ("王五", "13800138003"))],
        "outsider": make.resident(units["community_b"], units["building_b1"]),
    }
    starts = utcnow() + timedelta(days=2)

    def publish(staff, org, title):
        return _post(client, make, staff, "/api/v1/activities", {
            "title": title, "level": "corridor", "org_id": org.id, "capacity": 1, "address": "1号楼楼道",
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()})

    world["activity"] = publish(world["staff"], units["community_a"], "楼道书画展")
    world["activity_b"] = publish(world["other"], units["community_b"], "B 社区活动")
    for person in world["people"]:
        _post(client, make, person, f"/api/v1/activities/{world['activity']['id']}/signups")
    _post(client, make, world["staff"], f"/api/v1/activities/{world['activity']['id']}/helpers",
          {"user_id": world["helper"].id, "role": "volunteer"})
    _post(client, make, world["outsider"], f"/api/v1/activities/{world['activity_b']['id']}/signups")
    world["checked_in_at"] = utcnow() - timedelta(minutes=5)
    db.session.execute(update(ActivitySignup).where(ActivitySignup.user_id == world["helper"].id)
                       .values(checked_in_at=world["checked_in_at"]))
    db.session.commit()
    return world


def test_the_signup_workbook_lists_helpers_seats_and_the_waiting_list_in_order(client, make, activity_world):
    activity_id = activity_world["activity"]["id"]
    sheet = download(client, make, activity_world["staff"], f"/api/v1/activities/{activity_id}/signups.xlsx")
    assert headers_of(sheet) == SIGNUP_HEADERS
    rows = rows_of(sheet)
    assert [row[:4] for row in rows] == [
        ["志愿者甲", "志愿者", "已确认", None],
        ["张三", "参加者", "已确认", None],
        ["'" + FORMULA, "参加者", "候补中", 1],
        ["王五", "参加者", "候补中", 2],
    ]
    assert same_time(rows[0][4], activity_world["checked_in_at"])
    assert [row[4] for row in rows[1:]] == [None, None, None]
    # The same people as the JSON list, in its order; no phone number and nobody of the other activity.
    listed = body(client.get(f"/api/v1/activities/{activity_id}/signups",
                             headers=make.headers(activity_world["staff"])))["items"]
    assert len(listed) == len(rows)
    values = [str(value) for row in rows for value in row]
    assert not any("138001380" in value for value in values)
    assert activity_world["outsider"].name not in values
    assert next(row[0] for row in sheet.iter_rows(min_row=2) if row[3].value == 1).data_type == "s"


def test_the_signup_workbook_of_another_communitys_activity_is_404_and_its_residents_get_403(
        client, make, activity_world):
    activity_id, activity_b = activity_world["activity"]["id"], activity_world["activity_b"]["id"]
    missing = refused(client, make, activity_world["staff"], "/api/v1/activities/2147483647/signups.xlsx")
    assert missing == (404, "activity_not_found")
    assert refused(client, make, activity_world["staff"], f"/api/v1/activities/{activity_b}/signups.xlsx") == missing
    path = f"/api/v1/activities/{activity_id}/signups.xlsx"
    assert refused(client, make, activity_world["outsider"], path) == missing
    assert refused(client, make, activity_world["people"][0],
                   f"/api/v1/activities/{activity_id}/signups.xlsx") == (403, "staff_only")


# ------------------------------------------------------------------ socialised offers


@pytest.fixture
def offer_world(client, make):
    units = make.tree()
    world = {
        "units": units,
        "clerk": make.staff(units["community_a"], name="录入员"),
        "secretary": make.staff(units["community_a"], role="secretary", name="书记甲"),
        "other": make.staff(units["community_b"], role="secretary"),
        "other_clerk": make.staff(units["community_b"]),
        "resident": make.resident(units["community_a"], units["building_a1"]),
    }

    def enter(user, org, **extra):
        return _post(client, make, user, "/api/v1/social-offers", offer_payload(org, **extra))

    world["approved"] = enter(world["clerk"], units["community_a"], title="少儿书法课八折")
    _post(client, make, world["secretary"], f"/api/v1/social-offers/{world['approved']['id']}/approve", {}, 200)
    world["rejected"] = enter(world["clerk"], units["community_a"], title="理发九折", provider_kind="merchant")
    _post(client, make, world["secretary"], f"/api/v1/social-offers/{world['rejected']['id']}/reject",
          {"reason": "资质材料不全"}, 200)
    world["pending"] = enter(world["clerk"], units["community_a"], title="免费量血压", kind="free_service",
                             terms=FORMULA)
    world["offer_b"] = enter(world["other_clerk"], units["community_b"], title="B 社区的优惠")
    return world


def test_the_offers_workbook_holds_the_scopes_offers_as_stored(client, make, offer_world):
    sheet = download(client, make, offer_world["secretary"], "/api/v1/social-offers.xlsx")
    assert headers_of(sheet) == OFFER_HEADERS
    rows = rows_of(sheet)
    ids = [offer_world[key]["id"] for key in ("pending", "rejected", "approved")]
    assert [row[0] for row in rows] == ids
    stored = {offer.id: offer for offer in db.session.execute(select(SocialOffer)).scalars()}
    for row in rows:
        offer = stored[row[0]]
        assert row[1:7] == [offer.title, offer.provider_name, "培训机构" if offer.provider_kind == "training_body"
                            else "商户", "社区A", {"discount": "优惠折扣", "free_service": "免费服务"}[offer.kind],
                            row[6]]
        assert row[7:9] == [offer.valid_from.isoformat(), offer.valid_until.isoformat()]
    by_id = {row[0]: row for row in rows}
    approved, rejected, pending = (by_id[offer_world[key]["id"]] for key in ("approved", "rejected", "pending"))
    assert approved[9:11] == ["已上架", "书记甲"]
    assert same_time(approved[11], stored[approved[0]].decided_at)
    assert rejected[9:11] == ["未通过", "书记甲"] and rejected[12] == "资质材料不全"
    assert pending[9:12] == ["待审核", None, None]
    assert pending[6] == "'" + FORMULA
    assert all("B 社区" not in str(value) for row in rows for value in row)


def test_the_offers_workbook_keeps_to_the_status_asked_for_and_is_for_staff(client, make, offer_world):
    approved = rows_of(download(client, make, offer_world["secretary"], "/api/v1/social-offers.xlsx?status=approved"))
    assert [row[0] for row in approved] == [offer_world["approved"]["id"]]
    other = rows_of(download(client, make, offer_world["other"], "/api/v1/social-offers.xlsx"))
    assert [row[0] for row in other] == [offer_world["offer_b"]["id"]]
    assert refused(client, make, offer_world["resident"], "/api/v1/social-offers.xlsx") == (403, "staff_only")
    bad = client.get("/api/v1/social-offers.xlsx?status=lost", headers=make.headers(offer_world["secretary"]))
    assert bad.status_code == 422


# ------------------------------------------------------------------ evaluation results


@pytest.fixture
def evaluation_world(make):
    """The street's staff open the round (tests.test_evaluation.open_round); a community's staff and resident."""
    units = make.tree()
    return {
        "units": units,
        "street": make.headers(make.staff(units["street"], role="secretary")),
        "community": make.headers(make.staff(units["community_a"], role="secretary")),
        "resident": make.headers(make.resident(units["community_a"], units["building_a1"])),
    }


def test_the_results_workbook_is_the_results_answer_row_by_row(client, make, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    path = f"/api/v1/evaluations/{evaluation['id']}/results.xlsx"
    early = client.get(path, headers=evaluation_world["street"])
    assert (early.status_code, body(early)["error"]["code"]) == (409, "evaluation_open")
    for sector, scores in (("member", (5, 4, 3)), ("resident", (2,))):
        for code, score in zip(invite(client, evaluation_world, evaluation["id"], sector, len(scores)), scores,
                               strict=True):
            assert client.post("/api/v1/ballots", json={"code": code, "scores": scores_for(evaluation, score)}
                               ).status_code == 201
    assert client.post(f"/api/v1/evaluations/{evaluation['id']}/close",
                       headers=evaluation_world["street"]).status_code == 200

    answer = client.get(path, headers=evaluation_world["street"])
    assert answer.status_code == 200 and answer.mimetype == CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert headers_of(sheet) == RESULT_HEADERS
    results = body(client.get(f"/api/v1/evaluations/{evaluation['id']}/results", headers=evaluation_world["street"]))
    sector_names = {"member": "党员代表", "resident": "群众代表", "unit": "驻区单位代表", "superior": "上级党组织"}
    expected = [
        [subject["org_name"], sector_names[sector["sector"]], sector["ballots"], dimension["dimension"],
         dimension["count"], dimension["mean"], None if sector["means_shown"] else "该界别不足 3 票，不显示均分"]
        for subject in results["subjects"] for sector in subject["sectors"] for dimension in sector["dimensions"]
    ]
    rows = rows_of(sheet)
    assert rows == expected
    member_rows = [row for row in rows if row[1] == "党员代表"]
    assert member_rows and all(row[5] == 4.0 and row[4] == 3 for row in member_rows)
    resident_rows = [row for row in rows if row[1] == "群众代表"]
    assert resident_rows and all(row[5] is None and row[4] == 1 and row[2] == 1 for row in resident_rows)


def test_the_results_workbook_of_another_streets_round_is_404(client, make, evaluation_world):
    evaluation = open_round(client, evaluation_world)
    client.post(f"/api/v1/evaluations/{evaluation['id']}/close", headers=evaluation_world["street"])
    path = f"/api/v1/evaluations/{evaluation['id']}/results.xlsx"
    missing = client.get("/api/v1/evaluations/2147483647/results.xlsx", headers=evaluation_world["street"])
    assert (missing.status_code, body(missing)["error"]["code"]) == (404, "evaluation_not_found")
    another_street = make.staff(make.tree()["street"], role="secretary")
    for headers in (make.headers(another_street), evaluation_world["community"], evaluation_world["resident"]):
        hidden = client.get(path, headers=headers)
        assert (hidden.status_code, body(hidden)) == (404, body(missing))


def test_the_exports_are_documented_in_openapi(client):
    spec = body(client.get("/api/v1/openapi.json"))
    for path in ("/api/v1/visits.xlsx", "/api/v1/activities/{activity_id}/signups.xlsx",
                 "/api/v1/social-offers.xlsx", "/api/v1/evaluations/{round_id}/results.xlsx"):
        operation = spec["paths"][path]["get"]
        assert CONTENT_TYPE in operation["responses"]["200"]["content"], path
        assert {"401", "403"} <= set(operation["responses"]), path
    parameters = {parameter["name"] for parameter in spec["paths"]["/api/v1/visits.xlsx"]["get"]["parameters"]}
    assert parameters == {"org_id", "from", "to"}
    assert "409" in spec["paths"]["/api/v1/evaluations/{round_id}/results.xlsx"]["get"]["responses"]


def test_a_name_held_by_the_content_check_reads_as_held_in_the_visits_and_signup_workbooks(
        client, make, care_world, activity_world):
    from services.moderation import HELD_TEXT
    from wx.sandbox import SANDBOX_REVIEW_WORD

    held_names = [f"党员{SANDBOX_REVIEW_WORD}", f"居民{SANDBOX_REVIEW_WORD}"]
    for person, held_name in zip((care_world["visitor"], activity_world["people"][0]), held_names, strict=True):
        renamed = client.patch("/api/v1/me", json={"name": held_name}, headers=make.headers(person))
        assert (renamed.status_code, body(renamed)["name"]) == (200, held_name)
    visits = rows_of(download(client, make, care_world["staff"], "/api/v1/visits.xlsx"))
    assert [row[3] for row in visits] == [HELD_TEXT, HELD_TEXT]
    signups = rows_of(download(client, make, activity_world["staff"],
                               f"/api/v1/activities/{activity_world['activity']['id']}/signups.xlsx"))
    assert [row[0] for row in signups][:2] == ["志愿者甲", HELD_TEXT]
    assert not set(held_names) & {str(value) for row in visits + signups for value in row}
