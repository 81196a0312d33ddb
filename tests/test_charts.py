"""Plotly figure builders (kpi.charts): their data, target lines, colours and Vietnamese
formats — not pixels. Numbers come from the hand-computed mini quarter of test_views."""
from __future__ import annotations

import pandas as pd
import pytest
from test_views import mini_catalog, mini_figures

from kpi.domain.periods import Quarter
from kpi.domain.scoring import STATUSES
from kpi.present import charts
from kpi.present import tables as views

Q2 = views.Period(Quarter(2026, 2))


@pytest.fixture
def cat():
    return mini_catalog()


@pytest.fixture
def figs():
    return mini_figures()


def _target(fig):
    [t] = [tr for tr in fig.data if tr.name == charts.TARGET_NAME]
    return t


def test_one_colour_per_status_colour_blind_safe():
    assert set(charts.STATUS_COLORS) == set(STATUSES)
    assert len(set(charts.STATUS_COLORS.values())) == len(STATUSES)
    # Okabe-Ito blue / orange / vermillion for met / near / missed
    assert (charts.STATUS_COLORS["met"], charts.STATUS_COLORS["near"],
            charts.STATUS_COLORS["missed"]) == ("#0072B2", "#E69F00", "#D55E00")
    assert [t for t, _, _ in charts.status_legend()][:3] == ["✔ Đạt", "▲ Gần đạt", "✖ Chưa đạt"]


def test_group_bars_share_of_each_groups_maximum_labelled_in_points(cat, figs):
    # deliberately changed: bars are the share of each group's own maximum (a full group reads
    # full whatever its size), the points are the labels
    fig = charts.group_bars(views.group_table(views.score_period(cat, figs, Q2)))
    assert len(fig.data) == 2
    maxima, points = fig.data
    assert (maxima.name, points.name) == ("Tối đa", "Đạt được")
    assert list(maxima.x) == [100.0, 100.0] and list(maxima.customdata) == [12.0, 8.0]
    # official points / maximum: 10,53/12 (R1 7,71 + N1 2,82) and 6,88/8 (L1 4,88 + T1 2)
    assert points.x == pytest.approx([87.75, 86.0], abs=0.005)
    assert list(points.customdata) == [10.53, 6.88]
    assert list(points.y) == ["Nhóm 1", "Nhóm 2"]
    assert list(points.text) == ["10,53/12", "6,88/8"]
    assert points.marker.pattern.shape == ""
    partial = charts.group_bars(views.group_table(views.score_period(cat, figs, Q2)), partial=True)
    assert list(partial.data[1].text) == ["10,53/12 (tạm tính)", "6,88/8 (tạm tính)"]
    assert partial.data[1].marker.pattern.shape == "/"
    assert fig.layout.separators == ",." and fig.layout.barmode == "overlay"
    assert "điểm" in points.hovertemplate
    proj = charts.group_bars(views.group_table(views.score_period(cat, figs, Q2)), projector=True)
    assert proj.layout.font.size >= 20
    assert [a.text for a in proj.layout.annotations] == ["Nhóm 1", "Nhóm 2"]


def test_monthly_line_has_values_and_target(cat, figs):
    ind = cat.indicator("R1")
    fig = charts.monthly_line(views.monthly_series(cat, figs, "R1"), ind)
    line = fig.data[0]
    assert list(line.y) == [75.0, 87.5, 100.0]
    assert list(line.x) == ["4/2026", "5/2026", "6/2026"]
    assert list(line.customdata) == ["Tháng 4/2026", "Tháng 5/2026", "Tháng 6/2026"]
    assert list(fig.layout.xaxis.ticktext) == ["4/<br>2026", "5/<br>2026", "6/<br>2026"]
    # 19 months: every third labelled (7 labels), on two lines, so none overlaps at half a page
    long = pd.DataFrame({"short": [f"{(3 + k) % 12 + 1}/{2025 + (3 + k) // 12}" for k in range(19)],
                         "label": "", "achieved": 90.0})
    ticks = charts.monthly_line(long, ind).layout.xaxis
    assert list(ticks.tickvals) == ["4/2025", "7/2025", "10/2025", "1/2026", "4/2026", "7/2026", "10/2026"]
    assert ticks.ticktext[2] == "10/<br>2025" and ticks.tickangle == 0
    target = _target(fig)
    assert list(target.y) == [90.0, 90.0, 90.0] and target.line.dash == "dash"
    assert fig.layout.yaxis.ticksuffix == " %" and fig.layout.separators == ",."
    assert "Đạt được" in line.hovertemplate and "%{y:,.1f} %" in line.hovertemplate


def test_quarter_bars_coloured_by_status_with_target(cat, figs):
    ind = cat.indicator("R1")
    series = views.quarter_series(cat, figs, "R1", [Quarter(2026, 1), Quarter(2026, 2)])
    fig = charts.quarter_bars(series, ind)
    bars = fig.data[0]
    assert list(bars.x) == ["Quý I/2026", "Quý II/2026"]
    assert bars.y[1] == pytest.approx(29500 / 340)
    assert list(bars.marker.color) == [charts.STATUS_COLORS["no_data"], charts.STATUS_COLORS["near"]]
    assert bars.customdata[1][0] == "▲ Gần đạt"
    assert list(_target(fig).y) == [90.0, 90.0]
    # labels horizontal over two lines; both quarters of the mini catalogue are final
    assert fig.layout.xaxis.tickangle == 0
    assert list(fig.layout.xaxis.ticktext) == ["Quý I/<br>2026", "Quý II/<br>2026"]
    assert list(bars.marker.pattern.shape) == ["", ""]
    partial = charts.quarter_bars(series.assign(provisional=[False, True]), ind)
    assert list(partial.data[0].marker.pattern.shape) == ["", "/"]
    assert list(partial.layout.xaxis.ticktext) == ["Quý I/<br>2026", "Quý II/<br>2026<br>(tạm tính)"]


