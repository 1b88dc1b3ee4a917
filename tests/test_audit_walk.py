"""Every staff-writable operation of the OpenAPI document writes exactly one audit row.

A new write operation must appear in STAFF_OPERATIONS (with a recipe that performs it as
staff) or in NOT_STAFF_OPERATIONS (with the reason staff do not perform it); the coverage
test fails for one that is in neither.
"""
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models.audit import AuditEntry
from models.base import utcnow
from models.checkins import CheckIn
from models.contacts import ContactMessage, ContactReport, ContactThread
from models.ledger import HourCorrection, HourEntry
from models.members import Registration
from models.notifications import Notification
from models.requests import ServiceRequest
from services.notifications import notify
from tests.conftest import body

# Written by people for themselves (or before anyone is authenticated), never as a staff decision.
NOT_STAFF_OPERATIONS = {
    "POST /api/v1/auth/wx-login": "mini-program login: no authenticated caller",
    "POST /api/v1/auth/desk-login": "login: no authenticated caller yet",
    "POST /api/v1/auth/phone": "a person binds their own phone in the mini-program",
    "DELETE /api/v1/me": "residents and members only (staff accounts answer 403)",
    "POST /api/v1/notifications/{notification_id}/read": "one's own inbox (the outbox is not audited)",
    "POST /api/v1/members/registrations": "a person reports to their community",
    "POST /api/v1/members/me/hours/{entry_id}/corrections": "a member asks about their own hours",
    "POST /api/v1/checkins": "a member checks in",
    "POST /api/v1/checkins/{checkin_id}/checkout": "a member checks out",
    "POST /api/v1/requests": "a resident asks for help",
    "POST /api/v1/requests/{request_id}/accept": "a member takes an offer",
    "POST /api/v1/requests/{request_id}/decline": "a member declines an offer",
    "POST /api/v1/requests/{request_id}/start": "the assigned member",
    "POST /api/v1/requests/{request_id}/complete": "the assigned member",
    "POST /api/v1/requests/{request_id}/answer": "the resident answers",
    "POST /api/v1/requests/{request_id}/cancel": "the resident",
    "POST /api/v1/requests/{request_id}/rate": "the resident",
    "POST /api/v1/contacts/{member_id}/messages": "a resident writes to a member",
    "POST /api/v1/threads/{thread_id}/messages": "the two parties of a thread",
    "POST /api/v1/threads/{thread_id}/read": "the two parties of a thread",
    "POST /api/v1/threads/{thread_id}/block": "the member of a thread",
    "POST /api/v1/threads/{thread_id}/unblock": "the member of a thread",
    "POST /api/v1/threads/{thread_id}/reveal-phone": "the member of a thread",
    "POST /api/v1/threads/{thread_id}/messages/{message_id}/report": "the resident of a thread",
    "POST /api/v1/care-targets/{care_target_id}/visits": "the assigned visitor (a member) records their own visit",
    "POST /api/v1/activities/{activity_id}/signups": "a resident or member signs up",
    "DELETE /api/v1/activities/{activity_id}/signups/me": "a resident or member leaves",
    "POST /api/v1/activities/{activity_id}/checkins": "a participant or helper checks in",
    "POST /api/v1/requests/{request_id}/acknowledge": "the provider's account (not staff)",
    "POST /api/v1/requests/{request_id}/report": "the provider's account (not staff)",
    "POST /api/v1/ballots": "anonymous by design: a secret ballot leaves no trail (tests/test_evaluation.py)",
    "POST /api/v1/ballots/paper": "anonymous, and writes nothing",
    "POST /api/v1/evaluations/{round_id}/subjects/{subject_id}/media":
        "a multipart upload (the walk sends JSON): its one audit row is asserted in tests/test_evaluation.py",
    "POST /api/v1/stations/{station_id}/checklist-evidence":
        "a multipart upload (the walk sends JSON): its audit row is asserted in tests/test_positions.py",
}


