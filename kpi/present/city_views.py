"""The city view's tables and charts, built from `kpi.usecases.city` results (texts through
`kpi.present.texts`)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from kpi.present import texts
from kpi.present.charts import LINE_COLOR, style


def ranking_table(results) -> pd.DataFrame:
    """Communes best first: rank, name, points, percent, grade, change, on-time reporting."""
    rows = []
    for rank, r in enumerate(results, 1):
        rows.append({
            "Hạng": rank, "Mã": r.code, "Xã": r.name,
            "Điểm": texts.score_headline(r.score.total_points, r.score.max_points),
            "Tỷ lệ": texts.score_percent(r.score.percent),
            "Xếp loại": r.score.grade + texts.score_state(r.score.provisional, r.closed),
            "Thay đổi": texts.points_change(r.change) if r.change is not None else "—",
            "Báo cáo đúng hạn": (f"{r.on_time}/{r.due} ({texts.percent(r.on_time_percent)})" if r.due else "—"),
        })
    return pd.DataFrame(rows, columns=["Hạng", "Mã", "Xã", "Điểm", "Tỷ lệ", "Xếp loại", "Thay đổi",
                                       "Báo cáo đúng hạn"])


def grade_counts(results) -> list[tuple[str, int]]:
    """How many communes in each grade, in the order met."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r.score.grade] = counts.get(r.score.grade, 0) + 1
    return list(counts.items())


def score_histogram(results, *, projector: bool = False) -> go.Figure:
    """How the communes' percentages spread, in bands of 5 points."""
    values = [r.score.percent for r in results if r.score.percent is not None]
    fig = go.Figure(go.Histogram(x=values, xbins={"start": 0, "end": 100.001, "size": 5},
                                 marker_color=LINE_COLOR,
                                 hovertemplate="%{x} %<br>%{y} xã<extra></extra>"))
    fig.update_xaxes(title={"text": "% điểm tối đa"}, range=[0, 100], ticksuffix=" %")
    fig.update_yaxes(title={"text": "Số xã"})
    fig.update_layout(bargap=0.08)
    # on the projector it shares its column with the missed criteria, within a 720-px-high screen
    return style(fig, height=300 if not projector else 230, projector=projector)


def missed_table(missed: pd.DataFrame, communes: int, limit: int = 10, name_length: int = 70) -> pd.DataFrame:
    """The criteria most often missed across communes (names cut to `name_length` characters)."""
    top = missed.head(limit)
    return pd.DataFrame({
        "Mã": top["indicator_id"], "Chỉ tiêu": [texts.short_name(n, name_length) for n in top["name"]],
        "Số xã chưa đạt": [f"{m}/{communes}" for m in top["missed"]],
        "Gần đạt": top["near"].astype(int),
        "Điểm mất (cả thành phố)": [texts.points(x) for x in top["points_lost"]],
    })


def on_time_bars(results, limit: int = 15, *, projector: bool = False) -> go.Figure:
    """The communes reporting least on time (unit-months first sent before the due date)."""
    rows = sorted((r for r in results if r.due), key=lambda r: (r.on_time_percent or 0.0, r.name))[:limit]
    fig = go.Figure(go.Bar(y=[r.name for r in rows], x=[r.on_time_percent for r in rows], orientation="h",
                           marker_color="#D55E00", text=[f"{r.on_time}/{r.due}" for r in rows],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:,.1f} %<extra></extra>"))
    fig.update_xaxes(range=[0, 115], ticksuffix=" %", title={"text": "% tháng-đơn vị gửi đúng hạn"})
    fig.update_yaxes(autorange="reversed")
    return style(fig, height=80 + 28 * max(1, len(rows)), projector=projector)


def group_heatmap(matrix: pd.DataFrame, names: dict[str, str], *, projector: bool = False) -> go.Figure:
    """Communes (rows, ranked) × groups: the share of each group's points earned."""
    communes, groups = list(matrix.index), list(matrix.columns)
    z = [[None if pd.isna(v) else float(v) for v in row] for row in matrix.values]
    text = [["" if v is None else texts.score_percent(v, 0) for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=[texts.wrap_words(g, 14) for g in groups], y=[names.get(c, c) for c in communes], text=text,
        texttemplate="%{text}", zmin=0, zmax=100, colorscale=[[0, "#D55E00"], [0.5, "#F0E442"], [1, "#0072B2"]],
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>", xgap=2, ygap=1,
        colorbar={"title": {"text": "%"}, "ticksuffix": " %"}))
    fig.update_xaxes(side="top", tickangle=0)
    fig.update_yaxes(autorange="reversed")
    style(fig, height=140 + 24 * max(1, len(communes)), projector=projector)
    fig.update_layout(margin={"t": 90})
    return fig
