"""The environment decides the setup: development defaults, and the setups Linli refuses."""
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from config import ConfigurationError, from_environment
from extensions import db
from models.orgs import OrgUnit

POSTGRES = "postgresql://linli@db.internal/linli"


def test_development_setup_needs_nothing(tmp_path):
    settings = from_environment(str(tmp_path), env={})
    assert settings["DEVELOPMENT_SETUP"] is True
    assert settings["WECHAT_SANDBOX"] is True
    assert len(settings["SECRET_KEY"]) == 64


def test_development_secret_is_private_and_kept(tmp_path):
    first = from_environment(str(tmp_path), env={})["SECRET_KEY"]
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert from_environment(str(tmp_path), env={})["SECRET_KEY"] == first
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no temporary left


def test_concurrent_first_starts_agree_on_one_secret(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: from_environment(str(tmp_path), env={})["SECRET_KEY"], range(16)))
    assert len(keys) == 1


@pytest.mark.parametrize(
    "env",
    [
        {"WECHAT_APPID": "wx123", "WECHAT_SECRET": "s"},
        {"DATABASE_URL": POSTGRES, "WECHAT_SANDBOX": "1"},
    ],
    ids=["real-app-id", "configured-database"],
)
def test_a_deployment_without_secret_key_refuses_to_start(tmp_path, env):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        from_environment(str(tmp_path), env=env)
    assert not (tmp_path / "secret_key").exists()


def test_a_deployment_with_secret_key_starts(tmp_path):
    settings = from_environment(str(tmp_path), env={"WECHAT_APPID": "wx123", "SECRET_KEY": "k" * 64})
    assert settings["SECRET_KEY"] == "k" * 64
    assert settings["DEVELOPMENT_SETUP"] is False


def test_sandbox_refuses_a_configured_database_unless_asked(tmp_path):
    env = {"DATABASE_URL": POSTGRES, "SECRET_KEY": "k" * 64}
    with pytest.raises(ConfigurationError, match="WECHAT_SANDBOX=1"):
        from_environment(str(tmp_path), env=env)
    settings = from_environment(str(tmp_path), env={**env, "WECHAT_SANDBOX": "1"})
    assert settings["WECHAT_SANDBOX"] is True
    assert settings["DEVELOPMENT_SETUP"] is False


@pytest.fixture
def deployed(app):
    """The test app as if it ran on a configured database, restored afterwards."""
    saved = app.config["DEVELOPMENT_SETUP"], app.config["DEMO_REQUESTED"]
    app.config["DEVELOPMENT_SETUP"] = False
    app.config["DEMO_REQUESTED"] = False
    yield app
    app.config["DEVELOPMENT_SETUP"], app.config["DEMO_REQUESTED"] = saved


def test_run_command_seeding_skips_a_deployed_database(deployed, app_context):
    output = deployed.test_cli_runner().invoke(args=["seed-demo", "--development-only"]).output
    assert "LINLI_DEMO=1" in output
    assert _org_count() == 0


def test_run_command_seeds_a_deployed_database_when_asked(deployed, app_context):
    deployed.config["DEMO_REQUESTED"] = True
    output = deployed.test_cli_runner().invoke(args=["seed-demo", "--development-only"]).output
    assert "演示数据已生成" in output
    assert _org_count() > 0


def _org_count() -> int:
    return db.session.execute(select(func.count(OrgUnit.id))).scalar_one()
