"""«Minh chứng» in a real Chromium: a unit coordinator attaches a PDF to a criterion, the office
accepts it; the page's state and the overview's count change. Screenshots in
test-artifacts/screenshots/ (look at them)."""
from __future__ import annotations

from pathlib import Path

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


def _in_viewport(page, locator) -> bool:
    box = locator.first.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def _no_exception(page):
    assert page.locator('[data-testid="stException"]').count() == 0


def test_attach_a_file_then_accept_it(writable_app_url, browser, shots, tmp_path):
    url = writable_app_url
    evidence = tmp_path / "bien-ban-ban-giao.pdf"
    evidence.write_bytes(pdf("Bien ban ban giao may tinh"))

    ctx, page = _page(browser)
    open_app(page, url + "/", "dv-vhxh")
    page.get_by_text("chỉ tiêu chưa có minh chứng được duyệt").wait_for(timeout=30000)   # below the scores
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
    wait_ready(page)   # the file has reached the app (on a busy machine «Gửi» could come first)
    page.get_by_label("Mô tả tài liệu").fill("Biên bản bàn giao máy tính số 12/BB ngày 02/10/2026")
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.get_by_text("Đã gửi «bien-ban-ban-giao.pdf».").wait_for(timeout=30000)
    wait_ready(page)
    _no_exception(page)
    # the confirmation stands under «Gửi» and is scrolled into the viewport
    assert _in_viewport(page, page.get_by_text("Đã gửi «bien-ban-ban-giao.pdf».")), "confirmation out of sight"
    page.screenshot(path=str(shots / "11a-minh-chung-sent-viewport-1366x900.png"))
    assert _metric(page, "Chờ duyệt") == "1"
    assert _metric(page, "Chỉ tiêu chưa có minh chứng được duyệt") == "25/25"
    page.screenshot(path=str(shots / "11-minh-chung-attached-1366x900.png"), full_page=True)
    ctx.close()

    ctx, page = _page(browser)
    open_app(page, url + "/minh-chung", "vanphong")
    page.wait_for_function("p => location.pathname.endsWith(p)", arg="minh-chung")
    wait_ready(page)
    assert _metric(page, "Chờ duyệt") == "1"
    # the file sent opens for the reviewer (the one pending: HT_MAY_TINH)
    with page.expect_download() as sent_file:
        page.get_by_role("button", name="bien-ban-ban-giao.pdf").click()
    assert sent_file.value.suggested_filename == "bien-ban-ban-giao.pdf"
    assert Path(sent_file.value.path()).read_bytes().startswith(b"%PDF")
    # no result is preset: without a choice nothing is recorded
    page.get_by_role("button", name="Ghi kết quả duyệt").click()
    page.get_by_text("Hãy chọn kết quả").wait_for(timeout=30000)
    wait_ready(page)
    assert _metric(page, "Chờ duyệt") == "1"
    page.get_by_test_id("stRadio").get_by_text("Đạt", exact=True).click()
    page.get_by_role("button", name="Ghi kết quả duyệt").click()
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


# a cell whose text does not fit its column (cut instead of wrapped), and anything sticking out
# of the main area to the right: what a table hiding part of a column looks like
_CUT_CELLS = """sel => [...document.querySelectorAll(sel + ' td, ' + sel + ' th')]
    .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.slice(0, 30))"""


