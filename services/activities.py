"""文化惠民服务: activities, sign-ups with a waiting list, QR check-in, helpers' hours and reminders.

The seats are a guarded count: a sign-up is confirmed only by one UPDATE that raises
`activities.confirmed_count` while it is below `capacity` (and the database refuses more by a CHECK).
That UPDATE also locks the activity's row, so on PostgreSQL every change of the seats of one activity
waits for the one before it; SQLite has one writer anyway. The waiting list is the sign-up id order.
"""
import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, false, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from extensions import db
from models.activities import ACTIVITY_LEVELS, SIGNUP_ROLE_NAMES, SIGNUP_STATUS_NAMES, Activity, ActivitySignup
from models.base import utcnow
from models.ledger import HourEntry
from models.orgs import OrgUnit
from models.users import User
from services import ledger, moderation, qrcodes
from services.database import add_or_conflict
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.exports import Export
from services.members import active_registration
from services.notifications import notify
from services.periods import local_days, local_wall_time
from services.permissions import is_staff, reaches, require_org, require_staff, within_scope
from services.spreadsheets import Column, workbook
from services.stations import haversine_m
from wx import pages

QR_PURPOSE = "linli-activity"
# The sign-up list as staff download it: no phone numbers.
SIGNUP_EXPORT_COLUMNS = [Column("姓名"), Column("角色"), Column("状态"), Column("候补顺位", "0"), Column("签到时间")]


def _not_found() -> NotFound:
    return NotFound("活动不存在", code="activity_not_found")


# --- who reads and who joins --------------------------------------------------------------------


def home_communities(user: User) -> list[OrgUnit]:
    """The communities a person belongs to: where they live, and where they reported as a member."""
    ids = {user.community_id}
    registration = active_registration(user)
    if registration is not None:
        ids.add(registration.community_id)
    return [db.session.get(OrgUnit, org_id) for org_id in sorted(ids - {None})]


def _belongs(user: User, activity: Activity) -> bool:
    """Whether the person is one of the activity's community (not as staff)."""
    path = activity.org.path
    return any(path.startswith(c.path) or c.path.startswith(path) for c in home_communities(user))


def _staff_over(user: User, activity: Activity) -> bool:
    return is_staff(user) and reaches(user, activity.org)


