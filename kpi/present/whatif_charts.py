"""The what-if chart: points gained or lost per criterion against the actual (a waterfall from
the actual total to the scenario's total). Same palette and number format as kpi.charts."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from kpi.domain.whatif import ScenarioResult
from kpi.present import texts

# the house template as the default: assigning it to each figure costs ~50 ms of validation
pio.templates.default = "plotly_white"

GAIN, LOSS, TOTAL, INK = "#0072B2", "#D55E00", "#8C8C8C", "#1A1A1A"


def gain_waterfall(result: ScenarioResult, *, projector: bool = False,
                   max_bars: int = 12) -> go.Figure:
    """Actual total → each criterion's change (biggest first) → the scenario's total."""
    moved = list(result.moved)[:max_bars]
    rest = sum(c.gain for c in result.moved[max_bars:])
    x = ["Thực tế"] + [_short(c.indicator.name) for c in moved]
    y = [result.actual.total_points] + [c.gain for c in moved]
    measure = ["absolute"] + ["relative"] * len(moved)
    if abs(rest) > 1e-9:
        x.append("Các chỉ tiêu khác")
        y.append(rest)
        measure.append("relative")
    x.append("Mô phỏng")
    y.append(result.simulated.total_points)
    measure.append("total")
    text = [texts.points(y[0])] + [texts.points_change(v) for v in y[1:-1]] + [texts.points(y[-1])]
    fig = go.Figure(go.Waterfall(
        x=x, y=y, measure=measure, text=text, textposition="outside", cliponaxis=False,
        increasing={"marker": {"color": GAIN}}, decreasing={"marker": {"color": LOSS}},
        totals={"marker": {"color": TOTAL}}, connector={"line": {"color": "#BBBBBB"}},
        hovertemplate="%{x}<br>%{text} điểm<extra></extra>"))
    low = min(result.actual.total_points, result.simulated.total_points)
    size = 20 if projector else 13
    fig.update_layout(
        separators=",.", height=420 if projector else 340,
        showlegend=False, font={"size": size, "color": INK},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": {"text": "Điểm"}, "range": [max(0.0, low - max(2.0, abs(result.gain) * 1.5)),
                                                     max(result.actual.max_points,
                                                         result.simulated.total_points) + 1]})
    return fig


def _short(name: str, n: int = 34) -> str:
    return name if len(name) <= n else name[: n - 1].rstrip() + "…"
