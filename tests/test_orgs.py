"""The organisation tree and the scope gate."""
import pytest
from sqlalchemy import select

from extensions import db
from models.orgs import OrgUnit
from tests.conftest import body


def test_admin_builds_a_tree_with_paths(client, make):
    headers = make.headers(make.admin())
    district = body(client.post("/api/v1/orgs", json={"name": "区委", "kind": "district_committee"}, headers=headers))
    street = client.post(
        "/api/v1/orgs",
        json={"name": "街道党工委", "kind": "street_working_committee", "parent_id": district["id"]},
        headers=headers,
    )
    assert street.status_code == 201
    assert body(street)["path"] == f"/{district['id']}/{body(street)['id']}/"
    assert body(street)["depth"] == 1


def test_kind_must_fit_under_its_parent(client, make):
    units = make.tree()
    response = client.post(
        "/api/v1/orgs",
        json={"name": "错位", "kind": "community_general_branch", "parent_id": units["community_a"].id},
        headers=make.headers(make.admin()),
    )
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "invalid_parent"


def test_only_admin_creates_roots(client, make):
    units = make.tree()
    staff = make.staff(units["street"], role="secretary")
    response = client.post(
        "/api/v1/orgs", json={"name": "新区", "kind": "district_committee"}, headers=make.headers(staff)
    )
    assert response.status_code == 403