class World:
    """A district tree with an administrator, a community secretary, a resident, two members, a station."""

    def __init__(self, make, make_station, category):
        self.make = make
        self.units = make.tree()
        self.admin = make.admin()
        self.secretary = make.staff(self.units["community_a"], role="secretary")
        self.resident = make.resident(self.units["community_a"], self.units["building_a1"])
        self.members = [make.member(self.units["community_a"], self.units["building_a1"]) for _ in range(2)]
        self.station = make_station(self.units["community_a"])
        self.category = category

    def completed_request(self) -> ServiceRequest:
        request = ServiceRequest(
            resident_id=self.resident.id, community_id=self.units["community_a"].id, category_id=self.category.id,
            title="修水管", status="completed", assignee_id=self.members[0].id, minutes=30,
            sla_due_at=utcnow() + timedelta(hours=2), taken_at=utcnow(),
        )
        db.session.add(request)
        db.session.commit()
        return request

    def escalated_request(self) -> ServiceRequest:
        request = ServiceRequest(
            resident_id=self.resident.id, community_id=self.units["community_a"].id, category_id=self.category.id,
            title="换灯泡", status="escalated", sla_due_at=utcnow() + timedelta(hours=2),
        )
        db.session.add(request)
        db.session.commit()
        return request

    def pending_registration(self) -> Registration:
        person = self.make.resident(self.units["community_a"])
        registration = Registration(
            user_id=person.id, community_id=self.units["community_a"].id, employer_unit="某单位",
            home_branch="某支部", skills=["维修"], availability=[],
        )
        db.session.add(registration)
        db.session.commit()
        return registration

    def pending_entry(self, source="checkin", source_id=None) -> HourEntry:
        entry = HourEntry(
            member_id=self.members[0].id, org_id=self.units["community_a"].id, source=source,
            source_id=source_id or secrets.randbelow(10**6) + 1, minutes=60,
        )
        db.session.add(entry)
        db.session.commit()
        return entry

    def closed_checkin(self) -> CheckIn:
        checkin = CheckIn(
            member_id=self.members[0].id, station_id=self.station.id, status="closed", lat=36.6512, lng=117.1201,
            distance_m=3.0, qr_window=1, checked_in_at=utcnow() - timedelta(hours=1), checked_out_at=utcnow(),
            minutes=60,
        )
        db.session.add(checkin)
        db.session.commit()
        self.pending_entry("checkin", checkin.id)
        return checkin

    def desk_colleague(self, disabled: bool = False):
        """A plain staff account of community A, with a second scope on a building."""
        colleague = self.make.staff(self.units["community_a"], disabled_at=utcnow() if disabled else None)
        self.make.grant(colleague, self.units["building_a1"])
        return colleague

    def unconfirmed_resident(self):
        return self.make.resident(self.units["community_a"], self.units["building_a2"], home_confirmed_at=None)

    def failed_notification(self) -> Notification:
        notification = notify(self.resident.id, "request_accepted", "已接单", "已有党员接单", {}, None)
        db.session.flush()
        db.session.execute(update(Notification).where(Notification.id == notification.id).values(status="failed"))
        db.session.commit()
        return notification

    def open_report(self) -> ContactReport:
        """The resident's report of a member's message in their thread."""
        thread = ContactThread(
            resident_id=self.resident.id, member_id=self.members[0].id, community_id=self.units["community_a"].id
        )
        db.session.add(thread)
        db.session.flush()
        message = ContactMessage(thread_id=thread.id, sender_id=self.members[0].id, text="不当言论")
        db.session.add(message)
        db.session.flush()
        report = ContactReport(
            message_id=message.id, thread_id=thread.id, reporter_id=self.resident.id,
            community_id=thread.community_id, reason="骚扰",
        )
        db.session.add(report)
        db.session.commit()
        return report

    def pending_correction(self) -> HourCorrection:
        entry = self.pending_entry()
        correction = HourCorrection(
            entry_id=entry.id, member_id=self.members[0].id, reason="少算了", requested_minutes=90
        )
        db.session.add(correction)
        db.session.commit()
        return correction


def _fund(w, balance_cents=10000):
    from models.funds import Fund, FundEntry

    fund = Fund(name=f"基金{secrets.token_hex(3)}", kind="charity", org_id=w.units["community_a"].id,
                created_by_id=w.admin.id, balance_cents=balance_cents)
    db.session.add(fund)
    db.session.flush()
    entry = FundEntry(fund_id=fund.id, org_id=fund.org_id, kind="donation", amount_cents=balance_cents,
                      booked_on=utcnow().date(), donor_name="某单位", recorded_by_id=w.admin.id)
    db.session.add(entry)
    db.session.commit()
    return fund, entry


def _pending_disbursement(w):
    from models.funds import Disbursement

    fund, _entry = _fund(w)
    disbursement = Disbursement(fund_id=fund.id, org_id=fund.org_id, amount_cents=500, purpose="慰问金",
                                requested_by_id=w.desk_colleague().id)
    db.session.add(disbursement)
    db.session.commit()
    return disbursement


def _care_target(w):
    from models.care import CareTarget

    target = CareTarget(name="王奶奶", building_id=w.units["building_a1"].id, needs=["买菜"],
                        consent_on=utcnow().date(), created_by_id=w.secretary.id)
    db.session.add(target)
    db.session.commit()
    return target


def _pending_visit(w):
    from models.care import VisitPlan, VisitRecord

    target = _care_target(w)
    plan = VisitPlan(care_target_id=target.id, building_id=target.building_id, visitor_id=w.members[0].id,
                     every_weeks=2, next_due_on=utcnow().date())
    db.session.add(plan)
    db.session.flush()
    visit = VisitRecord(plan_id=plan.id, care_target_id=target.id, building_id=target.building_id,
                        visitor_id=w.members[0].id, visited_on=utcnow().date(), minutes=40, summary="送米面")
    db.session.add(visit)
    db.session.commit()
    return visit


