"""The meeting: deep links on a fresh server in Vietnamese only, projector mode that fits the
room's screen, page links that keep projector mode, click-through from the overview. Screenshots
go to test-artifacts/screenshots/ (look at them)."""
from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import log_in, menu, open_app, running_app, wait_ready

pytestmark = pytest.mark.browser

# Streamlit's own English texts, and the legacy file-name menu of the `pages/` folder
ENGLISH = ("Page not found", "no corresponding file", "Running the app's main page",
           "does not seem to exist")
FILE_NAMES = ("app", "overview", "indicator", "unit", "whatif", "upload", "catalog", "backup",
              "audit", "accounts", "evidence", "submissions")

DEEP_LINKS = ["/tong-quan", "/chi-tieu?indicator=DVC_HS_TRUC_TUYEN&period=2026-Q3",
              "/don-vi?unit=CA&period=2026-Q3", "/mo-phong", "/tong-quan?projector=1",
              "/?projector=1", "/danh-muc", "/nop-so-lieu", "/minh-chung", "/nhap-so-lieu"]


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


def _slug(link: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", link).strip("-") or "root"


@pytest.mark.parametrize("n,link", list(enumerate(DEEP_LINKS)), ids=[_slug(x) for x in DEEP_LINKS])
def test_deep_links_on_a_fresh_server_are_vietnamese_only(demo_db_file, tmp_path, browser, shots, n, link):
    """Every deep link opened as the very first visit of a freshly started server: none of
    Streamlit's English ("Page not found", the file-name menu), at any moment. One test per link,
    each with a server of its own, so that the workers start and visit them side by side."""
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
        page.screenshot(path=str(shots / f"fresh-{n}-{_slug(link)}-1366x768.png"))
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


def test_projector_fits_the_screen(app_url, browser, shots):
    """The projector overview of a finished quarter at the projector sizes of commune halls:
    nothing to scroll, big numbers, the losses as short actions with their lead unit. One page
    opened at the smallest size, then resized to each: every figure measured here after a resize
    equals the one after opening the page at that size (compared once both ways, all sizes)."""
    ctx, page = _page(browser, SIZES[0][0], SIZES[0][1])
    open_app(page, app_url + "/?projector=1&period=2026-Q3")
    for w, h, min_text, shown in SIZES:
        _projector_fits(page, shots, w, h, min_text, shown)
    ctx.close()


def _projector_fits(page, shots, w, h, min_text, shown):
    page.set_viewport_size({"width": w, "height": h})
    page.locator(".kpi-total").wait_for(timeout=30000)
    wait_ready(page)
    page.screenshot(path=str(shots / f"projector-{w}x{h}.png"))
    m = page.evaluate(_MEASURE)
    m["size"] = f"{w}x{h}"
    assert m["doc"] <= m["view"], m
    assert m["main"] <= m["mainView"] + 1, m
    assert m["total"] >= 48 and m["grade"] >= 48, m
    assert m["minText"] >= min_text, m
    assert m["losses"] == shown and m["cut"] == 0, m
    body = page.inner_text("body")
    assert "Xã Thái Tân" in body and "Quý III/2026" in body, (w, h)
    # the first loss's lead unit, by its short name (the projector's narrow column), not cut
    assert "Chi tiết" in body and "VP HĐND và UBND" in body and "Văn phòng HĐND và UBND xã" not in body, (w, h)
    leads = page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-kpi_loss_"]')]
        .filter(e => e.getClientRects().length && getComputedStyle(e).display !== 'none')
        .map(e => [...e.querySelectorAll('[data-testid="stPageLink"] a')].slice(1))
        .flat().map(a => { const t = a.querySelector('p') || a;
            return {text: a.innerText, cut: t.scrollWidth > t.clientWidth + 1
                                             || a.scrollWidth > a.clientWidth + 1}; })""")
    assert len(leads) == shown and not [x for x in leads if x["cut"]], (w, h, leads)
    assert "Page not found" not in body, (w, h)


def _wait_path(page, path):
    page.wait_for_function("p => location.pathname.endsWith(p)", arg=path, timeout=30000)
    wait_ready(page)


def _choose(page, label: str, typed: str, option: str) -> None:
    """Pick `option` in the select box labelled `label` as a user does: open it, type, click."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    box.locator("input").first.click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=option, exact=True).click()
    wait_ready(page)


def _to_page(page, path: str) -> None:
    """From the overview to the criterion or the unit of `path` (`/chi-tieu?indicator=…`,
    `/don-vi?unit=…`) through the menu and the page's picker, in the same session."""
    if path.startswith("/chi-tieu"):
        menu(page, "Chỉ tiêu").click()
        _wait_path(page, "/chi-tieu")
        assert "indicator=DVC_HS_TRUC_TUYEN" in path
        _choose(page, "Chỉ tiêu (gõ để tìm theo tên hoặc nhóm)", "hoàn toàn trực tuyến",
                "Dịch vụ công trực tuyến — Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến")
    else:
        menu(page, "Đơn vị").click()
        _wait_path(page, "/don-vi")
        assert "unit=VP" in path
        _choose(page, "Đơn vị", "Văn phòng", "Văn phòng HĐND và UBND xã")
    for param in path.split("?")[1].split("&"):
        page.wait_for_function("p => location.search.includes(p)", arg=param, timeout=30000)
    wait_ready(page)


def _projector_still(page):
    assert "projector=1" in page.url
    assert not page.get_by_test_id("stSidebar").is_visible()
    assert page.locator(".st-key-kpi_nav").is_visible()


def test_projector_navigation_keeps_projector_mode(app_url, browser, shots):
    """Overview → Chỉ tiêu → Đơn vị → Mô phỏng → Tổng quan through the projector's row of links,
    at projector size all the way."""
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/?projector=1&period=2026-Q3")
    nav = page.locator(".st-key-kpi_nav")
    for title, path in (("Chỉ tiêu", "/chi-tieu"), ("Đơn vị", "/don-vi"), ("Mô phỏng", "/mo-phong")):
        nav.get_by_text(title, exact=True).click()
        _wait_path(page, path)
        _projector_still(page)
        assert "period=2026-Q3" in page.url, page.url
        assert page.locator('[data-testid="stException"]').count() == 0, title
        assert "Page not found" not in page.inner_text("body")
        page.screenshot(path=str(shots / f"projector-nav{path.replace('/', '-')}-1366x768.png"))
    nav.get_by_text("Tổng quan", exact=True).click()
    page.locator(".kpi-total").wait_for(timeout=30000)
    _projector_still(page)
    ctx.close()


def test_losses_link_to_their_criterion_and_lead_unit(app_url, browser, shots):
    """On the projector, the biggest loss of Quý III/2026 opens its criterion and its lead unit."""
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/?projector=1&period=2026-Q3")
    first = page.locator(".st-key-kpi_loss_1")
    first.get_by_text("Tỷ lệ tài liệu lưu trữ được số hóa").click()
    _wait_path(page, "/chi-tieu")
    assert "indicator=CQ_SO_HOA_LUU_TRU" in page.url and "period=2026-Q3" in page.url, page.url
    _projector_still(page)
    page.get_by_role("heading", name="Tỷ lệ tài liệu lưu trữ được số hóa").wait_for(timeout=30000)
    page.screenshot(path=str(shots / "click-loss-criterion-1366x768.png"))
    page.locator(".st-key-kpi_nav").get_by_text("Tổng quan", exact=True).click()
    page.locator(".kpi-total").wait_for(timeout=30000)
    wait_ready(page)
    page.locator(".st-key-kpi_loss_1").get_by_text("VP HĐND và UBND").click()   # the short name
    _wait_path(page, "/don-vi")
    assert "unit=VP" in page.url and "period=2026-Q3" in page.url, page.url
    page.get_by_role("heading", name="Văn phòng HĐND và UBND xã").wait_for(timeout=30000)
    page.screenshot(path=str(shots / "click-loss-unit-1366x768.png"))
    ctx.close()


def _click_cell(page, key, row, x, row_px=66):
    """Click the cell of data row `row` (0-based) at `x` px from the table's left edge."""
    table = page.locator(f".st-key-{key} [data-testid='stDataFrame']")
    table.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    box = table.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + 35 + row_px * row + row_px // 2)


def _inner_scroll(page, key):
    """How far the table's own scroll box could scroll (0: every row shows)."""
    return page.locator(f".st-key-{key} [data-testid='stDataFrame'] .dvn-scroller").evaluate(
        "e => e.scrollHeight - e.clientHeight")


def test_overview_tables_open_the_criterion_and_the_unit(app_url, browser, shots):
    """The criteria table of the overview shows all 25 criteria without an inner scroll box; a
    click on a criterion's name opens it, on its lead unit opens the unit."""
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/?period=2026-Q3")
    table = page.locator(".st-key-criteria_table [data-testid='stDataFrame']")
    table.evaluate("e => e.scrollIntoView({block: 'start'})")
    wait_ready(page)
    assert _inner_scroll(page, "criteria_table") <= 1   # every row, no inner scroll box
    assert table.bounding_box()["height"] >= 66 * 25
    page.screenshot(path=str(shots / "overview-criteria-1366x768.png"), full_page=False)
    _click_cell(page, "criteria_table", 0, 60)
    _wait_path(page, "/chi-tieu")
    assert "indicator=CQ_SO_HOA_LUU_TRU" in page.url and "period=2026-Q3" in page.url, page.url
    page.get_by_role("heading", name="Tỷ lệ tài liệu lưu trữ được số hóa").wait_for(timeout=30000)
    menu(page, "Tổng quan").click()
    wait_ready(page)
    page.locator(".st-key-criteria_table").wait_for(timeout=30000)
    wait_ready(page)
    box = page.locator(".st-key-criteria_table [data-testid='stDataFrame']").bounding_box()
    _click_cell(page, "criteria_table", 0, box["width"] - 40)   # the last column: the lead unit
    _wait_path(page, "/don-vi")
    assert "unit=VP" in page.url, page.url
    ctx.close()


def test_heatmap_names_and_a_unit_bar_opens_the_unit(app_url, browser, shots):
    """The status heatmap names criteria (down) and units (across, horizontal); on a criterion's
    page a click on a unit's bar opens that unit's page."""
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/?period=2026-Q3")
    chart = page.locator('[data-testid="stPlotlyChart"]').last
    chart.evaluate("e => e.scrollIntoView({block: 'start'})")
    wait_ready(page)
    page.screenshot(path=str(shots / "overview-heatmap-1366x768.png"))
    labels = chart.inner_text()
    assert "Công an" in labels and "Tỷ lệ quy trình lõi được số hóa" in labels  # names over lines
    _to_page(page, "/chi-tieu?indicator=DVC_HS_TRUC_TUYEN&period=2026-Q3")
    bars = page.locator(".st-key-unit_bars")
    bars.evaluate("e => e.scrollIntoView({block: 'center'})")
    wait_ready(page)
    page.screenshot(path=str(shots / "indicator-unit-bars-1366x768.png"))
    bar = bars.locator("g.point path").first
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 5)
    _wait_path(page, "/don-vi")
    assert "unit=" in page.url and "period=2026-Q3" in page.url, page.url
    ctx.close()


