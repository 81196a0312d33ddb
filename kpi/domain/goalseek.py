"""Goal-seek: what it takes to meet a criterion by the end of the quarter, and which criteria
to improve, cheapest first, to reach a total.

The rules, as the answers state them:
- Months left: the quarter's months after the latest month with data for that criterion (in
  the scope: the commune or one unit). No data in the quarter: all three months are left. A
  criterion whose data reaches the quarter's last month is *closed*: the answer says what the
  quarter would have needed, and `reachable` is False.
- Projected denominator per remaining month (ratios): the monthly average so far in the quarter,
  rounded to a whole number (at least 1); with no data in the quarter, the monthly average of
  the previous quarter; editable through `projected_denominators` (id → per month).
- Every number comes from searching the smallest whole change that the scoring engine itself
  scores as enough, so an answer fed back meets the goal and one unit less does not.
- Goal: the target. When it cannot be met, a criterion scored by bands aims at the best band
  still reachable above its current one; otherwise the answer gives the best reachable
  (achieved and points).
- Cheapest first (`plan_to_reach`): the effort of a step is the relative change it asks for,
  in percent — for a ratio the lift of the quarter's rate beyond what the current monthly pace
  delivers (percentage points), for a number the change beyond the current pace as a share of
  the target — divided by the points it gains. Ties go to the larger gain.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.periods import Quarter
from kpi.domain.scoring import (
    MET,
    NA,
    IndicatorScore,
    QuarterScore,
    Totals,
    criterion_quarter_totals,
    criterion_rows,
    meets_target,
    quarter_figures,
    quarter_pass,
    quarter_totals,
    reported_rows,
    score_indicator,
    score_totals,
)

EPS = 1e-9


@dataclass(frozen=True)
class GoalAnswer:
    indicator_id: str
    quarter: Quarter
    base: Totals                    # the criterion's totals so far in the quarter
    reachable: bool                 # the target can still be met this quarter
    # "target" | "band" | "best" (nothing better is reachable) | "partial" (a plan's last step,
    # only the points still missing) | "unknown" (a ratio with no volume to project)
    goal: str
    goal_achieved: float | None     # the level aimed at (percent for a ratio)
    goal_points: float              # points with the needed change
    months_left: tuple[str, ...]    # e.g. ("2026-11", "2026-12"); empty when closed
    closed: bool                    # the quarter's last month has data
    current_achieved: float | None
    current_points: float
    best_achieved: float | None     # with the most that can still be done
    best_points: float
    # ratio, open quarter: higher → at least this numerator in the months left; lower → at most.
    # ratio, closed quarter: the extra (higher) / fewer (lower) numerator the quarter needed.
    needed_numerator: float | None = None
    # number: the extra value (sum, last) — or, for "mean" with months left, the monthly
    # average needed in the months left.
    needed_value: float | None = None
    projected_denominator: float | None = None      # per remaining month
    effort: float | None = None                     # see the module doc; None when unreachable
    change: float | None = None                     # the search variable (see `totals_for`)

    @property
    def projected_total_denominator(self) -> float | None:
        if self.projected_denominator is None:
            return None
        return self.projected_denominator * len(self.months_left)


@dataclass(frozen=True)
class PlanStep:
    indicator_id: str
    name: str
    points_before: float
    points_after: float
    effort: float
    answer: GoalAnswer

    @property
    def gain(self) -> float:
        return self.points_after - self.points_before


@dataclass(frozen=True)
class GoalPlan:
    quarter: Quarter
    goal_points: float
    current_points: float
    reached: bool
    total_after: float
    steps: tuple[PlanStep, ...] = field(default_factory=tuple)


# ── where the quarter stands ─────────────────────────────────────────────────

def months_left_of(ind: Indicator, quarter_rows: pd.DataFrame, quarter: Quarter) -> tuple[str, ...]:
    rep = reported_rows(ind, criterion_rows(ind, quarter_rows))
    return months_after(quarter, None if rep.empty else str(rep["period"].max()))


def months_after(quarter: Quarter, latest: str | None) -> tuple[str, ...]:
    """The quarter's months after `latest` (the latest month with data; None: all three)."""
    months = [str(m) for m in quarter.months]
    return tuple(months) if latest is None else tuple(m for m in months if m > latest)


