"""A real browser against a real `streamlit run app.py`: Playwright (sync API) driving Debian's
Chromium. The server runs once per session on a free port with a copy of the demo database."""
from __future__ import annotations

import atexit
import inspect
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.common import TODAY

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


class _Zygote:
    """tests/e2e/zygote.py, started on first need in this process: forks app servers that have
    their imports done already (see there why each is still a fresh server)."""

    proc: subprocess.Popen | None = None
    unavailable: str | None = None   # why it could not start: servers are then started as processes

    @classmethod
    def start_server(cls, argv: list[str], cwd: Path, env: dict, log_path: Path) -> int:
        if cls.proc is None or cls.proc.poll() is not None:
            threads = dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1")
            cls.proc = subprocess.Popen([sys.executable, "-m", "tests.e2e.zygote"], cwd=ROOT,
                                        env={**os.environ, **threads}, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)
            atexit.register(cls.proc.stdin.close)
            if json.loads(cls.proc.stdout.readline() or "{}").get("ready") is not True:
                raise RuntimeError("the zygote for app servers did not start (python -m tests.e2e.zygote)")
        request = {"argv": argv, "cwd": str(cwd), "env": env, "log": str(log_path)}
        cls.proc.stdin.write((json.dumps(request) + "\n").encode())
        cls.proc.stdin.flush()
        return json.loads(cls.proc.stdout.readline())["pid"]


class _Forked:
    """The bit of Popen `serving` uses, for a server the zygote forked (its parent is the zygote)."""

    def __init__(self, pid: int):
        self.pid = pid

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return -1
        with suppress(OSError), open(f"/proc/{self.pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return -1
        return None

    def terminate(self) -> None:
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)


