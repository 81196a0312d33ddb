"""The office and the clerk in a real Chromium: the submission board on the demo database (QS
never sent June 2026, TYT sent it late) and the upload page on a 390×844 phone, errors and all.
Screenshots go to test-artifacts/screenshots/ (look at them)."""
from __future__ import annotations

import re

import pytest

from kpi.domain.periods import Month
from kpi.ingest import check_workbook
from kpi.present import tables
from tests.common import TODAY
from tests.e2e.conftest import menu, open_app, wait_ready

pytestmark = pytest.mark.browser

# elements of the main area sticking out to the right of the viewport (the collapsed sidebar
# lies off-screen to the left and is not counted)
TOO_WIDE = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] *'))
    .filter(e => { const r = e.getBoundingClientRect();
                   return r.width > 0 && r.height > 0 && r.right > window.innerWidth + 1; })
    .map(e => (e.getAttribute('data-testid') || e.tagName) + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _page(browser, w, h):
    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="vi-VN")
    return ctx, ctx.new_page()


def _go(page, title: str, path: str) -> None:
    """To another page of the app through the menu, as a user does (the same session)."""
    menu(page, title).click()
    page.wait_for_function("p => location.pathname.endsWith(p)", arg=path, timeout=30000)
    wait_ready(page)


def _fits_the_width(page, where: str) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where}: horizontal scroll {widths}"
    assert page.evaluate(TOO_WIDE) == [], where


def _shoot(page, path) -> None:
    """The whole page: Streamlit scrolls inside its main area, so the viewport is made as tall as
    the content for the picture (the width, which the layout depends on, stays)."""
    size = page.viewport_size
    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], tall)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def _count_grid(page) -> tuple[list[int], float]:
    """The board's four counts: how many stand on each line, and the block's height in px."""
    tops = page.evaluate("""() => [...document.querySelectorAll('.st-key-board_counts [data-testid="stMetric"]')]
        .map(e => Math.round(e.getBoundingClientRect().top))""")
    rows = [tops.count(t) for t in sorted(set(tops))]
    return rows, page.locator(".st-key-board_counts").bounding_box()["height"]