def test_unit_bars_ratio_with_target_and_count_without(cat, figs):
    fig = charts.unit_bars(views.unit_contributions(cat, figs, "R1", Q2), cat.indicator("R1"))
    assert list(fig.data[0].x) == ["A", "B"] and list(fig.data[0].y) == [90.0, 62.5]
    assert list(fig.data[0].marker.color) == [charts.STATUS_COLORS["met"],
                                              charts.STATUS_COLORS["missed"]]
    assert list(_target(fig).y) == [90.0, 90.0]
    count = charts.unit_bars(views.unit_contributions(cat, figs, "N1", Q2), cat.indicator("N1"))
    assert list(count.data[0].y) == [12.0] and len(count.data) == 1


def test_status_heatmap_codes_icons_and_blanks(cat, figs):
    m = views.status_matrix(cat, figs, Q2)
    fig = charts.status_heatmap(m, {"A": "Đơn vị A", "B": "Đơn vị B"},
                                {i.id: i.name for i in cat.indicators})
    hm = fig.data[0]
    code = {s: i for i, s in enumerate(STATUSES)}
    # deliberately changed: criteria down (names read horizontally), units across
    assert [list(r) for r in hm.z] == [[code["met"], code["missed"]], [code["missed"], None],
                                       [code["missed"], code["missed"]], [None, code["met"]]]
    assert [list(r) for r in hm.text] == [["✔", "✖"], ["✖", ""], ["✖", "✖"], ["", "✔"]]
    assert hm.customdata[3][0] == "Đơn vị A<br>Tỷ lệ báo cáo đúng hạn<br>Không báo cáo"
    assert list(fig.layout.xaxis.ticktext) == ["Đơn vị A", "Đơn vị B"]
    assert list(fig.layout.yaxis.ticktext) == [i.name for i in cat.indicators]
    assert fig.layout.xaxis.tickangle == 0
    # each status code lands on its own colour in the discrete scale
    n = len(STATUSES)
    for s, i in code.items():
        pos = (i + 0.5) / n
        colour = [c for lo, c in hm.colorscale if lo <= pos][-1]
        assert colour == charts.STATUS_COLORS[s]


def test_a_heatmap_cell_is_a_clickable_point_of_its_unit_and_criterion(cat, figs):
    """Plotly selects no heatmap cell, so every cell has an invisible point on top: x its unit,
    y its criterion, the same hover text as the cell; the grid does not pan."""
    m = views.status_matrix(cat, figs, Q2)
    fig = charts.status_heatmap(m, {"A": "Đơn vị A", "B": "Đơn vị B"},
                                {i.id: i.name for i in cat.indicators})
    hm, cells = fig.data
    ids = [i.id for i in cat.indicators]
    assert list(cells.x) == ["A", "B"] * 4
    assert list(cells.y) == [ids[0], ids[0], ids[1], ids[1], ids[2], ids[2], ids[3], ids[3]]
    assert cells.customdata[6] == "Đơn vị A<br>Tỷ lệ báo cáo đúng hạn<br>Không báo cáo"
    assert list(cells.customdata) == [h for row in hm.customdata for h in row]
    assert cells.marker.color == "rgba(0,0,0,0)" and hm.hoverinfo == "skip"
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange


HEATMAP_OPENS = ("pages/indicator.py", "indicator", "y")


def test_click_target_maps_a_selected_point_to_the_page_and_id(cat):
    """The selection Streamlit hands back after a click (`selection.points`) → page + query."""
    known = {i.id for i in cat.indicators}
    ids = sorted(known)
    cell = {"x": "B", "y": ids[1], "curve_number": 1, "point_index": 3}
    assert charts.click_target([cell], HEATMAP_OPENS, known) == ("pages/indicator.py", {"indicator": ids[1]})
    # a unit bar on a criterion's page: the unit is on x
    bar = {"x": "A", "y": 87.5, "curve_number": 0, "point_index": 0}
    assert charts.click_target([bar], ("pages/unit.py", "unit", "x"), {"A", "B"}) == \
        ("pages/unit.py", {"unit": "A"})
    assert charts.click_target([bar, cell], ("pages/unit.py", "unit", "x")) == ("pages/unit.py", {"unit": "A"})


def test_click_target_ignores_empty_stray_and_unknown_points(cat):
    known = {i.id for i in cat.indicators}
    assert charts.click_target([], HEATMAP_OPENS, known) is None
    assert charts.click_target([{"x": "A"}], HEATMAP_OPENS, known) is None            # no y
    assert charts.click_target([{"x": "A", "y": "GONE"}], HEATMAP_OPENS, known) is None  # not a criterion
    assert charts.click_target([{"x": "A", "y": 87.5}], HEATMAP_OPENS, known) is None    # a value, not an id
    # without `known` any value on the axis is taken as the id
    assert charts.click_target([{"x": "A", "y": "X1"}], HEATMAP_OPENS) == ("pages/indicator.py", {"indicator": "X1"})
