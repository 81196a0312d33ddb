"""Plotly figure builders shared by every page: one palette, Vietnamese hover text and number
format (`separators=",."` gives 1.234,5), a target line on every progress chart, few traces.

Each builder takes the DataFrames of `kpi.views` and returns a `go.Figure`; tests check the
data and the target lines, not pixels.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kpi.domain.catalog import Indicator
from kpi.domain.scoring import MET, MISSED, NA, NEAR, NO_DATA, PENDING, STATUSES
from kpi.present.texts import STATUS_ICONS, STATUS_LABELS, short_name, smart_number, wrap_words

# the house template as the default: assigning it to each figure costs ~50 ms of validation
pio.templates.default = "plotly_white"

# Okabe-Ito: distinguishable with every common colour-vision deficiency; icons repeat the status.
STATUS_COLORS = {MET: "#0072B2", NEAR: "#E69F00", MISSED: "#D55E00", NO_DATA: "#8C8C8C",
                 NA: "#D9D9D9", PENDING: "#56B4E9"}
INK = "#1A1A1A"
TARGET_COLOR = "#1A1A1A"
MAX_COLOR = "#E6E6E6"
LINE_COLOR = "#0072B2"
TARGET_NAME = "Mục tiêu"


def style(fig: go.Figure, *, height: int = 360, projector: bool = False,
          title: str | None = None) -> go.Figure:
    """The house layout: Vietnamese separators, readable fonts, white background."""
    size = 20 if projector else 14
    fig.update_layout(
        separators=",.", height=height,
        font={"size": size, "color": INK, "family": "Inter, 'Source Sans Pro', Arial, sans-serif"},
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        title={"text": title} if title else None,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font_size": size})
    return fig


def _value_axis(ind: Indicator) -> dict:
    if ind.is_ratio:
        return {"ticksuffix": " %", "rangemode": "tozero"}
    return {"title": {"text": ind.measure} if ind.measure else None, "rangemode": "tozero"}


def _fmt(ind: Indicator) -> str:
    return "%{y:,.1f} %" if ind.is_ratio else "%{y:,.1f} " + ind.measure


PARTIAL_NOTE = " (tạm tính)"


def group_bars(groups: pd.DataFrame, *, projector: bool = False, partial: bool = False) -> go.Figure:
    """Points per group (views.group_table) as a share of each group's own maximum (the grey bar
    is 100 %), so a full 7/7 group reads full beside 37/38; the points are the labels. `partial`
    (a provisional period): bars hatched and labelled «tạm tính»."""
    share = [float(x) if x is not None and x == x else 0.0 for x in groups["Tỷ lệ"]]
    labels = [f"{smart_number(p)}/{smart_number(m)}" + (PARTIAL_NOTE if partial else "")
              for p, m in zip(groups["Điểm"], groups["Tối đa"])]
    fig = go.Figure()
    fig.add_bar(y=groups["Nhóm"], x=[100.0] * len(groups), orientation="h", name="Tối đa",
                marker_color=MAX_COLOR, customdata=groups["Tối đa"],
                hovertemplate="%{y}<br>Tối đa: %{customdata:,.2f} điểm<extra></extra>")
    fig.add_bar(y=groups["Nhóm"], x=share, orientation="h", name="Đạt được",
                marker={"color": LINE_COLOR, "pattern": {"shape": "/" if partial else ""}},
                text=labels, textposition="outside", cliponaxis=False, customdata=groups["Điểm"],
                hovertemplate="%{y}<br>Đạt được: %{customdata:,.2f} điểm (%{x:,.1f} %)<extra></extra>")
    fig.update_layout(barmode="overlay", bargap=0.35, showlegend=False)
    fig.update_yaxes(autorange="reversed")
    if projector:
        # a narrow column on the projector: names above the bars instead of a wide axis
        fig.update_layout(bargap=0.55)
        fig.update_yaxes(showticklabels=False)
        for name in groups["Nhóm"]:
            fig.add_annotation(x=0, y=name, text=name, showarrow=False, xanchor="left",
                               yanchor="bottom", yshift=14, font={"size": 20})
    # room for the "37,38/38" labels right of the full bar
    fig.update_xaxes(title={"text": "% điểm tối đa của nhóm"}, ticksuffix=" %",
                     range=[0, 160 if partial else 135], tickvals=[0, 25, 50, 75, 100])
    return style(fig, height=60 + 48 * max(1, len(groups)) if not projector
                 else 60 + 80 * max(1, len(groups)), projector=projector)


def target_trace(x: list, target: float, name: str = TARGET_NAME, unit_suffix: str = "") -> go.Scatter:
    """The target as a dashed line across the chart's categories."""
    return go.Scatter(x=list(x), y=[target] * len(x), mode="lines", name=name,
                      line={"color": TARGET_COLOR, "dash": "dash", "width": 2},
                      hovertemplate=f"{name}: %{{y:,.1f}}{unit_suffix}<extra></extra>")


