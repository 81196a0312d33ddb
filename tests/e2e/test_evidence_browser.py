"""«Minh chứng» in a real Chromium: a unit coordinator attaches a PDF to a criterion, the office
accepts it; the page's state and the overview's count change. Screenshots in
test-artifacts/screenshots/ (look at them)."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import menu, open_app, wait_ready
from tests.evidence_files import pdf

pytestmark = pytest.mark.browser


def _page(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    return ctx, ctx.new_page()


def _metric(page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def _no_exception(page):
    assert page.locator('[data-testid="stException"]').count() == 0


def test_attach_a_file_then_accept_it(writable_app_url, browser, shots, tmp_path):
    url = writable_app_url
    evidence = tmp_path / "bien-ban-ban-giao.pdf"
    evidence.write_bytes(pdf("Bien ban ban giao may tinh"))

    ctx, page = _page(browser)
    open_app(page, url + "/", "dv-vhxh")
    assert "25/25 chỉ tiêu chưa có minh chứng được duyệt — mang 100 điểm" in page.inner_text("body")
    menu(page, "Minh chứng").click()
    page.wait_for_function("p => location.pathname.endsWith(p)", arg="minh-chung")
    wait_ready(page)
    _no_exception(page)
    assert _metric(page, "Chỉ tiêu chưa có minh chứng được duyệt") == "25/25"
    assert _metric(page, "Chờ duyệt") == "0"
    assert "Mốc hạn hoàn thành" in page.inner_text("body")
    # the first criterion this coordinator may attach to: HT_MAY_TINH as a whole (VHXH leads it)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(evidence))
    page.get_by_test_id("stFileUploader").filter(has_text="giao.pdf").wait_for(timeout=20000)   # name shortened
    page.get_by_label("Mô tả: số, ngày văn bản, trích yếu").fill("Biên bản bàn giao máy tính số 12/BB ngày 02/10/2026")
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.get_by_text("Đã gửi «bien-ban-ban-giao.pdf».").wait_for(timeout=30000)
    wait_ready(page)
    _no_exception(page)
    assert _metric(page, "Chờ duyệt") == "1"
    assert _metric(page, "Chỉ tiêu chưa có minh chứng được duyệt") == "25/25"
    page.screenshot(path=str(shots / "11-minh-chung-attached-1366x900.png"), full_page=True)
    ctx.close()

    ctx, page = _page(browser)
    open_app(page, url + "/minh-chung", "vanphong")
    page.wait_for_function("p => location.pathname.endsWith(p)", arg="minh-chung")
    wait_ready(page)
    assert _metric(page, "Chờ duyệt") == "1"
    page.get_by_role("button", name="Ghi kết quả duyệt").click()     # the one pending: HT_MAY_TINH, «Đạt»
    page.get_by_text("Đã ghi kết quả duyệt HT_MAY_TINH.").wait_for(timeout=30000)
    wait_ready(page)
    _no_exception(page)
    assert _metric(page, "Chỉ tiêu chưa có minh chứng được duyệt") == "24/25"
    assert _metric(page, "Điểm của các chỉ tiêu đó") == "98"          # HT_MAY_TINH carries 2 points
    assert _metric(page, "Chờ duyệt") == "0"
    page.screenshot(path=str(shots / "12-minh-chung-reviewed-1366x900.png"), full_page=True)
    menu(page, "Tổng quan").click()
    page.get_by_text("24/25 chỉ tiêu chưa có minh chứng được duyệt").wait_for(timeout=30000)
    wait_ready(page)
    assert "24/25 chỉ tiêu chưa có minh chứng được duyệt — mang 98 điểm" in page.inner_text("body")
    page.screenshot(path=str(shots / "13-overview-evidence-block-1366x900.png"))
    ctx.close()
