"""Mini-program pages Linli links to, in one table: WeChat refuses any page the released
mini-program does not have (41030), so no path is written anywhere else."""

REQUEST_DETAIL = "pages/requests/detail"
THREAD_DETAIL = "pages/threads/detail"
MEMBER_HOURS = "pages/member/hours"
MEMBER_REGISTRATION = "pages/member/registration"
CHECKIN = "pages/checkin/index"
MEMBER_VISITS = "pages/member/visits"
ACTIVITY_DETAIL = "pages/activities/detail"
ACTIVITY_CHECKIN = "pages/activities/checkin"

ALL_PAGES = frozenset({
    REQUEST_DETAIL, THREAD_DETAIL, MEMBER_HOURS, MEMBER_REGISTRATION, CHECKIN, MEMBER_VISITS, ACTIVITY_DETAIL,
    ACTIVITY_CHECKIN,
})


def request_detail(request_id: int) -> str:
    return f"{REQUEST_DETAIL}?id={request_id}"


def thread_detail(thread_id: int) -> str:
    return f"{THREAD_DETAIL}?id={thread_id}"


def checkin(token: str) -> str:
    """The page a station's QR code opens, carrying the station's current token."""
    return f"{CHECKIN}?t={token}"


def activity_detail(activity_id: int) -> str:
    return f"{ACTIVITY_DETAIL}?id={activity_id}"


def activity_checkin(activity_id: int, token: str) -> str:
    """The page an activity's QR code opens, carrying the activity and its current token."""
    return f"{ACTIVITY_CHECKIN}?id={activity_id}&t={token}"
