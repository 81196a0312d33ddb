"""What-if: a scenario of adjustments to a quarter's figures, rescored by the engine.

A scenario never touches stored figures. Recompute is pure and in memory: the quarter's totals
are computed once (`kpi.scoring.quarter_totals`), each adjustment changes one criterion's
totals, and `kpi.scoring.score_totals` scores the result. `apply_to_figures` makes the same
change as extra figure rows, so the engine's `score_quarter` of those figures gives the same
total (the tests hold the two paths together).

Adjustments, the way people say them:
- ratio: `extra_numerator` / `extra_denominator` (e.g. "+40 online dossiers in June"), or
  `set_rate` (percent: "the overdue rate down to 1 %") which sets the quarter's numerator to
  that share of its denominator (after any extra denominator). The numerator stays within
  0…denominator.
- number: `extra_value` ("wifi in 3 more cultural houses": the quarter's figure 3 higher — for
  "last" the quarter-end figure, for "mean" the monthly average) or `set_value`. Never below 0.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.goalseek import GoalAnswer, default_projection
from kpi.domain.periods import Quarter
from kpi.domain.scoring import (
    IndicatorScore,
    QuarterScore,
    Totals,
    achieved_of,
    empty_figures,
    months_not_due,
    quarter_figures,
    quarter_totals,
    score_totals,
    with_state_of,
)

EPS = 1e-9


@dataclass(frozen=True)
class Adjustment:
    indicator_id: str
    extra_numerator: float = 0.0
    extra_denominator: float = 0.0
    set_rate: float | None = None        # percent, ratio only
    extra_value: float = 0.0
    set_value: float | None = None       # number only
    month: str | None = None             # where the change lands; default the quarter's last month

    @property
    def is_empty(self) -> bool:
        return (not self.extra_numerator and not self.extra_denominator and self.set_rate is None
                and not self.extra_value and self.set_value is None)


@dataclass(frozen=True)
class Scenario:
    name: str = "Kịch bản"
    adjustments: tuple[Adjustment, ...] = ()

    def adjustment(self, indicator_id: str) -> Adjustment | None:
        for a in self.adjustments:
            if a.indicator_id == indicator_id:
                return a
        return None

    def with_adjustment(self, adj: Adjustment) -> Scenario:
        """The scenario with `adj` replacing any adjustment of the same criterion."""
        rest = tuple(a for a in self.adjustments if a.indicator_id != adj.indicator_id)
        return replace(self, adjustments=rest if adj.is_empty else rest + (adj,))

    def renamed(self, name: str) -> Scenario:
        return replace(self, name=name.strip() or self.name)

    @property
    def is_empty(self) -> bool:
        return not any(not a.is_empty for a in self.adjustments)


@dataclass(frozen=True)
class Delta:
    """The change (new − actual) a scenario makes to a criterion's totals."""
    numerator: float = 0.0
    denominator: float = 0.0
    value: float = 0.0

    @property
    def is_zero(self) -> bool:
        return not (self.numerator or self.denominator or self.value)


@dataclass(frozen=True)
class IndicatorChange:
    indicator: Indicator
    actual: IndicatorScore
    simulated: IndicatorScore

    @property
    def gain(self) -> float:
        return self.simulated.points - self.actual.points


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    actual: QuarterScore
    simulated: QuarterScore
    changes: tuple[IndicatorChange, ...] = field(default_factory=tuple)

    @property
    def gain(self) -> float:
        return self.simulated.total_points - self.actual.total_points

    def change(self, indicator_id: str) -> IndicatorChange:
        for c in self.changes:
            if c.indicator.id == indicator_id:
                return c
        raise KeyError(indicator_id)

    @property
    def moved(self) -> tuple[IndicatorChange, ...]:
        """The criteria whose points moved, biggest move first."""
        return tuple(sorted((c for c in self.changes if abs(c.gain) > 1e-9),
                            key=lambda c: -abs(c.gain)))


# ── the one rule for what an adjustment does ─────────────────────────────────

def delta_of(ind: Indicator, base: Totals, adj: Adjustment) -> Delta:
    if ind.is_ratio:
        n, d = base.numerator or 0.0, base.denominator or 0.0
        new_d = max(0.0, d + adj.extra_denominator)
        if adj.set_rate is not None:
            rate = min(100.0, max(0.0, adj.set_rate))
            new_n = new_d * rate / 100.0
        else:
            new_n = n + adj.extra_numerator
        new_n = min(new_d, max(0.0, new_n))
        return Delta(numerator=new_n - n, denominator=new_d - d)
    v = base.value or 0.0
    new_v = adj.set_value if adj.set_value is not None else v + adj.extra_value
    return Delta(value=max(0.0, new_v) - v)


def _with_delta(ind: Indicator, base: Totals, delta: Delta) -> Totals:
    if delta.is_zero:
        return base
    months = max(base.months_reported, 1)
    if ind.is_ratio:
        return Totals(numerator=(base.numerator or 0.0) + delta.numerator,
                      denominator=(base.denominator or 0.0) + delta.denominator,
                      months_reported=months)
    return Totals(value=(base.value or 0.0) + delta.value, months_reported=months)