def default_projection(ind: Indicator, figures: pd.DataFrame, quarter: Quarter,
                       unit: str | None, totals: Totals) -> float | None:
    """The monthly denominator expected in a remaining month (None: nothing to go on)."""
    if not ind.is_ratio:
        return None
    if totals.months_reported and totals.denominator:
        return float(max(1, round(totals.denominator / totals.months_reported)))
    prev = criterion_quarter_totals(ind, figures, quarter.previous(), unit)
    if prev.months_reported and prev.denominator:
        return float(max(1, round(prev.denominator / prev.months_reported)))
    return None


# ── the search ───────────────────────────────────────────────────────────────

def totals_for(ind: Indicator, base: Totals, change: float, k: int,
               per_month: float | None) -> Totals:
    """The quarter's totals after an improvement of `change` (a whole number ≥ 0).

    ratio, months left (k > 0): D = k × per_month more in the denominator;
        higher: `change` of them count in the numerator; lower: D − change of them do.
    ratio, closed: the numerator `change` higher (higher) or lower (lower).
    number: the value `change` higher (lower: lower); "mean" with months left: the months
        left report `change` each (a monthly average for the commune's total).
    """
    n, d, v, m = base.numerator or 0.0, base.denominator or 0.0, base.value or 0.0, base.months_reported
    if ind.is_ratio:
        if k > 0:
            D = k * (per_month or 0.0)
            num = n + change if ind.higher_is_better else n + (D - change)
            return Totals(numerator=num, denominator=d + D, months_reported=m + k)
        return Totals(numerator=n + change if ind.higher_is_better else n - change,
                      denominator=d, months_reported=m)
    if ind.aggregate == "mean" and k > 0:
        # higher: the months left report `change` each; lower: the mean less `change` each
        monthly = change if ind.higher_is_better else max(0.0, v - change)
        return Totals(value=(v * m + monthly * k) / (m + k), months_reported=m + k)
    value = v + change if ind.higher_is_better else v - change
    return Totals(value=value, months_reported=max(m, 1))


def _bounds(ind: Indicator, base: Totals, k: int, per_month: float | None) -> tuple[int, int]:
    """The whole-number range of `change` that is physically possible."""
    n, d, v = base.numerator or 0.0, base.denominator or 0.0, base.value or 0.0
    if ind.is_ratio:
        if k > 0:
            return 0, int(round(k * (per_month or 0.0)))
        return 0, int(round(d - n)) if ind.higher_is_better else int(round(n))
    if ind.higher_is_better:
        need = ind.target * ((base.months_reported + k) / k if (ind.aggregate == "mean" and k) else 1)
        return 0, max(1, int(math.ceil(need + abs(v))) + 1)
    return 0, max(0, int(math.ceil(v)))


