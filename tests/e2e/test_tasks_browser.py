"""The task register in the browser, with the demo's sample register (documents 004, 002, 000): the
«Nhiệm vụ» page, the overview and the projector at the sizes of commune halls — nothing wider than
the screen, the projector's overdue-task line inside its one screen, Vietnamese only. Screenshots go
to test-artifacts/screenshots/tasks-*.png (look at them)."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import open_app, wait_ready
from tests.e2e.test_meeting_browser import _MEASURE, ENGLISH

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1366, 768), (1920, 1080)]

# what is wider than the window: the page itself, or an element of the main column past its right edge
_OVERFLOW = """() => {
    const doc = document.documentElement;
    const main = document.querySelector('[data-testid="stMain"]');
    const right = innerWidth + 1;
    const wide = [...document.querySelectorAll('[data-testid="stMainBlockContainer"] *')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > right
                     && !e.closest('[data-testid="stDataFrame"]'))
        .slice(0, 3).map(e => [e.tagName, (e.innerText || '').slice(0, 40), e.getBoundingClientRect().right]);
    return {doc: doc.scrollWidth, view: innerWidth, main: main.scrollWidth, mainView: main.clientWidth, wide};
}"""

_TASKS_LINE = """() => {
    const e = document.querySelector('.kpi-tasks-late');
    if (!e) return null;
    const r = e.getBoundingClientRect();
    const px = [e, ...e.querySelectorAll('*')].filter(x => x.innerText.trim())
        .map(x => parseFloat(getComputedStyle(x).fontSize));
    const lead = e.querySelector('.ld');
    return {text: e.innerText, bottom: r.bottom, right: r.right, view: innerHeight, width: innerWidth,
            cut: e.scrollWidth > e.clientWidth + 1, px: Math.min(...px), lines: Math.round(r.height / px[0]),
            leadCut: lead ? lead.scrollWidth > lead.clientWidth + 1 : null};
}"""


def _no_overflow(page, where):
    m = page.evaluate(_OVERFLOW)
    assert m["doc"] <= m["view"] and m["main"] <= m["mainView"] + 1 and not m["wide"], (where, m)


def _vietnamese(page, where):
    body = page.inner_text("body")
    assert not [w for w in ENGLISH if w in body], where
    assert page.locator('[data-testid="stException"]').count() == 0, where


def test_tasks_page_and_overview_fit_each_size(app_url, browser, shots):
    ctx = browser.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]}, locale="vi-VN")
    page = ctx.new_page()
    open_app(page, app_url + "/nhiem-vu")
    page.get_by_text("Chi tiết và cập nhật tiến độ").wait_for(timeout=30000)
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        wait_ready(page)
        page.locator(".st-key-task_board table").wait_for(timeout=30000)   # drawn, not its placeholder
        page.get_by_text("Quá hạn", exact=True).first.wait_for(timeout=30000)
        page.screenshot(path=str(shots / f"tasks-page-{w}x{h}.png"))
        _no_overflow(page, ("nhiem-vu", w, h))
        _vietnamese(page, ("nhiem-vu", w, h))
        body = page.inner_text("body")
        assert "Quá hạn" in body and "Kế hoạch" in body and "Tỷ lệ hoàn thành nhiệm vụ" in body
        assert "Choose an option" not in body
    # the rest of the page, screen by screen (the main column scrolls, not the document)
    for k in range(1, 12):
        at = page.evaluate("""k => { const m = document.querySelector('[data-testid="stMain"]');
            m.scrollTop = k * (m.clientHeight - 60); return m.scrollTop + m.clientHeight < m.scrollHeight + 1
            ? m.scrollTop : -1; }""", k)
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / f"tasks-page-1920x1080-part{k}.png"))
        if at < 0 or at + 1080 >= page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight"):
            break
    open_app(page, app_url + "/tong-quan?period=2026-Q3")
    page.get_by_text("nhiệm vụ quá hạn").first.wait_for(timeout=30000)
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        wait_ready(page)
        page.locator(".st-key-kpi_tasks_late").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"tasks-overview-{w}x{h}.png"))
        cut = page.evaluate("""() => [...document.querySelectorAll('.st-key-kpi_tasks_late a, .st-key-kpi_tasks_late a *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).length""")
        assert cut == 0 and "xem trang Nhiệm vụ" in page.inner_text(".st-key-kpi_tasks_late"), (w, h)
        _no_overflow(page, ("tong-quan", w, h))
        _vietnamese(page, ("tong-quan", w, h))
    ctx.close()


def test_projector_overdue_tasks_line_fits(app_url, browser, shots):
    ctx = browser.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]}, locale="vi-VN")
    page = ctx.new_page()
    open_app(page, app_url + "/?projector=1&period=2026-Q3")
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        page.locator(".kpi-total").wait_for(timeout=30000)
        wait_ready(page)
        page.screenshot(path=str(shots / f"tasks-projector-{w}x{h}.png"))
        m = page.evaluate(_MEASURE)
        assert m["doc"] <= m["view"] and m["main"] <= m["mainView"] + 1, (w, h, m)
        _no_overflow(page, ("projector", w, h))
        _vietnamese(page, ("projector", w, h))
        line = page.evaluate(_TASKS_LINE)
        assert line is not None, (w, h)
        assert line["text"].startswith("Nhiệm vụ quá hạn:") and "Quá hạn" in line["text"], line
        assert line["bottom"] <= line["view"] + 1 and line["right"] <= line["width"] + 1 and not line["cut"], line
        assert line["px"] >= 17.5, line        # readable from the back of the hall, like the rest
        # the lead unit whole; the security-level obligation (VP) is in the milestone lines above, so the
        # overdue tasks start with the wifi plan of the centre
        assert line["leadCut"] is False and "TT Dịch vụ sự nghiệp công" in line["text"], line
    ctx.close()
