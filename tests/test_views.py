"""Data preparation for the pages (kpi.views), pinned with hand-computed numbers.

The mini catalogue and figures below are shared with test_charts.py."""
from __future__ import annotations

import pandas as pd
from catalogs import GRADES_3, head_toml

from kpi.domain.catalog import parse_catalog

MINI_TOML = head_toml("Bộ chỉ tiêu thử", "X", commune_name="Xã Thử", grades=GRADES_3,
                      units=(("A", "Đơn vị A"), ("B", "Đơn vị B"))) + """

[[indicators]]
id = "R1"
group = "Nhóm 1"
name = "Tỷ lệ hồ sơ trực tuyến"
kind = "ratio"
target = 90
points = 8
units = ["A", "B"]
lead = "B"

[[indicators]]
id = "N1"
group = "Nhóm 1"
name = "Số nhà văn hóa có wifi"
kind = "number"
target = 17
points = 4
units = ["A"]
aggregate = "last"
measure = "nhà"

[[indicators]]
id = "L1"
group = "Nhóm 2"
name = "Tỷ lệ hồ sơ quá hạn"
kind = "ratio"
direction = "lower"
target = 1
zero_at = 10
points = 6
units = ["A", "B"]

[[indicators]]
id = "T1"
group = "Nhóm 2"
name = "Tỷ lệ báo cáo đúng hạn"
kind = "ratio"
scoring = "threshold"
target = 100
points = 2
units = ["B"]
"""


def mini_catalog():
    return parse_catalog(MINI_TOML)


def mini_figures() -> pd.DataFrame:
    rows = [
        # R1: A 270/300 over the quarter, B 25/40 (June missing)
        ("A", "2026-04", "R1", 80, 100, None), ("A", "2026-05", "R1", 90, 100, None),
        ("A", "2026-06", "R1", 100, 100, None),
        ("B", "2026-04", "R1", 10, 20, None), ("B", "2026-05", "R1", 15, 20, None),
        # N1: last reported month (May) counts: 12
        ("A", "2026-04", "N1", None, None, 10), ("A", "2026-05", "N1", None, None, 12),
        # L1: 4 overdue of 150
        ("A", "2026-04", "L1", 3, 100, None), ("B", "2026-04", "L1", 1, 50, None),
        # T1: all on time
        ("B", "2026-04", "T1", 5, 5, None), ("B", "2026-05", "T1", 5, 5, None),
        ("B", "2026-06", "T1", 5, 5, None),
    ]
    df = pd.DataFrame(rows, columns=["unit", "period", "indicator_id", "numerator",
                                     "denominator", "value"])
    return df.astype({"numerator": "float64", "denominator": "float64", "value": "float64"})


# ── the hand computation, Quý II/2026 ────────────────────────────────────────
# (official points: the exact points truncated to 0,01)
# R1: (270 + 25) / (300 + 40) = 86,7647 % → 8 × 86,7647/90 = 7,7124 → 7,71 pts (≥ 7,2: near), lost 0,29
# N1: last = 12 → 4 × 12/17 = 2,8235 → 2,82 pts (missed), lost 1,18
# L1: 4/150 = 2,6667 % → 6 × (10 − 2,6667)/9 = 4,8889 → 4,88 pts (missed), lost 1,12
# T1: 15/15 = 100 % → 2 pts (met)
# total 7,71 + 2,82 + 4,88 + 2 = 17,41 / 20 = 87,05 % → "Trung bình"

import datetime as dt  # noqa: E402

import pytest  # noqa: E402

from kpi.domain.periods import Month, PeriodError, Quarter  # noqa: E402
from kpi.present import tables as views  # noqa: E402
from kpi.present import texts  # noqa: E402

Q2 = views.Period(Quarter(2026, 2))


@pytest.fixture
def cat():
    return mini_catalog()


@pytest.fixture
def figs():
    return mini_figures()


def test_period_parse_label_previous():
    p = views.Period.parse("2026-Q2")
    assert p == Q2 and p.label == "Quý II/2026" and p.key == "2026-Q2" and not p.is_month
    m = views.Period.parse("2026-05")
    assert m.month == Month(2026, 5) and m.quarter == Quarter(2026, 2)
    assert m.label == "Tháng 5/2026" and m.key == "2026-05"
    assert views.Period.parse("2026-01").previous().label == "Tháng 12/2025"
    assert Q2.previous().label == "Quý I/2026"
    with pytest.raises(PeriodError):
        views.Period.parse("quý hai")


def test_default_period_is_quarter_of_latest_month(figs):
    assert views.default_period(figs) == Q2
    assert views.default_period(figs.iloc[0:0]) is None
    assert [str(m) for m in views.data_months(figs)] == ["2026-04", "2026-05", "2026-06"]


def test_score_period_quarter_and_month(cat, figs):
    s = views.score_period(cat, figs, Q2)
    assert s.total_points == 17.41                      # 7,71 + 2,82 + 4,88 + 2
    assert texts.score_headline(s.total_points, s.max_points) == "17,41/20"
    assert s.grade == "Trung bình"
    # a month is scored on its own figures: R1 in May = 105/120 = 87,5 % → 7,7778 → 7,77 pts
    may = views.score_period(cat, figs, views.Period.parse("2026-05"))
    assert may.result("R1").achieved == pytest.approx(87.5)
    assert may.result("R1").points == 7.77
    assert may.result("L1").status == "no_data"
    assert may.quarter == "2026-05"