_TABLES = """sel => [...document.querySelectorAll(sel)].map(t => {
    const s = t.querySelector('.dvn-scroller');
    return {wide: s ? s.scrollWidth - s.clientWidth : 0, tall: s ? s.scrollHeight - s.clientHeight : 0,
            head: (t.innerText || '').slice(0, 30)};
})"""


# static tables (st.table): anything inside scrolling sideways, or the table wider than the page
_STATIC_TABLES = """() => {
    const page = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
    return [...document.querySelectorAll('[data-testid="stTable"]')].map(t => {
        const inner = [t, ...t.querySelectorAll('*')];
        const table = t.querySelector('table').getBoundingClientRect();
        return {wide: Math.max(...inner.map(e => e.scrollWidth - e.clientWidth)),
                out: Math.round(table.right - page.right),
                head: [...t.querySelectorAll('thead th')].map(th => th.innerText.trim())};
    });
}"""


def test_tables_at_1366_show_every_column(app_url, browser, shots):
    """At 1366×768 with the menu open, no table of the overview or a criterion, nor any table of a
    unit (its criteria, its monthly reporting on time or late, its upload history), hides a column
    behind a horizontal scroll or runs past the page; the overview's and the unit's criteria
    show every row. The overview's and the unit's criteria tables fit 1280×720 as well."""
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/?period=2026-Q3")
    for path in ("/?period=2026-Q3", "/chi-tieu?indicator=DVC_HS_TRUC_TUYEN&period=2026-Q3",
                 "/don-vi?unit=VP&period=2026-Q3"):
        if path != "/?period=2026-Q3":
            _to_page(page, path)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30000)
        wait_ready(page)
        own = ".st-key-unit_criteria_table [data-testid='stDataFrame']" if "don-vi" in path else \
            '[data-testid="stDataFrame"]'
        tables = page.evaluate(_TABLES, own)
        assert tables and all(t["wide"] <= 1 for t in tables), (path, tables)
        if "don-vi" in path:   # the reporting and the upload history: static tables
            static = page.evaluate(_STATIC_TABLES)
            # the reporting, the upload history, and the quarter's evidence board (in its expander)
            assert len(static) == 3, static
            assert all(t["wide"] <= 1 and t["out"] <= 1 for t in static), (path, static)
            assert static[0]["head"] == ["Tháng", "Hạn nộp (trước ngày)", "Nộp lần đầu", "Số phiên bản",
                                         "Tình trạng"], static
            assert static[1]["head"] == ["Tháng", "Phiên bản", "Trạng thái", "Người nhập", "Thời điểm",
                                         "Tệp", "Số ô số liệu"], static
            page.get_by_role("heading", name="Lịch sử nhập số liệu").scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "table-unit-history-1366x768.png"))
        for key in ("criteria_table", "unit_criteria_table", "lead_table"):
            if page.locator(f".st-key-{key}").count():
                assert _inner_scroll(page, key) <= 1, (path, key)
                page.locator(f".st-key-{key}").evaluate("e => e.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(300)
                page.screenshot(path=str(shots / f"table-{key}-1366x768.png"))
        if "chi-tieu" not in path:   # the overview's and the unit's tables fit 1280 wide too
            page.set_viewport_size({"width": 1280, "height": 720})
            wait_ready(page)
            narrow = page.evaluate(_TABLES, own)
            assert narrow and all(t["wide"] <= 1 for t in narrow), (path, 1280, narrow)
            page.screenshot(path=str(shots / f"table-{_slug(path)}-1280x720.png"))
            page.set_viewport_size({"width": 1366, "height": 768})
            wait_ready(page)
    ctx.close()


def test_projector_rotation_fits_1280(app_url, browser, shots):
    """The rotating card (one losing criterion at a time, full sentence) fits 1280×720 too."""
    ctx, page = _page(browser, 1280, 720)
    open_app(page, app_url + "/?projector=1&period=2026-Q3&rotate=30")
    page.locator(".kpi-card").wait_for(timeout=30000)
    wait_ready(page)
    page.screenshot(path=str(shots / "projector-rotation-1280x720.png"))
    m = page.evaluate(_MEASURE)
    assert m["doc"] <= m["view"] and m["main"] <= m["mainView"] + 1, m
    assert m["minText"] >= 18, m
    ctx.close()


# the centre of the heatmap cell (unit x, criterion y) in page pixels, from the chart's own axes
_CELL = """([unit, crit]) => {
    const gd = document.querySelector('.st-key-status_heatmap .js-plotly-plot');
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
    return {x: r.left + xa._offset + xa.d2p(unit), y: r.top + ya._offset + ya.d2p(crit)};
}"""


def test_a_heatmap_cell_opens_its_criterion(app_url, browser, shots):
    """On the overview, a click on the heatmap cell Công an xã × «Tỷ lệ hồ sơ TTHC giải quyết quá
    hạn» opens that criterion's page for the same period."""
    ctx, page = _page(browser, 1366, 768)
    open_app(page, app_url + "/?period=2026-Q3")
    chart = page.locator(".st-key-status_heatmap")
    chart.evaluate("e => e.scrollIntoView({block: 'start'})")
    wait_ready(page)
    cell = ["CA", "DVC_QUA_HAN"]
    at = page.evaluate(_CELL, cell)
    if at["y"] > 700:   # the row lies below the fold: bring it up, measure again
        page.mouse.move(at["x"], 300)
        page.mouse.wheel(0, at["y"] - 400)
        page.wait_for_timeout(500)
        at = page.evaluate(_CELL, cell)
    assert 0 < at["y"] < 768, at
    page.mouse.move(at["x"], at["y"])
    hover = page.locator(".st-key-status_heatmap .hoverlayer")
    page.wait_for_function("() => document.querySelector('.st-key-status_heatmap .hoverlayer')"
                           ".textContent.includes('quá hạn')", timeout=5000)
    assert "Công an xã" in hover.text_content() and "Tỷ lệ hồ sơ TTHC giải quyết quá hạn" in hover.text_content()
    assert chart.locator(".nsewdrag").first.evaluate("e => getComputedStyle(e).cursor") == "pointer"
    page.screenshot(path=str(shots / "overview-heatmap-hover-1366x768.png"))
    page.mouse.click(at["x"], at["y"])
    _wait_path(page, "/chi-tieu")
    assert "indicator=DVC_QUA_HAN" in page.url and "period=2026-Q3" in page.url, page.url
    page.get_by_role("heading", name="Tỷ lệ hồ sơ TTHC giải quyết quá hạn").wait_for(timeout=30000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(shots / "overview-heatmap-click-criterion-1366x768.png"))
    # back on the overview the old click is forgotten: the page stays
    menu(page, "Tổng quan").click()
    page.locator(".st-key-status_heatmap").wait_for(timeout=30000)
    wait_ready(page)
    page.wait_for_timeout(1500)
    assert "/chi-tieu" not in page.url and page.locator(".st-key-status_heatmap").is_visible(), page.url
    ctx.close()
