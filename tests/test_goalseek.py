"""Goal-seek answers pinned with hand-computed numbers, and every answer fed back: with the
answer the engine scores the criterion met (or the band reached), with one unit less it does not.
The feed-back goes through kpi.whatif's figure rows and the engine's score_quarter."""
import math

import pandas as pd
import pytest
from catalogs import catalog_of

from kpi.domain.goalseek import plan_to_reach, points_for_grade, what_it_takes, what_it_takes_all
from kpi.domain.periods import Quarter
from kpi.domain.scoring import MET, score_quarter
from kpi.domain.whatif import Scenario, adjustments_for_goal, apply_to_figures
from kpi.present.goal_texts import answer_text, noun_of, plan_text

Q2 = Quarter(2026, 2)


def figs(rows):
    """rows: (unit, period, indicator_id, numerator, denominator, value)."""
    df = pd.DataFrame(rows, columns=["unit", "period", "indicator_id", "numerator",
                                     "denominator", "value"])
    return df.astype({"numerator": "float64", "denominator": "float64", "value": "float64"})


def R(unit, period, iid, n, d):
    return (unit, period, iid, n, d, math.nan)


def V(unit, period, iid, v):
    return (unit, period, iid, math.nan, math.nan, v)


def said(catalog, answer):
    """The answer in words, as every page and report writes it."""
    return answer_text(catalog.indicator(answer.indicator_id), answer)


def fed_back(catalog, figures, answer, less=0.0):
    """The criterion's score after doing what the answer says (less `less` units)."""
    adjs = adjustments_for_goal(catalog, answer, Q2, less=less)
    changed = apply_to_figures(catalog, figures, Q2, Scenario("goal", adjs))
    return score_quarter(catalog, changed, Q2).result(answer.indicator_id)


# ── ratio, higher ────────────────────────────────────────────────────────────

ONLINE_OPEN = figs([R("TTPVHCC", "2026-04", "DVC_HS_TRUC_TUYEN", 350, 400),
                    R("TTPVHCC", "2026-05", "DVC_HS_TRUC_TUYEN", 340, 400)])


def test_ratio_reachable_needs_390_of_400_in_june(catalog):
    # 690/800 so far; June projected 800/2 = 400; (690 + x)/1200 ≥ 90 % ⇔ x ≥ 390
    a = what_it_takes(catalog, ONLINE_OPEN, Q2, "DVC_HS_TRUC_TUYEN")
    assert a.reachable and a.goal == "target" and not a.closed
    assert a.months_left == ("2026-06",)
    assert a.projected_denominator == 400
    assert a.needed_numerator == 390
    assert a.current_achieved == pytest.approx(86.25)
    assert a.best_achieved == pytest.approx(100 * 1090 / 1200)
    assert said(catalog, a) == ("Cần ít nhất 390 hồ sơ xử lý hoàn toàn trực tuyến trong Tháng 6/2026 "
                      "(dự kiến 400 hồ sơ tiếp nhận, tức 97,5 %) để cả quý đạt ≥ 90 %.")
    assert fed_back(catalog, ONLINE_OPEN, a).status == MET
    with_less = fed_back(catalog, ONLINE_OPEN, a, less=1)          # 1079/1200 = 89,92 %
    assert with_less.status != MET
    assert with_less.achieved == pytest.approx(100 * 1079 / 1200)


def test_projected_denominator_is_editable(catalog):
    # June 500: (690 + x)/1300 ≥ 90 % ⇔ x ≥ 480
    a = what_it_takes(catalog, ONLINE_OPEN, Q2, "DVC_HS_TRUC_TUYEN",
                      projected_denominators={"DVC_HS_TRUC_TUYEN": 500})
    assert (a.projected_denominator, a.needed_numerator) == (500, 480)
    assert "dự kiến 500 hồ sơ tiếp nhận" in said(catalog, a)
    assert fed_back(catalog, ONLINE_OPEN, a).status == MET
    assert fed_back(catalog, ONLINE_OPEN, a, less=1).status != MET


def test_ratio_unreachable_says_best_reachable(catalog):
    f = figs([R("TTPVHCC", "2026-04", "DVC_HS_TRUC_TUYEN", 300, 400),
              R("TTPVHCC", "2026-05", "DVC_HS_TRUC_TUYEN", 300, 400)])
    # even 400/400 in June: 1000/1200 = 83,33 % → 8 × 83,33/90 = 7,4074 → officially 7,40 points
    a = what_it_takes(catalog, f, Q2, "DVC_HS_TRUC_TUYEN")
    assert not a.reachable and a.goal == "best" and a.needed_numerator is None
    assert a.best_achieved == pytest.approx(100 * 1000 / 1200)
    assert a.best_points == 7.4
    assert said(catalog, a).startswith("Không thể đạt ≥ 90 % trong Quý II/2026: kể cả khi 100 % hồ sơ "
                             "tiếp nhận trong Tháng 6/2026 (dự kiến 400) đạt yêu cầu")
    assert said(catalog, a).endswith("mức tốt nhất còn đạt được: 83,3 % (7,4/8 điểm).")


