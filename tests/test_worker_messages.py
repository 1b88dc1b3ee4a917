"""What a WeChat message carries: local (Beijing) time whatever the host's zone, and only pages the mini-program has."""
import ast
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from extensions import db
from models.notifications import Notification
from services.notifications import notify
from wx import pages

REPO = Path(__file__).resolve().parent.parent
EVENT = "request_offered"


@pytest.fixture
def utc_host(monkeypatch):
    """The process runs as on a server whose zone is UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_time_in_a_wechat_message_is_beijing_time_on_a_utc_host(
    utc_host, client, wx, wechat_user, delivery, templates
):
    user_id, openid, headers = wechat_user
    client.post("/api/v1/notifications/grants", json={"template_ids": [templates[EVENT]]}, headers=headers)
    wx.grant(openid, templates[EVENT])
    notification = notify(user_id, EVENT, "有新的服务需求", "帮忙修水管", {}, pages.request_detail(1))
    db.session.commit()
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id)
        .values(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    )
    db.session.commit()
    delivery.run()
    [message] = wx.messages()
    assert message["body"]["data"]["time4"]["value"] == "2026-03-02 07:30"


def _notify_calls():
    for path in sorted((REPO / "services").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "notify":
                yield path.name, node


def _page_argument(call: ast.Call):
    for keyword in call.keywords:
        if keyword.arg == "page":
            return keyword.value
    return call.args[5] if len(call.args) > 5 else None


def _comes_from_the_page_table(expression) -> bool:
    if isinstance(expression, ast.Call):
        expression = expression.func
    return isinstance(expression, ast.Attribute) and getattr(expression.value, "id", None) == "pages"


def test_every_notification_links_to_a_page_from_the_one_table():
    calls = list(_notify_calls())
    assert len(calls) >= 15  # every call site is walked, not none
    for module, call in calls:
        page = _page_argument(call)
        if page is None or (isinstance(page, ast.Constant) and page.value is None):
            continue
        assert _comes_from_the_page_table(page), f"{module}:{call.lineno} writes its page as {ast.unparse(page)}"


def test_the_page_table_holds_mini_program_pages_only():
    for page in pages.ALL_PAGES:
        assert page.startswith("pages/") and "?" not in page, page
    for link in (pages.request_detail(7), pages.thread_detail(7), pages.checkin("1.2.ab")):
        assert link.split("?")[0] in pages.ALL_PAGES
