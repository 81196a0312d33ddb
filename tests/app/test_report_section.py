"""The overview's report section: the report to the city (Word, PDF), the Biểu (Excel) and the
summary (PDF) side by side; the office and the admin type the report's number, addressee, causes
and proposals, a leader downloads it as it stands."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.common import log_in

ROOT = Path(__file__).resolve().parents[2]
FILES = ["Báo cáo gửi thành phố (Word)", "Báo cáo gửi thành phố (PDF)", "Biểu tự chấm điểm (Excel)",
         "Bản tóm tắt (PDF)"]
FIELDS = ["cover_number", "cover_recipient", "cover_causes", "cover_proposals"]


def _overview(monkeypatch, db: Path, login: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), db, login)
    at.run()
    assert not at.exception and not at.error
    return at


def _keys(at: AppTest) -> set[str]:
    return {w.key for w in [*at.text_input, *at.text_area]}


def test_the_office_types_the_report_and_everyone_downloads_every_file(monkeypatch, demo_db):
    at = _overview(monkeypatch, demo_db, "vanphong")
    assert [b.proto.label for b in at.get("download_button")][-4:] == FILES
    assert set(FIELDS) <= _keys(at)
    at.text_input(key="cover_number").input("27").run()
    assert not at.exception and not at.error
    leader = _overview(monkeypatch, demo_db, "lanhdao")
    assert not set(FIELDS) & _keys(leader)
    assert [b.proto.label for b in leader.get("download_button")][-4:] == FILES
