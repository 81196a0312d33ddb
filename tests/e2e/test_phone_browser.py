"""On a phone (390×844): choosing a page in the menu closes the menu, so the page shows; the
submission board's reminders show their copy button without hovering (a finger cannot hover).
Screenshots go to test-artifacts/screenshots/ (look at them)."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import menu, open_app, wait_ready

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

_SIDEBAR_OPEN = """() => {
    const s = document.querySelector('[data-testid="stSidebar"]');
    if (!s) return false;
    const r = s.getBoundingClientRect();
    return s.getAttribute('data-collapsed') === 'false' && r.right > 40;
}"""


def _open_menu(page) -> None:
    if not page.evaluate(_SIDEBAR_OPEN):
        page.get_by_test_id("stExpandSidebarButton").click()
    page.wait_for_function(_SIDEBAR_OPEN, timeout=10000)
    page.wait_for_timeout(400)


def test_a_page_chosen_in_the_menu_closes_it(app_url, browser, shots):
    page = browser.new_page(viewport=PHONE)
    open_app(page, app_url + "/?period=2026-Q3")
    for title, path in (("Chỉ tiêu", "/chi-tieu"), ("Tình hình nộp số liệu", "/nop-so-lieu")):
        _open_menu(page)
        page.screenshot(path=str(shots / f"phone-menu-open{path.replace('/', '-')}-390x844.png"))
        menu(page, title).click()
        page.wait_for_function("p => location.pathname.endsWith(p)", arg=path, timeout=30000)
        wait_ready(page)
        page.wait_for_function(f"() => !({_SIDEBAR_OPEN})()", timeout=10000)
        h = page.get_by_test_id("stMainBlockContainer").locator("h1, h2").first
        box = h.bounding_box()
        assert box and box["x"] >= 0 and box["y"] < PHONE["height"], (title, box)
        page.screenshot(path=str(shots / f"phone-after-menu{path.replace('/', '-')}-390x844.png"))


def test_reminder_copy_buttons_show_without_hover(app_url, browser, shots):
    page = browser.new_page(viewport=PHONE)
    open_app(page, app_url + "/nop-so-lieu")
    code = page.get_by_test_id("stCode").first
    code.wait_for(timeout=30000)
    wait_ready(page)
    buttons = []
    for n in range(2):
        block = page.get_by_test_id("stCode").nth(n)
        block.locator("button").first.evaluate("b => b.scrollIntoView({block: 'center'})")
        page.mouse.move(5, 5)     # nowhere near the reminder
        page.wait_for_timeout(500)
        buttons.append(block.evaluate("""c => {
            const b = c.querySelector('button');
            if (!b) return null;
            let opacity = 1;
            for (let e = b; e && e !== c.parentElement; e = e.parentElement)
                opacity *= parseFloat(getComputedStyle(e).opacity);
            const r = b.getBoundingClientRect();
            const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return {opacity, visibility: getComputedStyle(b).visibility, w: r.width,
                    onTop: !!hit && b.contains(hit), label: b.getAttribute('aria-label')};
        }"""))
        if n == 0:
            page.screenshot(path=str(shots / "phone-reminder-copy-390x844.png"))
    assert len(buttons) == 2 and all(buttons), buttons
    assert all(b["opacity"] >= 0.99 and b["visibility"] == "visible" and b["w"] >= 24
               and b["onTop"] and b["label"] == "Chép" for b in buttons), buttons