def get_visible(user: User, activity_id: int) -> Activity:
    """The activity for staff reaching its org and for the people of its community; 404 for others."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or not (_staff_over(user, activity) or _belongs(user, activity)):
        raise _not_found()
    return activity


def in_scope(user: User, activity_id: int) -> Activity:
    """The activity for staff whose scope covers it: 404 when it is not visible, 403 for its residents."""
    activity = get_visible(user, activity_id)
    if not _staff_over(user, activity):
        raise Forbidden("仅限活动所属组织的工作人员操作", code="staff_only")
    return activity


def listing(user: User, filters: dict):
    """Activities the caller may see, soonest first; `upcoming=1` hides the ended ones."""
    statement = select(Activity).join(OrgUnit, OrgUnit.id == Activity.org_id)
    communities = home_communities(user)
    visible = [within_scope(user)] if is_staff(user) else []
    visible += [
        or_(OrgUnit.path.startswith(c.path), literal(c.path).startswith(OrgUnit.path)) for c in communities
    ]
    statement = statement.where(or_(*visible) if visible else false())
    if filters.get("level") is not None:
        statement = statement.where(Activity.level == filters["level"])
    if filters.get("org_id") is not None:
        statement = statement.where(Activity.org_id == filters["org_id"])
    if filters.get("upcoming"):
        statement = statement.where(Activity.ends_at > utcnow())
    return statement.order_by(Activity.starts_at, Activity.id)


def create(actor: User, fields: dict) -> Activity:
    """Staff create an activity of an org in their scope."""
    require_staff(actor)
    require_org(actor, fields["org_id"])
    if fields["ends_at"] <= fields["starts_at"]:
        raise Invalid("结束时间应晚于开始时间", code="invalid_period", fields={"ends_at": ["结束时间应晚于开始时间"]})
    activity = Activity(qr_secret=secrets.token_hex(16), created_by_id=actor.id, **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


# --- sign-ups, seats and the waiting list -----------------------------------------------------


def mine(user: User, activity_id: int) -> ActivitySignup | None:
    return db.session.execute(
        select(ActivitySignup).where(ActivitySignup.activity_id == activity_id, ActivitySignup.user_id == user.id)
    ).scalar_one_or_none()


def sign_up(user: User, activity_id: int) -> tuple[ActivitySignup, bool]:
    """A resident or member of the activity's community takes a seat, or the next place on the waiting
    list; the same person again gets the same sign-up. Returns (sign-up, created)."""
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise _not_found()
    if not _belongs(user, activity):
        get_visible(user, activity_id)  # staff in scope see it: they are told why they cannot join
        raise Forbidden("仅限本社区居民和党员报名", code="resident_required")
    existing = mine(user, activity.id)
    if existing is not None:
        return existing, False
    if activity.starts_at <= utcnow():
        raise Conflict("活动已开始，不能报名", code="activity_started")
    signup = ActivitySignup(activity_id=activity.id, user_id=user.id, status="waitlisted")
    try:
        with db.session.begin_nested():
            db.session.add(signup)
    except IntegrityError:
        # The same person's concurrent sign-up won the unique (activity, user): answer with it.
        existing = mine(user, activity.id)
        if existing is None:
            raise Conflict("报名正在处理中，请稍后重试", code="signup_in_progress") from None
        return existing, False
    _fill_seats(activity.id, announce=lambda promoted: promoted.id != signup.id)
    db.session.refresh(signup)
    return signup, True


def _fill_seats(activity_id: int, announce) -> None:
    """Give free seats to the waiting list, lowest id first; `announce(signup)` says whom to tell."""
    now = utcnow()
    while _take_seat(activity_id):
        while True:
            first = db.session.execute(
                select(ActivitySignup.id)
                .where(ActivitySignup.activity_id == activity_id, ActivitySignup.status == "waitlisted")
                .order_by(ActivitySignup.id)
                .limit(1)
            ).scalar_one_or_none()
            if first is None:
                _give_back_seat(activity_id)
                return
            moved = db.session.execute(
                update(ActivitySignup)
                .where(ActivitySignup.id == first, ActivitySignup.status == "waitlisted")
                .values(status="confirmed", confirmed_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved:
                break
            # That person left the list at this moment: the seat goes to the next one.
        promoted = db.session.get(ActivitySignup, first)
        db.session.refresh(promoted)
        if announce(promoted):
            notify(
                promoted.user_id, "activity_promoted", "候补成功，您已获得活动名额", promoted.activity.title,
                {"activity_id": activity_id, "signup_id": promoted.id}, page=pages.activity_detail(activity_id),
            )


def _take_seat(activity_id: int) -> bool:
    return db.session.execute(
        update(Activity)
        .where(Activity.id == activity_id, Activity.confirmed_count < Activity.capacity)
        .values(confirmed_count=Activity.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _give_back_seat(activity_id: int) -> None:
    db.session.execute(
        update(Activity)
        .where(Activity.id == activity_id)
        .values(confirmed_count=Activity.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


def cancel(user: User, activity_id: int) -> None:
    """The person leaves the activity (again is harmless); a freed seat goes to the first one waiting."""
    activity = get_visible(user, activity_id)
    if mine(user, activity.id) is None:
        return
    if activity.ends_at <= utcnow():
        raise Conflict("活动已结束", code="activity_ended")
    _leave(user, activity)


def leave_all(user: User) -> None:
    """The person leaves every activity not yet ended (their account is being deleted)."""
    upcoming = db.session.execute(
        select(Activity).join(ActivitySignup, ActivitySignup.activity_id == Activity.id)
        .where(ActivitySignup.user_id == user.id, Activity.ends_at > utcnow())
        .order_by(Activity.id)
    ).scalars().all()
    for activity in upcoming:
        _leave(user, activity)


def _leave(user: User, activity: Activity) -> None:
    # Every change of a seat holds the activity's row: read the sign-up again under it, since the
    # person may have been given a seat since the read above.
    _lock(activity.id)
    signup = db.session.execute(
        select(ActivitySignup)
        .where(ActivitySignup.activity_id == activity.id, ActivitySignup.user_id == user.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if signup is None:
        return
    db.session.execute(
        delete(ActivitySignup).where(ActivitySignup.id == signup.id).execution_options(synchronize_session=False)
    )
    if signup.role == "participant" and signup.status == "confirmed":
        _give_back_seat(activity.id)
        _fill_seats(activity.id, announce=lambda promoted: True)


def _lock(activity_id: int) -> None:
    """Hold the activity's row until the commit (SQLite: take the write lock) without changing it."""
    db.session.execute(
        update(Activity)
        .where(Activity.id == activity_id)
        .values(confirmed_count=Activity.confirmed_count)
        .execution_options(synchronize_session=False)
    )


