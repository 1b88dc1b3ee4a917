"""The scope gate's answers: stable codes with their own Chinese message, and who is told of an org's events."""
from services.permissions import staff_reaching
from tests.conftest import body


def _error(response, status, code, message):
    """The gate's own message, not a generic one: it tells the user which right is missing."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert body(response)["error"] == {"code": code, "message": message}


def test_residents_on_staff_endpoints_get_403_staff_only(client, make):
    make.tree()
    headers = make.headers(make.resident())
    for path in ("/api/v1/members/registrations", "/api/v1/notifications/outbox", "/api/v1/contacts/reports"):
        _error(client.get(path, headers=headers), 403, "staff_only", "仅限工作人员使用")


def test_staff_creating_a_root_get_403_admin_only(client, make):
    staff = make.staff(make.tree()["street"], role="secretary")
    response = client.post("/api/v1/orgs", json={"name": "新区", "kind": "district_committee"},
                           headers=make.headers(staff))
    _error(response, 403, "admin_only", "仅限管理员使用")


def test_plain_staff_granting_get_403_role_required(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"], role="staff"))
    response = client.post("/api/v1/staff", json={"user_id": make.resident().id, "org_id": units["community_a"].id},
                           headers=headers)
    _error(response, 403, "role_required", "该操作需要党组织书记或管理员权限")


def test_hidden_org_gets_404_org_not_found_with_a_message(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"]))
    _error(client.get(f"/api/v1/orgs/{units['community_b'].id}", headers=headers), 404, "org_not_found", "组织不存在")


def test_staff_reaching_an_org_are_those_scoped_on_it_or_above(make):
    units = make.tree()
    street, community_a, building_a1 = (make.staff(units[name]).id for name in ("street", "community_a", "building_a1"))
    for elsewhere in ("community_b", "building_b1", "building_a2"):
        make.staff(units[elsewhere])
    make.admin()
    assert sorted(staff_reaching(units["building_a1"])) == sorted([street, community_a, building_a1])
    assert sorted(staff_reaching(units["community_a"])) == sorted([street, community_a])
    assert staff_reaching(units["district"]) == []