def test_criteria_table_sorted_by_points_lost_with_texts(cat, figs):
    t = views.criteria_table(cat, views.score_period(cat, figs, Q2))
    assert list(t["Mã"]) == ["N1", "L1", "R1", "T1"]
    r1 = t.set_index("Mã").loc["R1"]
    assert (r1["Đạt được"], r1["Mục tiêu"], r1["Điểm"], r1["Tối đa"], r1["Điểm mất"],
            r1["Trạng thái"], r1["Đơn vị chủ trì"]) == (
        "86,8 %", "≥ 90 %", "7,71", "8", "0,29", "▲ Gần đạt", "Đơn vị B")
    n1 = t.set_index("Mã").loc["N1"]
    assert (n1["Đạt được"], n1["Mục tiêu"], n1["Điểm"], n1["Điểm mất"], n1["Trạng thái"],
            n1["Đơn vị chủ trì"]) == ("12 nhà", "≥ 17 nhà", "2,82", "1,18", "✖ Chưa đạt", "Đơn vị A")
    l1 = t.set_index("Mã").loc["L1"]
    assert (l1["Đạt được"], l1["Mục tiêu"], l1["Điểm"], l1["Điểm mất"]) == (
        "2,7 %", "≤ 1 %", "4,88", "1,12")
    assert t.set_index("Mã").loc["T1", "Trạng thái"] == "✔ Đạt"


def test_group_table(cat, figs):
    g = views.group_table(views.score_period(cat, figs, Q2))
    assert list(g["Nhóm"]) == ["Nhóm 1", "Nhóm 2"]
    assert list(g["Điểm"]) == [10.53, 6.88]           # R1 7,71 + N1 2,82; L1 4,88 + T1 2
    assert list(g["Tối đa"]) == [12.0, 8.0]


def test_top_losses_only_criteria_losing_points_with_what_it_takes(cat, figs):
    s = views.score_period(cat, figs, Q2)
    top = views.top_losses(cat, s, 5, {"N1": "cần thêm 5 nhà"})
    assert list(top["Mã"]) == ["N1", "L1", "R1"]  # T1 loses nothing
    assert list(top["Điểm mất"]) == ["1,18", "1,12", "0,29"]
    assert list(top["Cần làm"]) == ["cần thêm 5 nhà", "", ""]
    assert list(views.top_losses(cat, s, 2)["Mã"]) == ["N1", "L1"]


def test_losses_by_lead_unit(cat, figs):
    df = views.losses_by_lead_unit(cat, views.score_period(cat, figs, Q2))
    # A leads N1 (1,18) and L1 (1,12): 2,30; B leads R1 (0,29)
    assert df.to_dict("records") == [
        {"Đơn vị": "A", "Tên đơn vị": "Đơn vị A", "Điểm mất": "2,3", "Số chỉ tiêu": 2},
        {"Đơn vị": "B", "Tên đơn vị": "Đơn vị B", "Điểm mất": "0,29", "Số chỉ tiêu": 1}]


def test_status_matrix_units_by_criteria(cat, figs):
    m = views.status_matrix(cat, figs, Q2)
    assert list(m.index) == ["A", "B"] and list(m.columns) == ["R1", "N1", "L1", "T1"]
    # A: R1 90 % met; N1 12/17 missed; L1 3 % → 4,67 pts missed; T1 not reported by A
    assert list(m.loc["A"]) == ["met", "missed", "missed", None]
    # B: R1 62,5 % missed; L1 2 % → 5,33 pts < 5,4 missed; T1 met
    assert list(m.loc["B"]) == ["missed", None, "missed", "met"]


def test_monthly_and_quarter_series(cat, figs):
    m = views.monthly_series(cat, figs, "R1")
    assert list(m["label"]) == ["Tháng 4/2026", "Tháng 5/2026", "Tháng 6/2026"]
    assert list(m["achieved"]) == [75.0, 87.5, 100.0]
    assert set(m["target"]) == {90.0}
    n = views.monthly_series(cat, figs, "N1", [Month(2026, 5), Month(2026, 6)])
    assert n["achieved"].iloc[0] == 12 and pd.isna(n["achieved"].iloc[1])
    q = views.quarter_series(cat, figs, "R1", [Quarter(2026, 1), Quarter(2026, 2)])
    assert list(q["status"]) == ["no_data", "near"]
    assert pd.isna(q["achieved"].iloc[0])
    assert q["achieved"].iloc[1] == pytest.approx(29500 / 340)
    assert q["points"].iloc[1] == 7.71                  # 8 × 86,7647/90 = 7,7124, truncated


