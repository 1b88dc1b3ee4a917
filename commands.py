"""Command-line tools: `flask --app app <command>`."""
import click
from flask import current_app
from flask.cli import with_appcontext

from extensions import db


@click.command("create-admin")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin_command(username, password):
    """Create an administrator desk account, or reset its password."""
    from services.staff import create_admin

    if len(password) < 10:
        raise click.BadParameter("密码至少 10 位", param_hint="--password")
    create_admin(username, password)
    db.session.commit()
    click.echo(f"管理员账号 {username} 已就绪")


@click.command("seed-demo")
@click.option(
    "--development-only",
    is_flag=True,
    help="Seed only in the development setup (sandbox WeChat, default SQLite) or when LINLI_DEMO=1.",
)
@with_appcontext
def seed_demo_command(development_only):
    """Fill an empty database with the demo district (does nothing on a non-empty one)."""
    from services.demo import seed_demo

    config = current_app.config
    if development_only and not (config["DEVELOPMENT_SETUP"] or config["DEMO_REQUESTED"]):
        click.echo("非开发环境，不生成演示数据（需要时设置 LINLI_DEMO=1）")
        return
    if seed_demo():
        db.session.commit()
        click.echo("演示数据已生成")
    else:
        click.echo("数据库非空，跳过演示数据")


@click.command("demo-logins")
@with_appcontext
def demo_logins_command():
    """Print the demo accounts."""
    from services.demo import demo_logins

    for line in demo_logins(current_app.config["WECHAT_API_BASE"]):
        click.echo(line)


@click.command("wx-sandbox")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8750, type=int)
@with_appcontext
def wx_sandbox_command(host, port):
    """Run the local stand-in for the WeChat API."""
    from wx.sandbox import run_sandbox

    config = current_app.config
    click.echo(f"微信接口沙箱: http://{host}:{port}/")
    templates = {
        template_id: list(config["WECHAT_TEMPLATE_KEYS"][event])
        for event, template_id in config["WECHAT_TEMPLATES"].items()
        if event in config["WECHAT_TEMPLATE_KEYS"]
    }
    run_sandbox(host, port, config["WECHAT_APPID"], config["WECHAT_SECRET"], templates)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(burst):
    """Run a queue worker with its scheduler (relay, offers, reminders)."""
    from jobs.worker import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


@click.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command():
    """Check the hash chain of the audit trail: an edited or missing row is reported, exit status 1."""
    from services.audit import verify_chain

    problems = verify_chain()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("审计日志完整：哈希链无断点")


@click.group("wechat")
def wechat_group():
    """The WeChat configuration."""


@wechat_group.command("check")
@click.option("--push-url", help="The deployed message-push URL, e.g. https://linli.example.cn/wx/push.")
@with_appcontext
def wechat_check_command(push_url):
    """Verify the live WeChat setup (token, templates and their keys, push token); sends nothing to anyone."""
    from wx.check import check_configuration
    from wx.client import get_wechat

    findings = check_configuration(get_wechat(), current_app.config, push_url)
    for finding in findings:
        click.echo(("✓ " if finding.ok else "✗ ") + finding.what, err=not finding.ok)
    if not all(finding.ok for finding in findings):
        raise SystemExit(1)
    click.echo("微信配置检查通过")


ALL_COMMANDS = [
    wechat_group,
    audit_group,
    create_admin_command,
    seed_demo_command,
    demo_logins_command,
    wx_sandbox_command,
    worker_command,
]
