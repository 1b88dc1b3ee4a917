"""Who may call what: every operation of the served OpenAPI document × every kind of caller.

One world (two communities in one street, their people and objects) is built once, then every
(operation, caller) pair is called with path ids pointing at real objects of community A, each
request with a fresh token and in a fresh app context. The answer must match the row:

    401   no or bad token
    403   signed in, but the operation is not for this kind of caller
    404   the object is not visible to the caller; the answer must be *exactly* the answer for a
          nonexistent id (same status, same error code): another's object looks missing
    ok    allowed: 2xx, or a 4xx about the data or the state (400, 409, 422, 429) — the
          caller got past every access check

How to add a row (one line): put `"METHOD /api/v1/path/{param}": "<caller>=<answer> ...",` in
MATRIX; callers left out take DEFAULTS (anon=401, everyone else ok). A body the operation
needs goes in BODIES (a valid one, so that validation does not answer before the access check).
A new path parameter needs an object: add it to `path_ids`; an operation that uses its object up
gets a fresh one before each caller from FRESH (or has it put back by RESTORE). A new kind of
caller: add it to CALLERS and build it in `world`.
A new operation without a row fails `test_every_operation_has_a_row`.
"""
import io
import os

import pytest
from sqlalchemy import delete

from extensions import db
from models.base import utcnow
from schemas.common import MAX_ID
from tests.conftest import body
from tests.fixtures.members import CENTRE, StationFactory

CALLERS = ["anon", "res", "mem", "staff", "other", "street", "admin", "disabled"]
# `disabled` is a secretary of community A whose account was disabled: only what anyone may call works.
DEFAULTS = {"anon": "401", "disabled": "401"}

OK_STATUSES = {400, 409, 422, 429}
# In this order after all others: blocking ends the resident's writing, deleting an account ends the caller.
RUN_LAST = ["POST /api/v1/threads/{thread_id}/block", "DELETE /api/v1/me"]
# Operations that use up their object: this call (as the administrator) restores it before each caller.
RESTORE = {
    "DELETE /api/v1/buildings/{building_id}/contacts/{member_id}": (
        "POST", "/api/v1/buildings/{building_id}/contacts", {"member_id": "member"}
    ),
}


def fresh_scope(world) -> dict:
    """A new staff scope on a building of community A for the target account, beside the one it
    keeps on the community (so the account stays in view): removing it uses it up."""
    from models.orgs import StaffScope

    db.session.execute(delete(StaffScope).where(
        StaffScope.user_id == world["target"], StaffScope.org_id == world["building_a1"]))
    scope = StaffScope(user_id=world["target"], org_id=world["building_a1"], role="staff")
    db.session.add(scope)
    db.session.commit()
    return {"scope_id": scope.id}


FRESH = {"DELETE /api/v1/staff/{user_id}/scopes/{scope_id}": fresh_scope}
# A path parameter that names another object for this operation than `path_ids` gives.
PATH_OBJECTS = {"POST /api/v1/residents/{user_id}/confirm-home": {"user_id": "resident"}}

