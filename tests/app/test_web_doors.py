"""The web's doors for sensitive bytes and user text: a link's `?period=` and an evidence note are
shown as literal text (no link, no image); the backup and the evidence pack are never on a page:
a click gives a one-time link to the app's download route, which checks the session again (the
pack's button only for the accounts with the right)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.catalog import load_catalog
from kpi.domain.figures import Actor
from kpi.store.accounts import audit_rows
from kpi.usecases import evidence
from tests.common import CONFIG, log_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_db(demo_db_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    return path


def _app(monkeypatch, db, login: str, **params) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(CONFIG))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90), db, login)
    for k, v in params.items():
        at.query_params[k] = v
    return at


def _audited(db, action: str) -> list[dict]:
    conn = store.connect(db)
    try:
        return audit_rows(conn, action=action).to_dict("records")
    finally:
        conn.close()


def test_a_markdown_period_in_a_link_is_shown_as_text(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "xem", period="**x** [a](https://evil.example) ![t](http://evil.example/t.png)")
    at.run()
    assert not at.exception
    shown = at.toast[0].value
    assert shown == ("Không có số liệu cho kỳ «\\*\\*x\\*\\* \\[a\\](https\\://evil.example) "
                     "\\!\\[t\\](http\\://evil.example/t.png)» trong địa chỉ; đang hiển thị kỳ gần nhất.")


def test_a_bare_url_in_an_evidence_note_is_text(monkeypatch, demo_db):
    conn = store.connect(demo_db)
    evidence.attach_link(conn, load_catalog(CONFIG), Actor("Văn phòng", "office", "vanphong"), "2026-Q4",
                         "ATTT_MA_DOC", None, "https://vneid.example.vn/bao-cao",
                         "xem http://evil.example/dang-nhap hoặc www.evil.example")
    conn.close()
    at = _app(monkeypatch, demo_db, "vanphong")
    at.run()
    at.switch_page("pages/evidence.py").run()
    assert not at.exception
    table = at.table[-1].value
    sent = table[table["Mã"] == "ATTT\\_MA\\_DOC"].iloc[0]["Đã gửi"]
    assert "xem http\\://evil.example/dang-nhap hoặc www\\.evil.example (https\\://vneid.example.vn/bao-cao;" in sent


def _signed_in(monkeypatch, db, login: str) -> tuple[AppTest, str]:
    """An AppTest signed in as a browser is: a server-side session (the cookie's), its token hash
    kept in the session state; returns the app and that hash."""
    import datetime as dt
    import time

    from kpi.store.accounts import get_account
    from kpi.usecases import sessions
    at = _app(monkeypatch, db, login)
    conn = store.connect(db)
    try:
        key = sessions.token_hash(sessions.start(conn, get_account(conn, login), dt.datetime.now().replace(microsecond=0)))
    finally:
        conn.close()
    at.session_state["auth"] = {"login": login, "last_seen": time.time(), "key": key}
    return at, key


def _links(at: AppTest) -> list[str]:
    return [b.proto.url for b in at.get("link_button")]


def test_the_pack_button_only_for_the_right_and_nothing_made_before_a_click(monkeypatch, demo_db):
    for login, shown in (("xem", False), ("dv-ca", False), ("lanhdao", True), ("vanphong", True)):
        at, _key = _signed_in(monkeypatch, demo_db, login)
        at.run()
        at.switch_page("pages/evidence.py").run()
        assert not at.exception
        buttons = [b for b in at.button if b.key == "pack_download"]
        assert bool(buttons) == shown, login
        assert _links(at) == [] and not [b for b in at.get("download_button") if b.proto.id.endswith("pack_download")]
        for b in buttons:    # the click gives a one-time link of this server; nothing is made yet
            b.click().run()
            [link] = _links(at)
            assert link.startswith("/_kpi/download/") and len(link) > 50
    assert _audited(demo_db, "export_evidence_pack") == []


def test_the_backup_is_made_only_when_its_link_is_followed(monkeypatch, demo_db):
    import kpi.usecases.backup as backup
    from kpi.web.tickets import TICKETS
    made = []
    monkeypatch.setattr(backup, "make_backup", lambda *a, **k: made.append(a))
    at, key = _signed_in(monkeypatch, demo_db, "admin")
    at.run()
    at.switch_page("pages/backup.py").run()
    assert not at.exception and not at.error
    assert at.get("download_button") == [] and _links(at) == []
    at.button(key="download_backup").click().run()
    [link] = _links(at)
    ticket = TICKETS.check(link.rsplit("/", 1)[1], key)
    assert (ticket.kind, ticket.login) == ("backup", "admin") and ticket.file_name.startswith("sao-luu-kpi-")
    assert made == [] and _audited(demo_db, "make_backup") == []
    # nothing of an archive is kept in the session either
    assert "backup" not in at.session_state


def test_a_session_without_the_cookie_gets_no_link(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "admin")
    at.run()
    at.switch_page("pages/backup.py").run()
    assert not at.exception
    assert at.button(key="download_backup").disabled and _links(at) == []
    assert any("đăng nhập lại" in c.value for c in at.caption)


def test_the_route_checks_the_session_again(monkeypatch, demo_db):
    """The download route (in-process): an unknown ticket, another session's, an ended, idle or
    disabled session get nothing (the use case is not even asked); the live one gets the file once."""
    import datetime as dt

    from kpi.store.accounts import get_account
    from kpi.usecases import sessions
    from kpi.web import download_route
    from kpi.web.tickets import TICKETS
    monkeypatch.setenv("KPI_DB", str(demo_db))
    monkeypatch.setenv("KPI_CONFIG", str(CONFIG))
    from tests.common import ensure_demo_account
    ensure_demo_account(demo_db, "vanphong")
    asked = []
    monkeypatch.setattr(download_route, "_produce", lambda ticket, actor: asked.append(actor.login) or "zip")
    now = dt.datetime.now().replace(microsecond=0)
    conn = store.connect(demo_db)
    try:
        account = get_account(conn, "vanphong")
        live, ended, idle, other = (sessions.token_hash(sessions.start(conn, account, at))
                                    for at in (now, now, now - dt.timedelta(hours=2), now))
        sessions.end(conn, ended, now)
    finally:
        conn.close()

    def serve(key, ticket_key=None, login="vanphong"):
        return download_route._serve(TICKETS.mint(ticket_key or key, login, "pack", {"quarter": "2026-Q4"}), key)
    assert download_route._serve("x" * 43, live).status_code == 404
    for response in (serve(live, ticket_key=other), serve(ended), serve(idle), serve(live, login="admin")):
        assert response.status_code == 403 and b"Traceback" not in response.body
    assert asked == []
    ticket = TICKETS.mint(live, "vanphong", "pack", {"quarter": "2026-Q4"})
    assert download_route._serve(ticket, live) == "zip" and asked == ["vanphong"]
    assert download_route._serve(ticket, live).status_code == 404
    conn = store.connect(demo_db)
    try:
        conn.execute("UPDATE accounts SET active = false WHERE login = 'vanphong'")
    finally:
        conn.close()
    assert serve(live).status_code == 403 and asked == ["vanphong"]
