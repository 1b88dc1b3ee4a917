"""常态化服务: care targets seen only by staff in scope and assigned visitors (every read audited),
visits credited to the hours ledger only once staff confirm them, overdue visits told once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models.audit import AuditEntry
from models.care import VisitPlan
from models.ledger import HourEntry
from models.notifications import Notification
from services import care
from services.periods import local_today
from tests.conftest import body


@pytest.fixture
def scene(make):
    units = make.tree()
    return {
        "units": units,
        "staff": make.staff(units["community_a"], role="secretary"),
        "colleague": make.staff(units["community_a"]),
        "other": make.staff(units["community_b"], role="secretary"),
        "visitor": make.member(units["community_a"], units["building_a1"], name="党员甲"),
        "bystander": make.member(units["community_a"], units["building_a2"], name="党员乙"),
        "outsider": make.member(units["community_b"], name="党员丙"),
    }


def call(client, make, user, method, path, payload=None, status=None):
    response = client.open(path, method=method, json=payload, headers=make.headers(user))
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)
    return response


def new_target(client, make, scene, **extra):
    payload = {
        "name": "王奶奶",
        "building_id": scene["units"]["building_a1"].id,
        "needs": ["买菜", "陪同就医"],
        "consent_on": local_today().isoformat(),
        "kinds": ["elderly_alone", "sick"],
        **extra,
    }
    return body(call(client, make, scene["staff"], "POST", "/api/v1/care-targets", payload, 201))


def assign(client, make, scene, target_id, visitor, every_weeks=2, **extra):
    payload = {"visitor_id": visitor.id, "every_weeks": every_weeks, **extra}
    return body(call(client, make, scene["staff"], "POST", f"/api/v1/care-targets/{target_id}/plans", payload, 201))


def visit(client, make, user, target_id, minutes=45, status=201, **extra):
    payload = {"visited_on": local_today().isoformat(), "minutes": minutes, "summary": "送去米面，量了血压", **extra}
    return call(client, make, user, "POST", f"/api/v1/care-targets/{target_id}/visits", payload, status)


def reads() -> list[AuditEntry]:
    return (
        db.session.execute(select(AuditEntry).where(AuditEntry.kind == "read").order_by(AuditEntry.id)).scalars().all()
    )


def test_a_care_target_is_404_to_other_staff_and_unassigned_members(client, make, scene):
    target = new_target(client, make, scene)
    missing = call(client, make, scene["other"], "GET", f"/api/v1/care-targets/{2**31 - 1}", status=404)
    for who in ("other", "visitor", "bystander", "outsider"):
        hidden = call(client, make, scene[who], "GET", f"/api/v1/care-targets/{target['id']}", status=404)
        assert body(hidden) == body(missing), who
    assign(client, make, scene, target["id"], scene["visitor"])
    seen = body(call(client, make, scene["visitor"], "GET", f"/api/v1/care-targets/{target['id']}", status=200))
    assert (seen["needs"], seen["kinds"]) == (["买菜", "陪同就医"], ["elderly_alone", "sick"])
    call(client, make, scene["bystander"], "GET", f"/api/v1/care-targets/{target['id']}", status=404)
    call(client, make, scene["colleague"], "GET", f"/api/v1/care-targets/{target['id']}", status=200)
    for who in ("other", "bystander", "outsider"):
        assert body(call(client, make, scene[who], "GET", "/api/v1/care-targets", status=200))["total"] == 0, who
    assert body(call(client, make, scene["visitor"], "GET", "/api/v1/care-targets", status=200))["total"] == 1


def test_every_read_of_a_care_target_is_in_the_audit_trail(client, make, scene):
    target = new_target(client, make, scene)
    assign(client, make, scene, target["id"], scene["visitor"])
    db.session.expire_all()
    before = len(reads())
    call(client, make, scene["visitor"], "GET", f"/api/v1/care-targets/{target['id']}", status=200)
    call(client, make, scene["colleague"], "GET", "/api/v1/care-targets", status=200)
    call(client, make, scene["other"], "GET", f"/api/v1/care-targets/{target['id']}", status=404)
    db.session.expire_all()
    recorded = reads()[before:]
    assert [(row.actor_id, row.target_type, row.target_id) for row in recorded] == [
        (scene["visitor"].id, "care_targets", target["id"]),
        (scene["colleague"].id, "care_targets", target["id"]),
    ]
    assert recorded[0].org_id == scene["units"]["building_a1"].id


def test_visit_hours_are_credited_only_after_confirmation_and_once(client, make, scene):
    target = new_target(client, make, scene)
    assign(client, make, scene, target["id"], scene["visitor"])
    recorded = body(visit(client, make, scene["visitor"], target["id"], minutes=50))
    assert recorded["status"] == "pending"
    credited = select(func.count()).select_from(HourEntry).where(HourEntry.source == "visit")
    assert db.session.execute(credited).scalar_one() == 0
    own = call(client, make, scene["visitor"], "POST", f"/api/v1/visits/{recorded['id']}/confirm", status=403)
    assert body(own)["error"]["code"] == "self_confirmation"
    call(client, make, scene["other"], "POST", f"/api/v1/visits/{recorded['id']}/confirm", status=404)
    confirmed = body(call(client, make, scene["staff"], "POST", f"/api/v1/visits/{recorded['id']}/confirm", status=200))
    assert confirmed["status"] == "confirmed"
    call(client, make, scene["colleague"], "POST", f"/api/v1/visits/{recorded['id']}/confirm", status=409)
    db.session.expire_all()
    entries = db.session.execute(select(HourEntry).where(HourEntry.source == "visit")).scalars().all()
    assert [(e.member_id, e.source_id, e.minutes, e.status, e.confirmed_by_id) for e in entries] == [
        (scene["visitor"].id, recorded["id"], 50, "confirmed", scene["staff"].id)
    ]
    hours = body(call(client, make, scene["visitor"], "GET", "/api/v1/members/me/hours", status=200))
    assert (hours["confirmed_minutes"], hours["pending_minutes"]) == (50, 0)


def test_a_rejected_visit_credits_nothing(client, make, scene):
    target = new_target(client, make, scene)
    assign(client, make, scene, target["id"], scene["visitor"])
    recorded = body(visit(client, make, scene["visitor"], target["id"]))
    call(client, make, scene["staff"], "POST", f"/api/v1/visits/{recorded['id']}/reject", {"reason": "记录不实"}, 200)
    call(client, make, scene["staff"], "POST", f"/api/v1/visits/{recorded['id']}/confirm", status=409)
    assert db.session.execute(select(func.count()).select_from(HourEntry)).scalar_one() == 0


def test_only_the_assigned_visitor_records_a_visit(client, make, scene):
    target = new_target(client, make, scene)
    assign(client, make, scene, target["id"], scene["visitor"])
    assert (
        body(visit(client, make, scene["staff"], target["id"], status=403))["error"]["code"] == "not_assigned_visitor"
    )
    visit(client, make, scene["bystander"], target["id"], status=404)
    visit(client, make, scene["visitor"], target["id"], minutes=0, status=422)
    visit(
        client,
        make,
        scene["visitor"],
        target["id"],
        visited_on=(local_today() + timedelta(days=1)).isoformat(),
        status=422,
    )
    visit(client, make, scene["visitor"], target["id"], photos=["javascript:alert(1)"], status=422)
    visit(client, make, scene["visitor"], target["id"], photos=["https://img.example.cn/1.jpg"], status=201)


def test_a_visitor_must_be_a_member_of_the_community_or_staff_over_it(client, make, scene):
    target = new_target(client, make, scene)
    path = f"/api/v1/care-targets/{target['id']}/plans"
    for who in ("outsider", "other"):
        refused = call(client, make, scene["staff"], "POST", path, {"visitor_id": scene[who].id, "every_weeks": 2}, 422)
        assert body(refused)["error"]["code"] == "invalid_visitor"
    assign(client, make, scene, target["id"], scene["colleague"])
    again = call(
        client, make, scene["staff"], "POST", path, {"visitor_id": scene["colleague"].id, "every_weeks": 4}, 409
    )
    assert body(again)["error"]["code"] == "visit_plan_exists"
    call(client, make, scene["other"], "POST", path, {"visitor_id": scene["visitor"].id, "every_weeks": 2}, 404)


def test_care_targets_are_recorded_on_buildings_with_consent(client, make, scene):
    payload = {
        "name": "李叔",
        "building_id": scene["units"]["community_a"].id,
        "needs": [],
        "consent_on": local_today().isoformat(),
    }
    assert (
        body(call(client, make, scene["staff"], "POST", "/api/v1/care-targets", payload, 422))["error"]["code"]
        == "invalid_building"
    )
    payload["building_id"] = scene["units"]["building_b1"].id
    call(client, make, scene["staff"], "POST", "/api/v1/care-targets", payload, 404)
    payload.pop("consent_on")
    payload["building_id"] = scene["units"]["building_a1"].id
    call(client, make, scene["staff"], "POST", "/api/v1/care-targets", payload, 422)
    call(
        client,
        make,
        scene["visitor"],
        "POST",
        "/api/v1/care-targets",
        {**payload, "consent_on": local_today().isoformat()},
        403,
    )


def test_an_overdue_visit_is_flagged_and_told_once(client, make, scene, app):
    target = new_target(client, make, scene)
    plan = assign(client, make, scene, target["id"], scene["visitor"], every_weeks=1)
    db.session.execute(
        update(VisitPlan).where(VisitPlan.id == plan["id"]).values(next_due_on=local_today() - timedelta(days=3))
    )
    db.session.commit()
    overdue = body(call(client, make, scene["staff"], "GET", "/api/v1/visit-plans?overdue=true", status=200))
    assert [(item["id"], item["overdue"]) for item in overdue["items"]] == [(plan["id"], True)]
    assert care.alert_overdue_visits() == 1
    db.session.commit()
    assert care.alert_overdue_visits() == 0
    db.session.commit()
    told = db.session.execute(select(Notification.user_id).where(Notification.event == "visit_overdue")).scalars().all()
    assert sorted(told) == sorted([scene["visitor"].id, scene["staff"].id, scene["colleague"].id])
    visit(client, make, scene["visitor"], target["id"])
    db.session.expire_all()
    assert db.session.get(VisitPlan, plan["id"]).next_due_on == local_today() + timedelta(weeks=1)
    assert body(call(client, make, scene["staff"], "GET", "/api/v1/visit-plans?overdue=true", status=200))["total"] == 0


def test_a_visitors_export_holds_their_visits_and_deleting_the_account_ends_their_plans(client, make, scene):
    target = new_target(client, make, scene)
    plan = assign(client, make, scene, target["id"], scene["visitor"])
    recorded = body(visit(client, make, scene["visitor"], target["id"]))
    exported = body(call(client, make, scene["visitor"], "GET", "/api/v1/me/export", status=200))
    assert [row["id"] for row in exported["visits"]] == [recorded["id"]]
    assert [row["id"] for row in exported["visit_plans"]] == [plan["id"]]
    assert "needs" not in str(exported["visits"]) and "买菜" not in str(exported)
    call(client, make, scene["visitor"], "DELETE", "/api/v1/me", status=204)
    db.session.expire_all()
    assert db.session.get(VisitPlan, plan["id"]).active is False
    assert body(call(client, make, scene["staff"], "GET", "/api/v1/visit-plans", status=200))["total"] == 0
