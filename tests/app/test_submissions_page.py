"""«Tình hình nộp số liệu» through AppTest on the demo database (built for 23/11/2026): the
military command (QS) never sent June 2026, the health station (TYT) sent it 4 days late."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from streamlit.testing.v1 import AppTest

from tests.common import log_in

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture
def demo_db(demo_db_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    return path


def _board_page(monkeypatch, db: Path, period: str, login: str = "xem") -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    at = log_in(AppTest.from_file(APP, default_timeout=60), db, login)
    at.query_params["period"] = period
    at.run()
    at.switch_page("pages/submissions.py").run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    return at


def test_board_shows_late_missing_and_the_reminder(monkeypatch, demo_db):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0), tick=False):
        at = _board_page(monkeypatch, demo_db, "2026-Q2")
    assert at.title[0].value == "Tình hình nộp số liệu"
    assert at.info[0].value == "Số liệu Tháng 11/2026: còn 25 ngày đến hạn 18/12/2026"
    board = at.table[0].value
    assert list(board.columns) == ["Đơn vị", "Tháng 4/2026", "Tháng 5/2026", "Tháng 6/2026",
                                   "Tháng 11/2026"]
    by_unit = board.set_index("Đơn vị")
    assert by_unit.loc["Ban Chỉ huy quân sự xã", "Tháng 6/2026"] == "✖ Chưa nộp"
    # sent three days after the due date 18/07: the 18th, 19th, 20th and 21st are late
    assert by_unit.loc["Trạm Y tế xã", "Tháng 6/2026"] == "▲ Muộn 4 ngày"
    assert by_unit.loc["Trạm Y tế xã", "Tháng 5/2026"] == "✔ Đúng hạn"
    assert set(by_unit["Tháng 11/2026"]) == {"○ Chưa đến hạn"}
    assert [m.value for m in at.metric] == ["34 lượt", "1 lượt", "1 lượt", "12 lượt"]
    reminder = at.code[0].value
    assert "- Ban Chỉ huy quân sự xã: Tháng 6/2026 (hạn trước ngày 18/07/2026)" in reminder
    assert "Trạm Y tế xã:" not in reminder.split("Số liệu Tháng 11/2026")[0]
    assert reminder.endswith("Số liệu Tháng 11/2026 gửi trước ngày 18/12/2026 (còn 25 ngày); "
                             "chưa đơn vị nào gửi.")


def _overview_link(monkeypatch, db: Path, period: str) -> str:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    at = log_in(AppTest.from_file(APP, default_timeout=60), db, "lanhdao")
    at.query_params["period"] = period
    at.run()
    assert not at.exception
    # the menu is page links too: the overview's line is the one that counts units
    links = [p.proto.label for p in at.get("page_link") if "xem tình hình nộp số liệu" in p.proto.label]
    assert len(links) == 1
    return links[0]


def test_overview_counts_the_units_missing_a_due_report(monkeypatch, demo_db):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0), tick=False):
        q2 = _overview_link(monkeypatch, demo_db, "2026-Q2")
        q4 = _overview_link(monkeypatch, demo_db, "2026-Q4")
    assert q2 == "✖ 1/12 đơn vị chưa gửi số liệu tháng đã đến hạn · xem tình hình nộp số liệu"
    assert q4 == "✔ Cả 12 đơn vị đã gửi đủ số liệu tháng đến hạn · xem tình hình nộp số liệu"