def test_closed_quarter_says_what_it_would_have_needed(catalog):
    f = figs([R("TTPVHCC", "2026-04", "DVC_HS_TRUC_TUYEN", 350, 400),
              R("TTPVHCC", "2026-05", "DVC_HS_TRUC_TUYEN", 340, 400),
              R("TTPVHCC", "2026-06", "DVC_HS_TRUC_TUYEN", 350, 400)])
    # 1040/1200; 1080 needed → 40 more
    a = what_it_takes(catalog, f, Q2, "DVC_HS_TRUC_TUYEN")
    assert a.closed and not a.reachable and a.months_left == ()
    assert a.needed_numerator == 40
    assert said(catalog, a).startswith("Quý II/2026 đã kết thúc")
    assert "lẽ ra cần thêm 40 hồ sơ xử lý hoàn toàn trực tuyến (trên 1.200 hồ sơ tiếp nhận)" in said(catalog, a)
    assert fed_back(catalog, f, a).status == MET
    assert fed_back(catalog, f, a, less=1).status != MET


# ── ratio, lower ─────────────────────────────────────────────────────────────

def test_lower_overdue_at_most_three_in_june(catalog):
    f = figs([R("TTPVHCC", "2026-04", "DVC_QUA_HAN", 5, 400),
              R("TTPVHCC", "2026-05", "DVC_QUA_HAN", 4, 400)])
    # 9/800 = 1,125 %; (9 + x)/1200 ≤ 1 % ⇔ x ≤ 3
    a = what_it_takes(catalog, f, Q2, "DVC_QUA_HAN")
    assert a.reachable and a.needed_numerator == 3
    assert said(catalog, a) == ("Chỉ được tối đa 3 hồ sơ giải quyết quá hạn trong Tháng 6/2026 (dự kiến 400 "
                      "hồ sơ đã giải quyết, tức 0,8 %) để cả quý đạt ≤ 1 %.")
    assert fed_back(catalog, f, a).status == MET                 # 12/1200 = 1 %
    # "one unit less" of the answer's allowance is one overdue dossier MORE: 13/1200
    adjs = adjustments_for_goal(catalog, a, Q2, less=1)
    assert adjs[0].extra_numerator == 4
    assert fed_back(catalog, f, a, less=1).status != MET


def test_lower_closed_needs_fewer(catalog):
    f = figs([R("TTPVHCC", m, "DVC_QUA_HAN", 6, 400) for m in ("2026-04", "2026-05", "2026-06")])
    # 18/1200 = 1,5 %; ≤ 12 allowed → 6 fewer
    a = what_it_takes(catalog, f, Q2, "DVC_QUA_HAN")
    assert a.closed and a.needed_numerator == 6
    assert "lẽ ra cần bớt 6 hồ sơ giải quyết quá hạn" in said(catalog, a)
    assert fed_back(catalog, f, a).status == MET
    assert fed_back(catalog, f, a, less=1).status != MET


# ── bands and threshold ──────────────────────────────────────────────────────

def test_bands_aim_at_next_band_when_target_out_of_reach(catalog):
    f = figs([R("TTPVHCC", "2026-04", "DVC_HAI_LONG", 170, 200),
              R("TTPVHCC", "2026-05", "DVC_HAI_LONG", 170, 200)])
    # 340/400 = 85 % → band 80 (2 points). 95 % needs 230 of June's 200: impossible;
    # 90 % needs 540 − 340 = 200 → the 90 % band (3 points)
    a = what_it_takes(catalog, f, Q2, "DVC_HAI_LONG")
    assert not a.reachable and a.goal == "band"
    assert (a.needed_numerator, a.goal_points, a.current_points) == (200, 3, 2)
    assert said(catalog, a).startswith("Không thể đạt mục tiêu ≥ 95 % trong Quý II/2026; mức gần nhất còn "
                             "đạt được: ≥ 90 % (3 điểm). Cần ít nhất 200 lượt đánh giá hài lòng")
    assert fed_back(catalog, f, a).points == 3
    assert fed_back(catalog, f, a, less=1).points == 2


