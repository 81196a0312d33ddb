"""The Mô phỏng page through Streamlit's AppTest: it runs on the demo and on an empty database;
changing an input moves the simulated total by exactly what the engine says; scenarios are
saved and compared; a goal-seek plan can be put into the scenario. Nothing is stored."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.scoring import round_points, score_quarter
from kpi.domain.whatif import Adjustment, Scenario, simulate_figures
from kpi.present.texts import smart_number
from kpi.usecases.scores import scoring_figures
from tests.common import TODAY, log_in

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/whatif.py"


def _app(monkeypatch, db: Path) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    log_in(at, db)
    at.run()
    at.switch_page(PAGE).run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def _points(x: float) -> str:
    return f"{smart_number(round_points(x))}/100"


def test_changing_an_input_moves_the_total(monkeypatch, demo_db, catalog):
    c = store.connect(demo_db)
    f = scoring_figures(c, catalog, as_of=TODAY)        # what the page scores: with reporting on time measured
    stored = store.current_figures(c, catalog.commune)
    c.close()
    at = _app(monkeypatch, demo_db)
    actual = score_quarter(catalog, f, "2026-Q4").total_points
    assert _metric(at, "Tổng điểm thực tế").value == _points(actual) == "92,27/100"
    assert _metric(at, "Tổng điểm mô phỏng").value == _points(actual)
    at.number_input(key="wi:TT_TIN_BAI:val").set_value(9.0).run()
    _ok(at)
    expected = simulate_figures(catalog, f, "2026-Q4", Scenario("x", (
        Adjustment("TT_TIN_BAI", extra_value=9),))).simulated.total_points
    assert _metric(at, "Tổng điểm mô phỏng").value == _points(expected) == "94,07/100"
    assert _metric(at, "Tổng điểm mô phỏng").delta == "+1,8 điểm"
    # the moved criterion in a static table (names wrap, no column behind a scroll), written as people read it
    assert at.table[0].value.to_dict("records") == [{
        "Nhóm": "Thông tin, tuyên truyền", "Chỉ tiêu": "Số tin, bài về chuyển đổi số đăng trên Cổng thông tin điện tử xã",
        "Thực tế": "6 tin, bài trong quý", "Mô phỏng": "15 tin, bài trong quý", "Điểm thực tế": "1,2/3",
        "Điểm mô phỏng": "3/3", "Chênh lệch": "+1,8"}]
    # a rate: the digitised-archive rate set to 100 % (2,11 → 3 points) adds to it
    at.number_input(key="wi:CQ_SO_HOA_LUU_TRU:rate").set_value(100.0).run()
    assert _metric(at, "Tổng điểm mô phỏng").value == "94,96/100"
    # reset brings the actual back
    at.button[1].click().run()
    assert _metric(at, "Tổng điểm mô phỏng").value == "92,27/100"
    # a loss: st.metric treats only an ASCII "-" as negative, so it must get one (red, arrow down)
    loss = simulate_figures(catalog, f, "2026-Q4", Scenario("x", (
        Adjustment("DVC_QUA_HAN", set_rate=50.0),))).gain
    assert loss < 0
    at.text_input(key="wi_name").set_value("Quá hạn 50 %").run()
    at.number_input(key="wi:DVC_QUA_HAN:rate").set_value(50.0).run()
    _ok(at)
    assert _metric(at, "Tổng điểm mô phỏng").delta == f"-{smart_number(round_points(-loss))} điểm"
    # the comparison tab's deltas too
    at.button[0].click().run()
    at.selectbox(key="wi_cmp_b").set_value("Quá hạn 50 %").run()
    _ok(at)
    assert _metric(at, "Quá hạn 50 %").delta.startswith(f"-{smart_number(round_points(-loss))} — ")
    at.button[1].click().run()
    c = store.connect(demo_db)          # same settings as the app's connection
    assert store.current_figures(c, catalog.commune).equals(stored)   # nothing stored
    c.close()


def test_scenarios_are_saved_and_compared(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    at.text_input(key="wi_name").set_value("Wifi thêm 3 nhà").run()
    at.number_input(key="wi:HT_WIFI_NVH:val").set_value(3.0).run()
    at.button[0].click().run()
    _ok(at)
    assert at.success[0].value == "Đã lưu kịch bản «Wifi thêm 3 nhà» cho phiên làm việc này."
    at.text_input(key="wi_name").set_value("Tin bài").run()
    at.number_input(key="wi:HT_WIFI_NVH:val").set_value(0.0).run()
    at.number_input(key="wi:TT_TIN_BAI:val").set_value(9.0).run()
    at.selectbox(key="wi_cmp_b").set_value("Wifi thêm 3 nhà").run()
    _ok(at)
    table = at.dataframe[-1].value
    total = table.iloc[-1]
    assert total["Chỉ tiêu"] == "Tổng điểm"
    assert (total["Thực tế"], total["Tin bài"], total["Wifi thêm 3 nhà"]) == ("92,27", "94,07", "92,98")


def test_goal_plan_goes_into_the_scenario(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    at.selectbox(key="wi_goal_pick:2026-Q4").set_value("Số điểm tự chọn").run()
    at.number_input(key="wi_goal").set_value(95.0).run()
    _ok(at)
    assert any(m.value.startswith("Cần cải thiện") for m in at.markdown)
    next(b for b in at.button if b.label == "Đưa các bước này vào kịch bản").click().run()
    _ok(at)
    total = float(_metric(at, "Tổng điểm mô phỏng").value.split("/")[0].replace(",", "."))
    assert 95 <= total < 97


def test_page_runs_on_an_empty_database(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path / "empty.duckdb")
    assert any("Chưa có số liệu nào để mô phỏng" in i.value for i in at.info)
    assert not at.metric



def test_grade_goal_and_values_out_of_reach(monkeypatch, demo_db, catalog):
    at = _app(monkeypatch, demo_db)
    # Quý IV is at 92,27 (the sum of the official points; Xuất sắc, the top grade): the default goal is keeping it
    pick = at.selectbox(key="wi_goal_pick:2026-Q4")
    assert pick.options == ["giữ Xuất sắc (từ 90 điểm)", "Số điểm tự chọn"]
    assert pick.value == "giữ Xuất sắc (từ 90 điểm)"
    assert any(m.value == "Đã đạt 92,27 điểm, không cần cải thiện thêm." for m in at.markdown)
    # Quý III: every month is due, so a better rate can no longer happen; it is marked beside the total
    at.selectbox(key="period_quarter").set_value("2026-Q3").run()
    at.number_input(key="wi:CQ_SO_HOA_LUU_TRU:rate").set_value(100.0).run()
    _ok(at)
    assert at.caption[0].value.startswith("Quý III/2026")
    assert any(c.value == "⚠ 1 giá trị mô phỏng không còn đạt được trong quý; tổng này không còn đạt được."
               for c in at.caption)
    [warning] = at.warning
    name = catalog.indicator("CQ_SO_HOA_LUU_TRU").name
    assert warning.value.startswith(f"- {name}: mô phỏng 100,0 % — không còn đạt được trong quý "
                                    "(không còn tháng nào chưa đến hạn báo cáo)")
    # a worse value stays possible: no mark
    at.number_input(key="wi:CQ_SO_HOA_LUU_TRU:rate").set_value(0.0).run()
    assert not at.warning