STATION = {
    "name": "新服务站", "kind": "community_service_station", "address": "幸福路 1 号", "lat": 36.65, "lng": 117.12,
    "radius_m": 100, "acquisition": "self_built", "opening_hours": {"weekly": {}},
}

# Each recipe sets up what the operation needs and returns (actor, path, json body).
STAFF_OPERATIONS = {
    "POST /api/v1/auth/logout": lambda w: (w.secretary, "/api/v1/auth/logout", None),
    "PATCH /api/v1/me": lambda w: (w.secretary, "/api/v1/me", {"name": "新名字"}),
    "POST /api/v1/orgs": lambda w: (
        w.admin, "/api/v1/orgs", {"name": "新楼院", "kind": "building_branch", "parent_id": w.units["community_a"].id}
    ),
    "PATCH /api/v1/orgs/{org_id}": lambda w: (
        w.admin, f"/api/v1/orgs/{w.units['building_a2'].id}", {"name": "改名楼院"}
    ),
    "POST /api/v1/staff": lambda w: (
        w.secretary, "/api/v1/staff",
        {"username": "newdesk", "password": "a-long-password-1", "name": "新同事", "org_id": w.units["building_a1"].id,
         "role": "staff"},
    ),
    "POST /api/v1/members/registrations/{registration_id}/approve": lambda w: (
        w.secretary, f"/api/v1/members/registrations/{w.pending_registration().id}/approve", {}
    ),
    "POST /api/v1/members/registrations/{registration_id}/reject": lambda w: (
        w.secretary, f"/api/v1/members/registrations/{w.pending_registration().id}/reject", {"reason": "信息不全"}
    ),
    "POST /api/v1/members/hour-corrections/{correction_id}/answer": lambda w: (
        w.secretary, f"/api/v1/members/hour-corrections/{w.pending_correction().id}/answer",
        {"accept": True, "answer": "已核实"},
    ),
    "POST /api/v1/stations": lambda w: (
        w.secretary, "/api/v1/stations", {**STATION, "org_id": w.units["community_a"].id}
    ),
    "PATCH /api/v1/stations/{station_id}": lambda w: (
        w.secretary, f"/api/v1/stations/{w.station.id}", {"address": "幸福路 2 号"}
    ),
    "POST /api/v1/stations/{station_id}/qr/rotate": lambda w: (
        w.secretary, f"/api/v1/stations/{w.station.id}/qr/rotate", None
    ),
    "POST /api/v1/checkins/{checkin_id}/confirm": lambda w: (
        w.secretary, f"/api/v1/checkins/{w.closed_checkin().id}/confirm", None
    ),
    "POST /api/v1/notifications/grants": lambda w: (
        w.secretary, "/api/v1/notifications/grants", {"template_ids": ["tpl-request_overdue"]}
    ),
    "POST /api/v1/categories": lambda w: (
        w.admin, "/api/v1/categories", {"name": "助老", "skills": ["陪护"], "service_model": "routine"}
    ),
    "PATCH /api/v1/categories/{category_id}": lambda w: (
        w.admin, f"/api/v1/categories/{w.category.id}", {"expected_minutes": 90}
    ),
    "POST /api/v1/requests/{request_id}/confirm": lambda w: (
        w.secretary, f"/api/v1/requests/{w.completed_request().id}/confirm", None
    ),
    "POST /api/v1/requests/{request_id}/reject-completion": lambda w: (
        w.secretary, f"/api/v1/requests/{w.completed_request().id}/reject-completion", {"reason": "未完成"}
    ),
    "POST /api/v1/requests/{request_id}/assign": lambda w: (
        w.secretary, f"/api/v1/requests/{w.escalated_request().id}/assign", {"member_id": w.members[1].id}
    ),
    "POST /api/v1/requests/{request_id}/ask-resident": lambda w: (
        w.secretary, f"/api/v1/requests/{w.escalated_request().id}/ask-resident", {"question": "几点方便？"}
    ),
    "POST /api/v1/buildings/{building_id}/contacts": lambda w: (
        w.secretary, f"/api/v1/buildings/{w.units['building_a2'].id}/contacts", {"member_id": w.members[0].id}
    ),
    "DELETE /api/v1/buildings/{building_id}/contacts/{member_id}": lambda w: (
        w.secretary, f"/api/v1/buildings/{w.units['building_a1'].id}/contacts/{w.members[0].id}", None
    ),
    "DELETE /api/v1/staff/{user_id}/scopes/{scope_id}": lambda w: (
        lambda colleague: (w.secretary, f"/api/v1/staff/{colleague.id}/scopes/{colleague.scopes[-1].id}", None)
    )(w.desk_colleague()),
    "POST /api/v1/staff/{user_id}/disable": lambda w: (
        w.secretary, f"/api/v1/staff/{w.desk_colleague().id}/disable", None
    ),
    "POST /api/v1/staff/{user_id}/enable": lambda w: (
        w.secretary, f"/api/v1/staff/{w.desk_colleague(disabled=True).id}/enable", None
    ),
    "POST /api/v1/auth/password": lambda w: (
        w.secretary, "/api/v1/auth/password",
        {"old_password": "staff-password-1", "new_password": "another-password-2026"},
    ),
    "POST /api/v1/notifications/outbox/{notification_id}/retry": lambda w: (
        w.secretary, f"/api/v1/notifications/outbox/{w.failed_notification().id}/retry", None
    ),
    "POST /api/v1/residents/{user_id}/confirm-home": lambda w: (
        w.secretary, f"/api/v1/residents/{w.unconfirmed_resident().id}/confirm-home", None
    ),
    "POST /api/v1/contacts/reports/{report_id}/resolve": lambda w: (
        w.secretary, f"/api/v1/contacts/reports/{w.open_report().id}/resolve", {"outcome": "upheld", "note": "已核实"}
    ),
    "POST /api/v1/units": lambda w: (
        w.admin, "/api/v1/units", {"name": "新单位", "kind": "agency", "party_org_name": "机关党委", "address": "路1号",
                                   "street_id": w.units["street"].id}
    ),
    "PATCH /api/v1/units/{unit_id}": lambda w: (w.admin, f"/api/v1/units/{_unit(w).id}", {"address": "路2号"}),
    "POST /api/v1/units/{unit_id}/liaisons": lambda w: (
        w.admin, f"/api/v1/units/{_unit(w).id}/liaisons",
        {"username": "liaison-walk", "password": "liaison-password-1", "name": "联络员"},
    ),
    "POST /api/v1/units/{unit_id}/registrations": lambda w: (
        w.secretary, f"/api/v1/units/{_unit(w).id}/registrations", {"registration_id": w.pending_registration().id}
    ),
    "POST /api/v1/bodies": lambda w: (
        w.secretary, "/api/v1/bodies", {"kind": "joint_meeting", "org_id": w.units["community_a"].id, "name": "联席会"}
    ),
    "POST /api/v1/bodies/{body_id}/members": lambda w: (
        w.secretary, f"/api/v1/bodies/{_body(w).id}/members",
        {"unit_id": _unit(w).id, "representative_name": "代表", "title": "委员"},
    ),
    "POST /api/v1/bodies/{body_id}/meetings": lambda w: (
        w.secretary, f"/api/v1/bodies/{_body(w).id}/meetings",
        {"title": "例会", "held_at": "2026-03-01T09:00:00+08:00", "agenda": ["议题"]},
    ),
    "PATCH /api/v1/meetings/{meeting_id}": lambda w: (
        w.secretary, f"/api/v1/meetings/{_meeting(w).id}", {"minutes": "纪要"}
    ),
    "POST /api/v1/meetings/{meeting_id}/resolutions": lambda w: (
        lambda meeting: (w.secretary, f"/api/v1/meetings/{meeting.id}/resolutions",
                         {"text": "事项", "owner_unit_id": _member_unit(meeting), "due_date": "2030-01-01"})
    )(_meeting(w)),
    "POST /api/v1/resolutions/{resolution_id}/close": lambda w: (
        w.secretary, f"/api/v1/resolutions/{_resolution(w).id}/close", {"outcome": "已办结"}
    ),
    "POST /api/v1/resolutions/{resolution_id}/drop": lambda w: (
        w.secretary, f"/api/v1/resolutions/{_resolution(w).id}/drop", {"outcome": "不再需要"}
    ),
    "POST /api/v1/terms": lambda w: (
        w.secretary, "/api/v1/terms", {"org_id": w.units["community_a"].id, "post": "secretary",
                                       "holder_name": "书记", "starts_on": "2026-01-01", "ends_on": "2028-12-31"}
    ),
    "POST /api/v1/terms/{term_id}/end": lambda w: (
        w.secretary, f"/api/v1/terms/{_term(w).id}/end", {"left_on": "2026-06-01"}
    ),
    "POST /api/v1/annual-reports": lambda w: (
        w.admin, "/api/v1/annual-reports", {"org_id": w.units["street"].id, "year": 2025, "narrative": "正文"}
    ),
    "PATCH /api/v1/annual-reports/{report_id}": lambda w: (
        w.admin, f"/api/v1/annual-reports/{_report(w).id}", {"narrative": "新正文"}
    ),
    "POST /api/v1/annual-reports/{report_id}/compile": lambda w: (
        w.admin, f"/api/v1/annual-reports/{_report(w).id}/compile", None
    ),
    "POST /api/v1/annual-reports/{report_id}/present": lambda w: (
        lambda report: (w.admin, f"/api/v1/annual-reports/{report.id}/present",
                        {"meeting_id": _meeting(w, "coordination_committee", w.units["street"]).id})
    )(_report(w)),
    "POST /api/v1/annual-reports/{report_id}/comments": lambda w: (
        w.admin, f"/api/v1/annual-reports/{_report(w, presented=True).id}/comments",
        {"representative_name": "代表", "comment": "意见"},
    ),
    "POST /api/v1/report-comments/{comment_id}/answer": lambda w: (
        w.admin, f"/api/v1/report-comments/{_comment(w).id}/answer", {"answer": "已采纳"}
    ),
    "POST /api/v1/funds": lambda w: (
        w.secretary, "/api/v1/funds", {"name": "慈善基金", "kind": "charity", "org_id": w.units["community_a"].id}
    ),
    "POST /api/v1/funds/{fund_id}/donations": lambda w: (
        w.secretary, f"/api/v1/funds/{_fund(w)[0].id}/donations",
        {"amount_cents": 2000, "donor_name": "爱心企业", "donor_kind": "unit", "received_on": "2026-01-05"},
    ),
    "POST /api/v1/funds/{fund_id}/disbursements": lambda w: (
        w.secretary, f"/api/v1/funds/{_fund(w)[0].id}/disbursements", {"amount_cents": 300, "purpose": "慰问金"}
    ),
    "POST /api/v1/disbursements/{disbursement_id}/approve": lambda w: (
        w.secretary, f"/api/v1/disbursements/{_pending_disbursement(w).id}/approve", None
    ),
    "POST /api/v1/disbursements/{disbursement_id}/reject": lambda w: (
        w.secretary, f"/api/v1/disbursements/{_pending_disbursement(w).id}/reject", {"note": "材料不全"}
    ),
    "POST /api/v1/fund-entries/{fund_entry_id}/reverse": lambda w: (
        w.secretary, f"/api/v1/fund-entries/{_fund(w)[1].id}/reverse", {"reason": "金额录错"}
    ),
    "POST /api/v1/care-targets": lambda w: (
        w.secretary, "/api/v1/care-targets",
        {"name": "李叔", "building_id": w.units["building_a1"].id, "needs": ["送餐"], "consent_on": "2026-01-05"},
    ),
    "POST /api/v1/care-targets/{care_target_id}/plans": lambda w: (
        w.secretary, f"/api/v1/care-targets/{_care_target(w).id}/plans",
        {"visitor_id": w.members[1].id, "every_weeks": 2},
    ),
    "POST /api/v1/visits/{visit_id}/confirm": lambda w: (
        w.secretary, f"/api/v1/visits/{_pending_visit(w).id}/confirm", None
    ),
    "POST /api/v1/visits/{visit_id}/reject": lambda w: (
        w.secretary, f"/api/v1/visits/{_pending_visit(w).id}/reject", {"reason": "记录不实"}
    ),
    "POST /api/v1/evaluations": lambda w: (
        w.admin, "/api/v1/evaluations", {"org_id": w.units["street"].id, "year": 2026, "title": "述职评议"}
    ),
    "PATCH /api/v1/evaluations/{round_id}": lambda w: (
        w.admin, f"/api/v1/evaluations/{_evaluation(w)[0]}", {"meeting_place": "街道会议室"}
    ),
    "POST /api/v1/evaluations/{round_id}/subjects": lambda w: (
        w.admin, f"/api/v1/evaluations/{_evaluation(w)[0]}/subjects", {"org_id": w.units["community_b"].id}
    ),
    "PUT /api/v1/evaluations/{round_id}/subjects/{subject_id}/report": lambda w: (
        w.secretary, "/api/v1/evaluations/{}/subjects/{}/report".format(*_evaluation(w)), {"report_text": "述职"}
    ),
    "POST /api/v1/evaluations/{round_id}/subjects/{subject_id}/assessments": lambda w: (
        w.admin, "/api/v1/evaluations/{}/subjects/{}/assessments".format(*_evaluation(w)),
        {"kind": "pre_report", "assessed_on": "2026-12-01", "item": "述职前考核", "score": 88},
    ),
    "POST /api/v1/evaluations/{round_id}/subjects/{subject_id}/video-links": lambda w: (
        w.secretary, "/api/v1/evaluations/{}/subjects/{}/video-links".format(*_evaluation(w)),
        {"title": "述职视频", "url": "https://video.example.cn/v/1"},
    ),
    "POST /api/v1/evaluations/{round_id}/invitations": lambda w: (
        w.admin, f"/api/v1/evaluations/{_evaluation(w)[0]}/invitations", {"sector": "resident", "count": 2}
    ),
    "POST /api/v1/evaluations/{round_id}/close": lambda w: (
        w.admin, f"/api/v1/evaluations/{_evaluation(w)[0]}/close", None
    ),
}


