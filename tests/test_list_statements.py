"""No N+1 anywhere: every list the API answers with costs the same number of SQL statements
whatever the number of its items.

One world (tests/test_access_matrix.py's: a street with two communities and one of every object)
is built once; then, row by row, each list gets a few items, is read and its statements counted,
gets more items, and is read and counted again. The counts must be equal, and the second answer
must really hold more items (so a row whose growth does not reach the answer fails too). Every
item brings its OWN related objects (another resident, another community, another unit...): a
query per item cannot hide behind the session's identity map.

How to add a row: put `"/api/v1/path/{param}": Row(caller, grow, ...)` in ROWS (a list: the answer is
an array or has an `items` array) or EMBEDDED_ROWS (an object holding a list of objects at any
depth). `grow(w, count)` adds `count` items of the list through the models or the services;
`count_items` says how many the answer holds when it is not a page or an array. A list whose length
is fixed by code (the template list, the leadership posts, the dashboard's weeks) keeps a row with
`fixed=True`: its length must stay, the data behind it still grows.
A new endpoint of either kind without a row fails a completeness test. LINLI_STATEMENTS_PRINT=1
prints the statements of each row that fails, to find the query run per item.
"""
import itertools
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from extensions import db
from models.base import utcnow
from tests.conftest import body, executed_statements
from tests.fixtures.members import CENTRE, StationFactory
from tests.test_access_matrix import path_ids, world  # noqa: F401  # `world` is the fixture

FEW, MORE = 2, 3  # items added before the first reading, then before the second
_n = itertools.count(1)
_years = itertools.count(2030)  # one annual report per street and year


@dataclass
class Row:
    caller: str
    grow: Callable
    query: str = ""
    count_items: Callable = field(default=lambda answer: len(answer["items"] if isinstance(answer, dict) else answer))
    # The list's length is fixed by code: it must stay the same (and the statements too) while the data grows.
    fixed: bool = False
    # Path parameters naming other objects than `path_ids` gives: (Grower) → {name: id}.
    path: Callable | None = None
    # More callers whose answer another query builds: each is measured the same way, after its own growth.
    also: tuple = ()


class Grower:
    """What the growth functions need: the world's objects, the factory, fresh communities and people."""

    def __init__(self, ids, make):
        self.ids = ids
        self.make = make

    def get(self, model, key):
        return db.session.get(model, self.ids[key])

    @property
    def street(self):
        from models.orgs import OrgUnit

        return self.get(OrgUnit, "street_org")

    @property
    def community_a(self):
        from models.orgs import OrgUnit

        return self.get(OrgUnit, "community_a")

    def community(self):
        """A new community under the street, with one building: (community, building)."""
        from services.orgs import add_org

        community = add_org(f"增长社区{next(_n)}", "community_general_branch", self.street)
        building = add_org(f"增长楼{next(_n)}", "building_branch", community)
        db.session.commit()
        return community, building

    def resident(self):
        return self.make.resident(*self.community())

    def member(self, community=None, building=None):
        if community is None:
            community, building = self.community()
        return self.make.member(community, building)

    def staff(self):
        return self.make.staff(self.community()[0])

    def enterprise_station(self):
        """A position of an enterprise's Party organisation in community A: one that keeps the checklist."""
        from services.orgs import add_org

        if "enterprise_station" not in self.ids:
            enterprise = add_org(f"企业党组织{next(_n)}", "enterprise_branch", self.community_a)
            self.ids["enterprise_station"] = StationFactory()(enterprise).id
        return self.ids["enterprise_station"]


# --- growth functions: each adds `count` items of one list -------------------------------------------


def grow_orgs(w, count):
    for _ in range(count):
        w.community()


def grow_staff(w, count):
    for _ in range(count):
        community, building = w.community()
        user = w.make.staff(community, role="secretary")
        w.make.grant(user, building)


def grow_registrations(w, count):
    from models.members import Registration

    for _ in range(count):
        community, building = w.community()
        applicant = w.make.resident(community, building)
        db.session.add(Registration(user_id=applicant.id, community_id=community.id, building_id=building.id,
                                    employer_unit="单位", home_branch="支部", skills=["维修"], availability=[],
                                    status="pending"))
    db.session.commit()


