"""Every scoring rule pinned with hand-computed numbers."""
import math

import pandas as pd
import pytest

from kpi.domain.catalog import parse_catalog
from kpi.domain.scoring import (
    MET,
    MISSED,
    NA,
    NEAR,
    NO_DATA,
    Totals,
    points_for,
    round_points,
    score_indicator,
    score_quarter,
)

CATALOG = parse_catalog("""
[scorecard]
name = "Thử"
commune = "XA"
grades = [{ min = 90, label = "Xuất sắc" }, { min = 50, label = "Trung bình" }, { min = 0, label = "Yếu" }]
[[units]]
code = "A"
name = "Đơn vị A"
[[units]]
code = "B"
name = "Đơn vị B"
[[units]]
code = "C"
name = "Đơn vị C"

[[indicators]]
id = "ONLINE"
group = "Dịch vụ công"
name = "Hồ sơ trực tuyến"
kind = "ratio"
target = 90
points = 10
units = ["A", "B"]

[[indicators]]
id = "OVERDUE"
group = "Dịch vụ công"
name = "Hồ sơ quá hạn"
kind = "ratio"
direction = "lower"
target = 1
zero_at = 10
points = 6
units = ["A"]

[[indicators]]
id = "SIGNED"
group = "Chính quyền số"
name = "Văn bản ký số"
kind = "ratio"
target = 100
points = 5
scoring = "threshold"
units = ["A"]

[[indicators]]
id = "SATISFIED"
group = "Dịch vụ công"
name = "Hài lòng"
kind = "ratio"
target = 95
points = 4
scoring = "bands"
bands = [[95, 4], [90, 3], [80, 2], [70, 1]]
units = ["A"]

[[indicators]]
id = "NEWS"
group = "Tuyên truyền"
name = "Tin bài"
kind = "number"
target = 15
points = 3
units = ["A", "B"]

[[indicators]]
id = "WIFI"
group = "Hạ tầng"
name = "Wifi"
kind = "number"
target = 17
points = 4
aggregate = "last"
units = ["A", "B"]

[[indicators]]
id = "TEAMS"
group = "Hạ tầng"
name = "Tổ công nghệ số"
kind = "number"
target = 10
points = 2
aggregate = "mean"
units = ["A", "B"]

[[indicators]]
id = "EXCL"
group = "Khác"
name = "Không áp dụng, loại trừ"
kind = "ratio"
target = 100
points = 7
units = ["A"]

[[indicators]]
id = "FULL"
group = "Khác"
name = "Không áp dụng, đủ điểm"
kind = "ratio"
target = 100
points = 8
na = "full"
units = ["A"]

[[indicators]]
id = "NODATA"
group = "Khác"
name = "Chưa báo cáo"
kind = "ratio"
target = 100
points = 5
units = ["B"]
""")

NAN = float("nan")


def figures(rows):
    return pd.DataFrame(rows, columns=["unit", "period", "indicator_id", "numerator",
                                       "denominator", "value"])


