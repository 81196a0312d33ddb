"""What-if tells the truth: a simulated value the quarter can no longer reach is marked, and
goal-seek takes a grade as its goal (the next one up by default). Hand-computed numbers."""
import datetime as dt

import pandas as pd
import pytest
from catalogs import GRADES_3, catalog_of

from kpi.domain.goalseek import GradeGoal, default_grade_goal, grade_goals
from kpi.domain.periods import Quarter
from kpi.domain.scoring import QuarterScore, quarter_totals
from kpi.domain.whatif import Adjustment, Reach, Scenario, beyond_reach, reach_of, simulate
from kpi.present.goal_texts import beyond_reach_text, grade_goal_text

CATALOG = catalog_of("""
    [[indicators]]
    id = "ONLINE"
    group = "G"
    name = "Tỷ lệ hồ sơ trực tuyến"
    kind = "ratio"
    target = 90
    points = 10
    units = ["A"]

    [[indicators]]
    id = "OVERDUE"
    group = "G"
    name = "Tỷ lệ hồ sơ quá hạn"
    kind = "ratio"
    direction = "lower"
    target = 1
    zero_at = 20
    points = 5
    units = ["A"]

    [[indicators]]
    id = "SIGNED"
    group = "G"
    name = "Tỷ lệ cán bộ có chữ ký số"
    kind = "ratio"
    aggregate = "last"
    target = 100
    points = 5
    units = ["A"]

    [[indicators]]
    id = "NEWS"
    group = "G"
    name = "Số tin bài"
    kind = "number"
    measure = "tin bài"
    max_value = 10
    target = 20
    points = 5
    units = ["A"]

    [[indicators]]
    id = "EVENTS"
    group = "G"
    name = "Số sự kiện"
    kind = "number"
    target = 20
    points = 5
    units = ["A"]
    """, grades=GRADES_3)
Q4 = "2026-Q4"


def fig(period, iid, num=None, den=None, value=None):
    return {"unit": "A", "period": period, "indicator_id": iid, "numerator": num, "denominator": den,
            "value": value}


# October and November reported: ONLINE 10/20 + 12/20 = 22/40 (55 %), OVERDUE 4/40 (10 %),
# SIGNED 8/10 in November, NEWS 2 + 3 = 5, EVENTS 4 + 4 = 8.
FIGURES = pd.DataFrame([
    fig("2026-10", "ONLINE", 10, 20), fig("2026-11", "ONLINE", 12, 20),
    fig("2026-10", "OVERDUE", 2, 20), fig("2026-11", "OVERDUE", 2, 20),
    fig("2026-10", "SIGNED", 6, 10), fig("2026-11", "SIGNED", 8, 10),
    fig("2026-10", "NEWS", value=2), fig("2026-11", "NEWS", value=3),
    fig("2026-10", "EVENTS", value=4), fig("2026-11", "EVENTS", value=4),
]).astype({"numerator": "float64", "denominator": "float64", "value": "float64"})
DEC_OPEN = dt.date(2026, 12, 20)     # November due (18/12), December not yet (18/01/2027)
ALL_DUE = dt.date(2027, 1, 18)


def run(as_of, *adjustments):
    reach = reach_of(CATALOG, FIGURES, Q4, as_of=as_of)
    totals = quarter_totals(CATALOG, FIGURES, Q4)
    result = simulate(CATALOG, totals, Q4, Scenario("x", tuple(adjustments)))
    return reach, {c.indicator.id for c in beyond_reach(result, reach)}, result


def test_best_still_reachable_with_december_open():
    reach, _, _ = run(DEC_OPEN)
    assert reach["ONLINE"] == Reach("ONLINE", ("2026-12",), 70.0)        # (22 + 20) / (40 + 20)
    assert reach["OVERDUE"].best == pytest.approx(100 * 4 / 60)          # 4 / (40 + 20) = 6,67 %
    assert reach["SIGNED"].best == 100.0                                 # stock: December decides
    assert reach["NEWS"].best == 15.0                                    # 5 + at most 10 in December
    assert reach["EVENTS"].best is None                                  # no bound upward


def test_a_rate_beyond_the_remaining_month_is_marked():
    _, far, _ = run(DEC_OPEN, Adjustment("ONLINE", set_rate=80), Adjustment("OVERDUE", set_rate=5),
                    Adjustment("NEWS", set_value=16), Adjustment("EVENTS", set_value=100),
                    Adjustment("SIGNED", set_rate=100))
    assert far == {"ONLINE", "OVERDUE", "NEWS"}