def apply_to_totals(catalog: Catalog, totals: dict[str, Totals],
                    scenario: Scenario) -> dict[str, Totals]:
    out = dict(totals)
    for adj in scenario.adjustments:
        if adj.is_empty or not catalog.has_indicator(adj.indicator_id):
            continue
        ind = catalog.indicator(adj.indicator_id)
        base = totals.get(ind.id, Totals())
        out[ind.id] = _with_delta(ind, base, delta_of(ind, base, adj))
    return out


def simulate(catalog: Catalog, totals: dict[str, Totals], quarter: Quarter | str,
             scenario: Scenario, unit: str | None = None,
             actual: QuarterScore | None = None) -> ScenarioResult:
    """Score the scenario on the quarter's totals (pure, in memory). `actual`: the period's result
    (`kpi.usecases.period_result`); the scenario is judged like it (a pending criterion it does
    not move stays pending)."""
    label = str(quarter)
    actual = actual or score_totals(catalog, totals, label, unit)
    simulated = with_state_of(catalog, score_totals(catalog, apply_to_totals(catalog, totals, scenario), label, unit),
                              actual, {a.indicator_id for a in scenario.adjustments if not a.is_empty})
    changes = tuple(IndicatorChange(a.indicator, a, s)
                    for a, s in zip(actual.indicators, simulated.indicators))
    return ScenarioResult(scenario, actual, simulated, changes)


def simulate_figures(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                     scenario: Scenario, unit: str | None = None) -> ScenarioResult:
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    return simulate(catalog, quarter_totals(catalog, figures, quarter, unit), quarter,
                    scenario, unit)


# ── what is still reachable in the quarter ───────────────────────────────────

@dataclass(frozen=True)
class Reach:
    """How far a criterion's quarter can still move: `best` is the best value (percent for a
    ratio) it can still end the quarter at, None when nothing bounds it."""
    indicator_id: str
    months_left: tuple[str, ...]
    best: float | None


def reach_of(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str, unit: str | None = None,
             as_of: dt.date | None = None, projected_denominators: dict | None = None,
             totals: dict[str, Totals] | None = None) -> dict[str, Reach]:
    """Per criterion, the best value the quarter can still end at.

    Months left are goal-seek's (after the criterion's latest month with data) that are not yet due
    on `as_of` (without it, every month is due): a due month's figures are set. The figures already stored stay;
    the months left add at most:
    - flow ratio: a projected denominator per month (goal-seek's, or as given), all of it good —
      higher: (n + D) / (d + D), lower: n / (d + D); no projection known: no bound;
    - stock ratio, or a "last" number: anything (the quarter's last month is still open);
    - number: `max_value` per unit and month when the catalogue gives one, else no bound upward;
      downward a summed number cannot go below what is stored.
    No month left: the quarter's value is what it is now.
    """
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    totals = quarter_totals(catalog, figures, quarter, unit) if totals is None else totals
    latest = _latest_months(catalog, quarter_figures(figures, quarter, unit))
    open_months = {str(m) for m in months_not_due(catalog, quarter.months, as_of)}
    out = {}
    for ind in (catalog.indicators if unit is None else catalog.indicators_of_unit(unit)):
        # goal-seek's months left (after the latest month with data), of those not yet due
        left = tuple(str(m) for m in quarter.months
                     if str(m) in open_months and str(m) > latest.get(ind.id, ""))
        base = totals[ind.id]
        given = (projected_denominators or {}).get(ind.id)
        per_month = float(given) if given else default_projection(ind, figures, quarter, unit, base)
        units = 1 if unit is not None else len(ind.units)
        out[ind.id] = Reach(ind.id, left, _best(ind, base, len(left), per_month, units))
    return out


def _latest_months(catalog: Catalog, rows: pd.DataFrame) -> dict[str, str]:
    """Per criterion, the latest month of the rows with a reported figure from a unit that reports it
    (what `goalseek.months_left_of` reads, for every criterion in one pass)."""
    ratio = {i.id for i in catalog.indicators if i.is_ratio}
    pairs = {(i.id, u) for i in catalog.indicators for u in i.units}
    reported = [(iid, u) in pairs and ((n == n and d == d) if iid in ratio else v == v)  # NaN != NaN
                for iid, u, n, d, v in zip(rows["indicator_id"], rows["unit"], rows["numerator"],
                                           rows["denominator"], rows["value"])]
    rep = rows[reported] if len(rows) else rows
    return {str(k): str(v) for k, v in rep.groupby("indicator_id")["period"].max().items()} if len(rep) else {}


def _best(ind: Indicator, base: Totals, k: int, per_month: float | None, units: int) -> float | None:
    now = achieved_of(ind, base)
    if k == 0:
        return now
    up = ind.higher_is_better
    if ind.aggregate == "last":
        if ind.is_ratio:
            return 100.0 if up else 0.0
        return ind.max_value * units if up and ind.max_value else (None if up else 0.0)
    if ind.is_ratio:
        if not per_month:
            return None
        n, d, D = base.numerator or 0.0, base.denominator or 0.0, k * per_month
        return 100.0 * ((n + D) if up else n) / (d + D)
    v, m = base.value or 0.0, base.months_reported
    if not up:
        return v if ind.aggregate == "sum" else v * m / (m + k)
    if not ind.max_value:
        return None
    cap = ind.max_value * units
    return v + cap * k if ind.aggregate == "sum" else (v * m + cap * k) / (m + k)