# Objects of the coordination area, made directly for the recipes above.


def _unit(w):
    from models.coordination import ResidentUnit

    unit = ResidentUnit(name=f"单位{secrets.token_hex(3)}", kind="enterprise", party_org_name="党支部", address="路",
                        street_id=w.units["street"].id)
    db.session.add(unit)
    db.session.commit()
    return unit


def _body(w, kind="joint_meeting", org=None):
    from models.coordination import CoordinationBody

    body = CoordinationBody(kind=kind, org_id=(org or w.units["community_a"]).id, name="机构")
    db.session.add(body)
    db.session.commit()
    return body


def _meeting(w, kind="joint_meeting", org=None):
    from models.coordination import BodyMember, Meeting

    body = _body(w, kind, org)
    db.session.add(BodyMember(body_id=body.id, org_id=body.org_id, unit_id=_unit(w).id, representative_name="代表",
                              title="委员"))
    meeting = Meeting(body_id=body.id, org_id=body.org_id, title="例会", held_at=utcnow(), agenda=[])
    db.session.add(meeting)
    db.session.commit()
    return meeting


def _member_unit(meeting) -> int:
    from models.coordination import BodyMember

    return db.session.execute(select(BodyMember.unit_id).where(BodyMember.body_id == meeting.body_id)).scalar_one()