MONTH_LABELS = 7


def monthly_line(series: pd.DataFrame, ind: Indicator, *, projector: bool = False) -> go.Figure:
    """The commune's monthly achieved value (views.monthly_series) with the target line."""
    fig = go.Figure()
    fig.add_scatter(x=series["short"], y=series["achieved"], mode="lines+markers",
                    name="Đạt được", line={"color": LINE_COLOR, "width": 3},
                    marker={"size": 9}, connectgaps=False, customdata=series["label"],
                    hovertemplate="%{customdata}<br>Đạt được: " + _fmt(ind) + "<extra></extra>")
    fig.add_trace(target_trace(series["short"], ind.target,
                               unit_suffix=" %" if ind.is_ratio else f" {ind.measure}"))
    fig.update_yaxes(**_value_axis(ind))
    # at most MONTH_LABELS months labelled, each on two lines («4/» over «2025»): half a page at
    # 1366 holds them side by side without overlapping
    months = list(series["short"])
    shown = months[::-(-len(months) // MONTH_LABELS) or 1]
    fig.update_xaxes(tickangle=0, tickmode="array", tickvals=shown,
                     ticktext=[m.replace("/", "/<br>") for m in shown])
    return style(fig, projector=projector)


def quarter_bars(series: pd.DataFrame, ind: Indicator, *, projector: bool = False) -> go.Figure:
    """Quarter by quarter (views.quarter_series): bars coloured by status, with the target."""
    labels = [f"{STATUS_ICONS[s]} {STATUS_LABELS[s]}" for s in series["status"]]
    fig = go.Figure()
    fig.add_bar(x=series["label"], y=series["achieved"], name="Đạt được",
                marker_color=[STATUS_COLORS[s] for s in series["status"]],
                customdata=list(zip(labels, series["points"], series["max_points"])),
                hovertemplate="%{x}<br>Đạt được: " + _fmt(ind)
                + "<br>%{customdata[0]}<br>Điểm: %{customdata[1]:,.2f}/%{customdata[2]:,.2f}"
                  "<extra></extra>")
    fig.add_trace(target_trace(series["label"], ind.target,
                               unit_suffix=" %" if ind.is_ratio else f" {ind.measure}"))
    fig.update_yaxes(**_value_axis(ind))
    # labels read horizontally over two lines; a provisional quarter hatched and marked
    partial = list(series["provisional"]) if "provisional" in series else [False] * len(series)
    fig.update_traces(selector={"type": "bar"},
                      marker_pattern_shape=["/" if p else "" for p in partial])
    fig.update_xaxes(tickangle=0, tickmode="array", tickvals=list(series["label"]),
                     ticktext=[lab.replace("/", "/<br>") + ("<br>(tạm tính)" if p else "")
                               for lab, p in zip(series["label"], partial)])
    return style(fig, projector=projector)


def unit_bars(contrib: pd.DataFrame, ind: Indicator, *, projector: bool = False) -> go.Figure:
    """Each unit's achieved rate (ratio) or value (count), from views.unit_contributions.

    A ratio gets the target line (each unit is held to it); a count shows each unit's part.
    """
    y = contrib["achieved"] if ind.is_ratio else contrib["value"]
    colors = [STATUS_COLORS[s] for s in contrib["status"]] if ind.is_ratio else LINE_COLOR
    fig = go.Figure()
    fig.add_bar(x=contrib["unit"], y=y, name="Đạt được", marker_color=colors,
                customdata=list(zip(contrib["name"], contrib["share"].fillna(0))),
                hovertemplate="%{customdata[0]}<br>Đạt được: " + _fmt(ind)
                + "<br>Phần đóng góp: %{customdata[1]:,.1f} %<extra></extra>")
    if ind.is_ratio:
        fig.add_trace(target_trace(contrib["unit"], ind.target, unit_suffix=" %"))
    fig.update_yaxes(**_value_axis(ind))
    fig.update_xaxes(tickangle=0, tickmode="array", tickvals=list(contrib["unit"]),
                     ticktext=[wrap_words(n, 11) for n in contrib["name"]])
    return style(fig, projector=projector)


# Heatmap: statuses are coded 0..4 on a discrete colour scale in STATUSES order.
_CODES = {s: i for i, s in enumerate(STATUSES)}


def _discrete_scale() -> list:
    n = len(STATUSES)
    scale = []
    for i, s in enumerate(STATUSES):
        scale += [[i / n, STATUS_COLORS[s]], [(i + 1) / n, STATUS_COLORS[s]]]
    return scale


def status_heatmap(matrix: pd.DataFrame, unit_names: dict[str, str],
                   indicator_names: dict[str, str], *, projector: bool = False) -> go.Figure:
    """Units × criteria (views.status_matrix) coloured by status, with the icon in each cell;
    drawn criteria down (short names, read horizontally) × units across (names over lines)."""
    crit, units = list(matrix.columns), list(matrix.index)
    values = matrix.T.values
    z = [[_CODES[v] if isinstance(v, str) else None for v in row] for row in values]
    text = [[STATUS_ICONS[v] if isinstance(v, str) else "" for v in row] for row in values]
    hover = [[f"{unit_names.get(u, u)}<br>{indicator_names.get(c, c)}<br>"
              + (f"{STATUS_ICONS[v]} {STATUS_LABELS[v]}" if isinstance(v, str) else "Không báo cáo")
              for u, v in zip(units, row)] for c, row in zip(crit, values)]
    fig = go.Figure(go.Heatmap(
        z=z, x=units, y=crit, text=text, texttemplate="%{text}",
        customdata=hover, hovertemplate="%{customdata}<extra></extra>", zmin=-0.5,
        zmax=len(STATUSES) - 0.5, colorscale=_discrete_scale(), showscale=False, xgap=2, ygap=2,
        hoverinfo="skip"))
    # Plotly selects no heatmap cell on a click, but it does select scatter points: an invisible
    # point on every cell carries the hover text and makes the cell clickable (its x: the unit,
    # its y: the criterion; the nearest point is always the cell's own on a regular grid)
    cells = [(u, c, h) for c, row in zip(crit, hover) for u, h in zip(units, row)]
    clear = {"marker": {"opacity": 0}}
    fig.add_scatter(x=[u for u, _, _ in cells], y=[c for _, c, _ in cells],
                    customdata=[h for _, _, h in cells], mode="markers", name="cells",
                    marker={"size": 18, "color": "rgba(0,0,0,0)"}, selected=clear, unselected=clear,
                    hovertemplate="%{customdata}<extra></extra>", showlegend=False)
    fig.update_layout(hoverdistance=-1)
    fig.update_xaxes(fixedrange=True)   # a drag would pan the grid away; clicks open a criterion
    fig.update_yaxes(fixedrange=True)
    # ids stay the categories (two names may shorten alike); the axes show names
    fig.update_xaxes(side="top", tickangle=0, tickmode="array", tickvals=units,
                     ticktext=[wrap_words(unit_names.get(u, u), 8) for u in units],
                     tickfont={"size": 15 if projector else 11})
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=crit,
                     ticktext=[short_name(indicator_names.get(c, c), 32) for c in crit])
    style(fig, height=160 + 26 * len(crit), projector=projector)
    fig.update_layout(margin={"t": 120})
    return fig


def status_legend() -> list[tuple[str, str, str]]:
    """(icon + word, colour) of every status, for a legend under a chart."""
    return [(f"{STATUS_ICONS[s]} {STATUS_LABELS[s]}", STATUS_COLORS[s], s) for s in STATUSES]


def click_target(points: Sequence[dict], opens: tuple[str, str, str],
                 known: Collection[str] | None = None) -> tuple[str, dict[str, str]] | None:
    """Where a click on a chart leads: `opens` = (page, query parameter, "x" or "y") names the
    page and the axis whose category is the id (a heatmap cell: its criterion on "y"; a unit bar:
    the unit on "x"). `points` is Streamlit's `selection.points`; the first point counts. None
    when nothing was hit, the point has no value on that axis, or the value is not one of
    `known` (a stray trace such as the target line, a stale selection after the data changed)."""
    if not points:
        return None
    page, name, axis = opens
    value = points[0].get(axis)
    if value is None or known is not None and str(value) not in known:
        return None
    return page, {name: str(value)}
