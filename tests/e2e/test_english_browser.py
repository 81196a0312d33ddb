"""No English on screen: every page of the menu, for every role, in a real Chromium. The page's DOM
text (Streamlit's visually hidden parts too), placeholders, aria-labels and titles are checked for
Streamlit's English UI strings and for ASCII-only words of four letters or more that are neither
Vietnamese written without marks nor codes and units (ALLOWED). A failure names the role, the page
and the text."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import open_app, wait_ready

pytestmark = pytest.mark.browser

ROLES = ("admin", "vanphong", "lanhdao", "dv-ca", "xem")

# English strings of Streamlit's own interface (and of the charts' and tables' toolbars)
STREAMLIT_ENGLISH = (
    "Press Enter", "Skip to main content", "Browse files", "Drag and drop", "per file", "Upload",
    "Choose an option", "No results", "Download", "Fullscreen", "Search", "Close", "Clear",
    "Show password", "Hide password", "Increment", "Decrement", "Collapse sidebar", "Expand sidebar",
    "Running", "Stop", "Deploy", "Rerun", "Settings", "Page not found", "Delete", "Select all",
    "Selected", "Open", "Copy", "Show/hide", "Zoom", "Reset", "Autoscale", "Pan", "plot", "Help for",
    "Link to heading", "Sidebar", "Choose", "target",
)
GLUED_SIZE = re.compile(r"\d(?:\.\d+)?(?:B|KB|MB|GB)\b")   # «9.0KB»: Streamlit's, not «9,0 KB»
# ASCII-only words allowed: Vietnamese written without marks (no diacritics needed), codes, units,
# product names
ALLOWED = {
    "admin", "https", "http", "excel", "xlsx", "docx", "word", "email", "online", "wifi", "zalo",
    "facebook", "kaspersky", "hpnet", "vneid", "internet", "enter", "ctrl", "vanphong", "lanhdao",
    "demo", "lan",
}
WORD = re.compile(r"(?<![\w./:@-])[A-Za-z]{4,}(?![\w./:@-])")
# a Vietnamese syllable written without its marks («Danh», «Trung», «quan», «khai»): not English
SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(ch|ng|nh|[cmnpt])?$",
                      re.IGNORECASE)

# a page's address in a table's link column (what the grid gives screen readers for a link cell,
# the link itself showing «Mở ↗» or a name): an address, not words on screen
ADDRESS = re.compile(r"^(tong-quan|chi-tieu|don-vi)\?[^\s]*$")

COLLECT = """() => {
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walk.nextNode())) {
        const p = n.parentElement;
        if (!p || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(p.tagName)) continue;
        if (p.closest('[data-testid="stIconMaterial"], code, pre')) continue;   // icons' names, commands
        if (getComputedStyle(p).fontFamily.includes('Material')) continue;
        const t = n.nodeValue.trim();
        if (t) out.push(['text', t]);
    }
    for (const e of document.querySelectorAll('[placeholder],[aria-label],[title],[data-title],[alt]'))
        for (const a of ['placeholder', 'aria-label', 'title', 'data-title', 'alt'])
            if (e.getAttribute(a)) out.push([a, e.getAttribute(a)]);
    return out;
}"""


def english(found: list[list[str]]) -> list[str]:
    bad = []
    for kind, text in found:
        if kind == "text" and ADDRESS.match(text):
            continue
        words = [w for w in STREAMLIT_ENGLISH if re.search(rf"(?<![A-Za-zÀ-ỹ]){re.escape(w)}(?![A-Za-zÀ-ỹ])", text)]
        ascii_words = [w for w in WORD.findall(text)
                       if not w.isupper() and w.lower() not in ALLOWED and not SYLLABLE.match(w)]
        ascii_words += GLUED_SIZE.findall(text)
        if words or ascii_words:
            bad.append(f"{kind}: {text[:120]!r} ({', '.join(words + ascii_words)})")
    return sorted(set(bad))


def _menu(page):
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").locator("a")


@pytest.mark.parametrize("role", ROLES)
def test_no_english_on_any_page(app_url, browser, role, shots):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = ctx.new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("textbox", name="Tên đăng nhập").wait_for(timeout=40000)
    problems = [f"{role} · đăng nhập · {p}" for p in english(page.evaluate(COLLECT))]
    open_app(page, app_url, role)
    for i in range(_menu(page).count()):
        link = _menu(page).nth(i)
        title = link.inner_text().split("\n")[-1].strip()
        link.click()
        wait_ready(page)
        problems += [f"{role} · {title} · {p}" for p in english(page.evaluate(COLLECT))]
    assert not problems, "\n".join(problems)
