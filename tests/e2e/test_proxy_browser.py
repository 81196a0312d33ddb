"""The city server's proxy (scripts/serve_city.py's nginx config, README «Triển khai»): two app
workers on one PostgreSQL behind nginx; a browser logs in through the proxy and opens a page, a
second browser context lands on the other worker, and every request of each session — the page, its
scripts, its WebSocket — reached that session's own worker (sticky by the proxy's cookie)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import ROOT, log_in, menu, serving, wait_ready

sys.path.insert(0, str(ROOT / "scripts"))
from serve_city import NGINX, nginx_conf  # noqa: E402

pytestmark = pytest.mark.browser


def _nginx_missing() -> str | None:
    return None if Path(NGINX).exists() else f"{NGINX} not found (apt-get install nginx)"


@pytest.fixture
def city_proxy(pg_url, tmp_path, catalog):
    """Two workers (forked like every browser test's server) on a PostgreSQL demo database, nginx in
    front on a free port; yields (proxy url, run folder)."""
    why = _nginx_missing()
    if why:
        if os.environ.get("KPI_REQUIRE_NGINX") == "1":
            pytest.fail(f"nginx required (KPI_REQUIRE_NGINX=1) but {why}")
        pytest.skip(f"proxy test skipped: {why}; .ci/run installs it")
    from kpi import store
    from kpi.usecases.demo import create_demo_accounts, load_demo
    conn = store.connect(pg_url)
    load_demo(conn, catalog, 3, dt.date.today())
    create_demo_accounts(conn, catalog)
    conn.close()
    files = tmp_path / "files"
    env = dict(os.environ, KPI_DB=pg_url, KPI_FILES_DIR=str(files),
               KPI_CONFIG=str(ROOT / "config" / "indicators.toml"))
    run = tmp_path / "proxy"
    run.mkdir()
    from conftest import _free_port
    port = _free_port()
    with ExitStack() as stack:
        workers = [stack.enter_context(serving(["-m", "kpi.web.serve"], ROOT, env, tmp_path / f"w{i}.log"))
                   for i in (1, 2)]
        conf = run / "nginx.conf"
        conf.write_text(nginx_conf(run, f"127.0.0.1:{port}", [w.removeprefix("http://") for w in workers]))
        nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(run)])
        stack.callback(nginx.wait, 10)
        stack.callback(nginx.terminate)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert nginx.poll() is None and time.monotonic() < deadline, (run / "nginx-error.log").read_text()
            time.sleep(0.1)
        yield url, run, workers


def _route(url: str, other_than: str | None = None) -> tuple[str, str]:
    """A sticky cookie from the proxy (a first visit) and the worker it routes to; with `other_than`,
    one routing to another worker (the hash spreads new sessions: a few visits at most)."""
    for _ in range(40):
        with urllib.request.urlopen(url + "/", timeout=10) as r:
            cookie = r.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
            worker = r.headers["X-Kpi-Worker"]
        if worker != other_than:
            return cookie, worker
    raise AssertionError(f"40 new sessions all went to {other_than}")


def test_two_sessions_through_the_proxy_each_on_its_own_worker(browser, city_proxy):
    url, run, workers = city_proxy
    sessions = []
    first_worker = None
    for _ in range(2):
        cookie, worker = _route(url, other_than=first_worker)
        first_worker = first_worker or worker
        # a context of its own (not the shared one: its own cookies)
        ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN", color_scheme="light")
        ctx.add_cookies([{"name": "kpi_worker", "value": cookie, "url": url}])
        page = ctx.new_page()
        response = page.goto(url, wait_until="domcontentloaded")
        assert response.headers["x-kpi-worker"] == worker
        log_in(page, "admin")
        menu(page, "Đơn vị").click()
        wait_ready(page)
        assert "/don-vi" in page.url
        assert page.get_by_role("heading").first.is_visible()
        sessions.append((cookie, worker, page))
    assert {w for _, w, _ in sessions} == {w.removeprefix("http://") for w in workers}, "both workers serve"
    first = sessions[0][2]       # the first session still works after the second logged in elsewhere
    menu(first, "Tổng quan").click()
    wait_ready(first)
    assert first.get_by_test_id("stSidebar").get_by_text("(admin)").first.is_visible()
    # every request of each session (the WebSocket too: nginx logs it when it closes) went to that
    # session's worker
    for _, _, page in sessions:
        page.context.close()
    deadline = time.monotonic() + 10
    while True:
        log = (run / "nginx-access.log").read_text().splitlines()
        if sum("/_stcore/stream" in line for line in log) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for cookie, worker, _ in sessions:
        mine = [line for line in log if f" {cookie} " in line]
        assert any("/_stcore/stream" in line for line in mine), "the WebSocket went through the proxy"
        assert all(f" {worker} " in line for line in mine), [line for line in mine if f" {worker} " not in line]
