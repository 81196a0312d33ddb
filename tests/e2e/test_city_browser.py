"""The city view in a real browser on a database of several communes: the ranking, the charts, a
click on a commune → its overview (→ a unit); projector mode. Screenshots go to
test-artifacts/screenshots/ (look at them)."""
from __future__ import annotations

import re

import pytest

from kpi import store
from kpi.domain.city import load_city
from kpi.usecases.city import city_scores
from kpi.usecases.demo import create_demo_accounts, load_city_demo
from tests.common import CONFIG, SYSTEM, TODAY
from tests.e2e.conftest import menu, open_app, running_app, wait_ready

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def city_app(tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e-city") / "city.duckdb"
    conn = store.connect(db)
    city = load_city(CONFIG)
    load_city_demo(conn, city, 12, 12, today=TODAY)
    create_demo_accounts(conn, city.catalog_for("THAITAN"), commune="THAITAN")
    ranked = city_scores(conn, city, SYSTEM, "2026-Q4", as_of=TODAY)
    conn.close()
    with running_app(db) as url:
        yield url, ranked


def test_city_view_then_a_commune_overview(city_app, browser, shots):
    url, ranked = city_app
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    open_app(page, url, "thanhpho")
    menu(page, "Toàn thành phố").click()
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stDataFrame"]', timeout=40000)
    wait_ready(page)
    main = page.get_by_test_id("stMainBlockContainer")
    assert re.match(r"Toàn thành phố · Quý (IV|III)/2026", main.locator("h1").first.inner_text())
    assert main.get_by_test_id("stDataFrame").count() >= 2
    assert main.get_by_test_id("stPlotlyChart").count() == 3
    page.screenshot(path=str(shots / "city-1-ranking-1366.png"), full_page=True)
    # a click on the third commune's row opens its overview
    grid = main.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 35 * 2 + 17)
    third = ranked[2]
    h1 = page.get_by_test_id("stMainBlockContainer").locator("h1").first
    for _ in range(150):
        if h1.inner_text().startswith(third.name):
            break
        page.wait_for_timeout(200)
    wait_ready(page)
    assert h1.inner_text().startswith(third.name), (h1.inner_text(), third.name)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=40000)
    wait_ready(page)
    assert f"commune={third.code}" in page.url
    page.screenshot(path=str(shots / "city-2-commune-overview-1366.png"), full_page=False)
    menu(page, "Đơn vị").click()
    wait_ready(page)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stDataFrame"], '
                           '[data-testid="stMainBlockContainer"] [data-testid="stPlotlyChart"]', state="attached", timeout=40000)
    wait_ready(page)
    assert f"commune={third.code}" in page.url
    page.screenshot(path=str(shots / "city-3-commune-unit-1366.png"), full_page=False)
    page.close()


PROJECTOR_SIZES = [(1920, 1080), (1366, 768), (1280, 720)]


def test_city_view_in_projector_mode(city_app, browser, shots):
    """Every commune of a twelve-commune city is on the projector, weakest included, and nothing
    scrolls at the projector sizes of commune halls. One page opened at the largest size, then
    resized to each: what is measured here after a resize equals what opening the page at that
    size gives (compared once both ways, all sizes)."""
    url, ranked = city_app
    page = browser.new_page(viewport={"width": PROJECTOR_SIZES[0][0], "height": PROJECTOR_SIZES[0][1]})
    open_app(page, url + "/toan-thanh-pho?projector=1", "thanhpho")
    for w, h in PROJECTOR_SIZES:
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stPlotlyChart"]', state="attached",
                               timeout=40000)
        wait_ready(page)
        body = page.get_by_test_id("stMainBlockContainer").inner_text()
        assert "Xếp hạng Quý IV/2026" in body and "Phân bố điểm các xã" in body, (w, h)
        assert [r.name for r in ranked if r.name not in body] == [], (w, h)
        assert page.get_by_test_id("stMainBlockContainer").get_by_test_id("stPlotlyChart").count() == 1, (w, h)
        page.screenshot(path=str(shots / f"city-4-projector-{w}x{h}.png"))
        fit = page.evaluate("""() => { const s = document.querySelector('[data-testid="stMain"]');
            return {doc: document.documentElement.scrollHeight, view: innerHeight,
                    main: s.scrollHeight, mainView: s.clientHeight}; }""")
        assert fit["doc"] <= fit["view"] and fit["main"] <= fit["mainView"] + 1, (w, h, fit)
    page.close()