def beyond_reach(result: ScenarioResult, reach: dict[str, Reach]) -> tuple[IndicatorChange, ...]:
    """The changed criteria whose simulated value is better than the quarter can still end at."""
    out = []
    for c in result.changes:
        r = reach.get(c.indicator.id)
        new, old = c.simulated.achieved, c.actual.achieved
        if r is None or new is None or (old is not None and abs(new - old) < EPS):
            continue
        if r.best is None:
            continue
        better = new > r.best + EPS if c.indicator.higher_is_better else new < r.best - EPS
        if better:
            out.append(c)
    return tuple(out)


# ── the same change as figure rows ───────────────────────────────────────────

def _unit_for(ind: Indicator, unit: str | None) -> str:
    if unit is not None:
        return unit
    return ind.lead if ind.lead in ind.units else ind.units[0]


def apply_to_figures(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                     scenario: Scenario, unit: str | None = None) -> pd.DataFrame:
    """The figures with the scenario's changes written in (a copy; the input is untouched).

    A ratio or a summed number gets one extra row in the adjustment's month (lead unit); a
    "last" number changes the unit's latest row of the quarter; a "mean" number changes every
    row of the unit in the quarter, so its average moves by the same amount.
    """
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    totals = quarter_totals(catalog, figures, quarter, unit)
    months = {str(m) for m in quarter.months}
    out = figures.copy()
    extra = []
    for adj in scenario.adjustments:
        if adj.is_empty or not catalog.has_indicator(adj.indicator_id):
            continue
        ind = catalog.indicator(adj.indicator_id)
        delta = delta_of(ind, totals.get(ind.id, Totals()), adj)
        if delta.is_zero:
            continue
        who = _unit_for(ind, unit)
        month = adj.month if adj.month in months else str(quarter.months[-1])
        if ind.is_ratio and ind.aggregate == "last":
            # a stock ratio: the change moves the unit's latest month of the quarter
            mine = (out["indicator_id"] == ind.id) & (out["unit"] == who) & out["period"].isin(months) \
                & out["numerator"].notna() & out["denominator"].notna()
            if mine.any():
                latest = mine & (out["period"] == out.loc[mine, "period"].max())
                out.loc[latest, "numerator"] += delta.numerator
                out.loc[latest, "denominator"] += delta.denominator
                continue
        if ind.is_ratio or ind.aggregate == "sum":
            extra.append({"unit": who, "period": month, "indicator_id": ind.id,
                          "numerator": delta.numerator if ind.is_ratio else float("nan"),
                          "denominator": delta.denominator if ind.is_ratio else float("nan"),
                          "value": float("nan") if ind.is_ratio else delta.value})
            continue
        mine = (out["indicator_id"] == ind.id) & (out["unit"] == who) & \
            out["period"].isin(months) & out["value"].notna()
        if not mine.any():
            extra.append({"unit": who, "period": month, "indicator_id": ind.id,
                          "numerator": float("nan"), "denominator": float("nan"),
                          "value": delta.value})
        elif ind.aggregate == "last":
            latest = out.loc[mine, "period"].max()
            out.loc[mine & (out["period"] == latest), "value"] += delta.value
        else:
            out.loc[mine, "value"] += delta.value
    if extra:
        rows = pd.DataFrame(extra).astype({"numerator": "float64", "denominator": "float64",
                                           "value": "float64"})
        out = pd.concat([out, rows], ignore_index=True) if len(out) else rows
    return out if len(out.columns) else empty_figures()


def adjustments_for_goal(catalog: Catalog, answer: GoalAnswer, quarter: Quarter, less: float = 0.0
                         ) -> tuple[Adjustment, ...]:
    """The adjustment(s) a goal-seek answer stands for; `less` takes units off the change
    (the tests check that one unit less no longer meets the goal)."""
    ind = catalog.indicator(answer.indicator_id)
    last = answer.months_left[-1] if answer.months_left else str(quarter.months[-1])
    if ind.is_ratio:
        if answer.months_left:
            D = answer.projected_total_denominator or 0.0
            good = answer.needed_numerator or 0.0
            num = good - less if ind.higher_is_better else good + less
            return (Adjustment(ind.id, extra_numerator=num, extra_denominator=D, month=last),)
        sign = 1 if ind.higher_is_better else -1
        return (Adjustment(ind.id, extra_numerator=sign * ((answer.needed_numerator or 0.0) - less),
                           month=last),)
    if ind.aggregate == "mean" and answer.months_left:
        raise ValueError("a monthly average is not one adjustment")
    sign = 1 if ind.higher_is_better else -1
    return (Adjustment(ind.id, extra_value=sign * ((answer.needed_value or 0.0) - less), month=last),)
