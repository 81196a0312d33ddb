"""Every page, projector mode at 1920×1080 and an upload, in a real Chromium. Screenshots go
to test-artifacts/screenshots/ (look at them)."""
from __future__ import annotations

import pytest

from kpi.domain.periods import Month
from tests.common import TODAY
from tests.e2e.conftest import menu, open_app, wait_ready

pytestmark = pytest.mark.browser

PAGES = {"tong-quan": "Tổng quan", "chi-tieu": "Chỉ tiêu", "don-vi": "Đơn vị",
         "nhap-so-lieu": "Nhập số liệu", "danh-muc": "Danh mục chỉ tiêu"}


def _page(browser, w, h):
    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="vi-VN")
    return ctx, ctx.new_page()


def _no_exception(page, where):
    assert page.locator('[data-testid="stException"]').count() == 0, where
    assert page.get_by_text("Page not found").count() == 0, where


def test_every_page_renders(app_url, browser, shots):
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/")
    for n, (path, title) in enumerate(PAGES.items(), 1):
        menu(page, title).click()
        if path != "tong-quan":  # the default page lives at "/"
            page.wait_for_function("p => location.pathname.endsWith(p)", arg=path)
        wait_ready(page)
        _no_exception(page, path)
        page.screenshot(path=str(shots / f"{n}-{path}-1366x768.png"))
    # the overview in Vietnamese, with the quarter label and Vietnamese numbers
    menu(page, "Tổng quan").click()
    page.get_by_text("5 chỉ tiêu mất nhiều điểm nhất").wait_for(timeout=30000)
    wait_ready(page)
    body = page.inner_text("body")
    assert "Tổng điểm Quý IV/2026" in body and "5 chỉ tiêu mất nhiều điểm nhất" in body
    assert "Deploy" not in body
    ctx.close()


def test_link_reopens_the_same_view(app_url, browser, shots):
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/")
    open_app(page, app_url + "/chi-tieu?period=2026-08&indicator=DVC_HS_TRUC_TUYEN")
    _no_exception(page, "link")
    body = page.inner_text("body")
    assert "Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến" in body
    assert "Tháng 8/2026" in body
    assert "period=2026-08" in page.url
    page.screenshot(path=str(shots / "6-chi-tieu-link-1366x768.png"))
    ctx.close()


def test_projector_mode_fits_one_screen(app_url, browser, shots):
    ctx, page = _page(browser, 1920, 1080)
    open_app(page, app_url + "/?projector=1")
    _no_exception(page, "projector")
    page.screenshot(path=str(shots / "7-projector-1920x1080.png"))
    assert not page.get_by_test_id("stSidebar").is_visible()
    assert page.locator('header[data-testid="stHeader"]').count() == 0 or \
        not page.locator('header[data-testid="stHeader"]').is_visible()
    # the headline is sized to the screen (test_meeting_browser.py checks 1280, 1366 and 1920)
    sizes = page.evaluate("""() => {
        const px = el => parseFloat(getComputedStyle(el).fontSize);
        const value = document.querySelector('.kpi-total');
        const texts = [...document.querySelectorAll(
            '[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] td')]
            .filter(e => e.offsetParent !== null && e.innerText.trim());
        const main = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
        return {value: px(value), minText: Math.min(...texts.map(px)),
                scroll: main.scrollHeight, view: main.clientHeight};
    }""")
    assert sizes["value"] >= 56, sizes
    assert sizes["minText"] >= 20, sizes
    assert sizes["scroll"] <= sizes["view"] + 2, sizes  # no scrolling needed
    ctx.close()


def test_projector_rotation_advances_by_itself(app_url, browser, shots):
    ctx, page = _page(browser, 1920, 1080)
    open_app(page, app_url + "/?projector=1&rotate=5")
    _no_exception(page, "rotation")
    position = page.locator(".kpi-card .pos")
    assert position.inner_text().startswith("1/")
    page.screenshot(path=str(shots / "7b-projector-rotation-1920x1080.png"))
    page.wait_for_function(
        "() => { const p = document.querySelector('.kpi-card .pos');"
        " return p && p.innerText.startsWith('2/'); }", timeout=15000)
    assert position.inner_text().startswith("2/")
    ctx.close()


