"""What-if scenarios: exact hand-computed points, and the in-memory recompute equals the
engine's score of the same change written as figure rows. Stored figures never change."""
import math

import pandas as pd
import pytest

from kpi import store
from kpi.domain.periods import Quarter
from kpi.domain.scoring import MET, NO_DATA, quarter_totals, score_quarter
from kpi.domain.whatif import (
    Adjustment,
    Scenario,
    apply_to_figures,
    simulate,
    simulate_figures,
)
from kpi.present.goal_texts import adjustment_text as describe
from kpi.present.tables import changes_table, compare

Q2 = Quarter(2026, 2)


def figs(rows):
    df = pd.DataFrame(rows, columns=["unit", "period", "indicator_id", "numerator",
                                     "denominator", "value"])
    return df.astype({"numerator": "float64", "denominator": "float64", "value": "float64"})


N = math.nan
BASE = figs([
    ("TTPVHCC", "2026-04", "DVC_HS_TRUC_TUYEN", 350, 400, N),
    ("TTPVHCC", "2026-05", "DVC_HS_TRUC_TUYEN", 340, 400, N),     # 690/800 = 86,25 %
    ("TTPVHCC", "2026-04", "DVC_QUA_HAN", 5, 400, N),
    ("CA", "2026-05", "DVC_QUA_HAN", 4, 400, N),                  # 9/800 = 1,125 %
    ("TTDVSNC", "2026-04", "HT_WIFI_NVH", N, N, 12),
    ("TTDVSNC", "2026-05", "HT_WIFI_NVH", N, N, 14),              # last: 14
    ("VP", "2026-04", "TT_TIN_BAI", N, N, 4),
    ("VP", "2026-05", "TT_TIN_BAI", N, N, 3),                     # sum: 7
])


def run(catalog, *adjs):
    return simulate_figures(catalog, BASE, Q2, Scenario("Thử", tuple(adjs)))


def test_forty_more_online_dossiers_meet_the_target(catalog):
    r = run(catalog, Adjustment("DVC_HS_TRUC_TUYEN", extra_numerator=40, month="2026-06"))
    c = r.change("DVC_HS_TRUC_TUYEN")
    assert c.actual.exact_points == pytest.approx(8 * 86.25 / 90)  # 7,6667
    assert c.actual.points == 7.66                                 # officially truncated
    assert c.simulated.achieved == pytest.approx(91.25)            # 730/800
    assert c.simulated.status == MET and c.simulated.points == 8
    assert r.gain == pytest.approx(8 - 7.66)                       # 0,34: official points
    assert [m.indicator.id for m in r.moved] == ["DVC_HS_TRUC_TUYEN"]


def test_set_the_overdue_rate_to_one_percent(catalog):
    r = run(catalog, Adjustment("DVC_QUA_HAN", set_rate=1.0))
    c = r.change("DVC_QUA_HAN")
    # actual 1,125 %: 6 × (10 − 1,125)/(10 − 1) = 5,9167; set to 1 % → 8/800 → 6 points
    assert c.actual.exact_points == pytest.approx(6 * 8.875 / 9) and c.actual.points == 5.91
    assert c.simulated.totals.numerator == pytest.approx(8)
    assert c.simulated.points == 6


def test_wifi_in_three_more_houses_and_articles(catalog):
    r = run(catalog, Adjustment("HT_WIFI_NVH", extra_value=3), Adjustment("TT_TIN_BAI", set_value=12))
    assert r.change("HT_WIFI_NVH").simulated.achieved == 17
    assert r.change("HT_WIFI_NVH").gain == pytest.approx(4 - 3.29)   # 4 × 14/17 = 3,2941 → 3,29
    assert r.change("TT_TIN_BAI").simulated.points == pytest.approx(3 * 12 / 15)   # 2,4
    assert r.change("TT_TIN_BAI").actual.points == pytest.approx(3 * 7 / 15)       # 1,4


def test_numerator_stays_within_the_denominator_and_values_above_zero(catalog):
    r = run(catalog, Adjustment("DVC_HS_TRUC_TUYEN", extra_numerator=5000),
            Adjustment("TT_TIN_BAI", extra_value=-50))
    assert r.change("DVC_HS_TRUC_TUYEN").simulated.totals.numerator == 800
    assert r.change("TT_TIN_BAI").simulated.achieved == 0


def test_a_criterion_without_data_can_be_simulated(catalog):
    r = run(catalog, Adjustment("DA06_VNEID", extra_numerator=90, extra_denominator=100))
    c = r.change("DA06_VNEID")
    assert c.actual.status == NO_DATA and c.simulated.status == MET and c.gain == 5