def _resolution(w):
    from datetime import date

    from models.coordination import Resolution

    meeting = _meeting(w)
    resolution = Resolution(meeting_id=meeting.id, body_id=meeting.body_id, org_id=meeting.org_id, text="事项",
                            owner_unit_id=_member_unit(meeting), due_date=date(2030, 1, 1))
    db.session.add(resolution)
    db.session.commit()
    return resolution


def _term(w):
    from datetime import date

    from models.coordination import LeadershipTerm

    term = LeadershipTerm(org_id=w.units["community_a"].id, post="secretary", holder_name="书记",
                          starts_on=date(2025, 1, 1), ends_on=date(2027, 12, 31))
    db.session.add(term)
    db.session.commit()
    return term


def _report(w, presented=False):
    from models.coordination import AnnualReport

    meeting = _meeting(w, "coordination_committee", w.units["street"]) if presented else None
    report = AnnualReport(org_id=w.units["street"].id, year=2024, narrative="", figures={},
                          status="presented" if presented else "draft", meeting_id=meeting.id if meeting else None)
    db.session.add(report)
    db.session.commit()
    return report


def _comment(w):
    from models.coordination import ReportComment

    report = _report(w, presented=True)
    comment = ReportComment(report_id=report.id, org_id=report.org_id, representative_name="代表", comment="意见")
    db.session.add(comment)
    db.session.commit()
    return comment
