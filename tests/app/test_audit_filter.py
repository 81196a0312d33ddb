"""The audit page's period filter: a wrong period is a sentence saying how to write one."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.common import log_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("period", ["2026-Qx", "2026-Q5", "tháng 5"])
def test_a_wrong_period_is_named_not_an_error_box(monkeypatch, demo_db, period):
    monkeypatch.setenv("KPI_DB", str(demo_db))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), demo_db)
    at.run()
    at.switch_page("pages/audit.py").run()
    at.text_input(key="audit_period").input(period).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"Kỳ «{period}» không đúng dạng: ghi một tháng (ví dụ 2026-05) hoặc một quý (ví dụ 2026-Q2, quý từ "
        "1 đến 4), hoặc để trống để xem mọi kỳ."]
    at.text_input(key="audit_period").input("2026-q3").run()
    assert not at.exception and not at.error and at.dataframe