def test_coordinator_attaches_from_the_criterion_page(writable_app_url, browser, shots, tmp_path):
    """VHXH's coordinator (HT_MAY_TINH's lead unit) attaches a PDF from «Chỉ tiêu»; «Minh chứng»
    lists it «Chờ duyệt», its table showing every column whole at 1366."""
    from tests.e2e.test_clerk_browser import _fits_the_width, _shoot
    url = writable_app_url
    evidence = tmp_path / "danh-sach-may-tinh.pdf"
    evidence.write_bytes(pdf("Danh sach ra soat may tinh"))
    ctx, page = _page(browser)
    page.set_viewport_size({"width": 1366, "height": 768})
    open_app(page, url + "/chi-tieu?indicator=HT_MAY_TINH", "dv-vhxh")
    page.wait_for_function("p => location.pathname.endsWith(p)", arg="chi-tieu")
    wait_ready(page)
    box = page.get_by_test_id("stExpander").filter(has_text="Minh chứng của quý · Quý IV/2026")
    box.get_by_text("Minh chứng của quý · Quý IV/2026").click()
    # the lead unit picks the criterion as a whole (the first choice) or its own part
    picker = box.get_by_test_id("stSelectbox")
    assert "Đơn vị" in picker.inner_text()
    shown = picker.inner_text() + picker.locator("input").first.input_value() + (
        picker.locator("input").first.get_attribute("aria-label") or "")
    assert "Cả chỉ tiêu (chủ trì: Phòng Văn hóa - Xã hội)" in shown, shown
    box.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(evidence))
    box.get_by_test_id("stFileUploader").filter(has_text="tinh.pdf").wait_for(timeout=20000)
    wait_ready(page)
    box.get_by_label("Mô tả tài liệu").fill("Danh sách rà soát máy tính số 7/DS-VHXH")
    box.get_by_role("button", name="Gửi", exact=True).click()
    page.get_by_text("Đã gửi «danh-sach-may-tinh.pdf».").wait_for(timeout=30000)
    wait_ready(page)
    _no_exception(page)
    box = page.get_by_test_id("stExpander").filter(has_text="Minh chứng của quý · Quý IV/2026")
    assert "◷ Chờ duyệt" in box.inner_text() and "Danh sách rà soát máy tính số 7/DS-VHXH" in box.inner_text()
    _shoot(page, shots / "14-chi-tieu-minh-chung-attached-1366x768.png")

    menu(page, "Minh chứng").click()
    page.wait_for_function("p => location.pathname.endsWith(p)", arg="minh-chung")
    wait_ready(page)
    _no_exception(page)
    assert _metric(page, "Chờ duyệt") == "1"
    board = page.locator(".st-key-evidence_board")
    row = board.locator("tr").filter(has_text="HT_MAY_TINH").first
    assert "◷ Chờ duyệt" in row.inner_text() and "danh-sach-may-tinh.pdf" in row.inner_text()
    _shoot(page, shots / "15-minh-chung-table-1366x768.png")
    assert page.evaluate(_CUT_CELLS, ".st-key-evidence_board") == []
    assert page.evaluate(_CUT_CELLS, ".st-key-milestone_board") == []
    _fits_the_width(page, "minh chứng 1366")
    assert "Cần có" in board.locator("th").all_inner_texts()
    ctx.close()


def test_projector_shows_evidence_and_milestones(app_url, browser, shots):
    """The projector's lines under the headline at 1366×768: evidence still lacking, the missed and
    overdue milestones first with their lead units; the screen still fits."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = ctx.new_page()
    open_app(page, app_url + "/?projector=1&period=2026-Q3")
    page.locator(".kpi-follow").wait_for(timeout=30000)
    wait_ready(page)
    page.screenshot(path=str(shots / "projector-milestones-1366x768.png"))
    follow = page.locator(".kpi-follow").inner_text()
    assert "Minh chứng Quý III/2026: 25/25 chỉ tiêu chưa được duyệt, 100 điểm" in follow
    # the signature target missed in its deadline quarter (Quý II/2026), the security level overdue; the
    # 25 essential services «từ 01/10/2025» are ongoing, not a row
    assert "Mốc hạn: 1 không đạt đúng hạn · 1 quá hạn · 3 đã xong" in follow
    rows = page.locator(".kpi-follow .kpi-ms")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert first.startswith("✖ Không đạt đúng hạn · Quý II/2026 đạt 90,8 %") and "Văn hóa - Xã hội" in first
    assert "VP HĐND và UBND" in rows.nth(1).inner_text() and "Thẩm định, phê duyệt cấp độ" in rows.nth(1).inner_text()
    m = page.evaluate("""() => ({doc: document.documentElement.scrollHeight, view: innerHeight,
        bottom: document.querySelector('.kpi-follow').getBoundingClientRect().bottom,
        px: Math.min(...[...document.querySelectorAll('.kpi-follow div')].map(
            e => parseFloat(getComputedStyle(e).fontSize)))})""")
    assert m["doc"] <= m["view"] and m["bottom"] <= m["view"] and m["px"] >= 18, m
    ctx.close()
