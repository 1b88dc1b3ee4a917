"""The desk in real headless Chromium: staff log in, see their part of the tree, log out."""
import pytest
from playwright.sync_api import expect

from tests.fixtures.desk import log_in

pytestmark = pytest.mark.browser


def test_staff_sees_only_their_community_tree(page, live_server, make):
    units = make.tree()
    staff = make.staff(units["community_a"], role="secretary", password="desk-password-1")
    log_in(page, live_server, staff.username, "desk-password-1")
    page.wait_for_selector("#home-view:not([hidden])")
    tree_text = page.inner_text("#tree")
    assert "社区A" in tree_text and "社区A1号楼" in tree_text
    assert "社区B" not in tree_text
    assert "书记" in page.inner_text("#scopes")


def test_wrong_password_shows_chinese_error(page, live_server, make):
    staff = make.staff(make.tree()["community_a"], password="desk-password-1")
    log_in(page, live_server, staff.username, "wrong-password")
    # A locator, not wait_for_function: a string predicate is eval'd, which the desk's CSP forbids.
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")
    assert page.is_hidden("#home-view")


def test_logout_returns_to_login(page, live_server, make):
    staff = make.staff(make.tree()["community_a"], password="desk-password-1")
    log_in(page, live_server, staff.username, "desk-password-1")
    page.wait_for_selector("#home-view:not([hidden])")
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])")
    assert page.evaluate("sessionStorage.getItem('token')") is None


def test_desk_runs_under_its_content_security_policy(page, live_server, make):
    """The policy is on, and the desk still works under it: nothing it needs is blocked."""
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    staff = make.staff(make.tree()["community_a"], password="desk-password-1")
    response = page.goto(f"{live_server}/desk/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    log_in(page, live_server, staff.username, "desk-password-1")
    page.wait_for_selector("#home-view:not([hidden])")
    assert violations == []
    injected_ran = page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                   document.body.appendChild(s); return window.injected === 1; }"""
    )
    assert injected_ran is False