def test_threshold_report_on_time(catalog):
    f = figs([R("VHXH", "2026-04", "CD_BAO_CAO_DUNG_HAN", 11, 12)])
    # 11/12; two months of 12 projected: 100 % is out of reach for the quarter → 0 points best
    a = what_it_takes(catalog, f, Q2, "CD_BAO_CAO_DUNG_HAN")
    assert a.goal == "best" and not a.reachable and a.best_points == 0
    assert a.best_achieved == pytest.approx(100 * 35 / 36)


# ── numbers: sum, last, mean ─────────────────────────────────────────────────

def test_number_sum_needs_eight_more_articles(catalog):
    f = figs([V("VP", "2026-04", "TT_TIN_BAI", 4), V("VP", "2026-05", "TT_TIN_BAI", 3)])
    a = what_it_takes(catalog, f, Q2, "TT_TIN_BAI")
    assert a.reachable and a.needed_value == 8
    assert said(catalog, a) == ("Cần thêm 8 tin, bài trong Tháng 6/2026 (nhịp hiện tại 3,5 tin, bài mỗi "
                      "tháng) để cả quý đạt ≥ 15 tin, bài.")
    assert fed_back(catalog, f, a).status == MET
    assert fed_back(catalog, f, a, less=1).status != MET


def test_number_last_needs_three_more_houses(catalog):
    f = figs([V("TTDVSNC", "2026-04", "HT_WIFI_NVH", 12), V("TTDVSNC", "2026-05", "HT_WIFI_NVH", 14)])
    a = what_it_takes(catalog, f, Q2, "HT_WIFI_NVH")
    assert a.needed_value == 3
    assert said(catalog, a) == ("Cần thêm 3 nhà văn hóa (đạt 17) trước hết Tháng 6/2026 để cả quý đạt "
                      "≥ 17 nhà văn hóa.")
    assert fed_back(catalog, f, a).achieved == 17
    assert fed_back(catalog, f, a, less=1).status != MET


MEAN_CATALOG = catalog_of("""
[[indicators]]
id = "HOP"
group = "Chỉ đạo"
name = "Số buổi họp giao ban chuyển đổi số bình quân mỗi tháng"
kind = "number"
aggregate = "mean"
target = 10
points = 5
measure = "buổi"
units = ["A"]
""")


def test_number_mean_needs_monthly_average_in_months_left():
    f = figs([V("A", "2026-04", "HOP", 8), V("A", "2026-05", "HOP", 8)])
    # (8 + 8 + y)/3 ≥ 10 ⇔ y ≥ 14
    a = what_it_takes(MEAN_CATALOG, f, Q2, "HOP")
    assert a.needed_value == 14
    assert said(MEAN_CATALOG, a) == "Cần bình quân 14 buổi mỗi tháng trong Tháng 6/2026 để cả quý đạt ≥ 10 buổi."
    june = lambda y: pd.concat([f, figs([V("A", "2026-06", "HOP", y)])], ignore_index=True)  # noqa: E731
    assert score_quarter(MEAN_CATALOG, june(14), Q2).result("HOP").status == MET
    assert score_quarter(MEAN_CATALOG, june(13), Q2).result("HOP").status != MET


# ── none, unknown volume, the shipped demo ───────────────────────────────────

def test_met_and_not_applicable_give_none(catalog):
    f = figs([R("TTPVHCC", "2026-04", "DVC_HS_TRUC_TUYEN", 95, 100),
              R("TTPVHCC", "2026-04", "DVC_TOAN_TRINH", 0, 0)])
    assert what_it_takes(catalog, f, Q2, "DVC_HS_TRUC_TUYEN") is None
    assert what_it_takes(catalog, f, Q2, "DVC_TOAN_TRINH") is None


def test_no_data_uses_previous_quarter_volume(catalog):
    f = figs([R("CA", m, "DA06_VNEID", 8000, 10000) for m in ("2026-01", "2026-02", "2026-03")])
    # Q2 has nothing: 3 months × 10.000 projected; 90 % → 27.000 accounts
    a = what_it_takes(catalog, f, Q2, "DA06_VNEID")
    assert a.months_left == ("2026-04", "2026-05", "2026-06")
    assert (a.projected_denominator, a.needed_numerator) == (10000, 27000)
    assert "Tháng 4/2026, Tháng 5/2026 và Tháng 6/2026" in said(catalog, a)
    lone = what_it_takes(catalog, figs([]), Q2, "DA06_VNEID")
    assert lone.needed_numerator is None and said(catalog, lone).startswith("Chưa có số liệu để dự kiến")