MATRIX = {
    "DELETE /api/v1/buildings/{building_id}/contacts/{member_id}": "res=403 mem=403 other=404",
    "GET /api/v1/buildings/{building_id}/contacts": "res=403 mem=403 other=404",
    "GET /api/v1/categories": "",
    "GET /api/v1/checkins": "",
    "GET /api/v1/communities": "",
    "GET /api/v1/contacts": "",
    "GET /api/v1/contacts/reports": "res=403 mem=403",
    "GET /api/v1/contacts/served": "res=403 staff=403 other=403 street=403 admin=403",
    "GET /api/v1/me": "",
    "GET /api/v1/meta": "anon=ok disabled=ok",
    "GET /api/v1/dashboard": "res=403 mem=403",
    "GET /api/v1/exports/hours.xlsx": "res=403 mem=403",
    "GET /api/v1/exports/requests.xlsx": "res=403 mem=403",
    "POST /api/v1/notifications/outbox/{notification_id}/retry": "res=403 mem=403 other=404",
    "GET /api/v1/me/export": "",
    "DELETE /api/v1/me": "staff=403 other=403 street=403 admin=403",
    "GET /api/v1/audit": "res=403 mem=403",
    "GET /api/v1/audit.xlsx": "res=403 mem=403",
    "GET /api/v1/members/hour-corrections": "res=403 mem=403",
    "GET /api/v1/members/me/hours": "",
    "GET /api/v1/members/registrations": "res=403 mem=403",
    "GET /api/v1/notifications": "",
    "GET /api/v1/notifications/outbox": "res=403 mem=403",
    "GET /api/v1/notifications/templates": "anon=ok disabled=ok",
    "GET /api/v1/orgs": "res=403 mem=403",
    "GET /api/v1/orgs/{org_id}": "res=404 mem=404 other=404",
    "GET /api/v1/orgs/{org_id}/tree": "res=404 mem=404 other=404",
    "GET /api/v1/requests": "",
    "GET /api/v1/requests/{request_id}": "other=404",
    "GET /api/v1/requests/{request_id}/candidates": "res=403 mem=403 other=404",
    "GET /api/v1/requests/{request_id}/offers": "other=404",
    "GET /api/v1/stations": "",
    "GET /api/v1/stations/{station_id}": "",
    "GET /api/v1/stations/{station_id}/qr": "res=404 mem=404 other=404",
    "GET /api/v1/stations/{station_id}/qr.png": "res=404 mem=404 other=404",
    "GET /api/v1/threads": "",
    "GET /api/v1/threads/{thread_id}/messages": "staff=404 other=404 street=404 admin=404",
    "PATCH /api/v1/categories/{category_id}": "res=403 mem=403 staff=403 other=403 street=403",
    "PATCH /api/v1/me": "",
    "PATCH /api/v1/orgs/{org_id}": "res=404 mem=404 other=404",
    "PATCH /api/v1/stations/{station_id}": "res=404 mem=404 other=404",
    "POST /api/v1/auth/desk-login": "anon=401 res=401 mem=401 staff=401 other=401 street=401 admin=401",
    "POST /api/v1/auth/logout": "",
    "POST /api/v1/auth/phone": "",
    "POST /api/v1/auth/wx-login": "anon=ok disabled=ok",
    "POST /api/v1/auth/password": "res=403 mem=403",
    "GET /api/v1/staff": "res=403 mem=403",
    "DELETE /api/v1/staff/{user_id}/scopes/{scope_id}": "res=404 mem=404 other=404",
    "POST /api/v1/staff/{user_id}/disable": "res=403 mem=403 other=404",
    "POST /api/v1/staff/{user_id}/enable": "res=403 mem=403 other=404",
    "POST /api/v1/buildings/{building_id}/contacts": "res=403 mem=403 other=404",
    "POST /api/v1/categories": "res=403 mem=403 staff=403 other=403 street=403",
    "POST /api/v1/checkins": "res=403 staff=403 other=403 street=403 admin=403",
    "POST /api/v1/checkins/{checkin_id}/checkout": "res=404 staff=404 other=404 street=404 admin=404",
    "POST /api/v1/checkins/{checkin_id}/confirm": "res=404 mem=403 other=404",
    "POST /api/v1/contacts/{member_id}/messages": "mem=404",
    "POST /api/v1/members/hour-corrections/{correction_id}/answer": "res=404 mem=404 other=404",
    "POST /api/v1/members/me/hours/{entry_id}/corrections": "res=404 staff=404 other=404 street=404 admin=404",
    "POST /api/v1/members/registrations": "",
    "POST /api/v1/members/registrations/{registration_id}/approve": "res=404 mem=404 other=404",
    "POST /api/v1/members/registrations/{registration_id}/reject": "res=404 mem=404 other=404",
    "POST /api/v1/notifications/grants": "",
    "POST /api/v1/notifications/{notification_id}/read": "res=404 staff=404 other=404 street=404 admin=404",
    "POST /api/v1/orgs": "res=404 mem=404 other=404",
    "POST /api/v1/requests": "",
    "POST /api/v1/residents/{user_id}/confirm-home": "res=404 mem=404 other=404",
    "POST /api/v1/requests/{request_id}/accept": "res=403 staff=403 other=404 street=403 admin=403",
    "POST /api/v1/requests/{request_id}/answer": "mem=403 staff=403 other=404 street=403 admin=403",
    "POST /api/v1/requests/{request_id}/ask-resident": "res=403 other=404",
    "POST /api/v1/requests/{request_id}/assign": "res=403 mem=403 other=404",
    "POST /api/v1/requests/{request_id}/cancel": "mem=403 staff=403 other=404 street=403 admin=403",
    "POST /api/v1/requests/{request_id}/complete": "res=403 staff=403 other=404 street=403 admin=403",
    "POST /api/v1/requests/{request_id}/confirm": "res=403 mem=403 other=404",
    "POST /api/v1/requests/{request_id}/decline": "res=403 staff=403 other=404 street=403 admin=403",
    "POST /api/v1/requests/{request_id}/rate": "mem=403 staff=403 other=404 street=403 admin=403",
    "POST /api/v1/requests/{request_id}/reject-completion": "res=403 mem=403 other=404",
    "POST /api/v1/requests/{request_id}/start": "res=403 staff=403 other=404 street=403 admin=403",
    "POST /api/v1/staff": "res=404 mem=404 other=404",
    "POST /api/v1/stations": "res=404 mem=404 other=404",
    "POST /api/v1/stations/{station_id}/qr/rotate": "res=404 mem=404 other=404",
    "POST /api/v1/threads/{thread_id}/block": "res=403 staff=404 other=404 street=404 admin=404",
    "POST /api/v1/threads/{thread_id}/messages": "res=ok staff=404 other=404 street=404 admin=404",
    "POST /api/v1/threads/{thread_id}/messages/{message_id}/report": "mem=403 staff=404 other=404 street=404 admin=404",
    "POST /api/v1/threads/{thread_id}/read": "staff=404 other=404 street=404 admin=404",
    "POST /api/v1/threads/{thread_id}/reveal-phone": "res=403 staff=404 other=404 street=404 admin=404",
    "POST /api/v1/threads/{thread_id}/unblock": "res=403 staff=404 other=404 street=404 admin=404",
    "GET /api/v1/evaluations": "res=403 mem=403",
    "POST /api/v1/evaluations": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/evaluations/{round_id}": "res=404 mem=404 staff=404 other=404",
    "PATCH /api/v1/evaluations/{round_id}": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/evaluations/{round_id}/subjects": "res=404 mem=404 staff=404 other=404",
    "PUT /api/v1/evaluations/{round_id}/subjects/{subject_id}/report": "res=404 mem=404 other=404",
    "GET /api/v1/evaluations/{round_id}/subjects/{subject_id}/record": "res=404 mem=404 other=404",
    "POST /api/v1/evaluations/{round_id}/subjects/{subject_id}/assessments": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/evaluations/{round_id}/subjects/{subject_id}/assessments": "res=404 mem=404 other=404",
    "POST /api/v1/evaluations/{round_id}/subjects/{subject_id}/media": "res=404 mem=404 other=404",
    "GET /api/v1/evaluations/{round_id}/subjects/{subject_id}/media": "res=404 mem=404 other=404",
    "POST /api/v1/evaluations/{round_id}/subjects/{subject_id}/video-links": "res=404 mem=404 other=404",
    "GET /api/v1/evaluations/{round_id}/media/{media_id}": "res=404 mem=404 other=404",
    "GET /api/v1/evaluations/{round_id}/subjects/{subject_id}/display": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/evaluations/{round_id}/invitations": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/evaluations/{round_id}/close": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/evaluations/{round_id}/results": "res=404 mem=404 staff=404 other=404",
    # Anonymous by design (a code, not a login): an unknown code is 404 for everyone.
    "POST /api/v1/ballots": "anon=404 res=404 mem=404 staff=404 other=404 street=404 admin=404 disabled=404",
    "POST /api/v1/ballots/paper": "anon=404 res=404 mem=404 staff=404 other=404 street=404 admin=404 disabled=404",
}