def test_staff_of_one_community_get_404_on_another(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"]))
    assert client.get(f"/api/v1/orgs/{units['building_a1'].id}", headers=headers).status_code == 200
    for hidden in ("community_b", "building_b1", "street", "district"):
        response = client.get(f"/api/v1/orgs/{units[hidden].id}", headers=headers)
        assert response.status_code == 404, hidden
        assert body(response)["error"]["code"] == "org_not_found"
    assert client.get(f"/api/v1/orgs/{units['community_b'].id}/tree", headers=headers).status_code == 404
    patch = client.patch(f"/api/v1/orgs/{units['community_b'].id}", json={"name": "改名"}, headers=headers)
    assert patch.status_code == 404


def test_absent_and_hidden_orgs_look_the_same(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"]))
    hidden = client.get(f"/api/v1/orgs/{units['community_b'].id}", headers=headers)
    absent = client.get("/api/v1/orgs/999999", headers=headers)
    assert hidden.status_code == absent.status_code == 404
    assert body(hidden) == body(absent)


def test_list_shows_only_the_scope(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"]))
    listed = body(client.get("/api/v1/orgs?per_page=100", headers=headers))
    ids = {item["id"] for item in listed["items"]}
    assert ids == {units["community_a"].id, units["building_a1"].id, units["building_a2"].id}
    assert listed["total"] == 3
    assert listed["page"] == 1 and listed["per_page"] == 100


def test_list_pages_and_filters(client, make):
    make.tree()
    headers = make.headers(make.admin())
    page = body(client.get("/api/v1/orgs?per_page=2&page=2&kind=building_branch", headers=headers))
    assert page["total"] == 4
    assert len(page["items"]) == 2
    assert all(item["kind"] == "building_branch" for item in page["items"])
    assert client.get("/api/v1/orgs?per_page=101", headers=headers).status_code == 422


def test_street_scope_reaches_its_whole_subtree(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["street"]))
    tree = body(client.get(f"/api/v1/orgs/{units['street'].id}/tree", headers=headers))
    assert {child["id"] for child in tree["children"]} == {units["community_a"].id, units["community_b"].id}
    assert all(len(child["children"]) == 2 for child in tree["children"])
    assert client.get(f"/api/v1/orgs/{units['building_b2'].id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/{units['district'].id}", headers=headers).status_code == 404


def test_moving_a_subtree_rewrites_descendant_paths(client, make):
    units = make.tree()
    headers = make.headers(make.admin())
    other_street = body(
        client.post(
            "/api/v1/orgs",
            json={"name": "另一街道", "kind": "street_working_committee", "parent_id": units["district"].id},
            headers=headers,
        )
    )
    moved = client.patch(
        f"/api/v1/orgs/{units['community_a'].id}", json={"parent_id": other_street["id"]}, headers=headers
    )
    assert moved.status_code == 200
    assert body(moved)["path"] == f"{other_street['path']}{units['community_a'].id}/"
    building = db.session.execute(select(OrgUnit).where(OrgUnit.id == units["building_a1"].id)).scalar_one()
    db.session.refresh(building)
    assert building.path == f"{other_street['path']}{units['community_a'].id}/{building.id}/"
    assert building.depth == 3


def test_cannot_move_under_own_descendant(client, make):
    units = make.tree()
    response = client.patch(
        f"/api/v1/orgs/{units['street'].id}",
        json={"parent_id": units["community_a"].id},
        headers=make.headers(make.admin()),
    )
    assert response.status_code == 422


def test_secretary_creates_staff_within_scope_only(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"], role="secretary"))
    created = client.post(
        "/api/v1/staff",
        json={
            "username": "new_staff",
            "password": "long-password-1",
            "name": "新同事",
            "org_id": units["building_a1"].id,
        },
        headers=headers,
    )
    assert created.status_code == 201
    assert body(created)["scopes"] == [{"org_id": units["building_a1"].id, "role": "staff"}]
    elsewhere = client.post(
        "/api/v1/staff",
        json={
            "username": "other_staff",
            "password": "long-password-1",
            "name": "外人",
            "org_id": units["community_b"].id,
        },
        headers=headers,
    )
    assert elsewhere.status_code == 404


def test_plain_staff_cannot_grant_scopes(client, make):
    units = make.tree()
    resident = make.resident()
    headers = make.headers(make.staff(units["community_a"], role="staff"))
    response = client.post(
        "/api/v1/staff", json={"user_id": resident.id, "org_id": units["community_a"].id}, headers=headers
    )
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "role_required"


def test_grant_to_existing_user_makes_them_staff(client, make):
    units = make.tree()
    resident = make.resident()
    response = client.post(
        "/api/v1/staff",
        json={"user_id": resident.id, "org_id": units["community_b"].id, "role": "secretary"},
        headers=make.headers(make.admin()),
    )
    assert response.status_code == 201
    assert "staff" in body(response)["roles"]
    reach = client.get(f"/api/v1/orgs/{units['building_b1'].id}", headers=make.headers(resident))
    assert reach.status_code == 200


def test_staff_request_needs_account_or_user(client, make):
    units = make.tree()
    response = client.post(
        "/api/v1/staff", json={"org_id": units["community_a"].id}, headers=make.headers(make.admin())
    )
    assert response.status_code == 422


def test_community_directory_lists_buildings(client, make):
    units = make.tree()
    listed = body(client.get("/api/v1/communities", headers=make.headers(make.resident())))
    community_a = next(item for item in listed["items"] if item["id"] == units["community_a"].id)
    assert {b["id"] for b in community_a["buildings"]} == {units["building_a1"].id, units["building_a2"].id}


def test_plain_staff_cannot_change_the_tree(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"], role="staff"))
    created = client.post(
        "/api/v1/orgs",
        json={"name": "新楼院", "kind": "building_branch", "parent_id": units["community_a"].id},
        headers=headers,
    )
    assert created.status_code == 403
    assert body(created)["error"]["code"] == "role_required"
    renamed = client.patch(f"/api/v1/orgs/{units['building_a1'].id}", json={"name": "改名"}, headers=headers)
    assert renamed.status_code == 403


def test_secretary_creates_and_renames_within_their_org(client, make):
    units = make.tree()
    headers = make.headers(make.staff(units["community_a"], role="secretary"))
    created = client.post(
        "/api/v1/orgs",
        json={"name": "新楼院", "kind": "building_branch", "parent_id": units["community_a"].id},
        headers=headers,
    )
    assert created.status_code == 201
    renamed = client.patch(f"/api/v1/orgs/{units['building_a1'].id}", json={"name": "改名"}, headers=headers)
    assert renamed.status_code == 200
    assert body(renamed)["name"] == "改名"


def test_only_an_administrator_moves_org_units(client, make):
    units = make.tree()
    secretary = make.staff(units["street"], role="secretary")
    move = {"parent_id": units["community_b"].id}
    url = f"/api/v1/orgs/{units['building_a1'].id}"
    refused = client.patch(url, json=move, headers=make.headers(secretary))
    assert refused.status_code == 403
    assert body(refused)["error"]["code"] == "admin_only"
    unchanged = db.session.get(OrgUnit, units["building_a1"].id)
    db.session.refresh(unchanged)
    assert unchanged.parent_id == units["community_a"].id
    assert client.patch(url, json=move, headers=make.headers(make.admin())).status_code == 200


@pytest.mark.parametrize("path", ["", "/", "3/"])
def test_the_database_refuses_an_org_without_a_materialised_path(app_context, path):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(
            text("INSERT INTO org_units (name, kind, path, depth, created_at) "
                 "VALUES ('无路径', 'district_committee', :path, 0, CURRENT_TIMESTAMP)"),
            {"path": path},
        )
        db.session.flush()
    db.session.rollback()
