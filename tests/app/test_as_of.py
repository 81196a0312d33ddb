"""«Tính đến ngày» on the overview: a leader opens the record as it stood at the end of an earlier
day (a meeting's screen again); the headline says so; a viewer cannot."""
from __future__ import annotations

import datetime as dt

import time_machine
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.catalog import load_catalog
from kpi.present import texts
from kpi.usecases.period_result import period_result
from tests.common import CONFIG, ROOT, TODAY, log_in

MEETING = dt.date(2026, 10, 10)


def _overview(monkeypatch, db, login: str, **params) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(CONFIG))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90), db, login)
    for k, v in params.items():
        at.query_params[k] = v
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(12)), tick=True):
        at.run()
    assert not at.exception and not at.error
    return at


def test_a_leader_sees_the_record_as_it_stood_on_the_meeting_day(monkeypatch, demo_db):
    conn = store.connect(demo_db)
    then = period_result(conn, load_catalog(CONFIG), "2026-Q3", as_of=MEETING).commune
    now = period_result(conn, load_catalog(CONFIG), "2026-Q3", as_of=TODAY).commune
    conn.close()
    assert then.total_points != now.total_points      # September's reports came 06–16/10
    at = _overview(monkeypatch, demo_db, "lanhdao", as_of=MEETING.isoformat(), period="2026-Q3")
    assert at.date_input(key="as_of_pick").value == MEETING
    assert at.metric[0].label == "Tổng điểm Quý III/2026 (tạm tính) · tính đến 10/10/2026"
    assert at.metric[0].value == texts.score_headline(then.total_points, then.max_points)
    assert any("cuối ngày 10/10/2026" in i.value for i in at.info)


def test_a_viewer_sees_today_whatever_the_link_says(monkeypatch, demo_db):
    conn = store.connect(demo_db)
    now = period_result(conn, load_catalog(CONFIG), "2026-Q3", as_of=TODAY).commune
    conn.close()
    at = _overview(monkeypatch, demo_db, "xem", as_of=MEETING.isoformat(), period="2026-Q3")
    assert not at.date_input
    assert at.metric[0].label == "Tổng điểm Quý III/2026"
    assert at.metric[0].value == texts.score_headline(now.total_points, now.max_points)
    assert "as_of" not in at.query_params