def test_submission_board_shows_late_and_missing_units(app_url, browser, shots):
    ctx, page = _page(browser, 1366, 768)
    # the first visit of a fresh server is another test's subject: the board is reached from the
    # overview of Quý II/2026 through the menu, which keeps the period
    open_app(page, app_url + "/?period=2026-Q2")
    _go(page, "Tình hình nộp số liệu", "nop-so-lieu")
    assert "period=2026-Q2" in page.url, page.url
    page.get_by_text("Tình hình nộp số liệu").first.wait_for(timeout=30000)
    wait_ready(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    table = page.locator('[data-testid="stTable"] table').first
    header = [t.strip() for t in table.locator("thead th").all_inner_texts()]
    assert header[:4] == ["Đơn vị", "Tháng 4/2026", "Tháng 5/2026", "Tháng 6/2026"]
    rows = {r[0].strip(): [c.strip() for c in r[1:]] for r in
            (tr.locator("th, td").all_inner_texts() for tr in table.locator("tbody tr").all())}
    assert rows["Ban Chỉ huy quân sự xã"][2] == "✖ Chưa nộp"
    assert rows["Trạm Y tế xã"][2] == "▲ Muộn 4 ngày"
    assert rows["Trạm Y tế xã"][1] == "✔ Đúng hạn"
    body = page.inner_text("body")
    assert re.search(r"Số liệu Tháng \d+/\d{4}: còn \d+ ngày đến hạn \d\d/\d\d/\d{4}", body)
    assert "- Ban Chỉ huy quân sự xã: Tháng 6/2026 (hạn trước ngày 18/07/2026)" in body
    assert page.locator('[data-testid="stCode"] button').count() >= 1   # the copy button
    _fits_the_width(page, "board 1366")
    rows, height = _count_grid(page)
    assert rows == [4], rows                      # the four counts side by side
    _shoot(page, shots / "20-nop-so-lieu-1366x768.png")
    # the same board on a phone: wrapped, no horizontal scroll, the counts a compact 2×2 grid
    page.set_viewport_size({"width": 390, "height": 844})
    wait_ready(page)
    _fits_the_width(page, "board 390")
    rows, height = _count_grid(page)
    assert rows == [2, 2] and height <= 140, (rows, height)   # four stacked rows took 352 px
    assert "1 lượt" in page.locator(".st-key-board_counts").inner_text()
    _shoot(page, shots / "21-nop-so-lieu-390x844.png")
    ctx.close()


# what the file uploader shows: its texts in a readable size, and the words put in by CSS
_UPLOADER_WORDS = """() => {
    const box = document.querySelector('[data-testid="stFileUploader"]');
    const shown = [...box.querySelectorAll('p, span, small, div')].filter(e =>
        [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
        && parseFloat(getComputedStyle(e).fontSize) > 1 && e.getAttribute('data-testid') !== 'stIconMaterial'
        && e.getBoundingClientRect().width > 2 && e.getBoundingClientRect().height > 2);
    const own = shown.map(e => [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim());
    const added = [...box.querySelectorAll('p, span')].map(e => getComputedStyle(e, '::after'))
        .filter(c => c.content && c.content !== 'none' && parseFloat(c.fontSize) > 1)
        .map(c => JSON.parse(c.content));
    return own.concat(added);
}"""
ENGLISH_UPLOADER = ("Upload", "Browse files", "Drag and drop", "per file")


def _uploader_in_vietnamese(page, where: str, chosen: bool = False) -> None:
    """No English word of Streamlit's uploader shows; before a file is chosen its button reads
    «Chọn tệp» (after, the file's name, size and a + icon show instead)."""
    words = page.evaluate(_UPLOADER_WORDS)
    if not chosen:
        assert "Chọn tệp" in words and "hoặc kéo thả tệp vào đây" in words, (where, words)
    assert not [w for w in words if any(e in w for e in ENGLISH_UPLOADER)], (where, words)


def _bad_workbook(catalog, month: Month) -> bytes:
    from tests.app.test_pages import filled_template
    ratios = [i for i in catalog.indicators_of_unit("CA") if i.is_ratio]
    numbers = {i.id: (8, 10) for i in ratios}
    numbers[ratios[0].id] = (12, 10)        # more than the total
    numbers[ratios[1].id] = ("mười hai", 10)  # words for a count
    numbers[ratios[2].id] = (-1, 10)        # negative
    return filled_template(catalog, "CA", month, numbers)


def test_phone_upload_shows_every_error_and_confirms_a_good_file(writable_app_url, browser, shots,
                                                                 catalog, tmp_path):
    month = Month.of(TODAY).add(-1)
    bad = tmp_path / "so-lieu-CA-loi.xlsx"
    bad.write_bytes(_bad_workbook(catalog, month))
    problems = check_workbook(bad.read_bytes(), bad.name, catalog).problems
    assert len(problems) == 3
    good = tmp_path / "so-lieu-CA.xlsx"
    from tests.app.test_pages import filled_template
    good.write_bytes(filled_template(catalog, "CA", Month.of(TODAY), {   # not stored yet
        i.id: ((8, 10) if i.is_ratio else (3,)) for i in catalog.indicators_of_unit("CA")}))

    ctx, page = _page(browser, 390, 844)
    open_app(page, writable_app_url + "/", login="dv-ca")
    open_app(page, writable_app_url + "/nhap-so-lieu", login="dv-ca")
    page.get_by_text("Nhập số liệu tháng").first.wait_for(timeout=30000)
    wait_ready(page)
    # top to bottom: unit and month pickers, template download, upload
    for label in ("Đơn vị", "Tháng báo cáo"):
        assert page.get_by_label(label).first.is_visible()
    assert page.get_by_role("button", name="Tải mẫu").is_visible()
    _uploader_in_vietnamese(page, "upload 390")
    _fits_the_width(page, "upload 390")
    _shoot(page, shots / "22-upload-phone-390x844.png")

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
    page.get_by_text("chưa nhập gì vào cơ sở dữ liệu").first.wait_for(timeout=30000)
    wait_ready(page)
    box = page.locator(".st-key-upload-problems")
    text = box.inner_text()
    for row in tables.problems_table(problems).itertuples(index=False):
        assert row[0] in text and row[1] in text and row[2] in text    # STT · criterion, error, cell
        line = box.get_by_text(row[1][:40]).first
        line.scroll_into_view_if_needed()
        assert line.is_visible()
        b = line.bounding_box()
        assert b is not None and b["x"] >= 0 and b["x"] + b["width"] <= 390
    assert text.index("STT") < text.index("ô E")        # the row and criterion before the cell
    _uploader_in_vietnamese(page, "upload 390, a file chosen", chosen=True)
    _fits_the_width(page, "problems 390")
    _shoot(page, shots / "23-upload-errors-390x844.png")

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(good))
    page.get_by_text("hợp lệ").first.wait_for(timeout=30000)
    wait_ready(page)
    preview = page.locator('[data-testid="stTable"]').first.inner_text()
    assert "● Mới: 8/10 (80,0 %)" in preview and "Có thay đổi" not in preview
    confirm = page.get_by_role("button", name="Xác nhận nhập số liệu")
    confirm.scroll_into_view_if_needed()
    assert confirm.is_visible()
    _fits_the_width(page, "preview 390")
    _shoot(page, shots / "24-upload-preview-390x844.png")
    confirm.click()
    page.get_by_text("Đã nhập số liệu.").first.wait_for(timeout=30000)
    wait_ready(page)
    _fits_the_width(page, "done 390")
    _shoot(page, shots / "25-upload-done-390x844.png")
    ctx.close()


def test_upload_errors_are_not_cut_at_1366(app_url, browser, shots, catalog, tmp_path):
    bad = tmp_path / "so-lieu-CA-loi.xlsx"
    bad.write_bytes(_bad_workbook(catalog, Month.of(TODAY).add(-1)))
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/")
    _go(page, "Nhập số liệu", "nhap-so-lieu")
    page.get_by_text("Nhập số liệu tháng").first.wait_for(timeout=30000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
    page.get_by_text("chưa nhập gì vào cơ sở dữ liệu").first.wait_for(timeout=30000)
    wait_ready(page)
    text = page.locator(".st-key-upload-problems").inner_text()
    for p in check_workbook(bad.read_bytes(), bad.name, catalog).problems:
        assert tables.problems_table([p]).iloc[0]["Lỗi"] in text
    _fits_the_width(page, "problems 1366")
    _shoot(page, shots / "26-upload-errors-1366x768.png")
    ctx.close()
