"""楼院联系: who serves which building, and the private threads between residents and members.

A member serves a building when staff assigned them (an active BuildingContact), or when they
registered with it and staff have not removed them. A resident's contacts are the members
serving their building, or every member of their community when the building has none.
A full phone number reaches another person only through the member's own reveal.
Reported messages are shown to the staff of the thread's community only, who decide each
report once (成立 / 不成立); the reporter is told the outcome, never the text.
"""
from sqlalchemy import and_, case, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from extensions import db
from models.base import utcnow
from models.checkins import CheckIn
from models.contacts import (
    REPORT_OUTCOMES,
    REPORT_STATUS_NAMES,
    BuildingContact,
    ContactMessage,
    ContactReport,
    ContactThread,
    PhoneReveal,
)
from models.members import Registration
from models.orgs import OrgUnit, StaffScope
from models.users import User
from services import moderation
from services.database import add_or_conflict
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.notifications import notify
from services.permissions import reaches, require_org, require_staff, within_scope
from services.users import mask_phone
from wx import pages

PREVIEW_LENGTH = 50
# /contacts/served is one document, not a page: it names at most this many residents.
SERVED_RESIDENTS_LIMIT = 500


# ---- who serves whom ----------------------------------------------------------------


def _serves_building(building: OrgUnit):
    """A SQL condition on Registration: the member serves this building."""
    contact = and_(BuildingContact.building_id == building.id, BuildingContact.member_id == Registration.user_id)
    assigned = exists().where(contact, BuildingContact.active.is_(True))
    removed = exists().where(contact, BuildingContact.active.is_(False))
    return and_(
        Registration.status == "approved",
        Registration.community_id == building.parent_id,
        or_(assigned, and_(Registration.building_id == building.id, ~removed)),
    )


def _contacts_condition(resident: User):
    """Whom the resident may write to: their building's members, else their community's."""
    if resident.community_id is None:
        raise Invalid("请先设置所在社区", code="home_required")
    if resident.home_confirmed_at is None:
        # A home anyone can claim through PATCH /me must not open a community's member list.
        raise Forbidden("您的住址尚待社区工作人员确认，确认后可查看联系党员", code="home_unconfirmed")
    not_self = Registration.user_id != resident.id
    building = db.session.get(OrgUnit, resident.building_id) if resident.building_id else None
    if building is not None:
        condition = and_(_serves_building(building), not_self)
        if db.session.execute(select(Registration.id).where(condition).limit(1)).first():
            return condition
    return and_(Registration.status == "approved", Registration.community_id == resident.community_id, not_self)


def contacts_statement(resident: User):
    """The approved registrations of the members serving the resident, for paging."""
    return select(Registration).where(_contacts_condition(resident)).order_by(Registration.id)


def contact_cards(registrations: list[Registration]) -> list[dict]:
    """Contact cards with a masked phone and whether the member is on duty (never where)."""
    member_ids = [registration.user_id for registration in registrations]
    on_duty = set(
        db.session.execute(
            select(CheckIn.member_id).where(CheckIn.member_id.in_(member_ids), CheckIn.checked_out_at.is_(None))
        ).scalars()
    ) if member_ids else set()
    return [
        {
            "member_id": registration.user_id,
            "name": registration.user.name,
            "branch": registration.home_branch,
            "skills": registration.skills or [],
            "phone_masked": mask_phone(registration.user.phone),
            "on_duty": registration.user_id in on_duty,
        }
        for registration in registrations
    ]


def _building_in_scope(staff: User, building_id: int) -> OrgUnit:
    require_staff(staff)
    building = require_org(staff, building_id)
    if building.kind != "building_branch":
        raise NotFound("楼院不存在", code="building_not_found")
    return building


def building_contacts_statement(staff: User, building_id: int):
    building = _building_in_scope(staff, building_id)
    return select(Registration).where(_serves_building(building)).order_by(Registration.id)


def _set_contact(staff: User, building: OrgUnit, member_id: int, active: bool) -> None:
    """Upsert staff's decision; the unique (building, member) row absorbs concurrent calls."""
    changes = {"active": active, "changed_by_id": staff.id, "updated_at": utcnow()}
    where = and_(BuildingContact.building_id == building.id, BuildingContact.member_id == member_id)
    if db.session.execute(update(BuildingContact).where(where).values(**changes)).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(BuildingContact(building_id=building.id, member_id=member_id, **changes))
    except IntegrityError:
        db.session.execute(update(BuildingContact).where(where).values(**changes))


