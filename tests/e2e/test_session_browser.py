"""Staying signed in (kpi.web.auth, kpi.web.session_route): a reload and a second tab keep the
session; logout in one tab ends it in the other; an idle session expires (a server of its own with
KPI_SESSION_MINUTES pinned to 0.3, eighteen seconds). Screenshots in test-artifacts/screenshots/."""
from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import ROOT, log_in, open_app, serving, wait_ready

pytestmark = pytest.mark.browser

LOGIN_FORM = '[data-testid="stForm"] input[type="password"]'


def _signed_in(page) -> bool:
    wait_ready(page)
    return page.locator(LOGIN_FORM).count() == 0 and page.get_by_role("button", name="Đăng xuất").count() > 0


def test_a_reload_and_a_new_tab_stay_signed_in_and_logout_ends_both(browser, app_url, shots):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = ctx.new_page()
    open_app(page, f"{app_url}/don-vi", "lanhdao")
    page.wait_for_timeout(500)   # the page's exchange of the one-time code for the cookie
    page.reload(wait_until="domcontentloaded")
    assert _signed_in(page), "a reload logged the user out"
    assert "/don-vi?" in page.url
    page.screenshot(path=str(shots / "session-after-reload.png"))
    cookies = [c for c in page.context.cookies(app_url) if c["name"] == "kpi_session"]
    assert cookies and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict", cookies
    assert page.evaluate("() => document.cookie").find("kpi_session") < 0   # HttpOnly: not for scripts

    other = ctx.new_page()
    other.goto(f"{app_url}/chi-tieu", wait_until="domcontentloaded")
    assert _signed_in(other), "a link opened in a new tab asked for the password"

    page.get_by_role("button", name="Đăng xuất").first.click()
    page.locator(LOGIN_FORM).wait_for(timeout=30000)
    other.reload(wait_until="domcontentloaded")
    other.locator(LOGIN_FORM).wait_for(timeout=30000)
    # the tab that stayed open is out on its next action too
    third = ctx.new_page()
    third.goto(f"{app_url}/don-vi", wait_until="domcontentloaded")
    third.locator(LOGIN_FORM).wait_for(timeout=30000)
    third.screenshot(path=str(shots / "session-after-logout-other-tab.png"))


def test_a_second_open_tab_is_out_after_logout_in_the_first(browser, app_url):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = ctx.new_page()
    open_app(page, app_url, "xem")
    page.wait_for_timeout(500)
    other = ctx.new_page()
    other.goto(f"{app_url}/don-vi", wait_until="domcontentloaded")
    assert _signed_in(other)
    page.get_by_role("button", name="Đăng xuất").first.click()
    page.locator(LOGIN_FORM).wait_for(timeout=30000)
    # the open tab's next run (a click in its menu) finds the session ended
    other.get_by_test_id("stSidebar").get_by_text("Chỉ tiêu", exact=True).click()
    other.locator(LOGIN_FORM).wait_for(timeout=30000)
    assert "đăng xuất" in other.get_by_test_id("stAlert").inner_text().lower()


def test_an_idle_session_expires(browser, demo_db_file, tmp_path, shots):
    db = tmp_path / "kpi.duckdb"
    db.write_bytes(demo_db_file.read_bytes())
    env = dict(os.environ, KPI_DB=str(db), KPI_CONFIG=str(ROOT / "config" / "indicators.toml"),
               KPI_SESSION_MINUTES="0.3")
    with serving(["-m", "kpi.web.serve"], ROOT, env, tmp_path / "streamlit.log") as url:
        ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        log_in(page, "xem")
        page.wait_for_timeout(500)
        page.reload(wait_until="domcontentloaded")
        assert _signed_in(page)
        page.wait_for_timeout(25000)   # idle longer than 18 s
        page.reload(wait_until="domcontentloaded")
        page.locator(LOGIN_FORM).wait_for(timeout=30000)
        assert "hết hạn" in page.get_by_test_id("stAlert").inner_text()
        page.screenshot(path=str(shots / "session-expired.png"))
