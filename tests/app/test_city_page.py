"""The city view through AppTest on a database of several communes: ranking, charts, opening a
commune's overview; hidden and refused for an account of one commune."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.city import load_city
from kpi.usecases.accounts import add_user
from kpi.usecases.city import city_scores
from kpi.usecases.demo import DEMO_ACTOR, create_demo_accounts, load_city_demo
from tests.common import CONFIG, SYSTEM, TODAY, log_in

ROOT = Path(__file__).resolve().parents[2]
EXPECTED: list = []   # every commune's Q4/2026 score, computed before the app opens the database
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def city_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("city") / "city.duckdb"
    conn = store.connect(path)
    city = load_city(CONFIG)
    load_city_demo(conn, city, 6, 9, today=TODAY)
    create_demo_accounts(conn, city.catalog_for("THAITAN"), commune="THAITAN")
    EXPECTED.extend(city_scores(conn, city, SYSTEM, "2026-Q4", as_of=TODAY))
    add_user(conn, city.base, DEMO_ACTOR, "vp-xa003", "office", (), "VP xã 3",
             "mat-khau-dai", commune="XA003")
    conn.close()
    return path


def _app(monkeypatch, db, login):
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(CONFIG))
    at = AppTest.from_file(APP, default_timeout=90)
    return log_in(at, db, login)


def _menu(at) -> list[str]:
    return [p.proto.label for p in at.sidebar.get("page_link")]


def test_city_view_ranks_communes_and_opens_one(monkeypatch, city_db):
    expected = EXPECTED
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0), tick=False):
        at = _app(monkeypatch, city_db, "thanhpho")
        at.run()   # the pages are registered by the first run
        at.switch_page("pages/city.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert "Toàn thành phố" in _menu(at)
        assert at.title[0].value.startswith("Toàn thành phố · Quý IV/2026")
        table = at.dataframe[0].value
        assert list(table["Mã"]) == [r.code for r in expected]
        assert table.iloc[0]["Điểm"] == f"{expected[0].score.total_points:.2f}".replace(".", ",").rstrip("0") \
            .rstrip(",") + "/100"
        assert at.metric[0].value == "6"
        assert len(at.get("plotly_chart")) == 3
        # (the click → overview is followed in the browser test: AppTest's st.switch_page starts a
        # session without the login)


def test_commune_pages_work_inside_the_chosen_commune(monkeypatch, city_db):
    expected = {r.code: r for r in EXPECTED}
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0), tick=False):
        at = _app(monkeypatch, city_db, "thanhpho")
        at.query_params["commune"] = "XA003"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state["commune"] == "XA003"
        assert at.title[0].value == f"{expected['XA003'].name} · Quý IV/2026"
        headline = f"{expected['XA003'].score.total_points:.2f}".replace(".", ",").rstrip("0").rstrip(",")
        assert any(headline in str(m.value) for m in at.metric)
        at.selectbox(key="commune_pick").set_value("XA001").run()
        assert at.title[0].value == f"{expected['XA001'].name} · Quý IV/2026"
        at.switch_page("pages/unit.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state["commune"] == "XA001"


def test_commune_account_sees_only_its_commune(monkeypatch, city_db):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0), tick=False):
        at = _app(monkeypatch, city_db, "vp-xa003")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert "Toàn thành phố" not in _menu(at)
        assert at.session_state["commune"] == "XA003"
        assert "commune_pick" not in [s.key for s in at.selectbox]   # no commune to choose
        at.switch_page("pages/city.py").run()
        assert any("không được mở trang «Toàn thành phố»" in e.value for e in at.error)
