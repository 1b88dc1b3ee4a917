"""Matching's rules one by one: what counts as a member's open tasks and as recent work, the
rating, availability slots, and how a distance is spoken."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from extensions import db
from models.base import utcnow
from models.members import Registration
from models.requests import ServiceRequest
from services import matching
from services.orgs import add_org
from services.stations import haversine_m
from tests.conftest import body
from tests.test_requests import post, submit


@pytest.fixture(autouse=True)
def statement_built_afresh():
    """`eligible_statement` is built once per process; each test here builds it again, so the
    building code runs under every one of them (mutation testing records coverage per test)."""
    matching.eligible_statement.cache_clear()
    yield
    matching.eligible_statement.cache_clear()


def _candidates(client, make, scene, request_id) -> dict:
    response = client.get(f"/api/v1/requests/{request_id}/candidates", headers=make.headers(scene["staff"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["member_id"]: item for item in body(response)}


def _assigned(client, make, scene, member, **values) -> int:
    """A request assigned to `member` by staff, then given `values` directly."""
    created = submit(client, make, scene, title=f"任务{member.id}")
    assert post(client, make, scene["staff"], created["id"], "assign", member_id=member.id).status_code == 200
    if values:
        db.session.execute(update(ServiceRequest).where(ServiceRequest.id == created["id"]).values(**values))
        db.session.commit()
    return created["id"]


def test_the_open_task_cap_counts_the_members_own_unfinished_tasks_only(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MEMBER_OPEN_TASK_CAP", 1)
    finished, busy, _ = scene["members"]
    _assigned(client, make, scene, finished, status="completed")
    _assigned(client, make, scene, busy)  # accepted: open
    created = submit(client, make, scene, title="灯不亮")
    assert set(_candidates(client, make, scene, created["id"])) == {finished.id, scene["members"][2].id}
    # Someone else's open task and one's own finished task leave room to accept.
    assert post(client, make, finished, created["id"], "accept").status_code == 200


def test_a_task_taken_exactly_30_days_ago_still_counts_as_recent(client, make, scene, monkeypatch):
    member = scene["members"][0]
    now = utcnow()
    monkeypatch.setattr("services.matching.utcnow", lambda: now)
    _assigned(client, make, scene, member, status="completed", taken_at=now - timedelta(days=matching.FAIRNESS_DAYS))
    created = submit(client, make, scene, title="灯不亮")
    assert "近 30 天接单 1 次" in _candidates(client, make, scene, created["id"])[member.id]["reasons"]


def test_the_rating_is_the_average_of_the_members_rated_tasks_and_adds_5_a_star_above_3(client, make, scene):
    member, unrated = scene["members"][0], scene["members"][1]
    # The same number of tasks and offers for both: their scores differ by the rating alone.
    for stars in (5, 4):
        _assigned(client, make, scene, member, status="completed", stars=stars)
        _assigned(client, make, scene, unrated, status="completed")
    created = submit(client, make, scene, title="灯不亮")
    candidates = _candidates(client, make, scene, created["id"])
    assert "评分 4.5" in candidates[member.id]["reasons"]
    assert not any(reason.startswith("评分") for reason in candidates[unrated.id]["reasons"])
    assert candidates[member.id]["score"] - candidates[unrated.id]["score"] == (4.5 - 3) * 5


def test_availability_needs_the_weekday_and_the_clock_of_one_slot():
    slots = [{"weekday": 0, "start": "09:00", "end": "12:00"}]
    assert matching.is_available([], 3, "03:00")
    assert matching.is_available(slots, 0, "09:00")
    assert not matching.is_available(slots, 0, "12:00")
    assert not matching.is_available(slots, 0, "08:59")
    assert not matching.is_available(slots, 1, "10:00")
    # A slot stored without a start runs from midnight; one without an end matches no time.
    assert matching.is_available([{"weekday": 0, "end": "12:00"}], 0, "10:00")
    assert not matching.is_available([{"weekday": 0, "start": "09:00"}], 0, "10:00")


def test_half_a_position_on_a_request_is_no_position():
    assert matching.request_point(ServiceRequest(lat=36.66, lng=None)) is None
    assert matching.request_point(ServiceRequest(lat=None, lng=117.0)) is None
    assert matching.request_point(ServiceRequest(lat=36.66, lng=117.0)) == (36.66, 117.0)


def test_distances_are_spoken_in_tens_of_metres_below_a_kilometre_then_in_kilometres():
    spoken = [matching._spoken_distance(metres) for metres in (346, 999.4, 1000, 1951)]
    assert spoken == ["350 米", "1000 米", "1.0 公里", "2.0 公里"]


def test_every_candidate_has_its_exact_score_and_reasons_best_first(client, make, scene, app, monkeypatch):
    """Skills 50 × the share matched; proximity 30 in the same building, 30 × (1 − d / limit) by
    distance, 15 in the same community, 0 in the street; fairness 15 / (1 + taken) + 5 / (1 + asked)."""
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 6)  # everyone is asked once: 5 / 2 each
    units = scene["units"]
    units["building_a1"].lat, units["building_a1"].lng = 36.6600, 117.0000
    units["building_a2"].lat, units["building_a2"].lng = 36.6600 + 0.00315, 117.0000
    db.session.commit()
    both = make.member(units["community_a"], skills=("维修", "电工"))
    near = make.member(units["community_a"], units["building_a2"], skills=("电工",))
    neighbour = make.member(units["community_b"], skills=("维修",))
    created = submit(client, make, scene)
    response = client.get(f"/api/v1/requests/{created['id']}/candidates", headers=make.headers(scene["staff"]))
    metres = haversine_m(36.6600, 117.0000, 36.6600 + 0.00315, 117.0000)
    same_building = [
        (member.id, 72.5, ["技能匹配：维修", "同一楼院", "近 30 天接单 0 次", "近 30 天受邀 1 次"])
        for member in scene["members"]
    ]
    assert [(item["member_id"], item["score"], item["reasons"]) for item in body(response)] == [
        (both.id, 82.5, ["技能匹配：电工、维修", "同一社区", "近 30 天接单 0 次", "近 30 天受邀 1 次"]),
        *same_building,
        (near.id, round(25 + 30 * (1 - metres / 3000) + 17.5, 2),
         ["技能匹配：电工", "距离 350 米", "近 30 天接单 0 次", "近 30 天受邀 1 次"]),
        (neighbour.id, 42.5, ["技能匹配：维修", "同一街道", "近 30 天接单 0 次", "近 30 天受邀 1 次"]),
    ]


def test_a_member_whose_slots_miss_the_preferred_time_is_no_candidate(client, make, scene):
    monday, tuesday = scene["members"][0], scene["members"][1]
    for member, weekday in ((monday, 0), (tuesday, 1)):
        db.session.execute(
            update(Registration).where(Registration.user_id == member.id)
            .values(availability=[{"weekday": weekday, "start": "09:00", "end": "12:00"}])
        )
    db.session.commit()
    created = submit(client, make, scene, preferred_time="2026-12-07T10:00:00+08:00")  # a Monday, 10:00 local
    candidates = _candidates(client, make, scene, created["id"])
    assert monday.id in candidates
    assert tuesday.id not in candidates


def test_a_community_with_enough_candidates_is_not_widened_to_the_street(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", len(scene["members"]))
    make.member(scene["units"]["community_b"], skills=("维修",))
    created = submit(client, make, scene)
    assert set(_candidates(client, make, scene, created["id"])) == {member.id for member in scene["members"]}


def test_widening_reaches_only_the_other_communities_of_the_same_street(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 10)
    units = scene["units"]
    other_street = add_org("另一街道党工委", "street_working_committee", units["district"])
    far_community = add_org("另一社区", "community_general_branch", other_street)
    street_branch = add_org("街道机关支部", "functional_branch", units["street"])
    db.session.commit()
    neighbour = make.member(units["community_b"], skills=("维修",))
    make.member(far_community, skills=("维修",))
    make.member(street_branch, skills=("维修",))
    created = submit(client, make, scene)
    assert set(_candidates(client, make, scene, created["id"])) == {m.id for m in scene["members"]} | {neighbour.id}


def test_a_neighbour_who_declined_is_no_longer_a_candidate(client, make, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", 10)
    neighbour = make.member(scene["units"]["community_b"], skills=("维修",))
    created = submit(client, make, scene)
    assert neighbour.id in _candidates(client, make, scene, created["id"])
    assert post(client, make, neighbour, created["id"], "decline").status_code == 200
    assert neighbour.id not in _candidates(client, make, scene, created["id"])
