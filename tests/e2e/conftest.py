"""A real browser against a real `streamlit run app.py`: Playwright (sync API) driving Debian's
Chromium. The server runs once per session on a free port with a copy of the demo database."""
from __future__ import annotations

import inspect
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _cost_rank(item) -> int:
    """0: a browser test starting a fresh server itself (`demo_db_file`), 1: one with its own server
    (`writable_app_url`), 2: the other browser tests, 3: the rest."""
    if "browser" not in item.keywords or not hasattr(item, "obj"):
        return 3
    asked = inspect.signature(item.obj).parameters
    return 0 if "demo_db_file" in asked else 1 if "writable_app_url" in asked else 2


def pytest_collection_modifyitems(config, items):
    # the longest tests first: the browser tests that start servers of their own, then the other
    # browser tests (which wait on their server and Chromium much of the time), then the rest; the
    # workers are handed tests one by one (tests/conftest.py), so each takes the next longest
    items.sort(key=_cost_rank)
    if Path(CHROMIUM).exists() or os.environ.get("KPI_REQUIRE_BROWSER"):
        return  # CI sets KPI_REQUIRE_BROWSER: a missing browser must fail there, not skip
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found (apt-get install chromium); "
                                   "set KPI_REQUIRE_BROWSER=1 to make this an error")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(args: list[str], cwd: Path, env: dict, log_path: Path):
    """A Streamlit server (`python ARGS --server.port …`) on a free port, started and waited for until
    healthy; yields its URL, stops it after. `log_path` keeps what it printed."""
    port = _free_port()
    log = open(log_path, "w")  # noqa: SIM115 — held open for the server's lifetime
    proc = subprocess.Popen(
        [sys.executable, *args, "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log_path}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def running_app(db: Path):
    """The app as `make run` starts it (`python -m kpi.web.serve`) on a free port against `db`;
    yields its URL, stops it after."""
    env = dict(os.environ, KPI_DB=str(db), KPI_CONFIG=str(ROOT / "config" / "indicators.toml"))
    with serving(["-m", "kpi.web.serve"], ROOT, env, db.parent / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def app_url(demo_db_file, tmp_path_factory):
    """The shared app on the demo data; tests that write use `writable_app_url` instead."""
    db = tmp_path_factory.mktemp("e2e") / "kpi.duckdb"
    db.write_bytes(demo_db_file.read_bytes())
    with running_app(db) as url:
        yield url


@pytest.fixture
def writable_app_url(demo_db_file, tmp_path):
    """An app of its own, so an import does not change what other browser tests see."""
    db = tmp_path / "app" / "kpi.duckdb"
    db.parent.mkdir()
    db.write_bytes(demo_db_file.read_bytes())
    with running_app(db) as url:
        yield url


class _WatchingBrowser:
    """Playwright's Browser whose new contexts (and pages) run WATCH_JS in every page first."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        ctx = self._browser.new_context(**kwargs)
        ctx.add_init_script(WATCH_JS)
        return ctx

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        page.add_init_script(WATCH_JS)
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield _WatchingBrowser(b)
        b.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


# Every page of every test context runs this first: it notes when the app last sent a message on its
# websocket, when one last came back, and when the page last changed, for `wait_ready`.
WATCH_JS = """(() => {
    if (window.__kpiWatch) return;
    const w = window.__kpiWatch = {sent: 0, recv: 0, changed: performance.now()};
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (...args) {
        w.sent = performance.now();
        if (!this.__kpiWatched) {
            this.__kpiWatched = true;
            this.addEventListener('message', () => { w.recv = performance.now(); });
        }
        return send.apply(this, args);
    };
    new MutationObserver(() => { w.changed = performance.now(); }).observe(
        document, {subtree: true, childList: true, attributes: true, characterData: true});
})()"""

# The app is ready when: no script run is in progress or requested; every message the page sent
# has been answered (a widget's change or a page link sends one before the run starts; one left
# unanswered for 3 s is not waited for); nothing is stale; every chart is drawn and every table is
# laid out; and the page has not changed for QUIET_MS and over CALM_POLLS checks in a row (on a
# busy machine the page may not have run for a while: waiting messages are handled between checks).
QUIET_MS = 400
CALM_POLLS = 5
NOT_READY_JS = """([quiet, calmPolls]) => {
    if (!window.__kpiWatch) {   // a page made without the watch (see `browser`): watch from now
        const w = window.__kpiWatch = {sent: 0, recv: 0, changed: performance.now()};
        new MutationObserver(() => { w.changed = performance.now(); }).observe(
            document, {subtree: true, childList: true, attributes: true, characterData: true});
        return 'watch';
    }
    const w = window.__kpiWatch, now = performance.now();
    if (w.seen !== w.changed) { w.seen = w.changed; w.calm = 0; } else { w.calm = (w.calm || 0) + 1; }
    const app = document.querySelector('[data-testid="stApp"]');
    const run = app && app.getAttribute('data-test-script-state');
    if (run === 'running' || run === 'rerunRequested') return run;
    if (w.recv < w.sent && now - w.sent < 3000) return 'unanswered';
    if (document.querySelector('[data-testid="stStatusWidget"]')) return 'status';
    if (document.querySelector('[data-stale="true"]')) return 'stale';
    for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
        if (!c.querySelector('.main-svg')) return 'chart';
    for (const t of document.querySelectorAll('[data-testid="stDataFrame"]'))
        if (!t.querySelector('canvas')) return 'table';
    return now - w.changed >= quiet && w.calm >= calmPolls ? '' : 'changing';
}"""
READY_JS = "args => !(" + NOT_READY_JS + ")(args)"


def wait_ready(page, timeout_s: float = 40) -> None:
    """The app has rendered, no script run is in progress or about to start, and its charts and
    tables are drawn (READY_JS). A page that is still not settled after `timeout_s` is left to the
    test's own checks, as before."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1, '
                           '[data-testid="stMainBlockContainer"] h2', timeout=timeout_s * 1000)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    with suppress(PlaywrightTimeout):
        page.wait_for_function(READY_JS, arg=[QUIET_MS, CALM_POLLS], polling=100, timeout=timeout_s * 1000)


def log_in(page, login: str = "admin", password: str | None = None) -> None:
    """The one way browser tests log in: fill the login form shown before anything else with a
    demo account (password `demo-<login>`, see README) and wait for the app."""
    page.get_by_role("textbox", name="Tên đăng nhập").wait_for(timeout=40000)
    page.get_by_role("textbox", name="Tên đăng nhập").fill(login)
    page.get_by_role("textbox", name="Mật khẩu").fill(password or f"demo-{login}")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("button", name="Đăng nhập").wait_for(state="detached", timeout=40000)
    wait_ready(page)


def open_app(page, url: str, login: str = "admin") -> None:
    """Open `url` (a new session) and log in as `login`."""
    page.goto(url, wait_until="domcontentloaded")   # log_in waits for the form itself
    log_in(page, login)


def menu(page, title: str):
    """A page of the app's menu in the sidebar (page links; Streamlit's own menu is hidden)."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").get_by_text(title, exact=True)