def _hour_entry(member, org, source="checkin", source_id=None):
    from models.ledger import HourEntry

    entry = HourEntry(member_id=member.id, org_id=org.id, source=source,
                      source_id=source_id if source_id is not None else 100000 + next(_n), minutes=30,
                      status="confirmed", confirmed_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


def grow_hour_corrections(w, count):
    from models.ledger import HourCorrection

    for _ in range(count):
        community, building = w.community()
        member = w.member(community, building)
        entry = _hour_entry(member, community)
        db.session.add(HourCorrection(entry_id=entry.id, member_id=member.id, reason="少记了", requested_minutes=60,
                                      status="pending"))
    db.session.commit()


def grow_stations(w, count):
    for _ in range(count):
        StationFactory()(w.community()[0])


def _evidence(station, item, checker):
    from models.stations import StationChecklistEvidence

    db.session.add(StationChecklistEvidence(station_id=station.id, item=item, stored_name=secrets.token_hex(16),
                                            content_type="application/pdf", size_bytes=9, checked_by_id=checker.id))


def grow_positions(w, count):
    """Enterprise positions (they keep the checklist) in different communities, each with evidence."""
    from services.orgs import add_org

    for _ in range(count):
        community, _building = w.community()
        station = StationFactory()(add_org(f"企业党组织{next(_n)}", "enterprise_branch", community))
        _evidence(station, "has_flag", w.make.staff(community))
    db.session.commit()


def grow_evidence(w, count):
    """Evidence for more items of the enterprise position, each checked by another staff member."""
    from models.stations import CHECKLIST_ITEMS, Station, StationChecklistEvidence

    station = db.session.get(Station, w.enterprise_station())
    taken = {row.item for row in db.session.query(StationChecklistEvidence).filter_by(station_id=station.id)}
    for item in [item for item in CHECKLIST_ITEMS if item not in taken][:count]:
        _evidence(station, item, w.make.staff(w.community_a))
    db.session.commit()


def grow_checkins(w, count):
    from models.checkins import CheckIn

    for _ in range(count):
        community, building = w.community()
        station = StationFactory()(community)
        member = w.member(community, building)
        db.session.add(CheckIn(member_id=member.id, station_id=station.id, status="open", lat=CENTRE[0],
                               lng=CENTRE[1], distance_m=1.0, qr_window=1))
    db.session.commit()


def grow_grants(w, count):
    """The template list is fixed by code; the caller's grants grow beside it."""
    from models.notifications import NotificationGrant

    for _ in range(count):
        db.session.add(NotificationGrant(user_id=w.ids["resident"], template_id=f"tmpl-{next(_n)}", remaining=1))
    db.session.commit()


def grow_notifications(w, count):
    from models.notifications import Notification

    for n in range(count):
        db.session.add(Notification(user_id=w.ids["resident"], event="request_accepted", title=f"通知{n}",
                                    status="sent"))
    db.session.commit()


def grow_outbox(w, count):
    from models.notifications import Notification

    for n in range(count):
        user = w.resident()
        db.session.add(Notification(user_id=user.id, event="request_accepted", title=f"通知{n}", status="failed",
                                    attempts=3, last_error="43101"))
    db.session.commit()


def grow_categories(w, count):
    from models.categories import ServiceCategory

    for _ in range(count):
        db.session.add(ServiceCategory(name=f"类别{next(_n)}", skills=["维修"], service_model="on_demand"))
    db.session.commit()


def grow_requests(w, count):
    """Requests of different residents of different communities and buildings, each taken by another member."""
    from models.requests import ServiceRequest

    now = utcnow()
    for _ in range(count):
        community, building = w.community()
        resident = w.make.resident(community, building)
        member = w.member(community, building)
        db.session.add(ServiceRequest(
            resident_id=resident.id, community_id=community.id, building_id=building.id,
            category_id=w.ids["category"], title="求助", status="accepted", assignee_id=member.id,
            created_at=now, updated_at=now, sla_due_at=now + timedelta(hours=2),
        ))
    db.session.commit()


def grow_candidates(w, count):
    """More members of community A able to take the world's request."""
    from models.orgs import OrgUnit

    building = w.get(OrgUnit, "building_a1")
    for _ in range(count):
        w.make.member(w.community_a, building, skills=("维修",))


def grow_request_offers(w, count):
    from models.orgs import OrgUnit
    from models.requests import RequestOffer

    building = w.get(OrgUnit, "building_a1")
    for _ in range(count):
        member = w.make.member(w.community_a, building)
        db.session.add(RequestOffer(request_id=w.ids["request"], member_id=member.id, round=1, status="declined",
                                    score=1.0, reasons=[]))
    db.session.commit()


def grow_building_contacts(w, count):
    from models.contacts import BuildingContact
    from models.orgs import OrgUnit

    building = w.get(OrgUnit, "building_a1")
    for _ in range(count):
        member = w.make.member(w.community_a, building)
        db.session.add(BuildingContact(building_id=building.id, member_id=member.id, active=True))
    db.session.commit()


def _thread(resident, member, community, text="您好"):
    from models.contacts import ContactMessage, ContactThread

    thread = ContactThread(resident_id=resident.id, member_id=member.id, community_id=community.id)
    db.session.add(thread)
    db.session.flush()
    message = ContactMessage(thread_id=thread.id, sender_id=member.id, kind="text", text=text)
    db.session.add(message)
    db.session.flush()
    return thread, message


def grow_contact_reports(w, count):
    from models.contacts import ContactReport

    for _ in range(count):
        community, building = w.community()
        resident = w.make.resident(community, building)
        member = w.member(community, building)
        thread, message = _thread(resident, member, community)
        db.session.add(ContactReport(message_id=message.id, thread_id=thread.id, reporter_id=resident.id,
                                     community_id=community.id, reason="骚扰"))
    db.session.commit()


def grow_threads(w, count):
    """The resident's threads, each with another member."""
    from models.orgs import OrgUnit
    from models.users import User

    resident = w.get(User, "resident")
    building = w.get(OrgUnit, "building_a1")
    for _ in range(count):
        _thread(resident, w.make.member(w.community_a, building), w.community_a)
    db.session.commit()


def grow_messages(w, count):
    from models.contacts import ContactMessage, ContactThread

    thread = w.get(ContactThread, "thread")
    for n in range(count):
        sender = thread.resident_id if n % 2 else thread.member_id
        db.session.add(ContactMessage(thread_id=thread.id, sender_id=sender, kind="text", text=f"消息{n}"))
    db.session.commit()


def grow_audit(w, count):
    """Entries by different staff about different orgs."""
    from services.audit import record_read

    for _ in range(count):
        community, _building = w.community()
        actor = w.make.staff(community)
        record_read(actor, community, ["name"], org_id=community.id)
    db.session.commit()


def _unit(w, street=None):
    from models.coordination import ResidentUnit

    unit = ResidentUnit(name=f"单位{next(_n)}", kind="enterprise", party_org_name="党支部", address="路1号",
                        street_id=(street or w.street).id, lat=CENTRE[0], lng=CENTRE[1])
    db.session.add(unit)
    db.session.flush()
    return unit


def grow_units(w, count):
    for _ in range(count):
        _unit(w)
    db.session.commit()


def grow_unit_members(w, count):
    """Members in different communities employed by the world's unit, each with hours."""
    from models.members import Registration

    for _ in range(count):
        community, building = w.community()
        member = w.member(community, building)
        db.session.query(Registration).filter_by(user_id=member.id).update({"employer_unit_id": w.ids["unit"]})
        _hour_entry(member, community)
    db.session.commit()


def _body(community):
    from models.coordination import CoordinationBody

    joint = CoordinationBody(kind="joint_meeting", org_id=community.id, name=f"联席会{next(_n)}")
    db.session.add(joint)
    db.session.flush()
    return joint


def grow_bodies(w, count):
    for _ in range(count):
        _body(w.community()[0])
    db.session.commit()


def _meeting(body):
    from models.coordination import Meeting

    meeting = Meeting(body_id=body.id, org_id=body.org_id, title="例会", held_at=utcnow(), agenda=["议题"])
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _resolution(w, meeting, unit=None):
    from models.coordination import Resolution

    resolution = Resolution(meeting_id=meeting.id, body_id=meeting.body_id, org_id=meeting.org_id, text="事项",
                            owner_unit_id=(unit or _unit(w)).id, due_date=date(2020, 1, 1))
    db.session.add(resolution)
    return resolution


def grow_resolutions(w, count):
    for _ in range(count):
        _resolution(w, _meeting(_body(w.community()[0])))
    db.session.commit()


def grow_terms(w, count):
    from models.coordination import LeadershipTerm

    for _ in range(count):
        community, _building = w.community()
        db.session.add(LeadershipTerm(org_id=community.id, post="secretary", holder_name="书记",
                                      user_id=w.make.user().id, starts_on=date(2025, 1, 1),
                                      ends_on=date(2027, 12, 31)))
    db.session.commit()


def grow_annual_reports(w, count):
    """Reports of the street, one a year (one report per org and year)."""
    from models.coordination import AnnualReport

    for _ in range(count):
        db.session.add(AnnualReport(org_id=w.ids["street_org"], year=next(_years), narrative="", figures={}))
    db.session.commit()


def _offer(w, unit=None):
    from models.coordination import ResourceOffer

    unit = unit or _unit(w)
    offer = ResourceOffer(unit_id=unit.id, street_id=unit.street_id, kind="venue", title="礼堂")
    db.session.add(offer)
    db.session.flush()
    return offer


def grow_offers(w, count):
    for _ in range(count):
        _offer(w)
    db.session.commit()


def _need(community):
    from models.coordination import CommunityNeed

    need = CommunityNeed(community_id=community.id, kind="venue", title="活动场地")
    db.session.add(need)
    db.session.flush()
    return need


def grow_needs(w, count):
    for _ in range(count):
        _need(w.community()[0])
    db.session.commit()


def _project(w, need):
    from models.coordination import JointProject, ProjectOffer

    project = JointProject(need_id=need.id, community_id=need.community_id, title="共建")
    db.session.add(project)
    db.session.flush()
    offer = _offer(w)
    db.session.add(ProjectOffer(project_id=project.id, offer_id=offer.id, unit_id=offer.unit_id))
    return project


def grow_projects(w, count):
    for _ in range(count):
        _project(w, _need(w.community()[0]))
    db.session.commit()


def grow_branch_members(w, count):
    """Mobile members (their whereabouts are read, and each read recorded) with accounts of their own."""
    from models.coordination import BranchMember

    for n in range(count):
        db.session.add(BranchMember(branch_id=w.ids["functional_branch"], name=f"党员{n}", user_id=w.make.user().id,
                                    mobile=True, current_location="深圳", phone="13800000000"))
    db.session.commit()


def grow_mass_organisations(w, count):
    from models.coordination import MassOrganisation

    for _ in range(count):
        db.session.add(MassOrganisation(branch_id=w.ids["functional_branch"], name=f"合唱团{next(_n)}", kind="choir"))
    db.session.commit()


def _fund(org, creator):
    from models.funds import Fund

    fund = Fund(name=f"基金{next(_n)}", kind="charity", org_id=org.id, created_by_id=creator.id)
    db.session.add(fund)
    db.session.flush()
    return fund


def grow_funds(w, count):
    for _ in range(count):
        community, _building = w.community()
        _fund(community, w.make.staff(community))
    db.session.commit()


def _care_target(w, building=None):
    from models.care import CareTarget
    from models.orgs import OrgUnit

    building = building or w.get(OrgUnit, "building_a1")
    target = CareTarget(name="王奶奶", building_id=building.id, needs=["买菜"], consent_on=date(2026, 1, 5),
                        created_by_id=w.ids["staff"])
    db.session.add(target)
    db.session.flush()
    return target


def _disbursement(w, fund, status="pending"):
    from models.funds import Disbursement

    requester = w.make.staff(w.community_a)
    disbursement = Disbursement(fund_id=fund.id, org_id=fund.org_id, amount_cents=100, purpose="慰问",
                                care_target_id=_care_target(w).id, status=status, requested_by_id=requester.id,
                                decided_by_id=w.ids["staff"] if status == "approved" else None)
    db.session.add(disbursement)
    db.session.flush()
    return disbursement


def grow_disbursements(w, count):
    from models.funds import Fund

    fund = w.get(Fund, "fund")
    for _ in range(count):
        _disbursement(w, fund)
    db.session.commit()


def grow_fund_entries(w, count):
    """Payouts, each of its own approved disbursement, recorded by different staff."""
    from models.funds import Fund, FundEntry

    fund = w.get(Fund, "fund")
    for _ in range(count):
        disbursement = _disbursement(w, fund, status="approved")
        db.session.add(FundEntry(fund_id=fund.id, org_id=fund.org_id, kind="disbursement", amount_cents=-100,
                                 booked_on=date(2026, 1, 6), disbursement_id=disbursement.id,
                                 recorded_by_id=w.make.staff(w.community_a).id))
    db.session.commit()


def _plan(target, visitor):
    from models.care import VisitPlan

    plan = VisitPlan(care_target_id=target.id, building_id=target.building_id, visitor_id=visitor.id, every_weeks=2,
                     next_due_on=date(2026, 1, 19))
    db.session.add(plan)
    db.session.flush()
    return plan


def grow_care_targets(w, count):
    """Targets in different buildings, each with a plan of its own visitor."""
    for _ in range(count):
        community, building = w.community()
        _plan(_care_target(w, building), w.member(community, building))
    db.session.commit()


def grow_visit_plans(w, count):
    for _ in range(count):
        community, building = w.community()
        _plan(_care_target(w, building), w.member(community, building))
    db.session.commit()


def grow_visits(w, count):
    from models.care import VisitRecord

    for _ in range(count):
        community, building = w.community()
        visitor = w.member(community, building)
        target = _care_target(w, building)
        plan = _plan(target, visitor)
        db.session.add(VisitRecord(plan_id=plan.id, care_target_id=target.id, building_id=building.id,
                                   visitor_id=visitor.id, visited_on=date(2026, 1, 5), minutes=30, summary="走访"))
    db.session.commit()


def _activity(org):
    from models.activities import Activity

    starts = utcnow() + timedelta(days=30)
    activity = Activity(title="楼道议事", level="corridor", org_id=org.id, starts_at=starts,
                        ends_at=starts + timedelta(hours=2), capacity=10, address="1号楼",
                        qr_secret=secrets.token_hex(16))
    db.session.add(activity)
    db.session.flush()
    return activity


def grow_activities(w, count):
    """Activities of different buildings of community A, each full: the member waits behind another resident
    (the answer tells the member's place on each waiting list)."""
    from models.activities import ActivitySignup
    from services.orgs import add_org

    for _ in range(count):
        building = add_org(f"增长楼{next(_n)}", "building_branch", w.community_a)
        activity = _activity(building)
        for user_id in (w.make.resident(w.community_a, building).id, w.ids["member"]):
            db.session.add(ActivitySignup(activity_id=activity.id, user_id=user_id, status="waitlisted"))
            db.session.flush()
    db.session.commit()


def grow_signups(w, count):
    from models.activities import ActivitySignup

    for _ in range(count):
        db.session.add(ActivitySignup(activity_id=w.ids["activity"], user_id=w.make.resident(w.community_a).id,
                                      status="confirmed"))
    db.session.commit()


def grow_social_offers(w, count):
    """Approved offers for community A's residents (placed near their home, or by the tree), each entered and
    approved by other staff; and offers still pending in other communities, for the staff's view."""
    from models.offers import SocialOffer

    def offer(org, status, **fields):
        creator = w.make.staff(org)
        db.session.add(SocialOffer(org_id=org.id, provider_name="书店", provider_kind="merchant", kind="discount",
                                   title="九折", terms="凭居民身份", valid_from=date(2026, 1, 1),
                                   valid_until=date(2030, 12, 31), created_by_id=creator.id, status=status,
                                   decided_by_id=w.make.staff(org).id if status == "approved" else None, **fields))

    for n in range(count):
        placed = {"lat": CENTRE[0] + n * 0.0001, "lng": CENTRE[1]} if n % 2 else {}
        offer(w.community_a if n % 2 else w.street, "approved", **placed)
        offer(w.community()[0], "pending")
    db.session.commit()


def _provider(org, parent=None):
    from models.providers import ServiceProvider

    provider = ServiceProvider(org_id=org.id, name=f"社工站{next(_n)}", kind="social_work_org",
                               parent_id=parent.id if parent else None, services=["心理疏导"])
    db.session.add(provider)
    db.session.flush()
    return provider


def grow_providers(w, count):
    """Providers of different communities, each a base of its own parent organisation."""
    for _ in range(count):
        community, _building = w.community()
        _provider(community, parent=_provider(community))
    db.session.commit()


def grow_provider_accounts(w, count):
    from models.providers import ProviderAccount

    for _ in range(count):
        user = w.make.staff(w.community_a)
        db.session.add(ProviderAccount(provider_id=w.ids["provider"], user_id=user.id))
    db.session.commit()


def grow_evaluations(w, count):
    from models.evaluation import EvaluationRound

    for _ in range(count):
        community, _building = w.community()
        db.session.add(EvaluationRound(org_id=community.id, year=2026, title="述职评议", dimensions=["总体评价"],
                                       created_by_id=w.make.staff(community).id))
    db.session.commit()


def grow_assessments(w, count):
    from models.evaluation import EvaluationAssessment

    for _ in range(count):
        db.session.add(EvaluationAssessment(subject_id=w.ids["evaluation_subject"], kind="daily",
                                            assessed_on=date(2026, 3, 1), item="三会一课", score=90,
                                            assessed_by_id=w.make.staff(w.street).id))
    db.session.commit()


def grow_media(w, count):
    from models.evaluation import EvaluationMedia

    for _ in range(count):
        db.session.add(EvaluationMedia(subject_id=w.ids["evaluation_subject"], kind="video_link", title="视频",
                                       url="https://video.example.cn/v/1",
                                       uploaded_by_id=w.make.staff(w.street).id))
    db.session.commit()


def grow_holds(w, count):
    """Messages held for review, each by another author in another community."""
    from models.moderation import ModerationHold

    for _ in range(count):
        community, building = w.community()
        resident = w.make.resident(community, building)
        thread, message = _thread(resident, w.member(community, building), community)
        db.session.add(ModerationHold(table_name="contact_messages", row_id=message.id, column_name="text",
                                      content=message.text, scene=4, reason="review", author_id=resident.id,
                                      org_unit_id=community.id, status="review"))
    db.session.commit()



# --- growth of the lists an object embeds ------------------------------------------------------------


def grow_own_scopes(w, count):
    from models.users import User

    street = w.get(User, "street")
    for _ in range(count):
        w.make.grant(street, w.community()[0])


def grow_personal_data(w, count):
    """The member's hours, notifications, threads and sign-ups (each with other people and places)."""
    from models.activities import ActivitySignup
    from models.notifications import Notification
    from models.users import User

    member = w.get(User, "member")
    for _ in range(count):
        community, building = w.community()
        _hour_entry(member, community)
        db.session.add(Notification(user_id=member.id, event="request_accepted", title="通知", status="sent"))
        _thread(w.make.resident(community, building), member, community)
        db.session.add(ActivitySignup(activity_id=_activity(building).id, user_id=member.id, status="confirmed"))
    db.session.commit()


def _nodes(tree) -> int:
    return 1 + sum(_nodes(child) for child in tree["children"])


def grow_my_hours(w, count):
    """Hour entries of the member from different stations and requests, each with a correction asked."""
    from models.ledger import HourCorrection
    from models.requests import ServiceRequest
    from models.users import User

    member = w.get(User, "member")
    now = utcnow()
    for n in range(count):
        community, building = w.community()
        if n % 2:
            source, source_id = "checkin", _checkin(w, community, member).id
        else:
            request = ServiceRequest(resident_id=w.make.resident(community, building).id, community_id=community.id,
                                     category_id=w.ids["category"], title=f"求助{n}", status="completed",
                                     assignee_id=member.id, created_at=now, updated_at=now, sla_due_at=now)
            db.session.add(request)
            db.session.flush()
            source, source_id = "request", request.id
        entry = _hour_entry(member, community, source, source_id)
        db.session.add(HourCorrection(entry_id=entry.id, member_id=member.id, reason="少记了", requested_minutes=60,
                                      status="pending"))
    db.session.commit()


def _checkin(w, community, member, closed=True):
    from models.checkins import CheckIn

    now = utcnow()
    checkin = CheckIn(member_id=member.id, station_id=StationFactory()(community).id,
                      status="closed" if closed else "open", lat=CENTRE[0], lng=CENTRE[1], distance_m=1.0,
                      qr_window=1, checked_out_at=now if closed else None, minutes=30 if closed else None)
    db.session.add(checkin)
    db.session.flush()
    return checkin


def grow_history(w, count):
    """Steps of the world's request, each by another staff member."""
    from models.requests import RequestHistory

    for _ in range(count):
        db.session.add(RequestHistory(request_id=w.ids["request"], action="note", from_status="submitted",
                                      to_status="submitted", actor_id=w.make.staff(w.community_a).id, reason="跟进"))
    db.session.commit()


def grow_served(w, count):
    """Buildings of community A the member serves, each with its own residents."""
    from models.contacts import BuildingContact
    from services.orgs import add_org

    for _ in range(count):
        building = add_org(f"增长楼{next(_n)}", "building_branch", w.community_a)
        db.session.add(BuildingContact(building_id=building.id, member_id=w.ids["member"], active=True))
        for _resident in range(2):
            w.make.resident(w.community_a, building)
    db.session.commit()


def _served_residents(answer) -> int:
    return sum(len(building["residents"]) for building in answer["buildings"])


def grow_liaisons(w, count):
    from models.coordination import UnitLiaison

    for _ in range(count):
        db.session.add(UnitLiaison(user_id=w.make.staff(w.street).id, unit_id=w.ids["unit"]))
    db.session.commit()


def grow_member_hours(w, count):
    from models.users import User

    member = w.get(User, "member")
    for _ in range(count):
        _hour_entry(member, w.community()[0], "checkin", _checkin(w, w.community_a, member).id)
    db.session.commit()


def grow_body(w, count):
    """Member units, meetings and overdue resolutions of community A's joint meeting, each of another unit."""
    from models.coordination import BodyMember, CoordinationBody

    body = w.get(CoordinationBody, "body")
    for _ in range(count):
        unit = _unit(w)
        db.session.add(BodyMember(body_id=body.id, org_id=body.org_id, unit_id=unit.id, representative_name="代表",
                                  title="委员"))
        _resolution(w, _meeting(body), unit)
    db.session.commit()


def _body_lists(answer) -> int:
    return len(answer["members"]) + len(answer["meetings"]) + len(answer["overdue_resolutions"])


def grow_meeting_resolutions(w, count):
    from models.coordination import Meeting

    meeting = w.get(Meeting, "meeting")
    for _ in range(count):
        _resolution(w, meeting)
    db.session.commit()


def grow_leadership(w, count):
    """Terms of community A's posts, held by different people (the posts themselves are fixed)."""
    from models.coordination import LEADERSHIP_POSTS, LeadershipTerm

    for n in range(count):
        db.session.add(LeadershipTerm(org_id=w.ids["community_a"], post=LEADERSHIP_POSTS[n % len(LEADERSHIP_POSTS)],
                                      holder_name="委员", user_id=w.make.user().id, starts_on=date(2025, 1, 1),
                                      ends_on=date(2030, 12, 31)))
    db.session.commit()


def grow_report_comments(w, count):
    from models.coordination import ReportComment

    for _ in range(count):
        db.session.add(ReportComment(report_id=w.ids["report"], org_id=w.ids["street_org"], unit_id=_unit(w).id,
                                     representative_name="代表", comment="意见"))
    db.session.commit()


def grow_need_projects(w, count):
    from models.coordination import CommunityNeed

    need = w.get(CommunityNeed, "need")
    for _ in range(count):
        _project(w, need)
    db.session.commit()


def grow_project_offers(w, count):
    from models.coordination import ProjectOffer

    for _ in range(count):
        offer = _offer(w)
        db.session.add(ProjectOffer(project_id=w.ids["project"], offer_id=offer.id, unit_id=offer.unit_id))
    db.session.commit()


def grow_subjects(w, count):
    """Subjects of the world's round (other communities), and invitation codes of every sector."""
    from models.evaluation import SECTORS, EvaluationCode, EvaluationSubject

    for n in range(count):
        community, _building = w.community()
        db.session.add(EvaluationSubject(round_id=w.ids["evaluation"], org_id=community.id))
        db.session.add(EvaluationCode(round_id=w.ids["evaluation"], sector=SECTORS[n % len(SECTORS)],
                                      digest=secrets.token_hex(32)))
    db.session.commit()


def grow_subject_stations(w, count):
    """Positions in community A's subtree (the subject's record lists them), each in another building."""
    from services.orgs import add_org

    for _ in range(count):
        StationFactory()(add_org(f"增长楼{next(_n)}", "building_branch", w.community_a))


def grow_display(w, count):
    grow_subject_stations(w, count)
    grow_assessments(w, count)
    grow_media(w, count)


def _display_lists(answer) -> int:
    return len(answer["record"]["stations"]["items"]) + len(answer["assessments"]) + len(answer["media"])


def closed_round(w):
    """A closed round of the street (results are shown only then), made once."""
    from models.evaluation import EvaluationRound

    if "closed_round" not in w.ids:
        evaluation = EvaluationRound(org_id=w.ids["street_org"], year=2025, title="往年述职评议", status="closed",
                                     dimensions=["总体评价", "工作实效"], closed_at=utcnow(),
                                     created_by_id=w.ids["street"])
        db.session.add(evaluation)
        db.session.commit()
        w.ids["closed_round"] = evaluation.id
    return w.ids["closed_round"]


def grow_results(w, count):
    """Subjects of the closed round (other communities), each scored on a ballot of its own."""
    from models.evaluation import SECTORS, EvaluationBallot, EvaluationSubject

    round_id = closed_round(w)
    for n in range(count):
        subject = EvaluationSubject(round_id=round_id, org_id=w.community()[0].id)
        db.session.add(subject)
        db.session.flush()
        db.session.add(EvaluationBallot(id=secrets.token_hex(16), round_id=round_id, sector=SECTORS[n % len(SECTORS)],
                                        scores={str(subject.id): {"总体评价": 5, "工作实效": 4}}))
    db.session.commit()


def grow_opening_hours(w, count):
    """Spans of the station's week (one JSON column: no statement per span)."""
    from models.stations import WEEKDAYS, Station

    station = w.get(Station, "station")
    weekly = {day: list(spans) for day, spans in station.opening_hours.get("weekly", {}).items()}
    for _ in range(count):
        day = WEEKDAYS[sum(len(spans) for spans in weekly.values()) % len(WEEKDAYS)]
        weekly.setdefault(day, []).append({"open": f"{len(weekly[day]) * 3:02d}:00",
                                           "close": f"{len(weekly[day]) * 3 + 1:02d}:00"})
    station.opening_hours = {**station.opening_hours, "weekly": weekly}
    db.session.commit()


def _spans(answer) -> int:
    return sum(len(spans) for spans in answer["opening_hours"]["weekly"].values())


ROWS = {
    "/api/v1/orgs": Row("street", grow_orgs, "per_page=100"),
    "/api/v1/communities": Row("res", grow_orgs),
    "/api/v1/staff": Row("street", grow_staff, "per_page=100"),
    "/api/v1/members/registrations": Row("street", grow_registrations, "per_page=100"),
    "/api/v1/members/hour-corrections": Row("street", grow_hour_corrections, "per_page=100"),
    "/api/v1/stations": Row("street", grow_stations, "per_page=100"),
    "/api/v1/stations/completeness": Row("street", grow_positions, "org_id={street_org}",
                                         count_items=lambda answer: len(answer["stations"])),
    "/api/v1/stations/{station_id}/checklist-evidence": Row(
        "staff", grow_evidence, path=lambda w: {"station_id": w.enterprise_station()}),
    # Every item of the checklist, always; the evidence shown grows.
    "/api/v1/stations/{station_id}/checklist": Row(
        "staff", grow_evidence, path=lambda w: {"station_id": w.enterprise_station()},
        count_items=lambda answer: sum(1 for item in answer["items"] if item["evidence"])),
    "/api/v1/checkins": Row("street", grow_checkins, "per_page=100"),
    "/api/v1/notifications/templates": Row("res", grow_grants, fixed=True),
    "/api/v1/notifications": Row("res", grow_notifications, "per_page=100"),
    "/api/v1/notifications/outbox": Row("street", grow_outbox, "per_page=100"),
    "/api/v1/categories": Row("res", grow_categories),
    "/api/v1/requests": Row("street", grow_requests, "per_page=100"),
    "/api/v1/requests/{request_id}/candidates": Row("staff", grow_candidates),
    "/api/v1/requests/{request_id}/offers": Row("staff", grow_request_offers),
    "/api/v1/buildings/{building_id}/contacts": Row("staff", grow_building_contacts, "per_page=100"),
    "/api/v1/contacts": Row("res", grow_building_contacts, "per_page=100"),
    "/api/v1/contacts/reports": Row("street", grow_contact_reports, "per_page=100"),
    "/api/v1/threads": Row("res", grow_threads, "per_page=100"),
    "/api/v1/threads/{thread_id}/messages": Row("res", grow_messages, "per_page=100"),
    "/api/v1/audit": Row("street", grow_audit, "per_page=100"),
    "/api/v1/units": Row("street", grow_units, "per_page=100"),
    "/api/v1/units/{unit_id}/members": Row("street", grow_unit_members),
    "/api/v1/bodies": Row("street", grow_bodies, "per_page=100"),
    "/api/v1/resolutions": Row("street", grow_resolutions, "per_page=100"),
    "/api/v1/terms": Row("street", grow_terms, "per_page=100"),
    "/api/v1/annual-reports": Row("street", grow_annual_reports, "per_page=100"),
    "/api/v1/offers": Row("street", grow_offers, "per_page=100"),
    "/api/v1/needs": Row("street", grow_needs, "per_page=100"),
    "/api/v1/needs/{need_id}/suggestions": Row("staff", grow_offers, "limit=50"),
    "/api/v1/projects": Row("street", grow_projects, "per_page=100"),
    "/api/v1/branches/{branch_id}/members": Row("staff", grow_branch_members),
    "/api/v1/branches/{branch_id}/mass-organisations": Row("staff", grow_mass_organisations),
    "/api/v1/funds": Row("street", grow_funds, "per_page=100"),
    "/api/v1/funds/{fund_id}/disbursements": Row("staff", grow_disbursements, "per_page=100"),
    "/api/v1/funds/{fund_id}/entries": Row("staff", grow_fund_entries, "per_page=100"),
    "/api/v1/care-targets": Row("street", grow_care_targets, "per_page=100"),
    "/api/v1/visit-plans": Row("street", grow_visit_plans, "per_page=100"),
    "/api/v1/visits": Row("street", grow_visits, "per_page=100"),
    "/api/v1/activities": Row("mem", grow_activities, "per_page=100",
                              count_items=lambda answer: sum(1 for item in answer["items"]
                                                             if (item["my_signup"] or {}).get("position") == 2)),
    "/api/v1/activities/{activity_id}/signups": Row("staff", grow_signups, "per_page=100"),
    # Staff read their scope's offers; residents (another query) the approved ones near their home.
    "/api/v1/social-offers": Row("street", grow_social_offers, "per_page=100", also=("res",)),
    "/api/v1/providers": Row("street", grow_providers, "per_page=100"),
    "/api/v1/providers/{provider_id}/accounts": Row("staff", grow_provider_accounts, "per_page=100"),
    "/api/v1/evaluations": Row("street", grow_evaluations, "per_page=100"),
    "/api/v1/evaluations/{round_id}/subjects/{subject_id}/assessments": Row("street", grow_assessments),
    "/api/v1/evaluations/{round_id}/subjects/{subject_id}/media": Row("street", grow_media),
    "/api/v1/moderation": Row("street", grow_holds, "per_page=100"),
}

# Objects that embed a list (of objects): the same rule for the list inside.
EMBEDDED_ROWS = {
    "/api/v1/me": Row("street", grow_own_scopes, count_items=lambda answer: len(answer["scopes"])),
    "/api/v1/me/export": Row("mem", grow_personal_data, count_items=lambda answer: sum(
        len(rows) for rows in answer.values() if isinstance(rows, list))),
    "/api/v1/orgs/{org_id}/tree": Row("street", grow_orgs, path=lambda w: {"org_id": w.ids["street_org"]},
                                      count_items=_nodes),
    "/api/v1/members/me/hours": Row("mem", grow_my_hours, count_items=lambda answer: sum(
        1 + len(entry["corrections"]) for entry in answer["entries"])),
    "/api/v1/requests/{request_id}": Row("staff", grow_history, count_items=lambda answer: len(answer["history"])),
    "/api/v1/contacts/served": Row("mem", grow_served, count_items=_served_residents),
    # Twelve weeks, always; the requests behind them grow.
    "/api/v1/dashboard": Row("staff", grow_requests, fixed=True, count_items=lambda answer: len(answer["weeks"])),
    "/api/v1/units/{unit_id}": Row("street", grow_liaisons, count_items=lambda answer: len(answer["liaisons"])),
    "/api/v1/units/{unit_id}/members/{member_id}/hours": Row(
        "street", grow_member_hours, count_items=lambda answer: len(answer["entries"])),
    "/api/v1/bodies/{body_id}": Row("street", grow_body, count_items=_body_lists),
    "/api/v1/meetings/{meeting_id}": Row("street", grow_meeting_resolutions,
                                         count_items=lambda answer: len(answer["resolutions"])),
    # Every post, always; the terms behind them grow.
    "/api/v1/terms/leadership": Row("street", grow_leadership, "org_id={community_a}", fixed=True,
                                    count_items=lambda answer: len(answer["posts"])),
    "/api/v1/annual-reports/{report_id}": Row("street", grow_report_comments,
                                              count_items=lambda answer: len(answer["comments"])),
    "/api/v1/needs/{need_id}": Row("street", grow_need_projects, count_items=lambda answer: len(answer["projects"])),
    "/api/v1/projects/{project_id}": Row("street", grow_project_offers,
                                         count_items=lambda answer: len(answer["offers"])),
    "/api/v1/funds/{fund_id}/statement": Row("staff", grow_fund_entries, "month=2026-01",
                                             count_items=lambda answer: len(answer["entries"])),
    "/api/v1/evaluations/{round_id}": Row("street", grow_subjects, count_items=lambda answer: len(answer["subjects"])),
    "/api/v1/evaluations/{round_id}/subjects/{subject_id}/record": Row(
        "street", grow_subject_stations, count_items=lambda answer: len(answer["stations"]["items"])),
    "/api/v1/evaluations/{round_id}/subjects/{subject_id}/display": Row("street", grow_display,
                                                                        count_items=_display_lists),
    "/api/v1/evaluations/{round_id}/results": Row(
        "street", grow_results, path=lambda w: {"round_id": closed_round(w)},
        count_items=lambda answer: len(answer["subjects"])),
    "/api/v1/stations/{station_id}": Row("staff", grow_opening_hours, count_items=_spans),
}

CALLER_KEYS = {"res": "resident", "mem": "member", "staff": "staff", "street": "street", "admin": "admin"}


def list_endpoints(client) -> list[str]:
    """The GET paths whose 200 answer is an array, or an object with an `items` array."""
    document = body(client.get("/api/v1/openapi.json"))
    schemas = document["components"]["schemas"]

    def resolved(schema):
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    found = []
    for path, item in document["paths"].items():
        answer = item.get("get", {}).get("responses", {}).get("200", {}).get("content", {}).get("application/json")
        if answer is None:
            continue
        schema = resolved(answer["schema"])
        items = schema.get("properties", {}).get("items")
        if schema.get("type") == "array" or (items is not None and resolved(items).get("type") == "array"):
            found.append(path)
    return sorted(found)


def embedding_endpoints(client) -> list[str]:
    """The other GET paths whose 200 answer holds, at any depth, an array of objects."""
    document = body(client.get("/api/v1/openapi.json"))
    schemas = document["components"]["schemas"]

    def resolved(schema):
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def holds_objects(schema, seen=frozenset()) -> bool:
        if "$ref" in schema:
            if schema["$ref"] in seen:
                return False
            seen = seen | {schema["$ref"]}
        schema = resolved(schema)
        if schema.get("type") == "array":
            items = resolved(schema.get("items", {}))
            return items.get("type") == "object" or "properties" in items
        parts = list(schema.get("properties", {}).values()) + schema.get("allOf", [])
        return any(holds_objects(part, seen) for part in parts)

    lists = set(list_endpoints(client))
    return sorted(
        path for path, item in document["paths"].items()
        if path not in lists and holds_objects(
            item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
            .get("application/json", {}).get("schema", {}))
    )


def test_every_list_endpoint_has_a_statement_row(client):
    endpoints = list_endpoints(client)
    missing = [path for path in endpoints if path not in ROWS]
    assert not missing, "add a row to ROWS for each of:\n" + "\n".join(missing)
    stale = [path for path in ROWS if path not in endpoints]
    assert not stale, stale


def test_every_object_embedding_a_list_has_a_statement_row(client):
    endpoints = embedding_endpoints(client)
    missing = [path for path in endpoints if path not in EMBEDDED_ROWS]
    assert not missing, "add a row to EMBEDDED_ROWS for each of:\n" + "\n".join(missing)
    stale = [path for path in EMBEDDED_ROWS if path not in endpoints]
    assert not stale, stale


def _read(client, url, headers):
    db.session.expire_all()
    with executed_statements() as statements:
        answer = client.get(url, headers=headers)
    assert answer.status_code == 200, (url, answer.status_code, answer.get_data(as_text=True)[:300])
    return statements, body(answer)


def _measure(client, w, template, row, caller, headers, ids) -> tuple[str, bool]:
    """Grow, read, grow more, read again: the line for the report, and whether the row holds."""
    url = template.format(**{**ids, **(row.path(w) if row.path else {})})
    url += "?" + row.query.format(**w.ids) if row.query else ""
    row.grow(w, FEW)
    few, few_answer = _read(client, url, headers)
    row.grow(w, MORE)
    many, many_answer = _read(client, url, headers)
    shown = (row.count_items(few_answer), row.count_items(many_answer))
    line = f"{template} as {caller}: {len(few)} → {len(many)} statements, {shown[0]} → {shown[1]} items"
    holds = len(many) == len(few) and (shown[1] == shown[0] if row.fixed else shown[1] > shown[0])
    if not holds and os.environ.get("LINLI_STATEMENTS_PRINT"):  # what it runs, to find the query per item
        print(line, *(" ".join(statement.split())[:300] for statement in many), sep="\n    ")
    return line, holds


def _walk(app, make, ids_of_world, rows: dict) -> None:
    """Every row measured in turn; each whose statements grew (or whose items did not) is named in the failure."""
    from models.users import User

    w = Grower(ids_of_world, make)
    headers = {caller: make.headers(db.session.get(User, ids_of_world[key])) for caller, key in CALLER_KEYS.items()}
    ids = path_ids(ids_of_world)
    client = app.test_client()
    report = [
        _measure(client, w, template, row, caller, headers[caller], ids)
        for template, row in rows.items() for caller in (row.caller, *row.also)
    ]
    print("\n".join(line for line, _holds in report))
    grown = [line for line, holds in report if not holds]
    assert not grown, "statements grew with the items, or the items did not grow:\n" + "\n".join(grown)


def test_list_statements_do_not_grow_with_their_items(app, make, world):  # noqa: F811
    _walk(app, make, world, ROWS)


def test_embedded_list_statements_do_not_grow_with_their_items(app, make, world):  # noqa: F811
    _walk(app, make, world, EMBEDDED_ROWS)