BODIES = {
    "POST /api/v1/auth/wx-login": {"code": "matrix-unknown-code"},
    "POST /api/v1/auth/phone": {"code": "matrix-unknown-code"},
    "POST /api/v1/auth/desk-login": {"username": "nobody", "password": "wrong-password"},
    "POST /api/v1/categories": {"name": "矩阵类别", "skills": ["维修"], "service_model": "on_demand"},
    "PATCH /api/v1/categories/{category_id}": {"expected_minutes": 45},
    "POST /api/v1/checkins": {"station_id": "station", "qr_token": "bad-token", "lat": CENTRE[0], "lng": CENTRE[1]},
    "POST /api/v1/buildings/{building_id}/contacts": {"member_id": "member"},
    "POST /api/v1/contacts/{member_id}/messages": {"text": "您好"},
    "POST /api/v1/threads/{thread_id}/messages": {"text": "收到"},
    "POST /api/v1/threads/{thread_id}/messages/{message_id}/report": {"reason": "骚扰"},
    "PATCH /api/v1/me": {"name": "改名"},
    "POST /api/v1/members/registrations": {
        "community_id": "community_a", "employer_unit": "单位", "home_branch": "支部", "skills": [], "availability": []
    },
    "POST /api/v1/members/registrations/{registration_id}/approve": {},
    "POST /api/v1/members/registrations/{registration_id}/reject": {"reason": "信息不全"},
    "POST /api/v1/members/me/hours/{entry_id}/corrections": {"reason": "少记了", "minutes": 90},
    "POST /api/v1/members/hour-corrections/{correction_id}/answer": {"accept": False, "answer": "不予更正"},
    "POST /api/v1/notifications/grants": {"template_ids": ["unknown-template"]},
    "POST /api/v1/orgs": {"name": "矩阵楼", "kind": "building_branch", "parent_id": "community_a"},
    "PATCH /api/v1/orgs/{org_id}": {"name": "社区A"},
    "POST /api/v1/requests": {"category_id": "category", "title": "换灯泡", "description": "楼道灯坏了"},
    "POST /api/v1/requests/{request_id}/complete": {"note": "已完成", "minutes": 30},
    "POST /api/v1/requests/{request_id}/reject-completion": {"reason": "未完成"},
    "POST /api/v1/requests/{request_id}/assign": {"member_id": "member"},
    "POST /api/v1/requests/{request_id}/ask-resident": {"question": "几点方便？"},
    "POST /api/v1/requests/{request_id}/answer": {"answer": "下午"},
    "POST /api/v1/requests/{request_id}/cancel": {"reason": "不需要了"},
    "POST /api/v1/requests/{request_id}/rate": {"stars": 5},
    "POST /api/v1/staff": {"user_id": "applicant", "org_id": "community_a", "role": "staff"},
    "POST /api/v1/stations": {
        "name": "矩阵站", "kind": "community_service_station", "org_id": "community_a", "address": "路1号",
        "lat": CENTRE[0], "lng": CENTRE[1], "radius_m": 100, "acquisition": "self_built",
        "opening_hours": {"weekly": {}},
    },
    "PATCH /api/v1/stations/{station_id}": {"address": "路2号"},
    "POST /api/v1/auth/password": {"old_password": "not-the-password", "new_password": "new-password-2026"},
    "POST /api/v1/evaluations": {"org_id": "street_org", "year": 2026, "title": "矩阵述职评议"},
    "PATCH /api/v1/evaluations/{round_id}": {"meeting_place": "街道会议室"},
    "POST /api/v1/evaluations/{round_id}/subjects": {"org_id": "community_b"},
    "PUT /api/v1/evaluations/{round_id}/subjects/{subject_id}/report": {"report_text": "一年来的工作"},
    "POST /api/v1/evaluations/{round_id}/subjects/{subject_id}/assessments": {
        "kind": "daily", "assessed_on": "2026-03-01", "item": "三会一课", "score": 90},
    "POST /api/v1/evaluations/{round_id}/subjects/{subject_id}/video-links": {
        "title": "述职视频", "url": "https://video.example.cn/v/1"},
    "POST /api/v1/evaluations/{round_id}/invitations": {"sector": "member", "count": 1},
    "POST /api/v1/ballots": {"code": "MATR-IXUN-KNWN", "scores": {"1": {"总体评价": 5}}},
    "POST /api/v1/ballots/paper": {"code": "MATR-IXUN-KNWN"},
}


