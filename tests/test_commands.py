"""create-admin, seed-demo, and the migrations matching the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from extensions import db
from models.orgs import ORG_KINDS, OrgUnit
from models.users import User
from tests.conftest import body


def test_create_admin_creates_then_resets(app, client, app_context):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "root", "--password", "first-password-1"])
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/desk-login", json={"username": "root", "password": "first-password-1"})
    assert body(login)["user"]["roles"] == ["admin"]
    runner.invoke(args=["create-admin", "root", "--password", "second-password-2"])
    old_login = client.post("/api/v1/auth/desk-login", json={"username": "root", "password": "first-password-1"})
    assert old_login.status_code == 401
    new_login = client.post("/api/v1/auth/desk-login", json={"username": "root", "password": "second-password-2"})
    assert new_login.status_code == 200
    assert db.session.execute(select(func.count(User.id))).scalar_one() == 1


def test_create_admin_refuses_short_password(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "root", "--password", "short"])
    assert result.exit_code != 0


def test_seed_demo_builds_every_org_kind_once(app, app_context):
    runner = app.test_cli_runner()
    assert "演示数据已生成" in runner.invoke(args=["seed-demo"]).output
    kinds = set(db.session.execute(select(OrgUnit.kind)).scalars())
    assert kinds == set(ORG_KINDS)
    communities = db.session.execute(
        select(func.count(OrgUnit.id)).where(OrgUnit.kind == "community_general_branch")
    ).scalar_one()
    assert communities == 4
    count = db.session.execute(select(func.count(OrgUnit.id))).scalar_one()
    assert "跳过" in runner.invoke(args=["seed-demo"]).output
    assert db.session.execute(select(func.count(OrgUnit.id))).scalar_one() == count


def test_demo_logins_work(app, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    from services.demo import ADMIN, COMMUNITY_STAFF

    for username, password in (ADMIN, COMMUNITY_STAFF):
        response = client.post("/api/v1/auth/desk-login", json={"username": username, "password": password})
        assert response.status_code == 200


def test_demo_gives_the_secretary_something_in_every_queue(app, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    from services.demo import COMMUNITY_STAFF

    credentials = dict(zip(("username", "password"), COMMUNITY_STAFF, strict=True))
    login = client.post("/api/v1/auth/desk-login", json=credentials)
    headers = {"Authorization": f"Bearer {body(login)['token']}"}

    def total(path):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return body(response)["total"]

    assert total("/api/v1/members/registrations?status=pending") == 1
    assert total("/api/v1/checkins?hours_status=pending") == 1
    assert total("/api/v1/members/hour-corrections?status=pending") == 1
    assert total("/api/v1/requests?status=offered") == 2


def test_migrations_match_the_models(app_context):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_demo_shows_one_of_each_other_service(app, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    from services.demo import COMMUNITY_STAFF, MEMBERS

    credentials = dict(zip(("username", "password"), COMMUNITY_STAFF, strict=True))
    login = client.post("/api/v1/auth/desk-login", json=credentials)
    headers = {"Authorization": f"Bearer {body(login)['token']}"}

    def items(path):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return body(response)["items"]

    [target] = items("/api/v1/care-targets")
    [plan] = items("/api/v1/visit-plans")
    assert (plan["care_target_id"], plan["visitor_name"]) == (target["id"], MEMBERS[1][1])
    [fund] = items("/api/v1/funds")
    assert fund["balance_cents"] == 500_000
    [waiting] = items(f"/api/v1/funds/{fund['id']}/disbursements?status=pending")
    assert (waiting["amount_cents"], waiting["care_target_id"]) == (80_000, target["id"])
    [activity] = items("/api/v1/activities")
    assert activity["level"] == "corridor" and activity["capacity"] == 20
    [body_row] = items("/api/v1/bodies")
    [resolution] = items(f"/api/v1/resolutions?body_id={body_row['id']}")
    assert resolution["status"] == "open"
