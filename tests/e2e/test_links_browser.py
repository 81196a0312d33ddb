"""Rows that open a page are real links: the city ranking's commune names, the «Mở ↗» column of
the overview's, the unit's and the criterion's tables — a click opens the page in a new tab, the
address carries the id, the period and projector mode. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from kpi import store
from kpi.domain.city import load_city
from kpi.usecases.city import city_scores
from kpi.usecases.demo import create_demo_accounts, load_city_demo
from tests.common import CONFIG, SYSTEM, TODAY
from tests.e2e.conftest import menu, open_app, running_app, wait_ready

pytestmark = pytest.mark.browser

# the grid's accessible cells (glide-data-grid): a link cell's text is its address
CELLS = """(grid, col) => [...grid.querySelectorAll(`td[aria-colindex="${col}"]`)]
    .map(td => td.innerText.trim())"""
HEADERS = """grid => Object.fromEntries([...grid.querySelectorAll('th')].map(
    th => [th.innerText.trim(), th.getAttribute('aria-colindex')]))"""


def _column(grid, name: str) -> list[str]:
    return grid.evaluate(CELLS, grid.evaluate(HEADERS)[name])


def _link_x(page, grid, y: float, skip: int) -> float:
    """Where, along the row at height `y` (after `skip` px: a row's check box), the pointer turns
    into a hand (a link's text)."""
    box = grid.bounding_box()
    for x in range(int(box["x"]) + skip, int(box["x"] + box["width"]) - 4, 6):
        page.mouse.move(x, y)
        page.wait_for_timeout(30)
        if page.evaluate("([x, y]) => getComputedStyle(document.elementFromPoint(x, y)).cursor",
                         [x, y]) == "pointer":
            return x + 6
    raise AssertionError("no link in that row")


def _open_link(page, grid, row: int, row_px: int, skip: int = 4):
    """Click the link of data row `row`: the page it opens in a new tab, once it is ready."""
    grid.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)
    box = grid.bounding_box()
    y = box["y"] + 35 + row_px * row + row_px / 2
    x = _link_x(page, grid, y, skip)
    with page.context.expect_page(timeout=30000) as opened:
        page.mouse.click(x, y)
    new = opened.value
    wait_ready(new)
    return new


@pytest.fixture(scope="module")
def city_app(tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e-links") / "city.duckdb"
    conn = store.connect(db)
    city = load_city(CONFIG)
    load_city_demo(conn, city, 12, 12, today=TODAY)
    create_demo_accounts(conn, city.catalog_for("THAITAN"), commune="THAITAN")
    ranked = city_scores(conn, city, SYSTEM, "2026-Q4", as_of=TODAY)
    conn.close()
    with running_app(db) as url:
        yield url, ranked


def test_a_commune_name_in_the_city_ranking_opens_its_overview(city_app, browser, shots):
    url, ranked = city_app
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    open_app(page, url, "thanhpho")
    # a new tab signs in from the session cookie the page asks for right after signing in: have it
    # before a link opens one (on a busy machine that request can still be on its way)
    deadline = time.monotonic() + 60
    while not any(c["name"] == "kpi_session" for c in page.context.cookies()) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert any(c["name"] == "kpi_session" for c in page.context.cookies()), "no session cookie after signing in"
    menu(page, "Toàn thành phố").click()
    page.wait_for_selector('.st-key-city_ranking [data-testid="stDataFrame"]', timeout=40000)
    wait_ready(page)
    grid = page.locator('.st-key-city_ranking [data-testid="stDataFrame"]')
    hrefs = _column(grid, "Xã")
    assert hrefs, "no commune links"
    for r, href in zip(ranked, hrefs):
        parts = urlsplit(href)
        assert parts.path == "tong-quan" and parse_qs(parts.query)["commune"] == [r.code], href
        assert "period" in parse_qs(parts.query), href
    page.screenshot(path=str(shots / "links-city-ranking-1366.png"))
    third = ranked[2]
    opened = _open_link(page, grid, 2, 35, skip=40)
    # the new tab signs in from the session cookie, then draws the commune's overview: wait for its title
    # (an earlier heading may show for a moment while the first run starts)
    h1 = opened.get_by_test_id("stMainBlockContainer").locator("h1", has_text=third.name).first
    h1.wait_for(timeout=60000)
    assert h1.inner_text().startswith(third.name), (h1.inner_text(), third.name)
    assert f"commune={third.code}" in opened.url and "/tong-quan" in opened.url, opened.url
    opened.screenshot(path=str(shots / "links-city-commune-new-tab-1366.png"))
    opened.close()
    assert page.get_by_test_id("stMainBlockContainer").locator("h1").first.inner_text().startswith(
        "Toàn thành phố")   # the ranking stays where it was


def test_linked_tables_carry_real_addresses(app_url, browser, shots):
    """The overview's criteria and lead-unit tables, the unit's criteria and the criterion's units:
    each row's «Mở» link is the address of its page (id, period); one opens in a new tab."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    open_app(page, app_url + "/?period=2026-Q3")
    page.locator(".st-key-criteria_table canvas").first.wait_for(timeout=40000)
    wait_ready(page)

    def links(key):
        grid = page.locator(f".st-key-{key} [data-testid='stDataFrame']")
        grid.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        return grid, [(urlsplit(h).path, parse_qs(urlsplit(h).query)) for h in _column(grid, "Mở")]

    grid, rows = links("criteria_table")
    assert rows and rows[0] == ("chi-tieu", {"indicator": ["CQ_SO_HOA_LUU_TRU"], "period": ["2026-Q3"]}), rows[:2]
    assert all(p == "chi-tieu" and "indicator" in q for p, q in rows)
    page.screenshot(path=str(shots / "links-overview-criteria-1366.png"))
    opened = _open_link(page, grid, 0, 66)
    opened.get_by_role("heading", name="Tỷ lệ tài liệu lưu trữ được số hóa").wait_for(timeout=30000)
    assert "indicator=CQ_SO_HOA_LUU_TRU" in opened.url and "period=2026-Q3" in opened.url
    opened.close()
    _, rows = links("lead_table")
    assert rows and all(p == "don-vi" and "unit" in q and q["period"] == ["2026-Q3"] for p, q in rows), rows

    page.goto(app_url + "/don-vi?unit=VP&period=2026-Q3", wait_until="domcontentloaded")
    page.locator(".st-key-unit_criteria_table canvas").first.wait_for(timeout=40000)
    wait_ready(page)
    _, rows = links("unit_criteria_table")
    assert rows and all(p == "chi-tieu" and "indicator" in q and q["period"] == ["2026-Q3"]
                        for p, q in rows), rows
    page.screenshot(path=str(shots / "links-unit-criteria-1366.png"))

    page.goto(app_url + "/chi-tieu?indicator=DVC_HS_TRUC_TUYEN&period=2026-Q3", wait_until="domcontentloaded")
    page.locator(".st-key-contribution_table canvas").first.wait_for(timeout=40000)
    wait_ready(page)
    _, rows = links("contribution_table")
    assert rows and all(p == "don-vi" and "unit" in q and q["period"] == ["2026-Q3"] for p, q in rows), rows