def _activity(w, ended=False, helper=None):
    """An activity of community A (ended two hours ago when asked), with a checked-in helper if given."""
    from models.activities import Activity, ActivitySignup

    starts = utcnow() + (timedelta(hours=-4) if ended else timedelta(days=1))
    activity = Activity(
        title="楼道议事", level="corridor", org_id=w.units["community_a"].id, starts_at=starts,
        ends_at=starts + timedelta(hours=2), capacity=5, address="1号楼", qr_secret=secrets.token_hex(16),
    )
    db.session.add(activity)
    db.session.flush()
    if helper is not None:
        db.session.add(ActivitySignup(activity_id=activity.id, user_id=helper.id, role="volunteer",
                                      status="confirmed", checked_in_at=starts))
    db.session.commit()
    return activity


ACTIVITY_OPERATIONS = {
    "POST /api/v1/activities": lambda w: (
        w.secretary, "/api/v1/activities", {
            "title": "广场舞", "level": "square", "org_id": w.units["community_a"].id, "capacity": 50,
            "address": "幸福广场", "starts_at": "2030-01-01T10:00:00+08:00", "ends_at": "2030-01-01T12:00:00+08:00"}
    ),
    "POST /api/v1/activities/{activity_id}/helpers": lambda w: (
        w.secretary, f"/api/v1/activities/{_activity(w).id}/helpers", {"user_id": w.members[0].id, "role": "volunteer"}
    ),
    "POST /api/v1/activities/{activity_id}/hours": lambda w: (
        w.secretary, f"/api/v1/activities/{_activity(w, ended=True, helper=w.members[0]).id}/hours", None
    ),
}
STAFF_OPERATIONS.update(ACTIVITY_OPERATIONS)


def _social_offer(w, status="pending"):
    """An offer of community A entered by a colleague of the secretary."""
    from datetime import date

    from models.offers import SocialOffer

    offer = SocialOffer(
        org_id=w.units["community_a"].id, provider_name="书店", provider_kind="merchant", kind="discount",
        title="购书九折", terms="凭居民身份", valid_from=date(2026, 1, 1), valid_until=date(2030, 12, 31),
        status=status, created_by_id=w.make.staff(w.units["community_a"]).id,
    )
    db.session.add(offer)
    db.session.commit()
    return offer