def path_ids(world) -> dict:
    """Each path parameter → the real object of community A it names."""
    return {
        "org_id": world["community_a"],
        "building_id": world["building_a1"],
        "category_id": world["category"],
        "station_id": world["station"],
        "checkin_id": world["checkin"],
        "member_id": world["member"],
        "thread_id": world["thread"],
        "message_id": world["message"],
        "registration_id": world["registration"],
        "entry_id": world["entry"],
        "correction_id": world["correction"],
        "notification_id": world["notification"],
        "request_id": world["request"],
        "user_id": world["target"],
        "scope_id": world["target_scope"],
        "round_id": world["evaluation"],
        "subject_id": world["evaluation_subject"],
        "media_id": world["evaluation_media"],
    }


@pytest.fixture
def world(app, make, category):
    """Two communities in one street; community A holds every object the paths point at."""
    units = make.tree()
    people = {
        "resident": make.resident(units["community_a"], units["building_a1"], name="居民甲"),
        "member": make.member(units["community_a"], units["building_a1"], name="党员甲"),
        "staff": make.staff(units["community_a"], role="secretary"),
        "other": make.staff(units["community_b"], role="secretary"),
        "street": make.staff(units["street"], role="secretary"),
        "admin": make.admin(),
        "applicant": make.resident(units["community_a"], units["building_a2"], name="申请人"),
        "target": make.staff(units["community_a"]),
        "disabled": make.staff(units["community_a"], role="secretary", disabled_at=utcnow()),
    }
    station = StationFactory()(units["community_a"])
    client = app.test_client()
    as_ = {key: make.headers(user) for key, user in people.items()}

    def call(method, path, who, **kwargs):
        response = client.open(path, method=method, headers=as_[who], **kwargs)
        assert response.status_code < 300, (method, path, response.status_code, response.get_json())
        return body(response) if response.data else None

    request = call("POST", "/api/v1/requests", "resident",
                   json={"category_id": category.id, "title": "修水龙头", "description": "厨房漏水"})
    message = call("POST", f"/api/v1/contacts/{people['member'].id}/messages", "resident", json={"text": "您好"})
    reply = call("POST", f"/api/v1/threads/{message['thread_id']}/messages", "member", json={"text": "马上到"})
    checkin = call("POST", "/api/v1/checkins", "member", json={
        "station_id": station.id, "qr_token": StationFactory.token(station), "lat": CENTRE[0], "lng": CENTRE[1]})
    call("POST", f"/api/v1/checkins/{checkin['id']}/checkout", "member")
    confirmed = call("POST", f"/api/v1/checkins/{checkin['id']}/confirm", "staff")
    correction = call("POST", f"/api/v1/members/me/hours/{confirmed['entry_id']}/corrections", "member",
                      json={"reason": "少记了", "minutes": 90})
    registration = call("POST", "/api/v1/members/registrations", "applicant", json={
        "community_id": units["community_a"].id, "employer_unit": "单位", "home_branch": "支部",
        "skills": [], "availability": []})
    notification = call("GET", "/api/v1/notifications", "member")["items"][0]
    evaluation = call("POST", "/api/v1/evaluations", "street",
                      json={"org_id": units["street"].id, "year": 2026, "title": "述职评议"})
    subject = call("POST", f"/api/v1/evaluations/{evaluation['id']}/subjects", "street",
                   json={"org_id": units["community_a"].id})
    media = call("POST", f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/media", "street",
                 content_type="multipart/form-data",
                 data={"title": "照片", "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(16)), "p.png")})
    objects = {key: thing.id for key, thing in {**units, **people, "category": category, "station": station}.items()}
    target_scope = people["target"].scopes[0].id
    db.session.remove()
    return {
        **objects,
        "request": request["id"], "thread": message["thread_id"], "message": reply["id"],
        "checkin": checkin["id"], "entry": confirmed["entry_id"], "correction": correction["id"],
        "registration": registration["id"], "notification": notification["id"],
        "target_scope": target_scope,
        "street_org": units["street"].id,
        "evaluation": evaluation["id"], "evaluation_subject": subject["id"], "evaluation_media": media["id"],
    }


def operations(client) -> list[str]:
    document = body(client.get("/api/v1/openapi.json"))
    return sorted(
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


def test_every_operation_has_a_row(client):
    missing = [operation for operation in operations(client) if operation not in MATRIX]
    assert not missing, "add a row to MATRIX for each of:\n" + "\n".join(missing)
    stale = [operation for operation in MATRIX if operation not in operations(client)]
    assert not stale, stale


def expected(operation: str) -> dict[str, str]:
    answers = {caller: DEFAULTS.get(caller, "ok") for caller in CALLERS}
    for part in MATRIX[operation].split():
        caller, answer = part.split("=")
        assert caller in answers, f"{operation}: unknown caller {caller}"
        answers[caller] = answer
    return answers


def _resolve(payload, world):
    """In a body, an `*_id` naming a world object ("member", "community_a") becomes its id."""
    if payload is None:
        return None
    return {key: world[value] if key.endswith("_id") and isinstance(value, str) else value
            for key, value in payload.items()}


def test_access_matrix(app, world, monkeypatch):
    from models.users import User
    from services.auth import issue_token

    # Every caller tries desk-login with the same wrong password from one address; the lockout
    # that would follow is tested in test_auth.
    monkeypatch.setitem(app.config, "DESK_LOGIN_MAX_FAILURES", 100)
    ids = path_ids(world)
    users = {"res": "resident", "mem": "member", "staff": "staff", "other": "other", "street": "street",
             "admin": "admin", "disabled": "disabled"}
    client = app.test_client()

    def headers_for(caller):
        if caller == "anon":
            return {}
        with app.app_context():  # a fresh token per call: an operation may end the caller's session
            token = issue_token(db.session.get(User, world[users[caller]]))
            db.session.commit()
            db.session.remove()
        return {"Authorization": f"Bearer {token}"}

    def answer(method, path, caller, payload):
        with app.app_context():
            response = client.open(path, method=method, headers=headers_for(caller), json=payload)
            answered = response.get_json(silent=True)
            error = answered.get("error") if isinstance(answered, dict) else None
            return response.status_code, (error or {}).get("code")

    observed, mismatches = {}, []
    for operation in sorted(operations(client), key=lambda op: RUN_LAST.index(op) + 1 if op in RUN_LAST else 0):
        if operation not in MATRIX:
            continue
        method, template = operation.split(" ", 1)
        payload = _resolve(BODIES.get(operation), world) if method != "GET" else None
        real = template.format(**{
            **ids, **{name: world[key] for name, key in PATH_OBJECTS.get(operation, {}).items()}})
        missing = template.format(**{name: MAX_ID for name in ids})
        wanted = expected(operation)
        # Denials first, so an allowed caller's change of state cannot turn a denial into a 409.
        for caller in sorted(CALLERS, key=lambda c: wanted[c] == "ok"):
            if operation in FRESH:
                with app.app_context():
                    real = template.format(**{**ids, **FRESH[operation](world)})
                    db.session.remove()
            if operation in RESTORE:
                restore_method, restore_path, restore_body = RESTORE[operation]
                answer(restore_method, restore_path.format(**ids), "admin", _resolve(restore_body, world))
            status, code = answer(method, real, caller, payload)
            got = (
                "ok" if status < 300 or status in OK_STATUSES
                else str(status)
            )
            observed.setdefault(operation, []).append(f"{caller}={got}")
            if got != wanted[caller]:
                mismatches.append(f"{operation} as {caller}: wanted {wanted[caller]}, got {status} {code}")
            elif got == "404" and "{" in template:
                hidden = answer(method, missing, caller, payload)
                if hidden != (status, code):
                    mismatches.append(
                        f"{operation} as {caller}: another's object answers {status} {code}, a missing one {hidden}"
                    )
    if os.environ.get("LINLI_MATRIX_PRINT"):
        for operation, answers in observed.items():
            shown = " ".join(a for a in answers if a != f"{a.split('=')[0]}={DEFAULTS.get(a.split('=')[0], 'ok')}")
            print(f'    "{operation}": "{shown}",')
    assert not mismatches, "\n".join(mismatches)