def test_every_demo_answer_feeds_back(catalog, demo_conn):
    """On the demo (2026-Q3 closed, 2026-Q4 with October only) every answer holds."""
    from kpi.store import current_figures
    f = current_figures(demo_conn, catalog.commune)
    checked = 0
    for q in (Quarter(2026, 3), Quarter(2026, 4)):
        for a in what_it_takes_all(catalog, f, q).values():
            if a.change is None:
                continue
            adjs = adjustments_for_goal(catalog, a, q)
            res = score_quarter(catalog, apply_to_figures(catalog, f, q, Scenario("x", adjs)), q)
            less = adjustments_for_goal(catalog, a, q, less=1)
            res1 = score_quarter(catalog, apply_to_figures(catalog, f, q, Scenario("x", less)), q)
            r, r1 = res.result(a.indicator_id), res1.result(a.indicator_id)
            if a.goal == "target":
                assert r.status == MET and r1.status != MET, said(catalog, a)
            else:
                assert r.points >= a.goal_points - 1e-9 > r1.points, said(catalog, a)
            checked += 1
    assert checked >= 15


# ── a total: cheapest first ──────────────────────────────────────────────────

PLAN_CATALOG = catalog_of("""
[[indicators]]
id = "R1"
group = "G"
name = "Tỷ lệ một"
kind = "ratio"
target = 100
points = 20
units = ["A"]
numerator_label = "Số hồ sơ đạt"
denominator_label = "Tổng số hồ sơ"
[[indicators]]
id = "R2"
group = "G"
name = "Tỷ lệ hai"
kind = "ratio"
target = 95
points = 4
scoring = "threshold"
units = ["A"]
[[indicators]]
id = "N1"
group = "G"
name = "Số bài"
kind = "number"
target = 20
points = 10
measure = "bài"
units = ["A"]
""", grades=((90, "Xuất sắc"), (60, "Khá"), (0, "Yếu")))
# a closed quarter: R1 90/100 (18 points), R2 90/100 (0), N1 16 (8) → 26 of 34
PLAN_FIGS = figs([R("A", "2026-04", "R1", 30, 34), R("A", "2026-05", "R1", 30, 33),
                  R("A", "2026-06", "R1", 30, 33),
                  R("A", "2026-04", "R2", 30, 34), R("A", "2026-05", "R2", 30, 33),
                  R("A", "2026-06", "R2", 30, 33),
                  V("A", "2026-04", "N1", 6), V("A", "2026-05", "N1", 5), V("A", "2026-06", "N1", 5)])


def test_plan_cheapest_first_and_partial_last_step():
    # effort per point: R2 5 %/4 = 1,25; R1 10 %/2 = 5; N1 (4/20 = 20 %)/2 = 10
    p = plan_to_reach(PLAN_CATALOG, PLAN_FIGS, Q2, 31)
    assert p.current_points == pytest.approx(26)
    assert [s.indicator_id for s in p.steps] == ["R2", "R1"]
    assert [round(s.effort, 6) for s in p.steps] == [1.25, 5.0]
    assert p.steps[0].answer.needed_numerator == 5           # 95/100
    # R1 only needs +1 point: 95/100 → 19 points, not all the way to 100 %
    assert p.steps[1].answer.needed_numerator == 5
    assert p.steps[1].points_after == pytest.approx(19)
    assert p.reached and p.total_after == pytest.approx(31)


def test_plan_to_the_maximum_and_beyond():
    full = plan_to_reach(PLAN_CATALOG, PLAN_FIGS, Q2, 34)
    assert [s.indicator_id for s in full.steps] == ["R2", "R1", "N1"]
    assert full.steps[2].answer.needed_value == 4
    assert full.reached and full.total_after == pytest.approx(34)
    over = plan_to_reach(PLAN_CATALOG, PLAN_FIGS, Q2, 35)
    assert not over.reached and plan_text(over).startswith("Không thể đạt 35 điểm")
    done = plan_to_reach(PLAN_CATALOG, PLAN_FIGS, Q2, 20)
    assert done.steps == () and plan_text(done) == "Đã đạt 26 điểm, không cần cải thiện thêm."


def test_points_for_grade_and_nouns(catalog):
    assert points_for_grade(PLAN_CATALOG, "Khá", 34) == pytest.approx(20.4)
    assert noun_of("Số hồ sơ xử lý hoàn toàn trực tuyến") == "hồ sơ xử lý hoàn toàn trực tuyến"
    assert noun_of("Tổng số CBCC") == "CBCC"
    assert noun_of("hệ thống (1 = đã triển khai, 0 = chưa)") == "hệ thống"
    assert noun_of("tin, bài trong quý") == "tin, bài"
