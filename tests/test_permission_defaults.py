"""The scope gate's defaults and role filters: which org a report covers when none is asked for,
and a role asked for narrows both the SQL condition and the single-object gate."""
from types import SimpleNamespace

import pytest

from extensions import db
from services import permissions
from services.errors import Forbidden, NotFound
from services.orgs import add_org
from tests.conftest import body, unordered_rows_reversed


def _dashboard_org(client, make, user) -> int:
    response = client.get("/api/v1/dashboard", headers=make.headers(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return body(response)["org_id"]


def test_staff_with_two_scopes_report_on_the_first_granted_by_default(client, make):
    units = make.tree()
    # Granted on community B first: the default is B although A's org (and row order) comes first.
    staff = make.staff(units["community_b"])
    make.grant(staff, units["community_a"])
    assert _dashboard_org(client, make, staff) == units["community_b"].id
    db.session.expire_all()
    with unordered_rows_reversed():
        assert permissions.report_org(staff, None).id == units["community_b"].id


def test_admin_reports_on_the_first_root_of_a_forest_by_default(client, make):
    units = make.tree()
    add_org("另一区委", "district_committee", None)
    db.session.commit()
    admin = make.admin()
    assert _dashboard_org(client, make, admin) == units["district"].id
    with unordered_rows_reversed():
        assert permissions.report_org(admin, None).id == units["district"].id


def test_admin_report_without_any_org_answers_404_org_not_found(client, make):
    response = client.get("/api/v1/dashboard", headers=make.headers(make.admin()))
    assert response.status_code == 404
    assert body(response)["error"] == {"code": "org_not_found", "message": "组织不存在"}


def test_a_report_org_asked_for_outside_scope_answers_404(make):
    units = make.tree()
    staff = make.staff(units["community_a"])
    with pytest.raises(NotFound) as hidden:
        permissions.report_org(staff, units["community_b"].id)
    assert hidden.value.code == "org_not_found"
    assert permissions.report_org(staff, units["building_a1"].id).id == units["building_a1"].id


def test_a_secretary_who_is_plain_staff_elsewhere_lists_only_the_accounts_under_the_secretary_scope(client, make):
    units = make.tree()
    secretary = make.staff(units["community_a"], role="secretary")
    make.grant(secretary, units["community_b"], role="staff")
    inside = make.staff(units["building_a1"])
    make.staff(units["building_b1"])
    page = body(client.get("/api/v1/staff?per_page=100", headers=make.headers(secretary)))
    assert {item["id"] for item in page["items"]} == {secretary.id, inside.id}


def test_within_scope_of_a_role_keeps_only_the_paths_of_scopes_with_that_role(make):
    units = make.tree()
    user = make.staff(units["community_a"], role="secretary")
    make.grant(user, units["community_b"], role="staff")
    condition = permissions.within_scope(user, roles=permissions.MANAGING_ROLES)
    compiled = str(condition.compile(compile_kwargs={"literal_binds": True}))
    assert units["community_a"].path in compiled
    assert units["community_b"].path not in compiled


def test_require_visible_with_a_role_refuses_staff_without_it_with_403(make):
    units = make.tree()
    thing = SimpleNamespace(org_id=units["building_a1"].id)
    missing = NotFound("东西不存在", code="thing_not_found")
    plain = make.staff(units["community_a"])
    assert permissions.require_visible(plain, thing, missing) is thing
    with pytest.raises(Forbidden) as refused:
        permissions.require_visible(plain, thing, missing, roles=permissions.MANAGING_ROLES)
    assert refused.value.code == "role_required"
    secretary = make.staff(units["community_a"], role="secretary")
    assert permissions.require_visible(secretary, thing, missing, roles=permissions.MANAGING_ROLES) is thing
    stranger = make.staff(units["community_b"], role="secretary")
    with pytest.raises(NotFound) as hidden:
        permissions.require_visible(stranger, thing, missing, roles=permissions.MANAGING_ROLES)
    assert hidden.value is missing