def test_scenario_total_equals_engine_score_of_modified_figures(catalog, demo_conn):
    f = store.current_figures(demo_conn, catalog.commune)
    scenario = Scenario("Họp quý", (
        Adjustment("DVC_HS_TRUC_TUYEN", extra_numerator=40, extra_denominator=12, month="2026-12"),
        Adjustment("HT_WIFI_NVH", extra_value=3),
        Adjustment("DVC_QUA_HAN", set_rate=1.0),
        Adjustment("TT_TIN_BAI", extra_value=9, month="2026-11"),
        Adjustment("DA06_SO_SUC_KHOE", set_rate=75),
        Adjustment("NL_TO_CNS", set_value=10),
        Adjustment("DVC_TAI_SU_DUNG", extra_numerator=700, extra_denominator=800)))
    for q in (Quarter(2026, 3), Quarter(2026, 4)):
        result = simulate(catalog, quarter_totals(catalog, f, q), q, scenario)
        before = f.copy()
        engine = score_quarter(catalog, apply_to_figures(catalog, f, q, scenario), q)
        pd.testing.assert_frame_equal(f, before)                # the input is untouched
        assert result.simulated.total_points == pytest.approx(engine.total_points, abs=1e-9)
        for mine, theirs in zip(result.simulated.indicators, engine.indicators):
            assert mine.points == pytest.approx(theirs.points, abs=1e-9), mine.id
        assert result.actual.total_points == pytest.approx(score_quarter(catalog, f, q).total_points)
        assert abs(result.gain) > 0.5


def test_nothing_is_stored(catalog, demo_conn):
    counts = store.content_counts(demo_conn)
    f = store.current_figures(demo_conn, catalog.commune)
    simulate_figures(catalog, f, "2026-Q4", Scenario("x", (Adjustment("TT_TIN_BAI", extra_value=9),)))
    assert store.content_counts(demo_conn) == counts
    assert store.current_figures(demo_conn, catalog.commune).equals(f)


def test_scenario_editing_and_words(catalog):
    s = Scenario("A").with_adjustment(Adjustment("TT_TIN_BAI", extra_value=2))
    s = s.with_adjustment(Adjustment("TT_TIN_BAI", extra_value=5))
    assert s.adjustments == (Adjustment("TT_TIN_BAI", extra_value=5),)
    assert s.with_adjustment(Adjustment("TT_TIN_BAI")).is_empty
    assert s.renamed("  ").name == "A" and s.renamed("B").name == "B"
    assert describe(catalog, Adjustment("DVC_HS_TRUC_TUYEN", extra_numerator=40, month="2026-06")) == \
        "Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến: +40 hồ sơ xử lý hoàn toàn trực tuyến (Tháng 6/2026)"
    assert describe(catalog, Adjustment("HT_WIFI_NVH", extra_value=3)) == \
        "Số nhà văn hóa thôn có wifi miễn phí: +3 nhà văn hóa"


def test_compare_two_scenarios_side_by_side(catalog):
    a = run(catalog, Adjustment("HT_WIFI_NVH", extra_value=3))
    b = simulate_figures(catalog, BASE, Q2, Scenario("B", (Adjustment("TT_TIN_BAI", extra_value=8),)))
    table = compare(a, b)
    total = table.iloc[-1]
    assert total["Chỉ tiêu"] == "Tổng điểm"
    assert total["Thử"] - total["Thực tế"] == pytest.approx(round(4 - 4 * 14 / 17, 2), abs=0.011)
    assert total["B"] - total["Thực tế"] == pytest.approx(1.6, abs=0.011)      # 3 × 8/15
    # only the criteria whose points move, as people read them: 4 × 14/17 = 3,29 → 4 (+0,71)
    assert changes_table(a).to_dict("records") == [{
        "Nhóm": "Hạ tầng số và an toàn thông tin", "Chỉ tiêu": "Số nhà văn hóa thôn có wifi miễn phí",
        "Thực tế": "14 nhà văn hóa", "Mô phỏng": "17 nhà văn hóa", "Điểm thực tế": "3,29/4",
        "Điểm mô phỏng": "4/4", "Chênh lệch": "+0,71"}]
    # a loss is signed with the minus sign (4 × 12/17 = 2,82); a change too small to show is left out
    lower = changes_table(run(catalog, Adjustment("HT_WIFI_NVH", extra_value=-2))).iloc[0]
    assert (lower["Điểm mô phỏng"], lower["Chênh lệch"]) == ("2,82/4", "−0,47")
    assert changes_table(run(catalog, Adjustment("HT_WIFI_NVH", extra_value=0.0001))).empty


def test_the_scenario_is_judged_like_the_period_result(demo_conn, catalog):
    """Mô phỏng's actual is the period's result (the overview's), and an empty scenario equals it:
    on 17/11 the e-health-record criterion (the health station's alone; its October came on 21/11)
    is pending, so both totals are out of 97, not one of 100. Moving that criterion brings it in."""
    import datetime as dt

    from kpi.domain.scoring import PENDING, quarter_totals
    from kpi.domain.whatif import Adjustment, Scenario, simulate
    from kpi.usecases.period_result import period_result
    result = period_result(demo_conn, catalog, "2026-Q4", as_of=dt.date(2026, 11, 17))
    actual = result.commune
    assert actual.result("DA06_SO_SUC_KHOE").status == PENDING and actual.max_points == pytest.approx(97.0)
    totals = quarter_totals(result.catalog, result.figures, result.period.quarter)
    same = simulate(result.catalog, totals, result.period.quarter, Scenario(), actual=actual)
    assert (same.simulated.total_points, same.simulated.max_points) == (actual.total_points, actual.max_points)
    assert same.gain == 0 and same.simulated.provisional
    moved = simulate(result.catalog, totals, result.period.quarter,
                     Scenario("x", (Adjustment("DA06_SO_SUC_KHOE", set_rate=100.0),)), actual=actual)
    assert moved.simulated.max_points == pytest.approx(100.0)
    assert moved.simulated.result("DA06_SO_SUC_KHOE").status != PENDING
