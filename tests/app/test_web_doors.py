"""The web's doors for sensitive bytes and user text: a link's `?period=` and an evidence note are
shown as literal text (no link, no image); the backup and the evidence pack are made only at a
click (nothing of them on the page before), the pack's button only for the accounts with the right."""
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


def test_the_pack_button_only_for_the_right_and_nothing_made_before_a_click(monkeypatch, demo_db):
    for login, shown in (("xem", False), ("dv-ca", False), ("lanhdao", True), ("vanphong", True)):
        at = _app(monkeypatch, demo_db, login)
        at.run()
        at.switch_page("pages/evidence.py").run()
        assert not at.exception
        buttons = [b for b in at.get("download_button") if b.proto.id.endswith("pack_download")]
        assert bool(buttons) == shown, login
        for b in buttons:    # no file of the pack was registered while the page was drawn
            assert b.proto.url == ""
    assert _audited(demo_db, "export_evidence_pack") == []


def test_the_backup_is_made_only_at_the_click(monkeypatch, demo_db):
    import kpi.usecases.backup as backup
    made = []
    monkeypatch.setattr(backup, "make_backup", lambda *a, **k: made.append(a))
    at = _app(monkeypatch, demo_db, "admin")
    at.run()
    at.switch_page("pages/backup.py").run()
    assert not at.exception and not at.error
    [button] = at.get("download_button")
    assert button.proto.label == "Tạo và tải bản sao lưu" and button.proto.url == ""
    assert made == [] and _audited(demo_db, "make_backup") == []
    # nothing of an archive is kept in the session either
    assert "backup" not in at.session_state


def test_at_click_checks_the_session_again(demo_db):
    """The callable a sensitive download runs at the click: an ended, signed-out, idle or disabled
    session gets nothing (the use case is not even asked); a live one gets the account re-read."""
    import time

    from kpi.domain.rights import PermissionDenied
    from kpi.web.downloads import at_click
    from tests.common import ensure_demo_account
    ensure_demo_account(demo_db, "vanphong")
    conn = store.connect(demo_db)
    asked, forgotten = [], []

    def produce(actor):
        asked.append(actor.login)
        return b"zip"

    def click(live, state):
        return at_click(produce, lambda: live, state, conn, lambda: forgotten.append(1))()
    fresh = {"auth": {"login": "vanphong", "last_seen": time.time()}}
    try:
        for live, state in ((False, fresh), (True, {}), (True, {"auth": {"login": "vanphong", "last_seen": 0}}),
                            (True, {"auth": {"login": "khong-co", "last_seen": time.time()}})):
            with pytest.raises(PermissionDenied, match="Phiên làm việc đã kết thúc"):
                click(live, state)
        assert asked == [] and len(forgotten) == 4
        assert click(True, fresh) == b"zip" and asked == ["vanphong"]
        conn.execute("UPDATE accounts SET active = false WHERE login = 'vanphong'")
        with pytest.raises(PermissionDenied):
            click(True, fresh)
        assert asked == ["vanphong"]
    finally:
        conn.close()