def add_contact(staff: User, building_id: int, member_id: int) -> Registration:
    """楼院联系: the member now serves the building (several members per building, and vice versa)."""
    building = _building_in_scope(staff, building_id)
    registration = db.session.execute(
        select(Registration).where(
            Registration.user_id == member_id,
            Registration.status == "approved",
            Registration.community_id == building.parent_id,
        )
    ).scalar_one_or_none()
    if registration is None:
        raise Invalid("该党员不是本社区已报到的在职党员", code="member_not_in_community")
    _set_contact(staff, building, member_id, True)
    return registration


def remove_contact(staff: User, building_id: int, member_id: int) -> None:
    building = _building_in_scope(staff, building_id)
    serving = db.session.execute(
        select(Registration.id).where(_serves_building(building), Registration.user_id == member_id)
    ).first()
    if serving is None:
        raise NotFound("该党员不是本楼院的联系党员", code="contact_not_found")
    _set_contact(staff, building, member_id, False)


def served(member: User) -> dict:
    """The buildings a member serves and the residents living in them (names only)."""
    registration = db.session.execute(
        select(Registration).where(Registration.user_id == member.id, Registration.status == "approved")
    ).scalar_one_or_none()
    if registration is None:
        raise Forbidden("仅限已报到的在职党员使用", code="member_only")
    decisions = dict(
        db.session.execute(
            select(BuildingContact.building_id, BuildingContact.active).where(BuildingContact.member_id == member.id)
        ).all()
    )
    building_ids = {building_id for building_id, active in decisions.items() if active}
    if registration.building_id is not None and decisions.get(registration.building_id, True):
        building_ids.add(registration.building_id)
    buildings = db.session.execute(
        select(OrgUnit).where(
            OrgUnit.id.in_(building_ids),
            OrgUnit.parent_id == registration.community_id,
            OrgUnit.kind == "building_branch",
        ).order_by(OrgUnit.id)
    ).scalars().all()
    # Only confirmed homes (anyone can claim one), and at most SERVED_RESIDENTS_LIMIT names.
    residents = db.session.execute(
        select(User)
        .where(
            User.building_id.in_([b.id for b in buildings]),
            User.home_confirmed_at.is_not(None),
            User.id != member.id,
        )
        .order_by(User.id)
        .limit(SERVED_RESIDENTS_LIMIT)
    ).scalars().all() if buildings else []
    return {
        "community_id": registration.community_id,
        "buildings": [
            {
                "id": building.id,
                "name": building.name,
                "residents": [{"id": r.id, "name": r.name} for r in residents if r.building_id == building.id],
            }
            for building in buildings
        ],
    }


# ---- threads and messages -----------------------------------------------------------


def visible_thread(user: User, thread_id: int) -> ContactThread:
    """The thread, for its two parties only; anyone else is told it does not exist."""
    thread = db.session.get(ContactThread, thread_id)
    if thread is None or user.id not in (thread.resident_id, thread.member_id):
        raise NotFound("会话不存在", code="thread_not_found")
    return thread


def find_thread(resident: User, member_id: int) -> ContactThread | None:
    return db.session.execute(
        select(ContactThread).where(ContactThread.resident_id == resident.id, ContactThread.member_id == member_id)
    ).scalar_one_or_none()


def _is_served_by(resident: User, member_id: int) -> bool:
    return db.session.execute(
        select(Registration.id).where(_contacts_condition(resident), Registration.user_id == member_id)
    ).first() is not None


def write_to_contact(resident: User, member_id: int, text: str) -> ContactMessage:
    """Open (or continue) the resident's thread with a member who serves them."""
    if not _is_served_by(resident, member_id):
        raise NotFound("联系人不存在", code="contact_not_found")
    thread = find_thread(resident, member_id)
    if thread is None:
        try:
            with db.session.begin_nested():
                thread = ContactThread(resident_id=resident.id, member_id=member_id, community_id=resident.community_id)
                db.session.add(thread)
        except IntegrityError:
            thread = find_thread(resident, member_id)
    return post_message(resident, thread, text)


def reply(sender: User, thread: ContactThread, text: str) -> ContactMessage:
    """Either party writes in their thread; a resident only while the member still serves them
    (the member may always answer, to close the conversation)."""
    if sender.id == thread.resident_id and not _is_served_by(sender, thread.member_id):
        raise Forbidden("该党员已不再联系您的楼院，请在联系人中选择其他党员", code="contact_ended")
    return post_message(sender, thread, text)


def post_message(sender: User, thread: ContactThread, text: str, kind: str = "text") -> ContactMessage:
    """Add a message and tell the other party through the outbox."""
    if sender.id == thread.resident_id and thread.blocked_at is not None:
        raise Forbidden("对方已拒收您的消息", code="blocked")
    now = utcnow()
    message = ContactMessage(thread_id=thread.id, sender_id=sender.id, kind=kind, text=text, created_at=now)
    db.session.add(message)
    thread.last_message_at = now
    db.session.flush()
    if getattr(message, "moderation", None) != "review":
        # A message held by the content check is announced when staff release it.
        _tell_other_party(message, thread)
    return message


