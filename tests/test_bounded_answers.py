"""Every answer is bounded: pages stop at a sane depth, one-document answers at a hard cap, and SQL
errors in logs carry no bound values."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from extensions import db
from tests.conftest import body
from tests.fixtures.members import CENTRE


def test_a_page_deeper_than_ten_thousand_rows_is_refused(client, make):
    headers = make.headers(make.resident())
    assert client.get("/api/v1/requests?page=100&per_page=100", headers=headers).status_code == 200
    deep = client.get("/api/v1/requests?page=101&per_page=100", headers=headers)
    assert deep.status_code == 422
    assert body(deep)["error"]["code"] == "page_too_deep"


def test_sql_errors_carry_no_bound_parameters(app_context):
    secret = "13987654321-secret"
    with pytest.raises(IntegrityError) as failed:
        db.session.execute(
            text("INSERT INTO users (name, phone, is_admin, skills, created_at, openid) "
                 "VALUES (:name, :phone, false, '[]', CURRENT_TIMESTAMP, NULL), "
                 "(:name, :phone, false, '[]', CURRENT_TIMESTAMP, NULL)"),
            {"name": None, "phone": secret},
        )
    db.session.rollback()
    message = str(failed.value)
    # SQLAlchemy's part of the message; PostgreSQL's own DETAIL ("Failing row contains") is the server's.
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert "[parameters:" not in message and f"'{secret}'" not in message


def _nodes(tree):
    return 1 + sum(_nodes(child) for child in tree["children"])


def test_org_tree_is_capped_upper_levels_first(client, make, monkeypatch):
    import services.orgs

    units = make.tree()
    headers = make.headers(make.admin())
    whole = body(client.get(f"/api/v1/orgs/{units['district'].id}/tree", headers=headers))
    assert _nodes(whole) == 8
    monkeypatch.setattr(services.orgs, "UNPAGED_LIMIT", 4)
    capped = body(client.get(f"/api/v1/orgs/{units['district'].id}/tree", headers=headers))
    assert _nodes(capped) == 4
    assert [child["kind"] for child in capped["children"][0]["children"]] == ["community_general_branch"] * 2


def test_community_directory_is_capped_each_with_all_its_buildings(client, make, monkeypatch):
    import services.orgs

    units = make.tree()
    headers = make.headers(make.resident())
    monkeypatch.setattr(services.orgs, "UNPAGED_LIMIT", 1)
    items = body(client.get("/api/v1/communities", headers=headers))["items"]
    assert [item["id"] for item in items] == [units["community_a"].id]
    assert len(items[0]["buildings"]) == 2
    filtered = body(client.get("/api/v1/communities?q=B", headers=headers))["items"]
    assert [item["id"] for item in filtered] == [units["community_b"].id]


def test_near_reads_one_page_nearest_first(client, make, make_station):
    units = make.tree()
    far, near, middle = (
        make_station(units["community_a"], lat=CENTRE[0] + step, lng=CENTRE[1]) for step in (0.03, 0.001, 0.01)
    )
    headers = make.headers(make.resident())
    url = f"/api/v1/stations?near={CENTRE[0]},{CENTRE[1]}&per_page=1"
    pages = [body(client.get(f"{url}&page={page}", headers=headers)) for page in (1, 2, 3)]
    assert [page["items"][0]["id"] for page in pages] == [near.id, middle.id, far.id]
    assert {page["total"] for page in pages} == {3}
    assert 100 < pages[0]["items"][0]["distance_m"] < 120


def test_candidates_are_capped(client, make, scene, monkeypatch):
    import services.requests

    created = body(client.post("/api/v1/requests", json={"category_id": scene["category"].id, "title": "修灯"},
                               headers=make.headers(scene["resident"])))
    for member in scene["members"]:
        client.post(f"/api/v1/requests/{created['id']}/decline", headers=make.headers(member))
    extra = [make.member(scene["units"]["community_a"], skills=("维修",)) for _ in range(2)]
    assert extra
    monkeypatch.setattr(services.requests, "UNPAGED_LIMIT", 1)
    listed = body(client.get(f"/api/v1/requests/{created['id']}/candidates", headers=make.headers(scene["staff"])))
    assert len(listed) == 1
