"""The projector's words: distance to the grade boundaries, short actions (≤ 12 words)."""
from __future__ import annotations

from kpi.domain.catalog import Grade
from kpi.domain.goalseek import what_it_takes_all
from kpi.domain.periods import Period, Quarter
from kpi.present import tables
from kpi.present.goal_texts import SHORT_WORDS, _short, short_action
from kpi.present.texts import grade_margins
from kpi.store.reads import current_figures

GRADES = (Grade(90, "Xuất sắc"), Grade(80, "Tốt"), Grade(70, "Khá"), Grade(50, "Trung bình"),
          Grade(0, "Yếu"))


def test_grade_margins_in_points_up_and_down():
    assert grade_margins(92.5, 100, GRADES) == (None, "Mất quá 2,5 điểm sẽ xuống Tốt")
    assert grade_margins(78.75, 100, GRADES) == ("Thiếu 1,25 điểm để lên Tốt",
                                                 "Mất quá 8,75 điểm sẽ xuống Trung bình")
    assert grade_margins(30, 100, GRADES) == ("Thiếu 20 điểm để lên Trung bình", None)
    # on the boundary: any loss drops a grade
    assert grade_margins(90, 100, GRADES)[1] == "Mất thêm bất kỳ điểm nào sẽ xuống Tốt"
    # a maximum of 50 points: 90 % is 45 points
    assert grade_margins(40, 50, GRADES) == ("Thiếu 5 điểm để lên Xuất sắc",
                                             "Mất thêm bất kỳ điểm nào sẽ xuống Khá")


def test_grade_margins_never_look_more_comfortable_than_they_are():
    # 89,996 needs 0,004 more: written 0,01 (rounded up), not 0
    assert grade_margins(89.996, 100, GRADES) == ("Thiếu 0,01 điểm để lên Xuất sắc",
                                                  "Mất quá 9,99 điểm sẽ xuống Khá")
    assert grade_margins(0, 0, GRADES) == (None, None)


def test_a_long_noun_is_cut_never_the_numbers():
    text = _short("Cần ≥ 17.300", "tài khoản định danh điện tử mức 2 đã được kích hoạt thành công",
                  "trong 2 tháng")
    assert text == "Cần ≥ 17.300 tài khoản định danh điện tử… trong 2 tháng"
    assert len(text.split()) == SHORT_WORDS


def test_short_actions_of_the_demo_fit_in_twelve_words(demo_conn, catalog):
    figures = current_figures(demo_conn, catalog.commune)
    for q in ("2026-Q3", "2026-Q4"):
        answers = what_it_takes_all(catalog, figures, Quarter.parse(q))
        shorts = {k: short_action(catalog.indicator(k), a) for k, a in answers.items()}
        assert all(len(s.split()) <= SHORT_WORDS for s in shorts.values()), shorts
    full, short = tables.what_it_takes_both(catalog, figures, Period(Quarter.parse("2026-Q3")))
    assert full.keys() == short.keys()
    # the finished quarter's three biggest losses, as the projector writes them
    assert short["CQ_SO_HOA_LUU_TRU"] == "Thiếu 521 hồ sơ lưu trữ đã số hóa"
    assert short["HT_WIFI_NVH"] == "Thiếu 3 nhà văn hóa"
    assert short["DVC_QUA_HAN"] == "Thừa 14 hồ sơ giải quyết quá hạn"
    assert "521" in full["CQ_SO_HOA_LUU_TRU"] and len(full["CQ_SO_HOA_LUU_TRU"].split()) > SHORT_WORDS


def test_chart_labels_short_names_and_wrapped_units(catalog):
    from kpi.present.texts import indicator_choice, short_name, wrap_words
    assert short_name("Tỷ lệ hồ sơ TTHC giải quyết quá hạn") == "Tỷ lệ hồ sơ TTHC giải quyết quá hạn"
    assert short_name("Tỷ lệ công dân từ 14 tuổi trở lên có sổ sức khỏe điện tử trên VNeID") == \
        "Tỷ lệ công dân từ 14 tuổi trở lên có…"
    assert len(short_name("x" * 10 + " " + "y" * 40)) <= 38
    assert wrap_words("Trung tâm Phục vụ hành chính công", 11) == "Trung tâm<br>Phục vụ<br>hành chính<br>công"
    ind = catalog.indicator("HT_WIFI_NVH")
    assert indicator_choice(ind) == f"{ind.group} — {ind.name}"
