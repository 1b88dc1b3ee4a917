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
from sqlalchemy import delete, select

from extensions import db
from models.base import utcnow
from models.moderation import ModerationHold
from schemas.common import MAX_ID
from tests.conftest import body
from tests.fixtures.members import CENTRE, StationFactory
from wx.sandbox import SANDBOX_REVIEW_WORD

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


def fresh_branch_member(world) -> dict:
    """Another person on the functional branch's roster: removing one uses it up."""
    from models.coordination import BranchMember

    member = BranchMember(branch_id=world["functional_branch"], name="将移出的党员")
    db.session.add(member)
    db.session.commit()
    return {"branch_member_id": member.id}


FRESH = {"DELETE /api/v1/staff/{user_id}/scopes/{scope_id}": fresh_scope,
         "DELETE /api/v1/branch-members/{branch_member_id}": fresh_branch_member}
# A path parameter that names another object for this operation than `path_ids` gives.
PATH_OBJECTS = {
    "POST /api/v1/residents/{user_id}/confirm-home": {"user_id": "resident"},
    "POST /api/v1/contacts/reports/{report_id}/resolve": {"report_id": "contact_report"},
}

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
    "GET /api/v1/stations/{station_id}/wxacode.png": "res=404 mem=404 other=404",
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
    "POST /api/v1/contacts/reports/{report_id}/resolve": "res=403 mem=403 other=404",
    "POST /api/v1/units": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/units": "res=403 mem=403",
    "GET /api/v1/units/{unit_id}": "res=404 mem=404",
    "PATCH /api/v1/units/{unit_id}": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/units/{unit_id}/liaisons": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/units/{unit_id}/registrations": "res=404 mem=404",
    "GET /api/v1/units/{unit_id}/members": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/units/{unit_id}/members/{member_id}/hours": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/bodies": "res=404 mem=404 other=404",
    "GET /api/v1/bodies": "res=403 mem=403",
    "GET /api/v1/bodies/{body_id}": "res=404 mem=404 other=404",
    "POST /api/v1/bodies/{body_id}/members": "res=404 mem=404 other=404",
    "POST /api/v1/bodies/{body_id}/meetings": "res=404 mem=404 other=404",
    "GET /api/v1/meetings/{meeting_id}": "res=404 mem=404 other=404",
    "PATCH /api/v1/meetings/{meeting_id}": "res=404 mem=404 other=404",
    "POST /api/v1/meetings/{meeting_id}/resolutions": "res=404 mem=404 other=404",
    "GET /api/v1/resolutions": "res=403 mem=403",
    "POST /api/v1/resolutions/{resolution_id}/close": "res=404 mem=404 other=404",
    "POST /api/v1/resolutions/{resolution_id}/drop": "res=404 mem=404 other=404",
    "POST /api/v1/terms": "res=404 mem=404 other=404",
    "GET /api/v1/terms": "res=403 mem=403",
    "GET /api/v1/terms/leadership": "",
    "POST /api/v1/terms/{term_id}/end": "res=404 mem=404 other=404",
    "POST /api/v1/annual-reports": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/annual-reports": "res=403 mem=403",
    "GET /api/v1/annual-reports/{report_id}": "res=404 mem=404 staff=404 other=404",
    "PATCH /api/v1/annual-reports/{report_id}": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/annual-reports/{report_id}/compile": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/annual-reports/{report_id}/present": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/annual-reports/{report_id}/comments": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/annual-reports/{report_id}/report.xlsx": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/annual-reports/{report_id}/report.docx": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/report-comments/{comment_id}/answer": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/funds": "res=403 mem=403 other=404",
    "GET /api/v1/funds": "res=403 mem=403",
    "GET /api/v1/funds/{fund_id}": "res=404 mem=404 other=404",
    "POST /api/v1/funds/{fund_id}/donations": "res=404 mem=404 other=404",
    "POST /api/v1/funds/{fund_id}/disbursements": "res=404 mem=404 other=404",
    "GET /api/v1/funds/{fund_id}/disbursements": "res=404 mem=404 other=404",
    "GET /api/v1/funds/{fund_id}/entries": "res=404 mem=404 other=404",
    "GET /api/v1/funds/{fund_id}/statement": "res=404 mem=404 other=404",
    "GET /api/v1/funds/{fund_id}/statement.xlsx": "res=404 mem=404 other=404",
    "POST /api/v1/disbursements/{disbursement_id}/approve": "res=404 mem=404 other=404",
    "POST /api/v1/disbursements/{disbursement_id}/reject": "res=404 mem=404 other=404",
    "POST /api/v1/fund-entries/{fund_entry_id}/reverse": "res=404 mem=404 other=404",
    "POST /api/v1/care-targets": "res=403 mem=403 other=404",
    "GET /api/v1/care-targets": "",
    "GET /api/v1/care-targets/{care_target_id}": "res=404 other=404",
    "POST /api/v1/care-targets/{care_target_id}/plans": "res=404 mem=404 other=404",
    "POST /api/v1/care-targets/{care_target_id}/visits": "res=404 staff=403 other=404 street=403 admin=403",
    "GET /api/v1/visit-plans": "",
    "GET /api/v1/visits": "",
    "POST /api/v1/visits/{visit_id}/confirm": "res=404 mem=403 other=404",
    "POST /api/v1/visits/{visit_id}/reject": "res=404 mem=403 other=404",
    "GET /api/v1/activities": "",
    "POST /api/v1/activities": "res=403 mem=403 other=404",
    "GET /api/v1/activities/{activity_id}": "other=404",
    "POST /api/v1/activities/{activity_id}/signups": "staff=403 other=404 street=403 admin=403",
    "DELETE /api/v1/activities/{activity_id}/signups/me": "other=404",
    "GET /api/v1/activities/{activity_id}/signups": "res=403 mem=403 other=404",
    "POST /api/v1/activities/{activity_id}/helpers": "res=403 mem=403 other=404",
    "GET /api/v1/activities/{activity_id}/qr": "res=403 mem=403 other=404",
    "POST /api/v1/activities/{activity_id}/checkins": "other=404",
    "POST /api/v1/activities/{activity_id}/hours": "res=403 mem=403 other=404",
    "GET /api/v1/social-offers": "",
    "POST /api/v1/social-offers": "res=403 mem=403 other=404",
    "GET /api/v1/social-offers/{social_offer_id}": "res=404 mem=404 other=404",
    "POST /api/v1/social-offers/{social_offer_id}/approve": "res=404 mem=404 other=404",
    # Approved by then (operations run in order): its residents see it, and are refused the staff's actions.
    "POST /api/v1/social-offers/{social_offer_id}/reject": "res=403 mem=403 other=404",
    "POST /api/v1/social-offers/{social_offer_id}/withdraw": "res=403 mem=403 other=404",
    "GET /api/v1/providers": "res=403 mem=403",
    "POST /api/v1/providers": "res=403 mem=403 other=404",
    "GET /api/v1/providers/{provider_id}": "res=403 mem=403 other=404",
    "POST /api/v1/providers/{provider_id}/accounts": "res=403 mem=403 other=404",
    "POST /api/v1/requests/{request_id}/route": "res=403 mem=403 other=404",
    "POST /api/v1/requests/{request_id}/acknowledge": "res=403 mem=403 staff=403 other=404 street=403 admin=403",
    "POST /api/v1/requests/{request_id}/report": "res=403 mem=403 staff=403 other=404 street=403 admin=403",
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
    # Without `org_id` every signed-in caller gets 422 (the scope is then checked as in POST /stations).
    "GET /api/v1/stations/completeness": "",
    "GET /api/v1/stations/completeness.xlsx": "",
    "POST /api/v1/stations/{station_id}/checklist-evidence": "res=404 mem=404 other=404",
    "GET /api/v1/stations/{station_id}/checklist-evidence": "res=404 mem=404 other=404",
    "GET /api/v1/stations/{station_id}/checklist-evidence/{evidence_id}": "res=404 mem=404 other=404",
    # Anonymous by design (a code, not a login): an unknown code is 404 for everyone.
    "POST /api/v1/ballots": "anon=404 res=404 mem=404 staff=404 other=404 street=404 admin=404 disabled=404",
    "POST /api/v1/ballots/paper": "anon=404 res=404 mem=404 staff=404 other=404 street=404 admin=404 disabled=404",
    "POST /api/v1/units/{unit_id}/offers": "res=404 mem=404 staff=404 other=404",
    "GET /api/v1/offers": "res=403 mem=403",
    "PATCH /api/v1/offers/{offer_id}": "res=404 mem=404 staff=404 other=404",
    "POST /api/v1/needs": "res=404 mem=404 other=404",
    "GET /api/v1/needs": "res=403 mem=403",
    "GET /api/v1/needs/{need_id}": "res=404 mem=404 other=404",
    "GET /api/v1/needs/{need_id}/suggestions": "res=404 mem=404 other=404",
    "POST /api/v1/projects": "res=404 mem=404 other=404",
    "GET /api/v1/projects": "res=403 mem=403",
    "GET /api/v1/projects/{project_id}": "res=404 mem=404 other=404",
    "POST /api/v1/projects/{project_id}/start": "res=404 mem=404 other=404",
    "POST /api/v1/projects/{project_id}/finish": "res=404 mem=404 other=404",
    "POST /api/v1/projects/{project_id}/drop": "res=404 mem=404 other=404",
    "POST /api/v1/branches/{branch_id}/members": "res=404 mem=404 other=404",
    "GET /api/v1/branches/{branch_id}/members": "res=404 mem=404 other=404",
    "GET /api/v1/branch-members/{branch_member_id}": "res=404 mem=404 other=404",
    "PATCH /api/v1/branch-members/{branch_member_id}": "res=404 mem=404 other=404",
    "POST /api/v1/branches/{branch_id}/mass-organisations": "res=404 mem=404 other=404",
    "GET /api/v1/branches/{branch_id}/mass-organisations": "res=404 mem=404 other=404",
    "GET /api/v1/moderation": "res=403 mem=403",
    "POST /api/v1/moderation/{hold_id}/release": "res=403 mem=403 other=404",
    "POST /api/v1/moderation/{hold_id}/remove": "res=403 mem=403 other=404",
    "GET /api/v1/stations/{station_id}/checklist": "res=404 mem=404 other=404",
    "PATCH /api/v1/needs/{need_id}": "res=404 mem=404 other=404",
    "DELETE /api/v1/branch-members/{branch_member_id}": "res=404 mem=404 other=404",
    # Runs before the approve row (PATCH sorts first): the pending offer is still hidden from residents.
    "PATCH /api/v1/social-offers/{social_offer_id}": "res=404 mem=404 other=404",
    "PATCH /api/v1/providers/{provider_id}": "res=403 mem=403 other=404",
    "GET /api/v1/providers/{provider_id}/accounts": "res=403 mem=403 other=404",
    "GET /api/v1/visits.xlsx": "res=403 mem=403",
    "GET /api/v1/activities/{activity_id}/signups.xlsx": "res=403 mem=403 other=404",
    "GET /api/v1/social-offers.xlsx": "res=403 mem=403",
    # The round is still open: its staff get past every check to the 409.
    "GET /api/v1/evaluations/{round_id}/results.xlsx": "res=404 mem=404 staff=404 other=404",
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
    "POST /api/v1/contacts/reports/{report_id}/resolve": {"outcome": "dismissed", "note": "矩阵核实"},
    "POST /api/v1/units": {"name": "矩阵单位", "kind": "agency", "party_org_name": "机关党委", "address": "路3号",
                           "street_id": "street_org"},
    "PATCH /api/v1/units/{unit_id}": {"address": "路4号"},
    "POST /api/v1/units/{unit_id}/liaisons": {"username": "matrix-liaison", "password": "liaison-password-1",
                                              "name": "联络员"},
    "POST /api/v1/units/{unit_id}/registrations": {"registration_id": "registration"},
    "POST /api/v1/bodies": {"kind": "joint_meeting", "org_id": "community_a", "name": "联席会"},
    "POST /api/v1/bodies/{body_id}/members": {"unit_id": "unit", "representative_name": "代表", "title": "委员"},
    "POST /api/v1/bodies/{body_id}/meetings": {"title": "例会", "held_at": "2026-03-01T09:00:00+08:00", "agenda": []},
    "PATCH /api/v1/meetings/{meeting_id}": {"minutes": "纪要"},
    "POST /api/v1/meetings/{meeting_id}/resolutions": {
        "text": "事项", "owner_unit_id": "unit", "due_date": "2030-01-01",
    },
    "POST /api/v1/resolutions/{resolution_id}/close": {"outcome": "已办结"},
    "POST /api/v1/resolutions/{resolution_id}/drop": {"outcome": "撤销"},
    "POST /api/v1/terms": {"org_id": "community_a", "post": "secretary", "holder_name": "书记",
                           "starts_on": "2030-01-01", "ends_on": "2032-12-31"},
    "POST /api/v1/terms/{term_id}/end": {"left_on": "2026-06-01"},
    "POST /api/v1/annual-reports": {"org_id": "street_org", "year": 2025},
    "PATCH /api/v1/annual-reports/{report_id}": {"narrative": "正文"},
    "POST /api/v1/annual-reports/{report_id}/present": {"meeting_id": "street_meeting"},
    "POST /api/v1/annual-reports/{report_id}/comments": {"representative_name": "代表", "comment": "意见"},
    "POST /api/v1/report-comments/{comment_id}/answer": {"answer": "答复"},
    "POST /api/v1/funds": {"name": "矩阵基金", "kind": "charity", "org_id": "community_a"},
    "POST /api/v1/funds/{fund_id}/donations": {
        "amount_cents": 100, "donor_name": "某单位", "received_on": "2026-01-05"
    },
    "POST /api/v1/funds/{fund_id}/disbursements": {"amount_cents": 100, "purpose": "慰问"},
    "POST /api/v1/disbursements/{disbursement_id}/reject": {"note": "材料不全"},
    "POST /api/v1/fund-entries/{fund_entry_id}/reverse": {"reason": "录错"},
    "POST /api/v1/care-targets": {
        "name": "矩阵对象", "building_id": "building_a1", "needs": [], "consent_on": "2026-01-05"
    },
    "POST /api/v1/care-targets/{care_target_id}/plans": {"visitor_id": "member", "every_weeks": 2},
    "POST /api/v1/care-targets/{care_target_id}/visits": {"visited_on": "2026-01-05", "minutes": 30, "summary": "走访"},
    "POST /api/v1/visits/{visit_id}/reject": {"reason": "不实"},
    "POST /api/v1/activities": {
        "title": "矩阵活动", "level": "corridor", "org_id": "community_a", "starts_at": "2030-01-01T10:00:00+08:00",
        "ends_at": "2030-01-01T12:00:00+08:00", "capacity": 10, "address": "1号楼楼道",
    },
    "POST /api/v1/activities/{activity_id}/helpers": {"user_id": "member", "role": "volunteer"},
    "POST /api/v1/activities/{activity_id}/checkins": {"qr_token": "bad-token", "lat": CENTRE[0], "lng": CENTRE[1]},
    "POST /api/v1/social-offers": {
        "org_id": "community_a", "provider_name": "矩阵商户", "provider_kind": "merchant", "kind": "discount",
        "title": "九折", "terms": "凭居民身份", "valid_from": "2026-01-01", "valid_until": "2030-12-31",
    },
    "POST /api/v1/social-offers/{social_offer_id}/approve": {},
    "POST /api/v1/social-offers/{social_offer_id}/reject": {"reason": "资质不全"},
    "POST /api/v1/providers": {"org_id": "community_a", "name": "矩阵社工站", "kind": "social_work_org"},
    "POST /api/v1/providers/{provider_id}/accounts": {
        "username": "matrix-provider", "password": "provider-pass-2026", "name": "矩阵机构"},
    "POST /api/v1/requests/{request_id}/route": {"provider_id": "provider"},
    "POST /api/v1/requests/{request_id}/report": {"note": "已完成"},
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
    "POST /api/v1/units/{unit_id}/offers": {"kind": "venue", "title": "礼堂"},
    "PATCH /api/v1/offers/{offer_id}": {"title": "会议室"},
    "POST /api/v1/needs": {"community_id": "community_a", "kind": "venue", "title": "活动场地"},
    "POST /api/v1/projects": {"need_id": "need", "title": "共建", "offer_ids": ["offer"]},
    "POST /api/v1/projects/{project_id}/finish": {"outcome": "完成"},
    "POST /api/v1/projects/{project_id}/drop": {"outcome": "终止"},
    "POST /api/v1/branches/{branch_id}/members": {"name": "矩阵党员"},
    "PATCH /api/v1/branch-members/{branch_member_id}": {"joined_on": "2020-01-01"},
    "POST /api/v1/branches/{branch_id}/mass-organisations": {"name": "合唱团", "kind": "choir"},
    "PATCH /api/v1/needs/{need_id}": {"title": "活动场地（周末）"},
    "PATCH /api/v1/social-offers/{social_offer_id}": {"terms": "凭居民身份证"},
    "PATCH /api/v1/providers/{provider_id}": {"services": ["心理疏导"]},
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
        "unit_id": world["unit"],
        "body_id": world["body"],
        "meeting_id": world["meeting"],
        "resolution_id": world["resolution"],
        "term_id": world["term"],
        "report_id": world["report"],
        "comment_id": world["comment"],
        "fund_id": world["fund"],
        "disbursement_id": world["disbursement"],
        "fund_entry_id": world["fund_entry"],
        "care_target_id": world["care_target"],
        "visit_id": world["visit"],
        "activity_id": world["activity"],
        "social_offer_id": world["social_offer"],
        "provider_id": world["provider"],
        "round_id": world["evaluation"],
        "subject_id": world["evaluation_subject"],
        "media_id": world["evaluation_media"],
        "offer_id": world["offer"],
        "need_id": world["need"],
        "project_id": world["project"],
        "branch_id": world["functional_branch"],
        "branch_member_id": world["branch_member"],
        "evidence_id": world["station_evidence"],
        "hold_id": world["hold"],
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
    report = call("POST", f"/api/v1/threads/{message['thread_id']}/messages/{reply['id']}/report", "resident",
                  json={"reason": "矩阵举报"})
    fund = call("POST", "/api/v1/funds", "staff", json={"name": "扶贫帮困基金", "kind": "poverty_relief",
                                                      "org_id": units["community_a"].id})
    fund_entry = call("POST", f"/api/v1/funds/{fund['id']}/donations", "staff",
                      json={"amount_cents": 10000, "donor_name": "某单位", "received_on": "2026-01-05"})
    disbursement = call("POST", f"/api/v1/funds/{fund['id']}/disbursements", "target",
                        json={"amount_cents": 500, "purpose": "慰问金"})
    care_target = call("POST", "/api/v1/care-targets", "staff", json={
        "name": "王奶奶", "building_id": units["building_a1"].id, "needs": ["买菜"], "consent_on": "2026-01-05"})
    call("POST", f"/api/v1/care-targets/{care_target['id']}/plans", "staff",
         json={"visitor_id": people["member"].id, "every_weeks": 2})
    visit = call("POST", f"/api/v1/care-targets/{care_target['id']}/visits", "member",
                 json={"visited_on": "2026-01-05", "minutes": 30, "summary": "送米面"})
    activity = call("POST", "/api/v1/activities", "staff", json={
        "title": "楼道议事", "level": "corridor", "org_id": units["community_a"].id, "capacity": 5, "address": "1号楼",
        "starts_at": "2030-01-01T10:00:00+08:00", "ends_at": "2030-01-01T12:00:00+08:00"})
    provider = call("POST", "/api/v1/providers", "staff", json={
        "org_id": units["community_a"].id, "name": "社区社工站", "kind": "social_work_org"})
    # A pending offer entered by a colleague (`target`), so the others may decide on it.
    social_offer = call("POST", "/api/v1/social-offers", "target", json={
        "org_id": units["community_a"].id, "provider_name": "书店", "provider_kind": "merchant", "kind": "discount",
        "title": "购书九折", "terms": "凭居民身份", "valid_from": "2026-01-01", "valid_until": "2030-12-31"})
    evaluation = call("POST", "/api/v1/evaluations", "street",
                      json={"org_id": units["street"].id, "year": 2026, "title": "述职评议"})
    subject = call("POST", f"/api/v1/evaluations/{evaluation['id']}/subjects", "street",
                   json={"org_id": units["community_a"].id})
    media = call("POST", f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/media", "street",
                 content_type="multipart/form-data",
                 data={"title": "照片", "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(16)), "p.png")})
    # Evidence put straight on community A's station (the API keeps the checklist for enterprise positions).
    from models.stations import StationChecklistEvidence
    from services import uploads
    from services.stations import EVIDENCE_FOLDER

    stored_name, content_type, size = uploads.store(EVIDENCE_FOLDER, b"%PDF-1.4\n", uploads.DOCUMENT_TYPES)
    evidence = StationChecklistEvidence(station_id=station.id, item="has_flag", stored_name=stored_name,
                                        content_type=content_type, size_bytes=size)
    db.session.add(evidence)
    db.session.commit()
    evidence_id = evidence.id
    # A message WeChat's check (the sandbox, by its review word) holds for the desk to decide.
    call("POST", f"/api/v1/threads/{message['thread_id']}/messages", "resident",
         json={"text": f"请看{SANDBOX_REVIEW_WORD}"})
    hold = db.session.execute(select(ModerationHold.id)).scalar_one()
    objects = {key: thing.id for key, thing in {**units, **people, "category": category, "station": station}.items()}
    target_scope = people["target"].scopes[0].id
    coordination = _coordination_world(units, people["member"])
    db.session.remove()
    return {
        **objects,
        "request": request["id"], "thread": message["thread_id"], "message": reply["id"],
        "checkin": checkin["id"], "entry": confirmed["entry_id"], "correction": correction["id"],
        "registration": registration["id"], "notification": notification["id"],
        "target_scope": target_scope, "contact_report": report["id"], **coordination,
        "fund": fund["id"], "fund_entry": fund_entry["id"], "disbursement": disbursement["id"],
        "care_target": care_target["id"], "visit": visit["id"],
        "activity": activity["id"],
        "social_offer": social_offer["id"],
        "provider": provider["id"],
        "street_org": units["street"].id,
        "evaluation": evaluation["id"], "evaluation_subject": subject["id"], "evaluation_media": media["id"],
        "station_evidence": evidence_id,
        "hold": hold,
    }


def _coordination_world(units, member) -> dict:
    """A unit of the street employing the member; community A's joint meeting with a meeting and a
    resolution; a term on community A; the street's report, presented at its committee, with a comment."""
    from datetime import date

    from models.coordination import (
        AnnualReport,
        BodyMember,
        CoordinationBody,
        LeadershipTerm,
        Meeting,
        ReportComment,
        ResidentUnit,
        Resolution,
    )
    from models.members import Registration
    from services.coordination import compile_figures

    unit = ResidentUnit(name="矩阵公司", kind="enterprise", party_org_name="公司党支部", address="路1号",
                        street_id=units["street"].id)
    joint = CoordinationBody(kind="joint_meeting", org_id=units["community_a"].id, name="社区A联席会")
    committee = CoordinationBody(kind="coordination_committee", org_id=units["street"].id, name="街道协调委员会")
    db.session.add_all([unit, joint, committee])
    db.session.flush()
    db.session.query(Registration).filter(Registration.user_id == member.id).update({"employer_unit_id": unit.id})
    db.session.add(BodyMember(body_id=joint.id, org_id=joint.org_id, unit_id=unit.id, representative_name="代表",
                              title="委员"))
    meeting = Meeting(body_id=joint.id, org_id=joint.org_id, title="例会", held_at=utcnow(), agenda=["议题"])
    street_meeting = Meeting(body_id=committee.id, org_id=committee.org_id, title="全委会", held_at=utcnow(), agenda=[])
    db.session.add_all([meeting, street_meeting])
    db.session.flush()
    resolution = Resolution(meeting_id=meeting.id, body_id=joint.id, org_id=joint.org_id, text="事项",
                            owner_unit_id=unit.id, due_date=date(2030, 1, 1))
    term = LeadershipTerm(org_id=units["community_a"].id, post="secretary", holder_name="书记",
                          starts_on=date(2025, 1, 1), ends_on=date(2027, 12, 31))
    report = AnnualReport(org_id=units["street"].id, year=2024, narrative="", status="presented",
                          figures=compile_figures(units["street"], 2024), meeting_id=street_meeting.id)
    db.session.add_all([resolution, term, report])
    db.session.flush()
    comment = ReportComment(report_id=report.id, org_id=report.org_id, representative_name="代表", comment="意见")
    db.session.add(comment)
    lists = _coordination_lists_world(units, unit)
    db.session.commit()
    return {**lists,
            "street_org": units["street"].id, "unit": unit.id, "body": joint.id, "meeting": meeting.id,
            "street_meeting": street_meeting.id,
            "resolution": resolution.id, "term": term.id, "report": report.id, "comment": comment.id}


def _coordination_lists_world(units, unit) -> dict:
    """The unit's offer; community A's need with a planned project using it; a functional branch
    of community A with a mobile member on its roster."""
    from models.coordination import BranchMember, CommunityNeed, JointProject, ProjectOffer, ResourceOffer
    from services.orgs import add_org

    offer = ResourceOffer(unit_id=unit.id, street_id=unit.street_id, kind="venue", title="礼堂")
    need = CommunityNeed(community_id=units["community_a"].id, kind="venue", title="活动场地")
    branch = add_org("社区A合唱团党支部", "functional_branch", units["community_a"])
    db.session.add_all([offer, need])
    db.session.flush()
    project = JointProject(need_id=need.id, community_id=need.community_id, title="共建礼堂")
    member = BranchMember(branch_id=branch.id, name="流动党员", mobile=True, current_location="深圳")
    db.session.add_all([project, member])
    db.session.flush()
    db.session.add(ProjectOffer(project_id=project.id, offer_id=offer.id, unit_id=unit.id))
    return {"offer": offer.id, "need": need.id, "project": project.id, "functional_branch": branch.id,
            "branch_member": member.id}


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
    """In a body, an `*_id` naming a world object ("member", "community_a") becomes its id (and
    each world object named in an `*_ids` list)."""
    if payload is None:
        return None

    def named(key, value):
        if key.endswith("_id") and isinstance(value, str):
            return world[value]
        if key.endswith("_ids") and isinstance(value, list):
            return [world[item] if isinstance(item, str) and item in world else item for item in value]
        return value

    return {key: named(key, value) for key, value in payload.items()}


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
