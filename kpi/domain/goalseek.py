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
import re
from dataclasses import dataclass, field, replace

import pandas as pd

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.periods import Month, Quarter
from kpi.domain.scoring import (
    MET,
    NA,
    Totals,
    criterion_quarter_totals,
    criterion_rows,
    meets_target,
    points_text,
    quarter_figures,
    quarter_totals,
    reported_rows,
    score_indicator,
    score_totals,
)
from kpi.present.texts import percent, smart_number

EPS = 1e-9


@dataclass(frozen=True)
class GoalAnswer:
    indicator_id: str
    reachable: bool                 # the target can still be met this quarter
    text: str                       # Vietnamese, for the page, the overview and the report
    goal: str                       # "target" | "band" | "best" (nothing better is reachable)
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
    def best_reachable_points(self) -> float:
        return self.best_points

    @property
    def months_left_count(self) -> int:
        return len(self.months_left)

    @property
    def projected_total_denominator(self) -> float | None:
        if self.projected_denominator is None:
            return None
        return self.projected_denominator * len(self.months_left)


@dataclass(frozen=True)
class PlanStep:
    indicator_id: str
    name: str
    text: str
    points_before: float
    points_after: float
    effort: float
    answer: GoalAnswer

    @property
    def gain(self) -> float:
        return self.points_after - self.points_before


@dataclass(frozen=True)
class GoalPlan:
    goal_points: float
    current_points: float
    reached: bool
    total_after: float
    steps: tuple[PlanStep, ...] = field(default_factory=tuple)
    text: str = ""


# ── wording ──────────────────────────────────────────────────────────────────

def noun_of(label: str) -> str:
    """'Số hồ sơ xử lý hoàn toàn trực tuyến' → 'hồ sơ xử lý hoàn toàn trực tuyến'."""
    text = re.sub(r"\s*\(.*?\)", "", label or "").strip()
    text = re.sub(r"\s+trong quý$", "", text)
    for prefix in ("Tổng số ", "Số lượng ", "Số "):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _num_noun(ind: Indicator) -> str:
    n = noun_of(ind.numerator_label)
    return n if n and ind.numerator_label != "Tử số" else "đơn vị tử số"


def _den_noun(ind: Indicator) -> str:
    n = noun_of(ind.denominator_label)
    return n if n and ind.denominator_label != "Mẫu số" else "đơn vị mẫu số"


def _measure(ind: Indicator) -> str:
    return noun_of(ind.measure) if ind.measure else ""


def months_text(months: tuple[str, ...] | list[str]) -> str:
    labels = [Month.parse(m).label for m in months]
    if not labels:
        return ""
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " và " + labels[-1]


def level_text(ind: Indicator, achieved: float | None) -> str:
    if achieved is None:
        return "—"
    if ind.is_ratio:
        return percent(achieved)
    m = _measure(ind)
    return f"{smart_number(achieved)} {m}".strip()


def target_text(ind: Indicator, level: float | None = None) -> str:
    """A target or band level: '90 %', '17 nhà văn hóa' (no needless decimals)."""
    level = ind.target if level is None else level
    if ind.is_ratio:
        return f"{smart_number(level, 1)} %"
    return f"{smart_number(level)} {_measure(ind)}".strip()


# ── where the quarter stands ─────────────────────────────────────────────────

def months_left_of(ind: Indicator, quarter_rows: pd.DataFrame, quarter: Quarter) -> tuple[str, ...]:
    rep = reported_rows(ind, criterion_rows(ind, quarter_rows))
    months = [str(m) for m in quarter.months]
    if rep.empty:
        return tuple(months)
    latest = str(rep["period"].max())
    return tuple(m for m in months if m > latest)


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