FIGS = figures([
    # ONLINE: A 40/50 + 45/50, B 10/20 + a blank June; March (Q1) and unit C must not count
    ("A", "2026-04", "ONLINE", 40, 50, NAN), ("A", "2026-05", "ONLINE", 45, 50, NAN),
    ("B", "2026-04", "ONLINE", 10, 20, NAN), ("B", "2026-06", "ONLINE", NAN, NAN, NAN),
    ("A", "2026-03", "ONLINE", 0, 500, NAN), ("C", "2026-04", "ONLINE", 0, 900, NAN),
    # OVERDUE: 4 of 200 = 2 %
    ("A", "2026-04", "OVERDUE", 1, 100, NAN), ("A", "2026-05", "OVERDUE", 3, 100, NAN),
    # SIGNED: exactly 100 %
    ("A", "2026-04", "SIGNED", 30, 30, NAN), ("A", "2026-05", "SIGNED", 20, 20, NAN),
    # SATISFIED: 949 of 1000 = 94,9 % → band 90 → 3 points
    ("A", "2026-06", "SATISFIED", 949, 1000, NAN),
    # NEWS (sum): A 4+5, B 3 → 12 of 15
    ("A", "2026-04", "NEWS", NAN, NAN, 4), ("A", "2026-05", "NEWS", NAN, NAN, 5),
    ("B", "2026-06", "NEWS", NAN, NAN, 3),
    # WIFI (last per unit, summed): A last=9 (June), B last=5 (May) → 14 of 17
    ("A", "2026-04", "WIFI", NAN, NAN, 7), ("A", "2026-06", "WIFI", NAN, NAN, 9),
    ("A", "2026-05", "WIFI", NAN, NAN, 8), ("B", "2026-05", "WIFI", NAN, NAN, 5),
    # TEAMS (mean per unit, summed): A (4+6)/2=5, B 2 → 7 of 10
    ("A", "2026-04", "TEAMS", NAN, NAN, 4), ("A", "2026-05", "TEAMS", NAN, NAN, 6),
    ("B", "2026-04", "TEAMS", NAN, NAN, 2),
    # EXCL and FULL: reported, but zero denominators
    ("A", "2026-04", "EXCL", 0, 0, NAN), ("A", "2026-04", "FULL", 0, 0, NAN),
])


@pytest.fixture(scope="module")
def commune():
    return score_quarter(CATALOG, FIGS, "2026-Q2")


def test_ratio_commune_level_sums_over_months_and_reporting_units(commune):
    r = commune.result("ONLINE")
    assert (r.totals.numerator, r.totals.denominator, r.totals.months_reported) == (95, 120, 2)
    assert r.achieved == pytest.approx(100 * 95 / 120)          # 79,1667 %
    assert r.exact_points == pytest.approx(10 * (95 / 120 * 100) / 90)  # 8,7963…
    assert r.points == 8.79                                       # officially truncated to 0,01
    assert r.status == MISSED                                     # 88 % of points < 90 %


def test_ratio_unit_level():
    a = score_quarter(CATALOG, FIGS, "2026-Q2", unit="A").result("ONLINE")
    b = score_quarter(CATALOG, FIGS, "2026-Q2", unit="B").result("ONLINE")
    assert a.achieved == pytest.approx(85.0) and a.exact_points == pytest.approx(10 * 85 / 90)
    assert a.points == 9.44                                       # 9,4444… truncated
    assert a.status == NEAR                                       # 94,4 % of the points
    assert b.achieved == pytest.approx(50.0) and b.exact_points == pytest.approx(10 * 50 / 90)
    assert b.points == 5.55                                       # 5,5556 truncated, not 5,56
    assert b.status == MISSED


def test_unit_level_scores_only_the_units_criteria():
    b = score_quarter(CATALOG, FIGS, "2026-Q2", unit="B")
    assert [r.id for r in b.indicators] == ["ONLINE", "NEWS", "WIFI", "TEAMS", "NODATA"]
    # ONLINE 5,5556 → 5,55 + NEWS 3/15×3 = 0,6 + WIFI 5/17×4 = 1,1765 → 1,17 + TEAMS 2/10×2 = 0,4
    # + NODATA 0: the sum of the official points, 7,72 (the exact sum 7,7320 is not the total)
    assert b.total_points == 7.72
    assert b.max_points == 10 + 3 + 4 + 2 + 5


def test_linear_lower(commune):
    r = commune.result("OVERDUE")
    assert r.achieved == pytest.approx(2.0)
    assert r.exact_points == pytest.approx(6 * (10 - 2) / (10 - 1))     # 5,3333…
    assert r.points == 5.33
    ind = CATALOG.indicator("OVERDUE")
    assert points_for(ind, 0.5) == 6 and points_for(ind, 1.0) == 6
    assert points_for(ind, 10) == 0 and points_for(ind, 12) == 0
    assert points_for(ind, 5.5) == pytest.approx(3.0)