def test_exactly_the_best_is_still_reachable():
    _, far, _ = run(DEC_OPEN, Adjustment("ONLINE", set_rate=70), Adjustment("NEWS", set_value=15),
                    Adjustment("OVERDUE", set_rate=7))
    assert far == set()


def test_worse_values_are_always_reachable():
    _, far, _ = run(ALL_DUE, Adjustment("ONLINE", set_rate=40), Adjustment("OVERDUE", set_rate=15))
    assert far == set()


def test_nothing_better_once_every_month_is_due():
    reach, far, result = run(ALL_DUE, Adjustment("ONLINE", set_rate=60), Adjustment("SIGNED", set_rate=90))
    assert reach["ONLINE"] == Reach("ONLINE", (), 55.0)
    assert reach["SIGNED"].best == 80.0
    assert far == {"ONLINE", "SIGNED"}
    c = result.change("ONLINE")
    assert beyond_reach_text(c, reach["ONLINE"]) == (
        "Tỷ lệ hồ sơ trực tuyến: mô phỏng 60,0 % — không còn đạt được trong quý "
        "(không còn tháng nào chưa đến hạn báo cáo)")


def test_the_words_give_the_best_still_reachable():
    reach, _, result = run(DEC_OPEN, Adjustment("ONLINE", set_rate=80), Adjustment("NEWS", set_value=16))
    assert beyond_reach_text(result.change("ONLINE"), reach["ONLINE"]) == (
        "Tỷ lệ hồ sơ trực tuyến: mô phỏng 80,0 % — không còn đạt được trong quý (tối đa còn đạt 70,0 %)")
    assert beyond_reach_text(result.change("NEWS"), reach["NEWS"]) == (
        "Số tin bài: mô phỏng 16 tin bài — không còn đạt được trong quý (tối đa còn đạt 15 tin bài)")


def _score(points: float, max_points: float = 100.0) -> QuarterScore:
    percent = 100 * points / max_points
    return QuarterScore(Q4, None, (), points, max_points, percent, CATALOG.grade_for(percent))


@pytest.mark.parametrize(("points", "max_points", "goals", "default"), [
    (60.0, 100.0, [("Xuất sắc", 90.0, False), ("Trung bình", 50.0, True)], "Xuất sắc"),
    (95.0, 100.0, [("Xuất sắc", 90.0, True)], "Xuất sắc"),
    (30.0, 100.0, [("Xuất sắc", 90.0, False), ("Trung bình", 50.0, False), ("Yếu", 0.0, True)], "Trung bình"),
    (80.0, 98.0, [("Xuất sắc", 88.2, False), ("Trung bình", 49.0, True)], "Xuất sắc"),   # provisional: of 98
])
def test_grade_goals_and_the_default(points, max_points, goals, default):
    got = grade_goals(CATALOG, _score(points, max_points))
    assert [(g.grade, pytest.approx(g.points), g.keep) for g in got] == goals
    assert default_grade_goal(got).grade == default


def test_grade_goal_words():
    assert grade_goal_text(GradeGoal("Xuất sắc", 90.0, True)) == "giữ Xuất sắc (từ 90 điểm)"
    assert grade_goal_text(GradeGoal("Xuất sắc", 88.2, False)) == "đạt Xuất sắc (từ 88,2 điểm)"


def test_months_left_are_goal_seeks_of_those_not_yet_due(demo_conn, catalog):
    from kpi.domain.goalseek import months_left_of
    from kpi.domain.scoring import quarter_figures
    from kpi.usecases.scores import scoring_figures
    f = scoring_figures(demo_conn, catalog, as_of=dt.date(2026, 11, 23))
    for q in ("2026-Q3", "2026-Q4"):
        reach = reach_of(catalog, f, q, as_of=dt.date(2026, 11, 23))
        quarter = Quarter.parse(q)
        rows = quarter_figures(f, quarter)
        for ind in catalog.indicators:
            expected = tuple(m for m in months_left_of(ind, rows, quarter) if m >= "2026-11")
            assert reach[ind.id].months_left == expected, (q, ind.id)
    # Q4 on 23/11/2026: October reported by everyone and due, November and December still open
    assert reach["DVC_HS_TRUC_TUYEN"].months_left == ("2026-11", "2026-12")