def _smallest(pred, lo: int, hi: int) -> int | None:
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
                  _totals: Totals | None = None, _rows: pd.DataFrame | None = None
                  ) -> GoalAnswer | None:
    """What meeting one criterion by the quarter's end takes; None when met or not applicable."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    ind = catalog.indicator(indicator_id)
    if unit is not None and unit not in ind.units:
        return None
    rows = _rows if _rows is not None else quarter_figures(figures, quarter, unit)
    base = _totals if _totals is not None else criterion_quarter_totals(ind, figures, quarter, unit)
    now = score_indicator(ind, base)
    if now.status in (MET, NA):
        return None
    left = months_left_of(ind, rows, quarter)
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
            return _unknown_volume(ind, quarter, left, now)
    lo, hi = _bounds(ind, base, k, per_month)

    def score_at(x):
        return score_indicator(ind, totals_for(ind, base, x, k, per_month))

    def meets(x):
        s = score_at(x)
        return s.achieved is not None and meets_target(ind, s.achieved)

    best = score_at(hi)
    goal, x = "target", _smallest(meets, lo, hi)
    if x is None and ind.scoring == "bands":
        for _reach, pts in ind.bands:          # best band first
            if pts > now.points + EPS and best.points >= pts - EPS:
                goal = "band"
                x = _smallest(lambda c, p=pts: score_at(c).points >= p - EPS, lo, hi)
                break
    if x is None:
        goal = "best"
    reachable = goal == "target" and not closed
    at = score_at(x) if x is not None else best
    answer = GoalAnswer(
        indicator_id=ind.id, reachable=reachable, text="", goal=goal,
        goal_achieved=at.achieved if goal != "best" else best.achieved,
        goal_points=at.points, months_left=left, closed=closed,
        current_achieved=now.achieved, current_points=now.points,
        best_achieved=best.achieved, best_points=best.points,
        projected_denominator=per_month, change=float(x) if x is not None else None)
    needed = _needed(ind, base, x, k, per_month)
    effort = _effort(ind, base, x, k, per_month, at.points - now.points) if x is not None else None
    answer = _replace(answer, needed_numerator=needed if ind.is_ratio else None,
                      needed_value=needed if not ind.is_ratio else None, effort=effort)
    return _replace(answer, text=_text(ind, quarter, answer, base))


def _replace(a: GoalAnswer, **kw) -> GoalAnswer:
    return replace(a, **kw)


def _needed(ind, base: Totals, x, k, per_month) -> float | None:
    if x is None:
        return None
    if ind.is_ratio and k > 0 and not ind.higher_is_better:
        return float(round(k * per_month) - x)     # at most this many in the months left
    return float(x)


def _effort(ind, base: Totals, x, k, per_month, gain) -> float:
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


def _unknown_volume(ind, quarter, left, now) -> GoalAnswer:
    text = (f"Chưa có số liệu để dự kiến số {_den_noun(ind)}: cần đạt {ind.comparison} "
            f"{percent(ind.target)} trong {months_text(left)} (nhập số dự kiến để tính cụ thể).")
    return GoalAnswer(ind.id, True, text, "target", ind.target, ind.points, left, False,
                      now.achieved, now.points, None, ind.points)


def _text(ind: Indicator, quarter: Quarter, a: GoalAnswer, base: Totals) -> str:
    goal_level = f"{ind.comparison} {target_text(ind)}"
    when = months_text(a.months_left)
    band = ""
    if a.goal == "band":
        band_reach = next(r for r, p in ind.bands if abs(p - a.goal_points) < EPS)
        band = (f"Không thể đạt mục tiêu {goal_level} trong {quarter.label}; mức gần nhất còn đạt "
                f"được: {ind.comparison} {target_text(ind, band_reach)} ({points_text(a.goal_points)} điểm). ")
    if a.goal == "best":
        best = (f"mức tốt nhất còn đạt được: {level_text(ind, a.best_achieved)} "
                f"({points_text(a.best_points)}/{points_text(ind.points)} điểm)")
        if a.closed:
            return (f"{quarter.label} đã đủ số liệu đến tháng cuối quý, không còn tháng nào để "
                    f"cải thiện; kể cả khi điều chỉnh số liệu của quý cũng không đạt {goal_level}.")
        if ind.is_ratio:
            all_word = "0" if not ind.higher_is_better else "100 %"
            return (f"Không thể đạt {goal_level} trong {quarter.label}: kể cả khi {all_word} "
                    f"{_den_noun(ind)} trong {when} (dự kiến {smart_number(a.projected_total_denominator)}) "
                    f"đạt yêu cầu; {best}.")
        return f"Không thể đạt {goal_level} trong {quarter.label}; {best}."
    if a.goal == "band":
        aim = f"để đạt mức {ind.comparison} {target_text(ind, band_reach)}"
    else:
        aim = f"để cả quý đạt {goal_level}"
    # the target says it all; a band or a partial step says where it lands
    result = "" if a.goal == "target" else \
        f" → {level_text(ind, a.goal_achieved)}, {points_text(a.goal_points)}/{points_text(ind.points)} điểm"
    if a.closed:
        head = f"{quarter.label} đã kết thúc (đủ số liệu đến tháng cuối quý): lẽ ra "
        if ind.is_ratio:
            verb = "cần thêm" if ind.higher_is_better else "cần bớt"
            return (band + head + f"{verb} {smart_number(a.needed_numerator)} {_num_noun(ind)} "
                    f"(trên {smart_number(base.denominator)} {_den_noun(ind)}) {aim}{result}.")
        verb = "cần thêm" if ind.higher_is_better else "cần giảm"
        return band + head + f"{verb} {smart_number(a.needed_value)} {_measure(ind)} {aim}{result}."
    if ind.is_ratio:
        D = a.projected_total_denominator
        share = percent(100.0 * a.needed_numerator / D) if D else "—"
        if ind.higher_is_better:
            core = (f"Cần ít nhất {smart_number(a.needed_numerator)} {_num_noun(ind)} trong {when} "
                    f"(dự kiến {smart_number(D)} {_den_noun(ind)}, tức {share}) {aim}{result}.")
        else:
            core = (f"Chỉ được tối đa {smart_number(a.needed_numerator)} {_num_noun(ind)} trong "
                    f"{when} (dự kiến {smart_number(D)} {_den_noun(ind)}, tức {share}) {aim}{result}.")
        return band + core
    m = _measure(ind)
    if ind.aggregate == "mean":
        core = (f"Cần bình quân {smart_number(a.needed_value)} {m} mỗi tháng trong {when} "
                f"{aim}{result}.")
    elif ind.aggregate == "last":
        final = (base.value or 0.0) + (a.needed_value if ind.higher_is_better else -a.needed_value)
        verb = "thêm" if ind.higher_is_better else "giảm"
        core = (f"Cần {verb} {smart_number(a.needed_value)} {m} (đạt {smart_number(final)}) trước "
                f"hết {Month.parse(a.months_left[-1]).label} {aim}{result}.")
    else:
        verb = "Cần thêm" if ind.higher_is_better else "Chỉ được thêm tối đa"
        pace = ""
        if base.months_reported and ind.higher_is_better:
            pace = (f" (nhịp hiện tại {smart_number((base.value or 0) / base.months_reported, 1)}"
                    f" {m} mỗi tháng)")
        core = f"{verb} {smart_number(a.needed_value)} {m} trong {when}{pace} {aim}{result}."
    return band + core.replace("  ", " ")


# ── every criterion, and a total ─────────────────────────────────────────────

def what_it_takes_all(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str, *,
                      unit: str | None = None, projected_denominators: dict | None = None
                      ) -> dict[str, GoalAnswer]:
    """The answer for every criterion not met (catalogue order)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    rows = quarter_figures(figures, quarter, unit)
    totals = quarter_totals(catalog, figures, quarter, unit)
    inds = catalog.indicators if unit is None else catalog.indicators_of_unit(unit)
    out = {}
    for ind in inds:
        a = what_it_takes(catalog, figures, quarter, ind.id, unit=unit,
                          projected_denominators=projected_denominators,
                          _totals=totals[ind.id], _rows=rows)
        if a is not None:
            out[ind.id] = a
    return out


