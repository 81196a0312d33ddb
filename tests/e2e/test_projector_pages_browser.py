"""Projector mode of Chỉ tiêu and Đơn vị at the projector sizes of commune halls: the top of the
page answers the meeting's question (the criterion's result against its target beside its trend;
the unit's score, criteria met and the criteria losing points) at projector text size, inside the
first screen, nothing cut, nothing wider than the screen. Screenshots in test-artifacts/screenshots/."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import open_app, wait_ready

pytestmark = pytest.mark.browser

SIZES = [(1280, 720, 18), (1366, 768, 18), (1920, 1080, 20)]

# what must show whole on the first screen; the smallest text of it; any text cut (… or clipped);
# anything wider than the screen
_MEASURE = """sels => {
    const px = el => parseFloat(getComputedStyle(el).fontSize);
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const shown = e => e.getClientRects().length && getComputedStyle(e).display !== 'none';
    const missing = [], below = [];
    for (const s of sels) {
        const els = [...document.querySelectorAll(s)].filter(shown);
        if (!els.length) { missing.push(s); continue; }
        for (const e of els) {
            const r = e.getBoundingClientRect();
            if (r.bottom > innerHeight + 1 || r.right > innerWidth + 1) below.push([s, Math.round(r.bottom)]);
        }
    }
    const top = [...main.querySelectorAll('p, td, th, li, label, h1, h2, h3, [data-testid="stMetricValue"] div')]
        .filter(e => shown(e) && e.innerText.trim() && e.getBoundingClientRect().bottom <= innerHeight);
    const cut = top.filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
        .map(e => e.innerText.slice(0, 40));
    const small = top.filter(e => px(e) < 17.5).map(e => [e.innerText.slice(0, 40), px(e)]);
    const values = [...main.querySelectorAll('[data-testid="stMetricValue"]')].filter(shown)
        .filter(e => e.getBoundingClientRect().bottom <= innerHeight)
        .map(e => px(e.querySelector('p') || e));
    return {missing, below, cut: cut.slice(0, 5), small: small.slice(0, 5), values,
            wide: document.documentElement.scrollWidth - innerWidth,
            mainWide: document.querySelector('[data-testid="stMain"]').scrollWidth
                      - document.querySelector('[data-testid="stMain"]').clientWidth};
}"""

PAGES = {
    "chi-tieu": ("/chi-tieu?indicator=DVC_HS_TRUC_TUYEN&period=2026-Q3&projector=1",
                 [".st-key-criterion_facts [data-testid='stMetric']", ".st-key-criterion_facts .kpi-badge",
                  ".st-key-criterion_trend [data-testid='stPlotlyChart']", "h2"]),
    "don-vi": ("/don-vi?unit=VP&period=2026-Q3&projector=1",
               [".st-key-unit_head [data-testid='stMetric']", ".st-key-unit_losing tbody tr", "h1"]),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_projector_page_answers_on_the_first_screen(app_url, browser, shots, name):
    path, must = PAGES[name]
    page = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    open_app(page, app_url + path)
    for w, h, min_text in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        page.locator(must[0]).first.wait_for(timeout=30000)
        wait_ready(page)
        page.screenshot(path=str(shots / f"projector-{name}-{w}x{h}.png"))
        m = page.evaluate(_MEASURE, must)
        m["size"] = f"{w}x{h}"
        assert not page.get_by_test_id("stSidebar").is_visible(), m
        assert m["missing"] == [] and m["below"] == [], m
        assert m["wide"] <= 0 and m["mainWide"] <= 1, m
        assert m["cut"] == [], m
        assert all(v >= 48 for v in m["values"]) and len(m["values"]) >= 3, m
        assert not [s for s in m["small"] if s[1] < min_text - 0.5], m
        body = page.inner_text("body")
        if name == "don-vi":
            assert "Văn phòng HĐND và UBND xã" in body and "Chỉ tiêu đạt" in body
            rows = page.locator(".st-key-unit_losing tbody tr").evaluate_all(
                "rs => rs.filter(r => getComputedStyle(r).display !== 'none').length")
            assert rows == min(5 if w >= 1800 else 3, page.locator(".st-key-unit_losing tbody tr").count()), m
        else:
            assert "Mục tiêu" in body and "Theo tháng (toàn xã)" in body
