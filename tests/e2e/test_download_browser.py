"""The sensitive downloads over HTTP (kpi.web.download_route) against a server of its own: the page
gives a one-time link `/_kpi/download/<ticket>`; without the session cookie (or with another one)
it gives 403 and makes nothing; with the cookie of the session that asked for it, the zip once,
then 404; after logout, 403. The audit afterwards holds exactly the downloads that were served."""
from __future__ import annotations

import io
import os
import time
import urllib.error
import urllib.request
import zipfile
from email.message import Message
from urllib.parse import urljoin

import pytest

from kpi import store
from kpi.store.accounts import audit_rows
from tests.e2e.conftest import ROOT, log_in, serving, wait_ready

pytestmark = pytest.mark.browser


def _get(url: str, cookie: str | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": f"kpi_session={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def _open_when_released(db):
    """The database once the stopped server has let go of its file lock."""
    for _ in range(50):
        try:
            return store.connect(db)
        except store.StoreError:
            time.sleep(0.2)
    return store.connect(db)


def _link(page, url: str, button: str) -> str:
    page.get_by_role("button", name=button).click()
    link = page.get_by_role("link", name="Tải về máy")
    link.wait_for(timeout=30000)
    wait_ready(page)
    href = link.get_attribute("href")
    assert href and href.startswith("/_kpi/download/"), href
    return urljoin(url, href)


def _refused(status: int, headers: Message, body: bytes, code: int) -> None:
    assert status == code, (status, body[:200])
    assert headers.get("Cache-Control") == "no-store"
    text = body.decode()
    assert "Không tải được tệp" in text and "Traceback" not in text and not body.startswith(b"PK")


def test_a_download_link_works_once_for_its_session_only(browser, demo_db_file, tmp_path, shots):
    db = tmp_path / "kpi.duckdb"
    db.write_bytes(demo_db_file.read_bytes())
    env = dict(os.environ, KPI_DB=str(db), KPI_CONFIG=str(ROOT / "config" / "indicators.toml"))
    with serving(["-m", "kpi.web.serve"], ROOT, env, tmp_path / "streamlit.log") as url:
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
        page = ctx.new_page()
        page.goto(f"{url}/sao-luu", wait_until="domcontentloaded")
        log_in(page, "admin")
        page.wait_for_timeout(500)   # the page's exchange of the one-time code for the cookie
        [cookie] = [c["value"] for c in page.context.cookies(url) if c["name"] == "kpi_session"]

        backup = _link(page, url, "Tạo và tải bản sao lưu")
        page.screenshot(path=str(shots / "download-link-backup.png"))
        _refused(*_get(backup), 403)                        # no cookie
        _refused(*_get(backup, "x" * 43), 403)              # a cookie of no session
        status, headers, body = _get(backup, cookie)        # still usable: the refusals did not use it up
        assert status == 200, body[:300]
        assert headers["Content-Disposition"].startswith('attachment; filename="sao-luu-kpi-')
        assert headers["Cache-Control"] == "no-store" and headers["Content-Type"] == "application/zip"
        assert zipfile.ZipFile(io.BytesIO(body)).namelist()
        _refused(*_get(backup, cookie), 404)                # once only

        page.goto(f"{url}/minh-chung", wait_until="domcontentloaded")
        wait_ready(page)
        pack = _link(page, url, "Tải bộ hồ sơ minh chứng")
        _refused(*_get(pack), 403)
        status, headers, body = _get(pack, cookie)
        assert status == 200 and headers["Content-Disposition"].startswith('attachment; filename="minh-chung-')
        assert zipfile.ZipFile(io.BytesIO(body)).namelist()

        later = _link(page, url, "Tải bộ hồ sơ minh chứng")
        page.get_by_role("button", name="Đăng xuất").first.click()
        page.get_by_role("button", name="Đăng nhập").wait_for(timeout=30000)
        _refused(*_get(later, cookie), 403)                 # the session has ended
        ctx.close()
    conn = _open_when_released(db)
    try:
        assert len(audit_rows(conn, action="make_backup")) == 1
        assert len(audit_rows(conn, action="export_evidence_pack")) == 1
    finally:
        conn.close()