STAFF_OPERATIONS.update({
    "POST /api/v1/social-offers": lambda w: (
        w.secretary, "/api/v1/social-offers", {
            "org_id": w.units["community_a"].id, "provider_name": "科技馆", "provider_kind": "education_base",
            "kind": "free_service", "title": "周末免费开放", "terms": "凭居民身份", "valid_from": "2026-01-01",
            "valid_until": "2030-12-31"}
    ),
    "POST /api/v1/social-offers/{social_offer_id}/approve": lambda w: (
        w.secretary, f"/api/v1/social-offers/{_social_offer(w).id}/approve", {}
    ),
    "POST /api/v1/social-offers/{social_offer_id}/reject": lambda w: (
        w.secretary, f"/api/v1/social-offers/{_social_offer(w).id}/reject", {"reason": "资质不全"}
    ),
    "POST /api/v1/social-offers/{social_offer_id}/withdraw": lambda w: (
        w.secretary, f"/api/v1/social-offers/{_social_offer(w, 'approved').id}/withdraw", None
    ),
})


def _provider(w):
    from models.providers import ServiceProvider

    provider = ServiceProvider(org_id=w.units["community_a"].id, name="社区社工站", kind="social_work_org", services=[])
    db.session.add(provider)
    db.session.commit()
    return provider


STAFF_OPERATIONS.update({
    "POST /api/v1/providers": lambda w: (
        w.secretary, "/api/v1/providers",
        {"org_id": w.units["community_a"].id, "name": "阳光社工", "kind": "social_work_org"},
    ),
    "POST /api/v1/providers/{provider_id}/accounts": lambda w: (
        w.secretary, f"/api/v1/providers/{_provider(w).id}/accounts",
        {"username": "walk-provider", "password": "provider-pass-2026", "name": "阳光社工"},
    ),
    "POST /api/v1/requests/{request_id}/route": lambda w: (
        w.secretary, f"/api/v1/requests/{w.escalated_request().id}/route", {"provider_id": _provider(w).id}
    ),
})
# Resource and need lists, joint projects, branch rosters (coordination, parts 4 and 7).


def _offer(w):
    from models.coordination import ResourceOffer

    unit = _unit(w)
    offer = ResourceOffer(unit_id=unit.id, street_id=unit.street_id, kind="venue", title="礼堂")
    db.session.add(offer)
    db.session.commit()
    return offer


def _need(w):
    from models.coordination import CommunityNeed

    need = CommunityNeed(community_id=w.units["community_a"].id, kind="venue", title="活动场地")
    db.session.add(need)
    db.session.commit()
    return need


def _project(w, status="planned"):
    from models.coordination import JointProject

    need = _need(w)
    project = JointProject(need_id=need.id, community_id=need.community_id, title="共建", status=status)
    db.session.add(project)
    db.session.commit()
    return project


def _branch(w, kind="functional_branch"):
    from services.orgs import add_org

    branch = add_org(f"支部{secrets.token_hex(3)}", kind, w.units["community_a"])
    db.session.commit()
    return branch


def _branch_member(w):
    from models.coordination import BranchMember

    member = BranchMember(branch_id=_branch(w, "mobile_member_branch").id, name="流动党员", mobile=True,
                          current_location="深圳")
    db.session.add(member)
    db.session.commit()
    return member


STAFF_OPERATIONS.update({
    "POST /api/v1/units/{unit_id}/offers": lambda w: (
        w.admin, f"/api/v1/units/{_unit(w).id}/offers", {"kind": "skill", "title": "法律咨询"}
    ),
    "PATCH /api/v1/offers/{offer_id}": lambda w: (w.admin, f"/api/v1/offers/{_offer(w).id}", {"active": False}),
    "POST /api/v1/needs": lambda w: (
        w.secretary, "/api/v1/needs", {"community_id": w.units["community_a"].id, "kind": "funds", "title": "助学"}
    ),
    "POST /api/v1/projects": lambda w: (
        lambda need, offer: (w.admin, "/api/v1/projects",
                             {"need_id": need.id, "title": "共建", "offer_ids": [offer.id]})
    )(_need(w), _offer(w)),
    "POST /api/v1/projects/{project_id}/start": lambda w: (
        w.secretary, f"/api/v1/projects/{_project(w).id}/start", None
    ),
    "POST /api/v1/projects/{project_id}/finish": lambda w: (
        w.secretary, f"/api/v1/projects/{_project(w, 'running').id}/finish", {"outcome": "完成"}
    ),
    "POST /api/v1/projects/{project_id}/drop": lambda w: (
        w.secretary, f"/api/v1/projects/{_project(w).id}/drop", {"outcome": "不再需要"}
    ),
    "POST /api/v1/branches/{branch_id}/members": lambda w: (
        w.secretary, f"/api/v1/branches/{_branch(w).id}/members", {"name": "党员"}
    ),
    "PATCH /api/v1/branch-members/{branch_member_id}": lambda w: (
        w.secretary, f"/api/v1/branch-members/{_branch_member(w).id}", {"current_location": "广州"}
    ),
    "POST /api/v1/branches/{branch_id}/mass-organisations": lambda w: (
        w.secretary, f"/api/v1/branches/{_branch(w).id}/mass-organisations",
        {"name": "志愿服务队", "kind": "volunteer_team"},
    ),
    "PATCH /api/v1/needs/{need_id}": lambda w: (w.secretary, f"/api/v1/needs/{_need(w).id}", {"kind": "skill"}),
    "DELETE /api/v1/branch-members/{branch_member_id}": lambda w: (
        w.secretary, f"/api/v1/branch-members/{_branch_member(w).id}", None
    ),
})