def test_unit_contributions_and_table(cat, figs):
    c = views.unit_contributions(cat, figs, "R1", Q2)
    assert list(c["unit"]) == ["A", "B"]
    assert list(c["numerator"]) == [270, 25] and list(c["denominator"]) == [300, 40]
    assert list(c["achieved"]) == [90.0, 62.5]
    assert c["share"].tolist() == pytest.approx([100 * 270 / 295, 100 * 25 / 295])
    assert list(c["status"]) == ["met", "missed"]
    t = views.contribution_table(cat.indicator("R1"), c)
    assert list(t["Tỷ lệ"]) == ["90,0 %", "62,5 %"]
    assert list(t["Phần đóng góp"]) == ["91,5 %", "8,5 %"]
    n = views.unit_contributions(cat, figs, "N1", Q2)
    assert list(n["value"]) == [12.0] and list(n["share"]) == [100.0]


def test_figures_table_lists_each_unit_month(cat, figs):
    t = views.figures_table(cat, figs, "R1", Q2)
    assert len(t) == 5
    assert t.iloc[0].to_dict() == {"Tháng": "Tháng 4/2026", "Đơn vị": "Đơn vị A", "Tử số": "80",
                                   "Mẫu số": "100", "Tỷ lệ": "80,0 %", "Ghi chú": ""}


def test_timeliness_on_time_late_missing_not_due(cat):
    first = pd.DataFrame({
        "unit": ["A", "A", "B"], "period": ["2026-04", "2026-05", "2026-04"],
        "first_submitted_at": pd.to_datetime(["2026-05-17 23:00", "2026-06-18 08:00",
                                              "2026-05-01 09:00"]),
        "versions": [1, 2, 1]})
    months = [Month(2026, 4), Month(2026, 5), Month(2026, 6), Month(2026, 7)]
    t = views.timeliness(cat, first, "A", months, dt.date(2026, 7, 20))
    # due dates: 18/05, 18/06, 18/07, 18/08; "before the 18th" — on the 18th is late
    assert list(t["status"]) == ["on_time", "late", "missing", "not_due"]
    assert list(t["due"]) == [dt.date(2026, 5, 18), dt.date(2026, 6, 18), dt.date(2026, 7, 18),
                              dt.date(2026, 8, 18)]
    table = views.timeliness_table(t)
    # adapted: a late month says by how many days, as on the submission board (on the 18th: 1 day)
    assert list(table["Tình trạng"]) == ["✔ Đúng hạn", "▲ Muộn 1 ngày", "✖ Chưa nộp",
                                         "○ Chưa đến hạn"]
    assert list(table["Nộp lần đầu"]) == ["17/05/2026 23:00", "18/06/2026 08:00", "—", "—"]
    assert list(table["Hạn nộp (trước ngày)"])[0] == "18/05/2026"


def test_unit_share_and_table(cat, figs):
    s = views.score_period(cat, figs, Q2)
    b = views.score_period(cat, figs, Q2, unit="B")
    share = views.unit_share(cat, s, b)
    # B reports R1 (8), L1 (6), T1 (2) = 16 of 20 points
    assert share["max_points"] == 16 and share["share_of_max"] == 80.0
    t = views.unit_criteria_table(cat, b)
    assert list(t["Mã"]) == ["R1", "L1", "T1"]
    assert list(t["Chủ trì"]) == ["Có", "", "Có"]  # T1's lead is its only unit, B
    assert list(t["Đạt được"]) == ["62,5 %", "2,0 %", "100,0 %"]


def test_change_text():
    assert views.change_text(-0.63, "Quý III/2026") == "-0,63 điểm so với Quý III/2026"
    assert views.change_text(1.5, "Quý I/2026") == "+1,5 điểm so với Quý I/2026"
    assert views.change_text(None, "Quý I/2026") is None


def test_catalog_table_on_shipped_catalogue(catalog):
    t = views.catalog_table(catalog)
    assert len(t) == 25
    first = t.iloc[0]
    assert first["Mã"] == "HT_MAY_TINH" and first["Mục tiêu"] == "≥ 100 %"
    assert first["Cách tính điểm"].startswith("Đạt ≥ 100 %: 2 điểm")
    assert sum(float(p.replace(",", ".")) for p in t["Điểm"]) == 100


def test_upload_history_table_in_vietnamese(demo_conn, catalog):
    from kpi import store
    t = views.upload_history_table(store.upload_history(demo_conn, catalog.commune, "TTPVHCC"))
    # the demo's centre corrected one month: two versions, the first superseded
    assert (t["Trạng thái"] == "Đã thay thế").sum() == 1
    assert set(t["Tệp"]) == {"Dữ liệu mẫu"}
    assert t.iloc[0]["Tháng"] == "Tháng 10/2026"


def test_points_as_text_reads_the_vietnamese_way():
    import pandas as pd

    from kpi.present.tables import points_as_text
    table = pd.DataFrame({"Chỉ tiêu": ["A", "B"], "Điểm": [1.2, 1234.5], "Tối đa": [3.0, None]})
    out = points_as_text(table)
    assert out["Điểm"].tolist() == ["1,2", "1.234,5"]
    assert out["Tối đa"].tolist() == ["3", "—"]
    assert out["Chỉ tiêu"].tolist() == ["A", "B"] and table["Điểm"].tolist() == [1.2, 1234.5]
