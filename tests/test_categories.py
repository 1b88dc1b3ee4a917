"""Service categories: a managed list everyone reads and only administrators edit."""
from tests.conftest import body

NEW = {"name": "家电维修", "skills": ["维修", "电工"], "service_model": "on_demand", "expected_minutes": 90}


def test_anyone_lists_categories(client, make, category):
    response = client.get("/api/v1/categories", headers=make.headers(make.resident()))
    assert response.status_code == 200
    assert body(response)["items"] == [
        {
            "id": category.id, "name": "小修小补", "skills": ["维修", "电工"], "service_model": "on_demand",
            "expected_minutes": 60, "sla_opening_hours": False,
        }
    ]


def test_admin_creates_and_patches_a_category(client, make):
    headers = make.headers(make.admin())
    created = client.post("/api/v1/categories", json=NEW, headers=headers)
    assert created.status_code == 201
    patched = client.patch(f"/api/v1/categories/{body(created)['id']}", json={"expected_minutes": 120}, headers=headers)
    assert body(patched)["expected_minutes"] == 120
    assert body(patched)["skills"] == ["维修", "电工"]


def test_staff_and_residents_cannot_edit_categories(client, make, category):
    units = make.tree()
    for user in (make.staff(units["district"], role="secretary"), make.resident()):
        headers = make.headers(user)
        assert client.post("/api/v1/categories", json=NEW, headers=headers).status_code == 403
        assert client.patch(f"/api/v1/categories/{category.id}", json={"name": "x"}, headers=headers).status_code == 403


def test_duplicate_name_is_409(client, make, category):
    response = client.post("/api/v1/categories", json={**NEW, "name": "小修小补"}, headers=make.headers(make.admin()))
    assert response.status_code == 409
    assert body(response)["error"]["code"] == "category_name_taken"


def test_unknown_service_model_and_empty_skills_are_rejected(client, make):
    headers = make.headers(make.admin())
    for payload in ({**NEW, "service_model": "magic"}, {**NEW, "skills": []}, {**NEW, "extra": 1}):
        assert client.post("/api/v1/categories", json=payload, headers=headers).status_code == 422


def test_patching_a_missing_category_is_404(client, make):
    response = client.patch("/api/v1/categories/9999", json={"name": "无"}, headers=make.headers(make.admin()))
    assert response.status_code == 404