def _held_message(w) -> int:
    """A resident's message WeChat's check held for review: the hold's id."""
    from models.moderation import ModerationHold

    thread = ContactThread(
        resident_id=w.resident.id, member_id=w.members[0].id, community_id=w.units["community_a"].id
    )
    db.session.add(thread)
    db.session.flush()
    message = ContactMessage(thread_id=thread.id, sender_id=w.resident.id, text="待审的留言")
    db.session.add(message)
    db.session.flush()
    hold = ModerationHold(
        table_name="contact_messages", row_id=message.id, column_name="text", content=message.text, scene=4,
        reason="review", author_id=w.resident.id, org_unit_id=w.units["building_a1"].id,
    )
    db.session.add(hold)
    db.session.commit()
    return hold.id


STAFF_OPERATIONS.update({
    "POST /api/v1/moderation/{hold_id}/release": lambda w: (
        w.secretary, f"/api/v1/moderation/{_held_message(w)}/release", None
    ),
    "POST /api/v1/moderation/{hold_id}/remove": lambda w: (
        w.secretary, f"/api/v1/moderation/{_held_message(w)}/remove", None
    ),
})
STAFF_OPERATIONS.update({
    "PATCH /api/v1/social-offers/{social_offer_id}": lambda w: (
        w.secretary, f"/api/v1/social-offers/{_social_offer(w, 'approved').id}", {"terms": "凭居民身份证"}
    ),
    "PATCH /api/v1/providers/{provider_id}": lambda w: (
        w.secretary, f"/api/v1/providers/{_provider(w).id}", {"services": ["心理疏导", "康复护理"]}
    ),
})


def _evaluation(w) -> tuple[int, int]:
    """An open round of the street with community A as its subject: (round id, subject id)."""
    from services.evaluation import add_subject, open_round

    evaluation = open_round(w.admin, {"org_id": w.units["street"].id, "year": 2026, "title": "述职评议"})
    subject = add_subject(w.admin, evaluation.id, w.units["community_a"].id)
    db.session.commit()
    return evaluation.id, subject.id


def _write_operations(client) -> set[str]:
    document = body(client.get("/api/v1/openapi.json"))
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    }


def test_every_write_operation_is_walked_or_said_to_be_no_staff_action(client):
    operations = _write_operations(client)
    unaccounted = operations - set(STAFF_OPERATIONS) - set(NOT_STAFF_OPERATIONS)
    assert not unaccounted, f"add a recipe to STAFF_OPERATIONS (or a reason to NOT_STAFF_OPERATIONS): {unaccounted}"
    assert not (set(STAFF_OPERATIONS) | set(NOT_STAFF_OPERATIONS)) - operations, "an operation listed here is gone"


@pytest.fixture
def world(make, make_station, category):
    return World(make, make_station, category)


def _audit_rows():
    return db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()


@pytest.mark.parametrize("operation", sorted(STAFF_OPERATIONS))
def test_staff_operation_writes_exactly_one_audit_row(client, world, operation):
    method, _template = operation.split(" ", 1)
    actor, path, payload = STAFF_OPERATIONS[operation](world)
    headers = world.make.headers(actor)
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    response = client.open(path, method=method, json=payload, headers=headers, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code < 300, response.get_data(as_text=True)
    db.session.expire_all()
    rows = _audit_rows()[before:]
    assert len(rows) == 1, [(row.action, row.after) for row in rows]
    row = rows[0]
    assert row.actor_id == actor.id
    assert row.kind == "write"
    assert row.ip == "10.1.2.3"
    assert row.action and row.action == row.action.strip()
    assert row.after or row.before
    assert row.target_type is not None


def test_a_refused_staff_write_leaves_no_row(client, world):
    headers = world.make.headers(world.secretary)
    hidden = world.units["community_b"].id
    response = client.patch(f"/api/v1/orgs/{hidden}", json={"name": "越权"}, headers=headers)
    assert response.status_code == 404
    assert _audit_rows() == []


def test_a_residents_own_writes_leave_no_row(client, world):
    response = client.patch("/api/v1/me", json={"name": "居民新名"}, headers=world.make.headers(world.resident))
    assert response.status_code == 200
    assert _audit_rows() == []
