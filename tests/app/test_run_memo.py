"""The data version is read once per script run, and again in the next run: a closing between two
runs shows at once."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.figures import Actor
from kpi.usecases.closing import close
from tests.common import CONFIG, TODAY, log_in

ROOT = Path(__file__).resolve().parents[2]
OFFICE = Actor("Văn phòng", "office", "vanphong")


def test_data_version_once_per_run_and_fresh_in_the_next(monkeypatch, demo_db, catalog):
    monkeypatch.setenv("KPI_DB", str(demo_db))
    monkeypatch.setenv("KPI_CONFIG", str(CONFIG))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), demo_db)
    at.query_params["period"] = "2026-Q3"
    at.run()
    assert not at.exception and not at.error
    assert at.metric[0].label == "Tổng điểm Quý III/2026"
    seen: list[str] = []
    read = store.data_version

    def counted(conn, commune):
        seen.append(read(conn, commune))
        return seen[-1]

    monkeypatch.setattr(store, "data_version", counted)
    log_in(at, demo_db).run()
    assert not at.exception and len(seen) == 1          # the overview asks a dozen times: one query
    conn = store.connect(demo_db)
    try:
        close(conn, catalog, OFFICE, "2026-Q3", as_of=TODAY)
    finally:
        conn.close()
    log_in(at, demo_db).run()
    assert not at.exception and len(seen) == 2
    assert at.metric[0].label == "Tổng điểm Quý III/2026 (đã khoá sổ)"   # the next run sees the closing