@contextmanager
def serving(args: list[str], cwd: Path, env: dict, log_path: Path):
    """A Streamlit server (`python ARGS --server.port …`) on a free port, started and waited for until
    healthy; yields its URL, stops it after. `log_path` keeps what it printed. The app itself
    (`-m kpi.web.serve`) is forked from the zygote (tests/e2e/zygote.py), which saves each server
    its imports; anything else runs as a new process."""
    port = _free_port()
    options = ["--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    log = None
    proc: _Forked | subprocess.Popen | None = None
    if args[:2] == ["-m", "kpi.web.serve"] and _Zygote.unavailable is None:
        try:
            proc = _Forked(_Zygote.start_server([*args[2:], *options], cwd, env, log_path))
        except (RuntimeError, OSError, ValueError) as e:
            # the zygote only saves time: without it each server is its own process, as `make run` starts it
            _Zygote.unavailable = str(e)
            warnings.warn(f"app servers start as separate processes: {e}", stacklevel=2)
    if proc is None:
        log = open(log_path, "w")  # noqa: SIM115 — held open for the server's lifetime
        proc = subprocess.Popen([sys.executable, *args, *options], cwd=cwd, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
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
        if log is not None:
            log.close()


@contextmanager
def running_app(db: Path):
    """The app as `make run` starts it (`python -m kpi.web.serve`) on a free port against `db`;
    yields its URL, stops it after."""
    # the demo is made up to TODAY: the server judges the record on that day, whatever the calendar says
    env = dict(os.environ, KPI_DB=str(db), KPI_CONFIG=str(ROOT / "config" / "indicators.toml"),
               KPI_TODAY=TODAY.isoformat())
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


# What a test's context is: one persistent Chromium context per worker (`_chromium`) behind the
# Browser/BrowserContext calls the tests make. A full page load of the app costs ~6 s of Chromium CPU,
# ~2 s of it parsing and running Streamlit's JS; in a persistent context the HTTP cache and V8's code
# cache outlive the page, so the next load of the same server's scripts costs ~1 s less. What a test
# sees stays that of a new context: its pages are new tabs (a new Streamlit session each; the session
# cookie a sign-in sets is shared by the test's open tabs, as in a browser, and `open_app` drops it), made at the viewport it asked for, and before it
# starts the cookies and the site storage (localStorage: the sidebar's state, the theme) of every
# server visited are gone. Only the caches of scripts and styles stay.
SHARED_OPTIONS = {"viewport", "locale"}
LOCALE = "vi-VN"
_STORAGE = "cookies,local_storage,indexeddb,file_systems,websql,service_workers,cache_storage"


class _Chromium:
    """One persistent context (with WATCH_JS in every page), and a plain browser for the contexts it
    cannot stand for (options other than a viewport and vi-VN), launched when first needed."""

    def __init__(self, playwright, folder: Path):
        self._pw = playwright
        self.context = playwright.chromium.launch_persistent_context(
            str(folder), executable_path=CHROMIUM, args=ARGS, locale=LOCALE,
            viewport={"width": 1366, "height": 768})
        self.context.add_init_script(WATCH_JS)
        self._browser = None
        self.origins: set[str] = set()

    def visited(self, page) -> None:
        origin = _origin(page.url)
        if origin:
            self.origins.add(origin)

    def plain_browser(self):
        if self._browser is None:
            self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        return self._browser

    def forget_sites(self) -> None:
        """Cookies and site storage of every origin visited go, as with a new context; caches stay."""
        self.context.clear_cookies()
        if not self.origins:
            return
        page = self.context.new_page()
        try:
            cdp = self.context.new_cdp_session(page)
            for origin in sorted(self.origins):
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": _STORAGE})
            cdp.detach()
        finally:
            page.close()
        self.origins.clear()

    def close(self) -> None:
        self.context.close()
        if self._browser is not None:
            self._browser.close()


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None


class _TestContext:
    """A test's `browser.new_context(viewport=…, locale="vi-VN")`: its pages are tabs of the shared
    context at its viewport; `close` closes them (and only them)."""

    def __init__(self, chromium: _Chromium, viewport: dict | None):
        self._chromium = chromium
        self._viewport = viewport
        self.pages: list = []

    def new_page(self):
        page = self._chromium.context.new_page()
        if self._viewport:
            page.set_viewport_size(self._viewport)
        page.on("domcontentloaded", self._chromium.visited)
        self.pages.append(page)
        return page

    @property
    def is_open(self) -> bool:
        return any(not page.is_closed() for page in self.pages)

    def close(self) -> None:
        for page in self.pages:
            if not page.is_closed():
                page.close()


class _Browser:
    """The `browser` a test gets: Playwright's Browser as far as the tests use it. Every context and
    page it made is closed when the test ends (a failing test leaves nothing running)."""

    def __init__(self, chromium: _Chromium):
        self._chromium = chromium
        self._contexts: list = []

    def new_context(self, **kwargs):
        if set(kwargs) <= SHARED_OPTIONS and kwargs.get("locale", LOCALE) == LOCALE:
            if not any(isinstance(c, _TestContext) and c.is_open for c in self._contexts):
                self._chromium.forget_sites()   # what the test's closed contexts left
            ctx = _TestContext(self._chromium, kwargs.get("viewport"))
        else:
            ctx = self._chromium.plain_browser().new_context(**kwargs)
            ctx.add_init_script(WATCH_JS)
        self._contexts.append(ctx)
        return ctx

    def new_page(self, **kwargs):
        """A page in a context of its own (as Browser.new_page); closing the page closes that context."""
        ctx = self.new_context(**kwargs)
        page = ctx.new_page()
        page.on("close", lambda _: ctx.close())
        return page

    def end_test(self) -> None:
        for ctx in self._contexts:
            ctx.close()
        self._contexts.clear()
        self._chromium.forget_sites()


@pytest.fixture(scope="session")
def _chromium(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = _Chromium(p, tmp_path_factory.mktemp("chromium-profile"))
        yield chromium
        chromium.close()


@pytest.fixture
def browser(_chromium):
    b = _Browser(_chromium)
    yield b
    b.end_test()


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
    """Open `url` (a new session) and log in as `login`. The session cookie of an earlier sign-in in
    this test's context is dropped first (a reload would otherwise stay signed in: see
    test_session_browser.py); pages already open keep their sessions."""
    page.context.clear_cookies()
    page.goto(url, wait_until="domcontentloaded")   # log_in waits for the form itself
    log_in(page, login)


def menu(page, title: str):
    """A page of the app's menu in the sidebar (page links; Streamlit's own menu is hidden)."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").get_by_text(title, exact=True)
