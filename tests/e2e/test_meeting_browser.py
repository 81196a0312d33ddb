"""The meeting: deep links on a fresh server in Vietnamese only, projector mode that fits the
room's screen, page links that keep projector mode, click-through from the overview. Screenshots
go to test-artifacts/screenshots/ (look at them)."""
from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import log_in, open_app, running_app, wait_ready

pytestmark = pytest.mark.browser

# Streamlit's own English texts, and the legacy file-name menu of the `pages/` folder
ENGLISH = ("Page not found", "no corresponding file", "Running the app's main page",
           "does not seem to exist")
FILE_NAMES = ("app", "overview", "indicator", "unit", "whatif", "upload", "catalog", "backup",
              "audit", "accounts")

DEEP_LINKS = ["/tong-quan", "/chi-tieu?indicator=DVC_HS_TRUC_TUYEN&period=2026-Q3",
              "/don-vi?unit=CA&period=2026-Q3", "/mo-phong", "/tong-quan?projector=1",
              "/?projector=1", "/danh-muc"]


# records every English text or file-name menu item shown at any moment while a page opens
_WATCH = """
    window.__seen = [];
    const words = WORDS, files = FILES;
    const look = () => {
        const t = document.body ? document.body.innerText : '';
        for (const w of words) if (t.includes(w) && !window.__seen.includes(w)) window.__seen.push(w);
        document.querySelectorAll('[data-testid="stSidebarNav"] a').forEach(a => {
            const x = a.innerText.trim();
            if (files.includes(x) && !window.__seen.includes('menu ' + x)) window.__seen.push('menu ' + x);
        });
    };
    new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true});
"""


def _page(browser, w, h):
    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="vi-VN")
    return ctx, ctx.new_page()


def _english_seen(page) -> list[str]:
    body = page.inner_text("body")
    seen = [t for t in ENGLISH if t in body]
    nav = page.locator('[data-testid="stSidebarNav"] a, [data-testid="stSidebarNavItems"] a')
    labels = [nav.nth(i).inner_text().strip() for i in range(nav.count())]
    return seen + [f"menu item {x!r}" for x in labels if x in FILE_NAMES]




def test_deep_links_on_a_fresh_server_are_vietnamese_only(demo_db_file, tmp_path, browser, shots):
    """Every deep link opened as the very first visit of a freshly started server: none of
    Streamlit's English ("Page not found", the file-name menu), at any moment."""
    for n, link in enumerate(DEEP_LINKS):
        db = tmp_path / f"fresh{n}" / "kpi.duckdb"
        db.parent.mkdir()
        db.write_bytes(demo_db_file.read_bytes())
        with running_app(db) as url:
            ctx, page = _page(browser, 1366, 768)
            page.add_init_script(_WATCH.replace("WORDS", json.dumps(ENGLISH)).replace(
                "FILES", json.dumps(FILE_NAMES)))
            page.goto(url + link, wait_until="networkidle")
            page.get_by_role("button", name="Đăng nhập").wait_for(timeout=40000)
            assert page.evaluate("window.__seen") == [], (link, "login")
            log_in(page)
            assert page.evaluate("window.__seen") == [], link
            assert _english_seen(page) == [], link
            assert page.locator('[data-testid="stException"]').count() == 0, link
            path = link.split("?")[0].strip("/")
            if path and path != "tong-quan":
                assert re.search(f"/{path}(\\?|$)", page.url), (link, page.url)
            slug = re.sub(r"[^a-z0-9]+", "-", link).strip("-") or "root"
            page.screenshot(path=str(shots / f"fresh-{n}-{slug}-1366x768.png"))
            ctx.close()


# (width, height, smallest body text px, losses shown)
SIZES = [(1280, 720, 18, 3), (1366, 768, 18, 3), (1920, 1080, 20, 5)]

_MEASURE = """() => {
    const px = el => parseFloat(getComputedStyle(el).fontSize);
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const visible = e => e.offsetParent !== null && e.innerText.trim() && e.getClientRects().length;
    const texts = [...main.querySelectorAll('p, td, th, li, label, a span, .kpi-line, .kpi-act')]
        .filter(visible);
    const small = texts.filter(e => px(e) < 17.5).map(e => [e.innerText.slice(0, 40), px(e)]);
    const scroller = document.querySelector('[data-testid="stMain"]');
    const losses = [...document.querySelectorAll('[class*="st-key-kpi_loss_"]')]
        .filter(e => e.getClientRects().length && getComputedStyle(e).display !== 'none');
    const cut = losses.filter(e => e.getBoundingClientRect().bottom > innerHeight + 1).length;
    return {total: px(document.querySelector('.kpi-total')), grade: px(document.querySelector('.kpi-grade')),
            minText: Math.min(...texts.map(px)), small: small.slice(0, 5),
            doc: document.documentElement.scrollHeight, main: scroller.scrollHeight,
            mainView: scroller.clientHeight, view: innerHeight, losses: losses.length, cut: cut};
}"""


@pytest.mark.parametrize("w,h,min_text,shown", SIZES)
def test_projector_fits_the_screen(app_url, browser, shots, w, h, min_text, shown):
    """The projector overview of a finished quarter at the projector sizes of commune halls:
    nothing to scroll, big numbers, the losses as short actions with their lead unit."""
    ctx, page = _page(browser, w, h)
    open_app(page, app_url + "/?projector=1&period=2026-Q3")
    page.locator(".kpi-total").wait_for(timeout=30000)
    wait_ready(page)
    page.screenshot(path=str(shots / f"projector-{w}x{h}.png"))
    m = page.evaluate(_MEASURE)
    assert m["doc"] <= m["view"], m
    assert m["main"] <= m["mainView"] + 1, m
    assert m["total"] >= 48 and m["grade"] >= 48, m
    assert m["minText"] >= min_text, m
    assert m["losses"] == shown and m["cut"] == 0, m
    body = page.inner_text("body")
    assert "Xã Thái Tân" in body and "Quý III/2026" in body
    assert "Chi tiết" in body and "Văn phòng HĐND và UBND xã" in body  # the first loss's lead
    assert "Page not found" not in body
    ctx.close()