def _tell_other_party(message: ContactMessage, thread: ContactThread) -> None:
    other = thread.member_id if message.sender_id == thread.resident_id else thread.resident_id
    # Only that there is a message: what people write to each other (or a revealed number)
    # stays in the thread, out of the outbox, the staff's view of it and WeChat's servers.
    notify(
        other,
        "message_received",
        "您有一条新留言",
        "对方向您公开了联系电话" if message.kind == "phone" else "请打开对话查看",
        {"thread_id": thread.id, "message_id": message.id},
        pages.thread_detail(thread.id),
    )


def _announce_released_message(message_id: int) -> None:
    message = db.session.get(ContactMessage, message_id)
    if message is not None:
        _tell_other_party(message, db.session.get(ContactThread, message.thread_id))


moderation.after_release(ContactMessage.__tablename__, _announce_released_message)


def threads_statement(user: User):
    return (
        select(ContactThread)
        .options(joinedload(ContactThread.resident), joinedload(ContactThread.member))
        .where(or_(ContactThread.resident_id == user.id, ContactThread.member_id == user.id))
        .order_by(ContactThread.last_message_at.desc(), ContactThread.id.desc())
    )


def thread_card(user: User, thread: ContactThread) -> dict:
    return thread_cards(user, [thread])[0]


def thread_cards(user: User, threads: list[ContactThread]) -> list[dict]:
    """The cards of a page of threads: every unread count in one query."""
    unread = dict(db.session.execute(
        select(ContactMessage.thread_id, db.func.count(ContactMessage.id)).where(
            ContactMessage.thread_id.in_([thread.id for thread in threads]),
            ContactMessage.sender_id != user.id,
            ContactMessage.read_at.is_(None),
            moderation.visible_to(user, ContactMessage),
        ).group_by(ContactMessage.thread_id)
    ).all()) if threads else {}
    return [_thread_card(user, thread, unread.get(thread.id, 0)) for thread in threads]


def _thread_card(user: User, thread: ContactThread, unread: int) -> dict:
    is_resident = user.id == thread.resident_id
    other = thread.member if is_resident else thread.resident
    return {
        "id": thread.id,
        "role": "resident" if is_resident else "member",
        "resident_id": thread.resident_id,
        "member_id": thread.member_id,
        "other_party": {"id": other.id, "name": other.name},
        "blocked": thread.blocked_at is not None,
        "unread_count": unread,
        "created_at": thread.created_at,
        "last_message_at": thread.last_message_at,
    }


def messages_statement(viewer: User, thread: ContactThread):
    """Newest first; a message held by the content check only for its author."""
    return (
        select(ContactMessage)
        .where(ContactMessage.thread_id == thread.id, moderation.visible_to(viewer, ContactMessage))
        .order_by(ContactMessage.created_at.desc(), ContactMessage.id.desc())
    )


def mark_read(user: User, thread: ContactThread) -> int:
    """Read marks on everything the other party sent; returns how many were newly marked."""
    return db.session.execute(
        update(ContactMessage)
        .where(
            ContactMessage.thread_id == thread.id,
            ContactMessage.sender_id != user.id,
            ContactMessage.read_at.is_(None),
        )
        .values(read_at=utcnow())
    ).rowcount


def _require_thread_member(user: User, thread: ContactThread) -> None:
    if user.id != thread.member_id:
        raise Forbidden("只有被联系的党员可以执行此操作", code="member_only")