def test_linear_higher_clamps_and_zero_at():
    ind = CATALOG.indicator("ONLINE")
    assert points_for(ind, 100) == 10 and points_for(ind, 90) == 10
    assert points_for(ind, 0) == 0 and points_for(ind, 45) == pytest.approx(5)
    cat = parse_catalog(CATALOG_SRC_ZERO_AT)
    av = cat.indicator("AV")
    assert points_for(av, 50) == 0 and points_for(av, 40) == 0
    assert points_for(av, 75) == pytest.approx(2.0) and points_for(av, 100) == 4


CATALOG_SRC_ZERO_AT = """
[scorecard]
name = "Thử"
commune = "XA"
grades = [{ min = 0, label = "Yếu" }]
[[units]]
code = "A"
name = "A"
[[indicators]]
id = "AV"
group = "G"
name = "Phòng chống mã độc"
kind = "ratio"
target = 100
zero_at = 50
points = 4
units = ["A"]
"""


def test_threshold_at_the_boundary(commune):
    assert commune.result("SIGNED").achieved == 100 and commune.result("SIGNED").points == 5
    assert commune.result("SIGNED").status == MET
    ind = CATALOG.indicator("SIGNED")
    assert points_for(ind, 99.99) == 0
    missed = score_indicator(ind, Totals(numerator=99, denominator=100, months_reported=1))
    assert (missed.points, missed.status) == (0, MISSED)   # a threshold is never "near"


def test_bands(commune):
    r = commune.result("SATISFIED")
    assert r.achieved == pytest.approx(94.9) and r.points == 3 and r.status == MISSED
    ind = CATALOG.indicator("SATISFIED")
    assert [points_for(ind, a) for a in (100, 95, 94.99, 90, 80, 79.9, 70, 69.9)] == \
        [4, 4, 3, 3, 2, 1, 1, 0]


def test_numbers_sum_last_mean(commune):
    news, wifi, teams = (commune.result(i) for i in ("NEWS", "WIFI", "TEAMS"))
    assert news.achieved == 12 and news.points == 2.4             # 3 × 12/15
    assert wifi.achieved == 14 and wifi.points == 3.29            # 4 × 14/17 = 3,2941… truncated
    assert wifi.exact_points == pytest.approx(4 * 14 / 17)
    assert teams.achieved == 7 and teams.points == 1.4            # 2 × 7/10


def test_zero_denominator_both_policies(commune):
    excl, full = commune.result("EXCL"), commune.result("FULL")
    assert (excl.status, excl.achieved, excl.points, excl.max_points) == (NA, None, 0, 0)
    assert (full.status, full.achieved, full.points, full.max_points) == (NA, None, 8, 8)


def test_no_data_is_zero_points_and_counts_in_the_maximum(commune):
    r = commune.result("NODATA")
    assert (r.status, r.achieved, r.points, r.max_points) == (NO_DATA, None, 0, 5)


def test_blank_cells_mean_not_reported_never_zero():
    figs = figures([("B", "2026-06", "ONLINE", NAN, NAN, NAN)])
    r = score_quarter(CATALOG, figs, "2026-Q2").result("ONLINE")
    assert r.status == NO_DATA and r.achieved is None


def test_total_percent_and_grade(commune):
    # the official points: ONLINE 8,7963 → 8,79, OVERDUE 5,3333 → 5,33, SIGNED 5, SATISFIED 3,
    # NEWS 2,4, WIFI 3,2941 → 3,29, TEAMS 1,4, EXCL 0, FULL 8, NODATA 0
    expected_points = 37.21                 # 8,79 + 5,33 + 5 + 3 + 2,4 + 3,29 + 1,4 + 8
    expected_max = 10 + 6 + 5 + 4 + 3 + 4 + 2 + 0 + 8 + 5
    assert commune.total_points == expected_points                  # exactly, no float drift
    assert commune.max_points == expected_max                       # 47 (EXCL dropped)
    assert commune.percent == pytest.approx(100 * expected_points / expected_max)  # 79,17 %
    assert commune.grade == "Trung bình"
    groups = {g.group: (round(g.points, 4), g.max_points) for g in commune.by_group()}
    assert groups["Khác"] == (8.0, 13.0)