def add_helper(actor: User, activity_id: int, user_id: int, role: str) -> ActivitySignup:
    """Staff name an organiser or a volunteer: an approved member of the activity's community."""
    activity = in_scope(actor, activity_id)
    helper = db.session.get(User, user_id)
    registration = active_registration(helper) if helper is not None else None
    community = db.session.get(OrgUnit, registration.community_id) if registration is not None else None
    path = activity.org.path
    if community is None or not (path.startswith(community.path) or community.path.startswith(path)):
        raise Invalid("该党员不在本活动所属社区的在职党员名单中", code="invalid_member",
                      fields={"user_id": ["该党员不在本活动所属社区的在职党员名单中"]})
    signup = ActivitySignup(activity_id=activity.id, user_id=user_id, role=role, status="confirmed",
                            confirmed_at=utcnow())
    add_or_conflict(signup, Conflict("此人已报名该活动", code="already_signed_up"))
    return signup


def signups_of(actor: User, activity_id: int):
    """The staff's list: helpers first, then the seats and the waiting list in order."""
    activity = in_scope(actor, activity_id)
    return (
        select(ActivitySignup)
        .where(ActivitySignup.activity_id == activity.id)
        .order_by((ActivitySignup.role == "participant"), ActivitySignup.status, ActivitySignup.id)
    )


def signups_export(actor: User, activity_id: int) -> Export:
    """报名名单 (.xlsx): the rows of `signups_of` (staff in scope; its residents 403, anyone else 404), each with
    its role, status, place on the waiting list and check-in time."""
    signups = db.session.execute(signups_of(actor, activity_id)).scalars().all()
    activity = db.session.get(Activity, activity_id)
    waiting = sorted(signup.id for signup in signups if signup.status == "waitlisted")
    positions = {signup_id: place for place, signup_id in enumerate(waiting, start=1)}
    content = workbook("报名名单", SIGNUP_EXPORT_COLUMNS, (
        (
            moderation.shown(actor, signup.user, "name", signup.user.name),
            SIGNUP_ROLE_NAMES[signup.role],
            SIGNUP_STATUS_NAMES[signup.status],
            positions.get(signup.id),
            local_wall_time(signup.checked_in_at),
        )
        for signup in signups
    ))
    title = moderation.shown(actor, activity, "title", activity.title)
    return Export(content, f"{title}_报名名单.xlsx", f"activity-{activity.id}-signups.xlsx")


def waiting_position(signup: ActivitySignup) -> int | None:
    """1 for the first on the waiting list; None for a seat."""
    return waiting_positions([signup]).get(signup.id)


def waiting_positions(signups: list[ActivitySignup]) -> dict[int, int]:
    """Each waiting sign-up's place on its activity's waiting list, by sign-up id, in one query."""
    waiting = [signup.id for signup in signups if signup.status == "waitlisted"]
    if not waiting:
        return {}
    ahead = aliased(ActivitySignup)
    return {
        signup_id: count + 1
        for signup_id, count in db.session.execute(
            select(ActivitySignup.id, func.count(ahead.id))
            .outerjoin(ahead, and_(ahead.activity_id == ActivitySignup.activity_id, ahead.status == "waitlisted",
                                   ahead.id < ActivitySignup.id))
            .where(ActivitySignup.id.in_(waiting))
            .group_by(ActivitySignup.id)
        )
    }


