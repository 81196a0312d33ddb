"""A closed quarter on the pages: the frozen result, said so, identical after a catalogue edit."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.present import texts
from kpi.usecases.closing import close
from kpi.usecases.period_result import period_result
from tests.common import CONFIG, TODAY, log_in

ROOT = Path(__file__).resolve().parents[2]
OFFICE = Actor("Văn phòng", "office", "vanphong")


def test_the_overview_shows_a_closed_quarter_frozen_after_a_catalogue_edit(monkeypatch, demo_db, catalog, tmp_path):
    conn = store.connect(demo_db)
    close(conn, catalog, OFFICE, "2026-Q3", as_of=TODAY)
    frozen = period_result(conn, catalog, Quarter.parse("2026-Q3"), as_of=TODAY).score
    conn.close()
    edited = tmp_path / "edited.toml"
    text = CONFIG.read_text(encoding="utf-8")
    assert "target = 100\npoints = 2" in text
    edited.write_text(text.replace("target = 100\npoints = 2", "target = 50\npoints = 7", 1), encoding="utf-8")
    monkeypatch.setenv("KPI_DB", str(demo_db))
    monkeypatch.setenv("KPI_CONFIG", str(edited))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), demo_db)
    at.query_params["period"] = "2026-Q3"
    at.run()
    assert not at.exception and not at.error
    assert at.metric[0].label == "Tổng điểm Quý III/2026 (đã khoá sổ)"
    assert at.metric[0].value == texts.score_headline(frozen.total_points, frozen.max_points)
    assert any(i.value.startswith("Kết quả đã khoá sổ lúc ") and "(vanphong)" in i.value for i in at.info)