def _smallest(pred: Callable[[int], bool], lo: int, hi: int) -> int | None:
    """Smallest whole x in [lo, hi] with pred(x), pred monotone (False… True…)."""
    if hi < lo or not pred(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


# ── one criterion ────────────────────────────────────────────────────────────

def what_it_takes(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                  indicator_id: str, *, unit: str | None = None,
                  projected_denominators: dict | None = None,
                  _totals: Totals | None = None, _rows: pd.DataFrame | None = None,
                  _left: tuple[str, ...] | None = None) -> GoalAnswer | None:
    """What meeting one criterion by the quarter's end takes; None when met or not applicable."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    ind = catalog.indicator(indicator_id)
    if unit is not None and unit not in ind.units:
        return None
    base = _totals if _totals is not None else criterion_quarter_totals(ind, figures, quarter, unit)
    now = score_indicator(ind, base)
    if now.status in (MET, NA):
        return None
    if _left is not None:
        left = _left
    else:
        left = months_left_of(ind, _rows if _rows is not None else quarter_figures(figures, quarter, unit), quarter)
    k = len(left)
    closed = k == 0
    per_month = None
    if ind.is_ratio and k:
        given = (projected_denominators or {}).get(ind.id)
        per_month = float(given) if given is not None else default_projection(
            ind, figures, quarter, unit, base)
        if per_month is not None and per_month <= 0:
            per_month = None
        if per_month is None:
            return _unknown_volume(ind, quarter, left, now, base)
    lo, hi = _bounds(ind, base, k, per_month)

    def score_at(x: int) -> IndicatorScore:
        return score_indicator(ind, totals_for(ind, base, x, k, per_month))

    def meets(x: int) -> bool:
        s = score_at(x)
        return s.achieved is not None and meets_target(ind, s.achieved)

    best = score_at(hi)
    goal, x = "target", _smallest(meets, lo, hi)
    if x is None and ind.scoring == "bands":
        for _reach, pts in ind.bands:          # best band first
            if pts > now.points + EPS and best.points >= pts - EPS:
                goal = "band"
                x = _smallest(lambda c: score_at(c).points >= pts - EPS, lo, hi)  # noqa: B023 — used at once
                break
    if x is None:
        goal = "best"
    reachable = goal == "target" and not closed
    at = score_at(x) if x is not None else best
    answer = GoalAnswer(
        indicator_id=ind.id, quarter=quarter, base=base, reachable=reachable, goal=goal,
        goal_achieved=at.achieved if goal != "best" else best.achieved,
        goal_points=at.points, months_left=left, closed=closed,
        current_achieved=now.achieved, current_points=now.points,
        best_achieved=best.achieved, best_points=best.points,
        projected_denominator=per_month, change=float(x) if x is not None else None)
    needed = _needed(ind, base, x, k, per_month)
    effort = _effort(ind, base, x, k, per_month, at.points - now.points) if x is not None else None
    return _replace(answer, needed_numerator=needed if ind.is_ratio else None,
                    needed_value=needed if not ind.is_ratio else None, effort=effort)


def _replace(a: GoalAnswer, **kw: Any) -> GoalAnswer:
    return replace(a, **kw)


def _needed(ind: Indicator, base: Totals, x: int | None, k: int, per_month: float | None) -> float | None:
    if x is None:
        return None
    if ind.is_ratio and k > 0 and not ind.higher_is_better:
        return float(round(k * (per_month or 0.0)) - x)     # at most this many in the months left
    return float(x)


def _effort(ind: Indicator, base: Totals, x: int, k: int, per_month: float | None, gain: float) -> float:
    """Relative change asked beyond the current pace, in percent, per point gained."""
    if gain <= EPS:
        return math.inf
    n, d, v, m = base.numerator or 0.0, base.denominator or 0.0, base.value or 0.0, base.months_reported
    if ind.is_ratio:
        D = k * (per_month or 0.0)
        pace = n / d if d else 0.0
        if k > 0:
            good = x if ind.higher_is_better else D - x
            extra = abs(good - pace * D)
        else:
            extra = x
        change = 100.0 * extra / (d + D) if d + D else 100.0
    else:
        if ind.aggregate == "sum" and k > 0 and m:
            extra = max(0.0, x - v / m * k) if ind.higher_is_better else x
        else:
            extra = x
        change = 100.0 * extra / ind.target
    return change / gain


def _unknown_volume(ind: Indicator, quarter: Quarter, left: tuple[str, ...], now: IndicatorScore,
                    base: Totals) -> GoalAnswer:
    return GoalAnswer(ind.id, quarter, base, True, "unknown", ind.target, ind.points, left, False,
                      now.achieved, now.points, None, ind.points)


# ── every criterion, and a total ─────────────────────────────────────────────

def what_it_takes_all(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str, *,
                      unit: str | None = None, projected_denominators: dict | None = None
                      ) -> dict[str, GoalAnswer]:
    """The answer for every criterion not met (catalogue order)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    done = quarter_pass(catalog, figures, quarter, unit)     # every criterion's totals in one pass
    totals = done.totals(catalog, unit)
    inds = catalog.indicators if unit is None else catalog.indicators_of_unit(unit)
    out = {}
    for ind in inds:
        a = what_it_takes(catalog, figures, quarter, ind.id, unit=unit,
                          projected_denominators=projected_denominators,
                          _totals=totals[ind.id], _left=months_after(quarter, done.latest.get(ind.id)))
        if a is not None:
            out[ind.id] = a
    return out


def points_for_grade(catalog: Catalog, grade: str, max_points: float) -> float:
    """The points a grade starts at, for a scorecard whose maximum is `max_points`."""
    for g in catalog.grades:
        if g.label == grade:
            return g.min * max_points / 100.0
    raise KeyError(grade)


@dataclass(frozen=True)
class GradeGoal:
    """A grade as the goal of a plan: reach it (a grade above the current one) or keep it."""
    grade: str
    points: float      # the total the grade starts at
    keep: bool         # the current grade: keep it


def grade_goals(catalog: Catalog, current: QuarterScore) -> tuple[GradeGoal, ...]:
    """The grades worth aiming at, best first: every grade above the current one, then the current
    one (to keep). Below the lowest grade (or without a score) every grade is above."""
    out = []
    for g in catalog.grades:
        points = points_for_grade(catalog, g.label, current.max_points)
        if g.label == current.grade:
            out.append(GradeGoal(g.label, points, True))
            break
        out.append(GradeGoal(g.label, points, False))
    return tuple(out)


def default_grade_goal(goals: tuple[GradeGoal, ...]) -> GradeGoal | None:
    """The next grade up; at the top grade, keeping it."""
    if not goals:
        return None
    ups = [g for g in goals if not g.keep]
    return ups[-1] if ups else goals[-1]


def plan_to_reach(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                  goal_points: float, *, unit: str | None = None,
                  projected_denominators: dict | None = None) -> GoalPlan:
    """The criteria to improve, cheapest first (effort per point), until the total reaches
    `goal_points`. The last step asks only for what the goal still needs."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    totals = quarter_totals(catalog, figures, quarter, unit)
    current = score_totals(catalog, totals, str(quarter), unit)
    answers = what_it_takes_all(catalog, figures, quarter, unit=unit,
                                projected_denominators=projected_denominators)
    options = [a for a in answers.values()
               if a.change is not None and a.goal_points > a.current_points + EPS]
    options.sort(key=lambda a: (a.effort, -(a.goal_points - a.current_points)))
    total = current.total_points
    steps: list[PlanStep] = []
    for a in options:
        if total >= goal_points - EPS:
            break
        ind = catalog.indicator(a.indicator_id)
        missing = goal_points - total
        if a.goal_points - a.current_points > missing + EPS and ind.scoring == "linear":
            a = _partial(ind, totals[ind.id], a, a.current_points + missing)
        steps.append(PlanStep(ind.id, ind.name, a.current_points, a.goal_points,
                              a.effort if a.effort is not None else math.inf, a))
        total += a.goal_points - a.current_points
    reached = total >= goal_points - EPS
    return GoalPlan(quarter, goal_points, current.total_points, reached, total, tuple(steps))


def _partial(ind: Indicator, base: Totals, full: GoalAnswer, points: float) -> GoalAnswer:
    """The smallest change that lifts a linear criterion to `points` (not all the way)."""
    k = len(full.months_left)
    per_month = full.projected_denominator
    lo, hi = _bounds(ind, base, k, per_month)
    x = _smallest(lambda c: score_indicator(ind, totals_for(ind, base, c, k, per_month)).points
                  >= points - EPS, lo, hi)
    if x is None:
        return full
    at = score_indicator(ind, totals_for(ind, base, x, k, per_month))
    needed = _needed(ind, base, x, k, per_month)
    return _replace(full, goal="partial", goal_achieved=at.achieved, goal_points=at.points,
                 change=float(x), needed_numerator=needed if ind.is_ratio else None,
                 needed_value=needed if not ind.is_ratio else None, reachable=not full.closed,
                 effort=_effort(ind, base, x, k, per_month, at.points - full.current_points))