# --- check-in by QR code --------------------------------------------------------------------


def qr_token(activity: Activity, at: datetime | None = None) -> qrcodes.QrWindow:
    return qrcodes.issue(QR_PURPOSE, activity.id, activity.qr_secret, at)


def qr_payload(activity: Activity, token: str) -> str:
    return pages.activity_checkin(activity.id, token)


def check_in(user: User, activity_id: int, token: str, lat: float, lng: float) -> tuple[ActivitySignup, bool]:
    """A confirmed participant or helper checks in with the code shown at the activity, at its place
    and during its time (from ACTIVITY_CHECKIN_EARLY_MINUTES before the start). Again is harmless."""
    activity = get_visible(user, activity_id)
    now = utcnow()
    wrong = Invalid("二维码不属于该活动", code="qr_wrong_activity")
    qrcodes.verify(QR_PURPOSE, activity.id, activity.qr_secret, token, wrong, now)
    signup = mine(user, activity.id)
    if signup is None or signup.status != "confirmed":
        raise Forbidden("您没有该活动的确认名额", code="not_signed_up")
    opens = activity.starts_at - timedelta(minutes=current_app.config["ACTIVITY_CHECKIN_EARLY_MINUTES"])
    if not opens <= now < activity.ends_at:
        raise Conflict("不在活动签到时间内", code="activity_not_in_progress")
    if activity.lat is not None:
        distance = haversine_m(lat, lng, activity.lat, activity.lng)
        if distance > activity.radius_m:
            raise Invalid(
                f"您不在活动签到范围内（距离约 {round(distance)} 米，范围 {activity.radius_m} 米）",
                code="outside_radius",
            )
    moved = db.session.execute(
        update(ActivitySignup)
        .where(ActivitySignup.id == signup.id, ActivitySignup.checked_in_at.is_(None))
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(signup)
    return signup, moved == 1


# --- helpers' hours ---------------------------------------------------------------------------


def credit_helpers(actor: User, activity_id: int) -> list[HourEntry]:
    """After the activity, staff in scope confirm the hours of the organisers and volunteers who checked
    in: the activity's length each, once (the ledger holds one entry per sign-up). Nobody confirms their
    own: a staff member who helped is left for a colleague to confirm."""
    activity = in_scope(actor, activity_id)
    if activity.ends_at > utcnow():
        raise Conflict("活动结束后才能确认服务时长", code="activity_not_ended")
    minutes = int((activity.ends_at - activity.starts_at).total_seconds() // 60)
    helpers = db.session.execute(
        select(ActivitySignup)
        .where(
            ActivitySignup.activity_id == activity.id,
            ActivitySignup.role != "participant",
            ActivitySignup.checked_in_at.is_not(None),
            ActivitySignup.user_id != actor.id,
        )
        .order_by(ActivitySignup.id)
    ).scalars().all()
    entries = []
    for helper in helpers:
        entry = db.session.execute(
            select(HourEntry).where(HourEntry.source == "activity", HourEntry.source_id == helper.id)
        ).scalar_one_or_none()
        if entry is None:
            entry = ledger.record_entry(helper.user_id, activity.org_id, "activity", helper.id, minutes,
                                        activity.title[:200])
        if entry.status != "pending":
            continue
        entries.append(ledger.confirm_entry(actor, entry))
        notify(
            helper.user_id, "checkin_confirmed", "服务时长已确认", f"{activity.title} {minutes} 分钟",
            {"activity_id": activity.id, "entry_id": entry.id, "minutes": minutes}, pages.MEMBER_HOURS,
        )
    return entries


# --- reminders ----------------------------------------------------------------------------------


def remind_upcoming(at: datetime | None = None) -> int:
    """Remind everyone holding a seat or a helper's role of an activity starting within
    ACTIVITY_REMINDER_MINUTES; each sign-up is claimed once (a guarded UPDATE), so exactly one reminder."""
    now = at or utcnow()
    horizon = now + timedelta(minutes=current_app.config["ACTIVITY_REMINDER_MINUTES"])
    due = db.session.execute(
        select(ActivitySignup.id)
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .where(
            ActivitySignup.status == "confirmed",
            ActivitySignup.reminded_at.is_(None),
            Activity.starts_at > now,
            Activity.starts_at <= horizon,
        )
        .order_by(ActivitySignup.id)
    ).scalars().all()
    reminded = 0
    for signup_id in due:
        claimed = db.session.execute(
            update(ActivitySignup)
            .where(ActivitySignup.id == signup_id, ActivitySignup.reminded_at.is_(None),
                   ActivitySignup.status == "confirmed")
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue  # another worker got there first, or the person left
        signup = db.session.get(ActivitySignup, signup_id)
        activity = signup.activity
        notify(
            signup.user_id, "activity_reminder", "活动即将开始", f"{activity.title}（{activity.address}）",
            {"activity_id": activity.id, "starts_at": activity.starts_at.isoformat()},
            page=pages.activity_detail(activity.id),
        )
        reminded += 1
    return reminded


# --- what an answer shows -------------------------------------------------------------------------


def annotated(user: User, activities: list[Activity]) -> list[Activity]:
    """Each activity with its waiting-list length and the caller's own sign-up (with its place on the
    waiting list): three queries per page."""
    ids = [activity.id for activity in activities]
    waiting = dict(db.session.execute(
        select(ActivitySignup.activity_id, func.count(ActivitySignup.id))
        .where(ActivitySignup.activity_id.in_(ids), ActivitySignup.status == "waitlisted")
        .group_by(ActivitySignup.activity_id)
    ).all()) if ids else {}
    own = {
        signup.activity_id: signup
        for signup in db.session.execute(
            select(ActivitySignup).where(ActivitySignup.activity_id.in_(ids), ActivitySignup.user_id == user.id)
        ).scalars()
    } if ids else {}
    positions = waiting_positions(list(own.values()))
    for activity in activities:
        activity.waitlisted_count = waiting.get(activity.id, 0)
        activity.my_signup = own.get(activity.id)
        if activity.my_signup is not None:
            activity.my_signup.position = positions.get(activity.my_signup.id)
    return activities


def with_position(signup: ActivitySignup) -> ActivitySignup:
    signup.position = waiting_position(signup)
    return signup


# --- figures ------------------------------------------------------------------------------------


def activity_figures(org: OrgUnit, first: date, last: date) -> dict:
    """The activities of the org's subtree that began on the local days `first` to `last` and have
    ended: how many, per level (家庭、楼道、街巷、广场), the seats taken (confirmed participants), the
    participants who checked in, and the organisers and volunteers. The street's annual report and the
    evaluation record both read it."""
    start, end = local_days(first, last)
    subtree = select(OrgUnit.id).where(OrgUnit.path.startswith(org.path))
    held = (Activity.org_id.in_(subtree), Activity.starts_at >= start, Activity.starts_at < end,
            Activity.ends_at <= utcnow())
    by_level = dict(db.session.execute(
        select(Activity.level, func.count()).where(*held).group_by(Activity.level)
    ).all())
    participant = ActivitySignup.role == "participant"
    seats, attended, helpers = db.session.execute(
        select(func.count().filter(participant, ActivitySignup.status == "confirmed"),
               func.count().filter(participant, ActivitySignup.checked_in_at.is_not(None)),
               func.count().filter(ActivitySignup.role != "participant"))
        .select_from(ActivitySignup).join(Activity, Activity.id == ActivitySignup.activity_id).where(*held)
    ).one()
    return {
        "activities_held": sum(by_level.values()),
        "activities_by_level": {level: by_level.get(level, 0) for level in ACTIVITY_LEVELS},
        "activity_seats_taken": seats,
        "activity_participants_attended": attended,
        "activity_helpers": helpers,
    }
