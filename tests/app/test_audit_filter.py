"""The audit page's period filter is a picker of months and quarters (nothing to type wrong): each
choice filters the table to that period, with no error."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.common import log_in

ROOT = Path(__file__).resolve().parents[2]


def test_the_period_is_picked_not_typed(monkeypatch, demo_db):
    monkeypatch.setenv("KPI_DB", str(demo_db))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), demo_db)
    at.run()
    at.switch_page("pages/audit.py").run()
    assert not [t for t in at.text_input if t.key == "audit_period"]
    picker = at.selectbox(key="audit_period")
    assert "Quý III/2026" in picker.options and "Tháng 10/2026" in picker.options   # shown as people read them
    every = len(at.dataframe[0].value)
    picker.set_value("2026-10").run()
    assert not at.exception and not at.error
    october = at.dataframe[0].value
    assert 0 < len(october) < every
