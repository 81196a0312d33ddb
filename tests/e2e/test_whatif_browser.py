"""The Mô phỏng page in a real Chromium: type a figure, see the simulated total move.
Screenshots: test-artifacts/screenshots/whatif-*.png (look at them)."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import menu, open_app, wait_ready

pytestmark = pytest.mark.browser


def _simulated_total(page) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text="Tổng điểm mô phỏng")
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def test_changing_a_figure_moves_the_total(app_url, browser, shots):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    open_app(page, app_url + "/")
    menu(page, "Mô phỏng").click()
    page.wait_for_url("**/mo-phong**")
    wait_ready(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert _simulated_total(page) == "92,27/100"
    page.screenshot(path=str(shots / "whatif-1-actual.png"))

    group = page.get_by_test_id("stExpander").filter(has_text="Thông tin, tuyên truyền")
    group.get_by_text("Thông tin, tuyên truyền").first.click()
    box = group.locator('[data-testid="stNumberInput"] input').first   # TT_TIN_BAI: "Thêm"
    box.fill("9")
    box.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stMetric]')].some("
        "m => m.innerText.includes('Tổng điểm mô phỏng') && m.innerText.includes('94,07/100'))",
        timeout=30000)
    wait_ready(page)
    assert _simulated_total(page) == "94,07/100"
    body = page.inner_text("body")
    assert "+1,8 điểm" in body
    assert "Số tin, bài về chuyển đổi số đăng trên Cổng thông tin điện tử xã: +9 tin, bài" in body
    page.screenshot(path=str(shots / "whatif-2-changed.png"), full_page=False)
    ctx.close()


def test_a_figure_typed_far_down_shows_the_new_total_in_view(app_url, browser, shots):
    """The totals stay at the top of the viewport (sticky) while a figure of the last group is typed."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = ctx.new_page()
    open_app(page, app_url + "/mo-phong")
    groups = page.locator("[data-testid=stExpander] >> visible=true")   # the edit tab's groups
    for n in range(groups.count()):     # every group open: the page is long
        groups.nth(n).locator("summary").click()
        wait_ready(page)
    group = page.get_by_test_id("stExpander").filter(has_text="Thông tin, tuyên truyền")
    box = group.locator('[data-testid="stNumberInput"] input').first   # TT_TIN_BAI: "Thêm"
    box.scroll_into_view_if_needed()
    before = _simulated_total(page)
    box.fill("9")
    box.press("Enter")
    page.wait_for_function(
        "b => [...document.querySelectorAll('[data-testid=stMetric]')].some("
        "m => m.innerText.includes('Tổng điểm mô phỏng') && !m.innerText.includes(b))", arg=before, timeout=30000)
    wait_ready(page)
    metric = page.get_by_test_id("stMetric").filter(has_text="Tổng điểm mô phỏng").first.bounding_box()
    assert metric is not None and metric["y"] >= 0 and metric["y"] + metric["height"] <= 768, metric
    assert page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTop") > 300   # far down
    page.screenshot(path=str(shots / "whatif-3-total-in-view-1366x768.png"))
    ctx.close()