def test_a_coordinator_logs_in_uploads_for_their_unit_and_is_refused_for_another(
        writable_app_url, browser, shots, catalog, tmp_path):
    app_url = writable_app_url
    from tests.app.test_pages import filled_template
    from tests.e2e.conftest import log_in
    month = Month.of(TODAY).add(-1)
    numbers = {i.id: ((9, 9) if i.is_ratio else (3,)) for i in catalog.indicators_of_unit("KT")}
    path = tmp_path / "so-lieu-KT.xlsx"
    path.write_bytes(filled_template(catalog, "KT", month, numbers))
    other = tmp_path / "so-lieu-CA.xlsx"
    other.write_bytes(filled_template(catalog, "CA", month, {
        i.id: ((8, 10) if i.is_ratio else (3,)) for i in catalog.indicators_of_unit("CA")}))
    ctx, page = _page(browser, 1366, 768)
    # nothing of the app before logging in, even through a deep link
    page.goto(app_url + "/nhap-so-lieu", wait_until="networkidle")
    page.get_by_role("button", name="Đăng nhập").wait_for(timeout=40000)
    body = page.inner_text("body")
    assert "Tổng điểm" not in body and "Nhập số liệu tháng" not in body
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert page.get_by_test_id("stPageLink").count() == 0
    page.screenshot(path=str(shots / "7-login-1366x768.png"))
    log_in(page, "dv-kt")
    menu(page, "Nhập số liệu").click()
    wait_ready(page)
    assert "Người nhập: Đầu mối Phòng Kinh tế (mẫu) (dv-kt)" in page.inner_text("body")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("hợp lệ").first.wait_for(timeout=30000)
    wait_ready(page)
    page.screenshot(path=str(shots / "8-upload-preview-1366x768.png"))
    page.get_by_role("button", name="Xác nhận nhập số liệu").click()
    page.get_by_text("Đã nhập số liệu.").first.wait_for(timeout=30000)
    wait_ready(page)
    _no_exception(page, "upload")
    assert "Phòng Kinh tế" in page.inner_text("body")
    page.screenshot(path=str(shots / "9-upload-done-1366x768.png"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(other))
    page.get_by_text("chỉ được nhập số liệu cho đơn vị của mình (KT)").first.wait_for(timeout=30000)
    wait_ready(page)
    assert page.get_by_role("button", name="Xác nhận nhập số liệu").count() == 0
    page.screenshot(path=str(shots / "9b-upload-other-unit-refused-1366x768.png"))
    ctx.close()


def test_a_link_opened_first_on_a_fresh_server_shows_its_page(writable_app_url, browser, shots):
    """A link shared in the meeting (here the police's unit page) opens that page even as the very
    first visit after the app starts, with the frame around it and no English "Page not found"
    (kpi/web/serve.py; every address is checked in test_meeting_browser.py)."""
    ctx, page = _page(browser, 1366, 768)
    open_app(page, writable_app_url + "/don-vi?unit=CA&period=2026-Q3")
    _no_exception(page, "first visit")
    body = page.inner_text("body")
    assert "Công an xã" in body and "Các chỉ tiêu của đơn vị · Quý III/2026" in body
    assert "Tổng quan" in body and "Danh mục chỉ tiêu" in body   # the app's own navigation
    page.screenshot(path=str(shots / "10-unit-link-first-visit-1366x768.png"))
    ctx.close()


def test_a_provisional_quarter_says_so_on_the_overview_and_the_projector(app_url, browser, shots):
    """The demo's latest quarter has October only; on the real date its other months are not due
    (this holds until 18/01/2027, the due date of December's figures)."""
    if Month(2026, 12).due_date() <= TODAY:
        pytest.skip("Quý IV/2026 of the demo is final from 18/01/2027")
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/?period=2026-Q4")
    page.get_by_text("Tổng điểm Quý IV/2026 (tạm tính)").wait_for(timeout=30000)
    _no_exception(page, "overview")
    body = page.inner_text("body")
    assert "Tổng điểm Quý IV/2026 (tạm tính)" in body
    assert "Tạm tính: còn 24 lượt báo cáo tháng của các đơn vị chưa đến hạn" in body
    page.screenshot(path=str(shots / "provisional-overview-1366x768.png"))
    ctx.close()
    ctx, page = _page(browser, 1920, 1080)
    open_app(page, app_url + "/?period=2026-Q4&projector=1")
    page.get_by_text("Tạm tính: còn 24").wait_for(timeout=30000)
    _no_exception(page, "projector")
    body = page.inner_text("body")
    assert "(tạm tính)" in body and "Tạm tính: còn 24" in body
    page.screenshot(path=str(shots / "provisional-projector-1920x1080.png"))
    ctx.close()