def test_empty_quarter_has_no_percent_when_nothing_can_score():
    only_excl = parse_catalog(CATALOG_SRC_ZERO_AT.replace("zero_at = 50\n", 'na = "exclude"\n'))
    s = score_quarter(only_excl, figures([("A", "2026-04", "AV", 0, 0, NAN)]), "2026-Q2")
    assert s.max_points == 0 and s.percent is None and s.grade == "Chưa xếp loại"


def test_points_are_truncated_to_hundredths_never_rounded_up():
    assert round_points(2.345) == 2.34 and round_points(8.796296) == 8.79
    assert round_points(5.333333) == 5.33 and round_points(4.99974) == 4.99
    assert round_points(0.29) == 0.29 and round_points(0.28999999999999998) == 0.29  # float noise


def test_json_shape(commune):
    d = commune.to_dict()
    assert set(d) == {"quarter", "unit", "total_points", "max_points", "percent", "grade",
                      "provisional", "unit_months_to_come", "indicators"}
    assert (d["provisional"], d["unit_months_to_come"]) == (False, 0)
    first = d["indicators"][0]
    assert set(first) == {"id", "group", "name", "achieved", "target", "points", "max_points",
                          "status", "provisional"}
    nodata = next(i for i in d["indicators"] if i["id"] == "NODATA")
    assert nodata["achieved"] is None and nodata["status"] == "no_data"
    assert not any(isinstance(i["achieved"], float) and math.isnan(i["achieved"])
                   for i in d["indicators"])


STOCK_CATALOG_SRC = """
[scorecard]
name = "Thử"
commune = "XA"
grades = [{ min = 0, label = "Yếu" }]
[[units]]
code = "A"
name = "Đơn vị A"
[[units]]
code = "B"
name = "Đơn vị B"

[[indicators]]
id = "STOCK"
group = "Hạ tầng"
name = "Tỷ lệ có chữ ký số (số hiện có đến cuối tháng)"
kind = "ratio"
aggregate = "last"
target = 100
points = 4
units = ["A", "B"]

[[indicators]]
id = "FLOW"
group = "Hạ tầng"
name = "Tỷ lệ hồ sơ trực tuyến"
kind = "ratio"
target = 100
points = 4
units = ["A", "B"]
"""
STOCK_CATALOG = parse_catalog(STOCK_CATALOG_SRC)

# A ends the quarter at 10/10 after 0/10 and 5/10; B's latest month (May) is 3/6 (its June is blank)
STOCK_FIGS = figures([
    (u, m, i, n, d, NAN) for i in ("STOCK", "FLOW") for (u, m, n, d) in (
        ("A", "2026-04", 0, 10), ("A", "2026-05", 5, 10), ("A", "2026-06", 10, 10),
        ("B", "2026-04", 6, 6), ("B", "2026-05", 3, 6), ("B", "2026-06", NAN, NAN))])


def test_stock_ratio_takes_each_units_last_reported_month():
    a = score_quarter(STOCK_CATALOG, STOCK_FIGS, "2026-Q2", "A")
    # stock: 10/10 = 100 % → 4 points; flow: 15/30 = 50 % → 2 points
    assert (a.result("STOCK").totals.numerator, a.result("STOCK").totals.denominator) == (10, 10)
    assert (a.result("STOCK").achieved, a.result("STOCK").points, a.result("STOCK").status) == (100, 4, MET)
    assert (a.result("FLOW").achieved, a.result("FLOW").points) == (50, 2)


def test_stock_ratio_commune_level_sums_units_last_months():
    q = score_quarter(STOCK_CATALOG, STOCK_FIGS, "2026-Q2")
    # stock: A 10/10 (June) + B 3/6 (May) = 13/16 = 81,25 % → 4 × 0,8125 = 3,25 points
    s = q.result("STOCK")
    assert (s.totals.numerator, s.totals.denominator, s.totals.months_reported) == (13, 16, 3)
    assert s.achieved == pytest.approx(81.25)
    assert s.points == 3.25
    # flow: (0+5+10+6+3)/(10+10+10+6+6) = 24/42 → 4 × 24/42
    f = q.result("FLOW")
    assert (f.totals.numerator, f.totals.denominator) == (24, 42)
    assert f.exact_points == pytest.approx(4 * 24 / 42) and f.points == 2.28   # 2,2857… truncated