def points_for_grade(catalog: Catalog, grade: str, max_points: float) -> float:
    """The points a grade starts at, for a scorecard whose maximum is `max_points`."""
    for g in catalog.grades:
        if g.label == grade:
            return g.min * max_points / 100.0
    raise KeyError(grade)


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
    rows = quarter_figures(figures, quarter, unit)
    for a in options:
        if total >= goal_points - EPS:
            break
        ind = catalog.indicator(a.indicator_id)
        missing = goal_points - total
        if a.goal_points - a.current_points > missing + EPS and ind.scoring == "linear":
            a = _partial(catalog, ind, figures, quarter, unit, totals[ind.id], rows,
                         a, a.current_points + missing, projected_denominators)
        steps.append(PlanStep(ind.id, ind.name, a.text, a.current_points, a.goal_points,
                              a.effort, a))
        total += a.goal_points - a.current_points
    reached = total >= goal_points - EPS
    if current.total_points >= goal_points - EPS:
        text = f"Đã đạt {points_text(current.total_points)} điểm, không cần cải thiện thêm."
    elif reached:
        text = (f"Cần cải thiện {len(steps)} chỉ tiêu để đạt {points_text(goal_points)} điểm "
                f"(dự kiến {points_text(total)} điểm).")
    else:
        text = (f"Không thể đạt {points_text(goal_points)} điểm trong {quarter.label}: cải thiện hết "
                f"mức còn có thể chỉ đạt khoảng {points_text(total)} điểm.")
    return GoalPlan(goal_points, current.total_points, reached, total, tuple(steps), text)


def _partial(catalog, ind, figures, quarter, unit, base, rows, full: GoalAnswer, points: float,
             projected) -> GoalAnswer:
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
    a = _replace(full, goal="partial", goal_achieved=at.achieved, goal_points=at.points,
                 change=float(x), needed_numerator=needed if ind.is_ratio else None,
                 needed_value=needed if not ind.is_ratio else None, reachable=not full.closed,
                 effort=_effort(ind, base, x, k, per_month, at.points - full.current_points))
    text = _text(ind, quarter, _replace(a, goal="target"), base)
    text = text.replace(f"để cả quý đạt {ind.comparison} {target_text(ind)}",
                        f"để đạt {points_text(at.points)}/{points_text(ind.points)} điểm "
                        f"({level_text(ind, at.achieved)})")
    return _replace(a, text=text)