def set_blocked(user: User, thread: ContactThread, blocked: bool) -> ContactThread:
    """Block or unblock the resident: one guarded update, so a repeated press is a 409."""
    _require_thread_member(user, thread)
    expected = ContactThread.blocked_at.is_(None) if blocked else ContactThread.blocked_at.is_not(None)
    result = db.session.execute(
        update(ContactThread)
        .where(ContactThread.id == thread.id, expected)
        .values(blocked_at=utcnow() if blocked else None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        if blocked:
            raise Conflict("已拒收该居民的消息", code="already_blocked")
        raise Conflict("该居民未被拒收", code="not_blocked")
    db.session.refresh(thread)
    return thread


def reveal_phone(member: User, thread: ContactThread) -> ContactMessage:
    """The member shows their own number to this resident, by their own action; recorded."""
    _require_thread_member(member, thread)
    if not member.phone:
        raise Invalid("请先绑定手机号", code="phone_missing")
    message = post_message(member, thread, member.phone, kind="phone")
    db.session.add(PhoneReveal(thread_id=thread.id, member_id=member.id, message_id=message.id))
    return message


# ---- reports ------------------------------------------------------------------------


def report_message(resident: User, thread: ContactThread, message_id: int, reason: str) -> ContactReport:
    """A resident reports a member's message to the staff of the thread's community."""
    if resident.id != thread.resident_id:
        raise Forbidden("只有居民可以举报消息", code="resident_only")
    message = db.session.get(ContactMessage, message_id)
    if message is None or message.thread_id != thread.id or message.sender_id == resident.id:
        raise NotFound("消息不存在", code="message_not_found")
    if message.kind == "phone":
        # Reports are read by staff: a revealed number must not travel with them.
        raise Invalid("该消息不能举报", code="not_reportable")
    report = ContactReport(
        message_id=message.id,
        thread_id=thread.id,
        reporter_id=resident.id,
        community_id=thread.community_id,
        reason=reason,
    )
    add_or_conflict(report, Conflict("您已举报过这条消息", code="already_reported"))
    staff_ids = db.session.execute(
        select(StaffScope.user_id).where(StaffScope.org_id == thread.community_id).distinct()
    ).scalars().all()
    for staff_id in staff_ids:
        notify(
            staff_id,
            "contact_reported",
            "居民举报了一条联系消息",
            reason[:PREVIEW_LENGTH],
            {"report_id": report.id, "thread_id": thread.id},
        )
    return report


# outcome → (statuses a report may be decided from, status it leads to): a report is decided once.
REPORT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    outcome: (("open",), outcome) for outcome in REPORT_OUTCOMES
}


def reports_statement(staff: User, status: str | None = None):
    """Reports in the staff member's scope: only those of `status` if given, else all, open ones first."""
    require_staff(staff)
    statement = (
        select(ContactReport)
        .join(OrgUnit, ContactReport.community_id == OrgUnit.id)
        .where(within_scope(staff))
    )
    if status is not None:
        statement = statement.where(ContactReport.status == status)
    statement = statement.options(joinedload(ContactReport.message), joinedload(ContactReport.reporter),
                                  joinedload(ContactReport.handled_by))
    return statement.order_by(
        case((ContactReport.status == "open", 0), else_=1), ContactReport.created_at.desc(), ContactReport.id.desc()
    )


def report_in_scope(staff: User, report_id: int) -> ContactReport:
    """The report, for staff whose scope covers its community; another community's is not found."""
    require_staff(staff)
    report = db.session.get(ContactReport, report_id)
    if report is None or not reaches(staff, db.session.get(OrgUnit, report.community_id)):
        raise NotFound("举报不存在", code="report_not_found")
    return report


def resolve_report(staff: User, report_id: int, outcome: str, note: str) -> ContactReport:
    """处理举报: staff decide an open report (成立 / 不成立) with a note; one guarded UPDATE, so a
    report already decided — or decided by a colleague a moment earlier — answers 409.

    The reporter hears the outcome through the outbox; the note stays with staff (it may quote
    the message), and neither the message nor the note leaves in the notification.
    """
    report = report_in_scope(staff, report_id)
    sources, target = REPORT_TRANSITIONS[outcome]
    handled = Conflict("该举报已处理", code="report_handled")
    if report.status not in sources:
        raise handled
    moved = db.session.execute(
        update(ContactReport)
        .where(ContactReport.id == report.id, ContactReport.status.in_(sources))
        .values(status=target, handled_by_id=staff.id, handled_at=utcnow(), handling_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise handled
    db.session.refresh(report)
    notify(
        report.reporter_id,
        "contact_report_handled",
        "您举报的留言已处理",
        f"经社区核实，举报{REPORT_STATUS_NAMES[target]}",
        {"report_id": report.id, "thread_id": report.thread_id, "outcome": target},
        pages.thread_detail(report.thread_id),
    )
    return report


def report_card(report: ContactReport) -> dict:
    return report_cards([report])[0]


def report_cards(reports: list[ContactReport]) -> list[dict]:
    """The cards of a page of reports: the senders of the reported messages in one query."""
    sender_ids = {report.message.sender_id for report in reports}
    senders = {
        user.id: user for user in db.session.execute(select(User).where(User.id.in_(sender_ids))).scalars()
    } if sender_ids else {}
    return [_report_card(report, senders[report.message.sender_id]) for report in reports]


def _report_card(report: ContactReport, sender: User) -> dict:
    handler = report.handled_by
    return {
        "id": report.id,
        "community_id": report.community_id,
        "thread_id": report.thread_id,
        "message_id": report.message_id,
        "message_text": report.message.text,
        "message_sent_at": report.message.created_at,
        "sender": {"id": sender.id, "name": sender.name},
        "reporter": {"id": report.reporter.id, "name": report.reporter.name},
        "reason": report.reason,
        "created_at": report.created_at,
        "status": report.status,
        "handled_by": {"id": handler.id, "name": handler.name} if handler else None,
        "handled_at": report.handled_at,
        "note": report.handling_note,
    }