def test_ratio_may_not_be_averaged():
    from kpi.domain.catalog import CatalogError
    src = STOCK_CATALOG_SRC.replace('aggregate = "last"', 'aggregate = "mean"')
    with pytest.raises(CatalogError, match="aggregate"):
        parse_catalog(src)


# ── provisional periods: due on the 18th of the next month ──────────────────

PROV_FIGS = figures([
    # Q4/2026: A and B report October; B also November (early); nothing else
    ("A", "2026-10", "ONLINE", 45, 50, NAN), ("B", "2026-10", "ONLINE", 15, 20, NAN),
    ("B", "2026-11", "ONLINE", 20, 20, NAN),
    ("A", "2026-10", "OVERDUE", 2, 100, NAN),
])


def test_before_the_first_due_date_nothing_is_lost():
    import datetime as dt

    from kpi.domain.scoring import PENDING
    # 17/11/2026: October is due on 18/11, so no month of Q4 is due yet
    q = score_quarter(CATALOG, PROV_FIGS, "2026-Q4", as_of=dt.date(2026, 11, 17))
    assert q.provisional
    # reported criteria are scored on what is in; the others are pending, 0 of 0 points
    assert q.result("ONLINE").totals.numerator == 80 and q.result("ONLINE").provisional
    assert q.result("ONLINE").exact_points == pytest.approx(10 * (80 / 90) / 0.9)   # 9,8765…
    assert q.result("ONLINE").points == 9.87
    signed = q.result("SIGNED")
    assert (signed.status, signed.points, signed.max_points, signed.provisional) == (PENDING, 0, 0, True)
    # ONLINE 10 + OVERDUE 6 are the only points at stake; units A and B (C reports no criterion)
    # × 3 months, minus A's October and B's October and November
    assert q.max_points == 16
    assert q.to_come == 6 - 3


def test_on_the_18th_october_is_due_and_missing_figures_are_lost():
    import datetime as dt
    q = score_quarter(CATALOG, PROV_FIGS, "2026-Q4", as_of=dt.date(2026, 11, 18))
    assert q.provisional                                    # November and December are still to come
    signed = q.result("SIGNED")
    assert (signed.status, signed.points, signed.max_points) == (NO_DATA, 0, 5)
    assert q.max_points == CATALOG.max_points
    # A and B × November and December, minus B's early November
    assert q.to_come == 4 - 1


def test_a_quarter_is_final_from_the_due_date_of_its_last_month():
    import datetime as dt
    before = score_quarter(CATALOG, PROV_FIGS, "2026-Q4", as_of=dt.date(2027, 1, 17))
    on = score_quarter(CATALOG, PROV_FIGS, "2026-Q4", as_of=dt.date(2027, 1, 18))
    assert before.provisional and before.to_come == 2          # December of A and B
    assert not on.provisional and on.to_come == 0
    assert not any(r.provisional for r in on.indicators)
    assert on.to_dict()["provisional"] is False


def test_due_date_at_month_ends():
    import datetime as dt

    from kpi.domain.periods import Month
    from kpi.domain.scoring import months_not_due
    src = CATALOG_SRC_ZERO_AT.replace('[[units]]', '[reporting]\ndue_day = 31\ndue_month_offset = 1\n[[units]]', 1)
    cat = parse_catalog(src)
    # due day 31 past a month's end is its last day: January's figures may arrive through 28 February
    # 2026 (due from 1 March), March's through 30 April (due from 1 May)
    jan, mar = Month(2026, 1), Month(2026, 3)
    assert months_not_due(cat, (jan,), dt.date(2026, 2, 28)) == (jan,)
    assert months_not_due(cat, (jan,), dt.date(2026, 3, 1)) == ()
    assert months_not_due(cat, (mar,), dt.date(2026, 4, 30)) == (mar,)
    assert months_not_due(cat, (mar,), dt.date(2026, 5, 1)) == ()
