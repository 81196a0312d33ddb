"""The scoring engine: figures → per-criterion result → quarter total and grade.

Pure functions, no I/O. Every page, the CLI, the reports, the what-if and the goal-seek call
these; a scoring rule lives here and nowhere else.

One official rounding (`official_points`): a criterion's points are its exact points truncated to
0,01, never rounded up, so a missed criterion never shows its full points; every total (group,
commune, unit, city) is the sum of those official points in whole hundredths (`points_sum`), and the
percent and the grade come from that total. `IndicatorScore.exact_points` keeps the exact value.

Figures are a DataFrame with the columns of `FIGURE_COLUMNS`, one row per unit, month and
criterion. A blank (NaN) cell means "not reported", never 0.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.periods import Month, Quarter

FIGURE_COLUMNS = ["unit", "period", "indicator_id", "numerator", "denominator", "value"]

class Status(StrEnum):
    """How a criterion stands; the words and icons people read are in kpi.present.texts."""
    MET = "met"
    NEAR = "near"
    MISSED = "missed"
    NO_DATA = "no_data"
    NA = "na"
    PENDING = "pending"


MET, NEAR, MISSED, NO_DATA, NA, PENDING = tuple(Status)
STATUSES = tuple(Status)
NEAR_SHARE = 0.9  # a missed criterion still earning ≥ 90 % of its points is "near"
TOLERANCE = 1e-9  # float noise: a value this close to a line or to a cent is on it


# ── the official rounding of points (one rule, used by every total) ──────────

def cents(x: float) -> int:
    """Points (already official, whole hundredths) as a whole number of hundredths."""
    return round(x * 100)


def round_points(x: float) -> float:
    """Points truncated to 0,01, never rounded up (4,99974 → 4,99); float noise within `TOLERANCE`
    of a cent stays on it (0,29 is 28,999…/100 in binary and stays 0,29)."""
    return math.floor((x + TOLERANCE) * 100) / 100


def official_points(exact: float, full: float, met: bool) -> float:
    """A criterion's official points: its exact points truncated to 0,01, so a criterion that
    missed its target is never rounded up to its full points (4,99974 of 5 → 4,99). A met criterion
    within `TOLERANCE` of its full points gets them exactly (float noise never loses a cent)."""
    if exact >= full or (met and exact >= full - TOLERANCE):
        return full
    hundredths = max(0, math.floor((exact + TOLERANCE) * 100))
    if not met:
        hundredths = min(hundredths, math.ceil(full * 100 - TOLERANCE) - 1)   # below full, whatever the noise
    return hundredths / 100


def points_sum(values: Iterable[float]) -> float:
    """Official points added in whole hundredths: a total is exactly the sum of its rows as
    printed (no float drift such as 0,1 + 0,2 = 0,30000000000000004)."""
    return sum(cents(v) for v in values) / 100


def empty_figures() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("numerator", "denominator", "value")
                                      else "object") for c in FIGURE_COLUMNS})


@dataclass(frozen=True)
class Totals:
    """What the engine needs of one criterion over one quarter (and one unit or all)."""
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    months_reported: int = 0


@dataclass(frozen=True)
class IndicatorScore:
    indicator: Indicator
    totals: Totals
    achieved: float | None
    points: float
    max_points: float
    status: str
    provisional: bool = False     # some of its unit-months are not yet due and not reported
    exact_points: float | None = None   # before the official rounding (`official_points`); None: = points

    @property
    def id(self) -> str:
        return self.indicator.id

    @property
    def points_lost(self) -> float:
        return (cents(self.max_points) - cents(self.points)) / 100


@dataclass(frozen=True)
class GroupScore:
    group: str
    points: float
    max_points: float


@dataclass(frozen=True)
class QuarterScore:
    quarter: str
    unit: str | None
    indicators: tuple[IndicatorScore, ...]
    total_points: float
    max_points: float
    percent: float | None
    grade: str
    provisional: bool = False     # some month of the quarter is not yet due
    to_come: int = 0              # unit-months not yet due and not yet reported

    def by_group(self) -> list[GroupScore]:
        """Each group's points and maximum: the sums of its criteria's official points."""
        groups: dict[str, list[int]] = {}
        for s in self.indicators:
            g = groups.setdefault(s.indicator.group, [0, 0])
            g[0] += cents(s.points)
            g[1] += cents(s.max_points)
        return [GroupScore(k, v[0] / 100, v[1] / 100) for k, v in groups.items()]

    def result(self, indicator_id: str) -> IndicatorScore:
        for s in self.indicators:
            if s.id == indicator_id:
                return s
        raise KeyError(indicator_id)

    def to_dict(self) -> dict:
        return {
            "quarter": self.quarter, "unit": self.unit,
            "total_points": self.total_points, "max_points": self.max_points,
            "percent": self.percent, "grade": self.grade,
            "provisional": self.provisional, "unit_months_to_come": self.to_come,
            "indicators": [{
                "id": s.id, "group": s.indicator.group, "name": s.indicator.name,
                "achieved": s.achieved, "target": s.indicator.target, "points": s.points,
                "max_points": s.max_points, "status": s.status, "provisional": s.provisional}
                for s in self.indicators],
        }


# ── per-criterion rules ──────────────────────────────────────────────────────

def reaches(value: float, line: float, higher: bool = True) -> bool:
    """Whether a value is on the good side of a line (a target, a band, a grade), within `TOLERANCE`."""
    return value >= line - TOLERANCE if higher else value <= line + TOLERANCE


def meets_target(ind: Indicator, achieved: float) -> bool:
    return reaches(achieved, ind.target, ind.higher_is_better)


def points_for(ind: Indicator, achieved: float) -> float:
    """Points earned by an achieved value (percent for a ratio), exact (unrounded): the official
    points are `official_points` of these."""
    P = ind.points
    if ind.scoring == "threshold":
        return P if meets_target(ind, achieved) else 0.0
    if ind.scoring == "bands":
        for reach, pts in ind.bands:
            if reaches(achieved, reach, ind.higher_is_better):
                return float(pts)
        return 0.0
    if ind.higher_is_better:
        share = (achieved - ind.zero_at) / (ind.target - ind.zero_at)
    else:
        share = (ind.zero_at - achieved) / (ind.zero_at - ind.target)
    return P * min(1.0, max(0.0, share))


def ratio_percent(numerator: float | None, denominator: float | None) -> float | None:
    """A ratio criterion's achieved value in percent; None without a (non-zero) denominator."""
    if numerator is None or not denominator:
        return None
    return 100.0 * numerator / denominator


def achieved_of(ind: Indicator, totals: Totals) -> float | None:
    """The quarter's achieved value, None when there is nothing, a zero denominator or a non-finite sum."""
    if totals.months_reported == 0:
        return None
    x = ratio_percent(totals.numerator, totals.denominator) if ind.is_ratio else totals.value
    return x if x is not None and math.isfinite(x) else None


def score_indicator(ind: Indicator, totals: Totals) -> IndicatorScore:
    if totals.months_reported == 0:
        return IndicatorScore(ind, totals, None, 0.0, ind.points, NO_DATA)
    if ind.is_ratio and not totals.denominator:
        if ind.na == "full":
            return IndicatorScore(ind, totals, None, ind.points, ind.points, NA)
        return IndicatorScore(ind, totals, None, 0.0, 0.0, NA)
    achieved = achieved_of(ind, totals)
    if achieved is None:
        # a sum that is not a finite number (stored before values were bounded) never earns points
        return IndicatorScore(ind, totals, None, 0.0, ind.points, MISSED)
    exact = points_for(ind, achieved)
    met = meets_target(ind, achieved)
    pts = official_points(exact, ind.points, met)
    if met:
        status = MET
    elif pts >= NEAR_SHARE * ind.points - TOLERANCE and ind.scoring != "threshold":
        status = NEAR
    else:
        status = MISSED
    return IndicatorScore(ind, totals, achieved, pts, ind.points, status, exact_points=exact)


# ── figures → totals ─────────────────────────────────────────────────────────

def quarter_figures(figures: pd.DataFrame, quarter: Quarter,
                    unit: str | None = None) -> pd.DataFrame:
    """The rows of the quarter's months (of one unit, or all)."""
    rows = figures[figures["period"].isin({str(m) for m in quarter.months})]
    return rows if unit is None else rows[rows["unit"] == unit]


def reported_rows(ind: Indicator, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows that count as reported: both counts of a ratio, the value of a number."""
    if ind.is_ratio:
        return rows[rows["numerator"].notna() & rows["denominator"].notna()]
    return rows[rows["value"].notna()]


def criterion_rows(ind: Indicator, rows: pd.DataFrame) -> pd.DataFrame:
    """One criterion's rows from the units that report it (others do not count)."""
    return rows[(rows["indicator_id"] == ind.id) & rows["unit"].isin(ind.units)]


def totals_of(ind: Indicator, rows: pd.DataFrame) -> Totals:
    """Aggregate one criterion's rows (already limited to the quarter and the unit(s))."""
    if rows.empty:
        return Totals()
    _, commune, _, _ = _aggregate({ind.id: ind}, rows.assign(indicator_id=ind.id), every_unit=True)
    return commune.get(ind.id, Totals())


def monthly_totals(ind: Indicator, rows: pd.DataFrame) -> dict[str, Totals]:
    """One criterion's totals month by month (period → Totals) over all the units of `rows`: what
    `totals_of` gives for each month's rows, in one pass; a month with nothing reported is absent."""
    if rows.empty:
        return {}
    _, commune, _, _ = _aggregate({ind.id: ind}, rows.assign(indicator_id=ind.id), every_unit=True, by_month=True)
    return {period: t for (period, _id), t in commune.items()}


# ── the vectorised pass: every (unit, criterion) and every criterion of a quarter at once ──

def _floats(rows: pd.DataFrame, column: str, where: np.ndarray) -> np.ndarray:
    return pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype="float64")[where]


def _codes(rows: pd.DataFrame, column: str, sort: bool = False) -> tuple[np.ndarray, list]:
    """The column factorised: a code per row (-1 for a blank) and the distinct values."""
    codes, uniques = rows[column].factorize(sort=sort)
    return np.asarray(codes), list(uniques)


def _aggregate(inds: dict[str, Indicator], rows: pd.DataFrame, every_unit: bool = False, by_month: bool = False,
               where: np.ndarray | None = None, by: str | None = None,
               units_of: dict[str, dict[str, tuple[str, ...]]] | None = None,
               pairs: bool = True, units: bool = True) -> tuple[dict, dict, dict, dict]:
    """Aggregate the rows of every criterion of `inds` at once, with the rules of `totals_of`: only
    reported rows (both counts of a ratio, the value of a number) of units that report the criterion
    (any unit with `every_unit`); per unit the sum of its months, its latest month ("last") or its
    monthly mean ("mean", numbers); the commune's figure is the units' figures summed and its months
    those with any unit reporting. One factorised group-by (bincount), no per-criterion filtering.

    Returns (per (criterion, unit) → Totals, per criterion → Totals, the (unit, month) pairs reported
    per criterion id and under "*" for any criterion, per criterion → the latest month counted). With
    `by_month` every key starts with the month.
    `where` (a boolean array over the rows) takes some of the rows without copying the frame.
    `by` (a column, e.g. "commune") aggregates each of its values apart: every key starts with it, the
    reported pairs are per value ({value: {criterion id or "*": pairs}}), and `units_of` (value →
    criterion id → the units that report it there) replaces the criteria's own units. `pairs=False`
    leaves the reported pairs empty (a period with every month due never needs them), `units=False`
    the per-unit totals.
    """
    (i_code, i_uniq), (u_code, u_uniq) = _codes(rows, "indicator_id"), _codes(rows, "unit")
    p_code, p_uniq = _codes(rows, "period", sort=True)
    b_code, b_uniq = _codes(rows, by) if by else (np.zeros(len(rows), dtype=np.int64), [None])
    where = np.ones(len(rows), dtype=bool) if where is None else where
    where = where & (i_code >= 0) & (u_code >= 0) & (p_code >= 0) & (b_code >= 0)
    if not where.any():
        return {}, {}, _no_pairs(by), {}
    i_code, u_code, p_code, b_code = i_code[where], u_code[where], p_code[where], b_code[where]
    num, den, val = (_floats(rows, c, where) for c in ("numerator", "denominator", "value"))
    known = [inds.get(i) for i in i_uniq]
    is_ratio = np.array([k is not None and k.is_ratio for k in known], dtype=bool)[i_code]
    rep = np.array([k is not None for k in known], dtype=bool)[i_code] & np.where(
        is_ratio, ~np.isnan(num) & ~np.isnan(den), ~np.isnan(val))
    reported = _reported_pairs(rep, (b_code, i_code, u_code, p_code), (b_uniq, i_uniq, u_uniq, p_uniq), by) \
        if pairs else _no_pairs(by)
    keep = rep if every_unit else rep & _counting(known, i_uniq, u_uniq, b_uniq, units_of)[b_code, i_code, u_code]
    if not keep.any():
        return {}, {}, reported, {}
    n_i, n_u, n_p = len(i_uniq), len(u_uniq), len(p_uniq)
    n_m = n_p if by_month else 1
    i_code, u_code, p_code, b_code = i_code[keep], u_code[keep], p_code[keep], b_code[keep]
    num, den, val = num[keep], den[keep], val[keep]
    month = p_code if by_month else np.zeros_like(p_code)
    crit = (b_code.astype(np.int64) * n_m + month) * n_i + i_code     # (by,) (month,) criterion
    g_code, g_uniq = pd.factorize(crit * n_u + u_code)                 # (by,) (month,) criterion, unit
    n_g, n_rows = len(g_uniq), len(g_code)
    count = np.bincount(g_code, minlength=n_g)
    sums = [np.bincount(g_code, weights=np.where(np.isnan(x), 0.0, x), minlength=n_g) for x in (num, den, val)]
    latest = np.full(n_g, -1, dtype=np.int64)   # the row of the latest month (the later row on a tie)
    np.maximum.at(latest, g_code, p_code.astype(np.int64) * n_rows + np.arange(n_rows))
    latest %= n_rows
    months = np.bincount(pd.unique(g_code.astype(np.int64) * n_p + p_code) // n_p, minlength=n_g)
    g_crit = g_uniq // n_u
    aggregate = np.array([k.aggregate if k is not None else "sum" for k in known])[g_crit % n_i]
    last, mean = aggregate == "last", aggregate == "mean"
    part_n = np.where(last, num[latest], sums[0])
    part_d = np.where(last, den[latest], sums[1])
    part_v = np.where(last, val[latest], np.where(mean, sums[2] / count, sums[2]))
    c_code, c_uniq = pd.factorize(g_crit)
    c_n, c_d, c_v = (np.bincount(c_code, weights=x, minlength=len(c_uniq)) for x in (part_n, part_d, part_v))
    c_months = _distinct_months(crit, p_code, c_uniq, n_p)
    c_latest = np.full(len(c_uniq), -1, dtype=np.int64)
    np.maximum.at(c_latest, pd.Index(c_uniq).get_indexer(crit), p_code)

    def key(c: int, *rest: str) -> tuple:
        b, c = divmod(c, n_m * n_i)
        m, i = divmod(c, n_i)
        return (*((b_uniq[b],) if by else ()), *((p_uniq[m],) if by_month else ()), i_uniq[i], *rest)

    per_unit = {} if not units else {
        key(c, u_uniq[gu % n_u]): _totals(known[c % n_i], n, d, v, m)
        for c, gu, n, d, v, m in zip(g_crit.tolist(), g_uniq.tolist(), part_n.tolist(), part_d.tolist(),
                                     part_v.tolist(), months.tolist(), strict=True)}
    commune, last_month = {}, {}
    for k, c in enumerate(c_uniq.tolist()):
        ck = key(int(c))
        ck = ck if len(ck) > 1 else ck[0]
        commune[ck] = _totals(known[c % n_i], float(c_n[k]), float(c_d[k]), float(c_v[k]), int(c_months[k]))
        last_month[ck] = p_uniq[int(c_latest[k])]
    return per_unit, commune, reported, last_month


def _no_pairs(by: str | None) -> dict:
    return {} if by else {"*": set()}


def _reported_pairs(rep: np.ndarray, codes: tuple[np.ndarray, ...], uniqs: tuple[list, ...], by: str | None) -> dict:
    """The (unit, month) pairs of the reported rows per criterion id and under "*" (per value of `by`)."""
    b_uniq, i_uniq, u_uniq, p_uniq = uniqs
    out: dict = {}
    if not by:
        out[None] = {"*": set()}
    for b, i, u, p in zip(*(c[rep].tolist() for c in codes), strict=True):
        mine = out.get(b_uniq[b])
        if mine is None:
            mine = out[b_uniq[b]] = {"*": set()}
        pair = (u_uniq[u], p_uniq[p])
        mine.setdefault(i_uniq[i], set()).add(pair)
        mine["*"].add(pair)
    return out if by else out[None]


def _counting(known: list[Indicator | None], i_uniq: list, u_uniq: list, b_uniq: list,
              units_of: dict[str, dict[str, tuple[str, ...]]] | None) -> np.ndarray:
    """[by value, criterion, unit] → whether that unit's figure counts for the criterion there."""
    if units_of is None:
        layers = [[[k is not None and u in k.units for u in u_uniq] for k in known]]
        return np.array(layers, dtype=bool).reshape(1, len(i_uniq), len(u_uniq))
    shapes: dict[int, list] = {}
    out = np.zeros((len(b_uniq), len(i_uniq), len(u_uniq)), dtype=bool)
    for b, value in enumerate(b_uniq):
        units = units_of.get(value, {})
        layer = shapes.get(id(units))
        if layer is None:   # communes sharing one units map (the city's default units) are computed once
            layer = shapes[id(units)] = [[k is not None and u in units.get(i, ()) for u in u_uniq]
                                         for k, i in zip(known, i_uniq, strict=True)]
        out[b] = layer
    return out


def _distinct_months(crit: np.ndarray, p_code: np.ndarray, c_uniq: np.ndarray, n_p: int) -> np.ndarray:
    """For each (month,) criterion of `c_uniq`: how many distinct months its rows hold."""
    pairs = pd.unique(crit.astype(np.int64) * n_p + p_code)
    position = {c: k for k, c in enumerate(c_uniq.tolist())}
    out = np.zeros(len(c_uniq), dtype=np.int64)
    for c in (pairs // n_p).tolist():
        out[position[c]] += 1
    return out


def _totals(ind: Indicator | None, numerator: float, denominator: float, value: float, months: int) -> Totals:
    if ind is not None and ind.is_ratio:
        return Totals(numerator=numerator, denominator=denominator, months_reported=months)
    return Totals(value=value, months_reported=months)


@dataclass(frozen=True)
class QuarterPass:
    """A quarter's figures aggregated once: per criterion at commune level and per (criterion, unit),
    with the (unit, month) pairs reported per criterion and for any criterion ("*")."""
    commune: dict[str, Totals]
    units: dict[tuple[str, str], Totals]
    reported: dict[str, set[tuple[str, str]]]
    latest: dict[str, str]     # criterion id → the latest month with a counted figure (absent: none)

    def totals(self, catalog: Catalog, unit: str | None = None) -> dict[str, Totals]:
        if unit is None:
            return {ind.id: self.commune.get(ind.id, Totals()) for ind in catalog.indicators}
        return {ind.id: self.units.get((ind.id, unit), Totals()) for ind in catalog.indicators}


def quarter_pass(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                 unit: str | None = None) -> QuarterPass:
    """Aggregate the quarter's figures (of one unit, or all) for every criterion in one pass."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    where = figures["period"].isin([str(m) for m in quarter.months]).to_numpy(dtype=bool)
    if unit is not None:
        where = where & (figures["unit"] == unit).to_numpy(dtype=bool)
    per_unit, commune, reported, latest = _aggregate({ind.id: ind for ind in catalog.indicators}, figures,
                                                     where=where)
    return QuarterPass(commune, per_unit, reported, latest)


def communes_pass(catalogs: dict[str, Catalog], figures: pd.DataFrame, quarter: Quarter | str,
                  pairs: bool = True, units: bool = True) -> dict[str, QuarterPass]:
    """Every commune's `quarter_pass` from one aggregation over all their figures (with a `commune`
    column), grouped by commune, so two communes' units of one code never add up. `catalogs`: commune
    code → its catalogue, all of one city (the same criteria; each commune's own units count).
    A commune without a counted figure gets an empty pass. `pairs=False` leaves out the reported
    (unit, month) pairs, which only a quarter with a month not yet due needs; `units=False` the per-unit
    totals (scoring at commune level only)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    out = {code: QuarterPass({}, {}, {"*": set()}, {}) for code in catalogs}
    if not catalogs or figures.empty:
        return out
    inds = {ind.id: ind for ind in next(iter(catalogs.values())).indicators}
    shared: dict[tuple, dict[str, tuple[str, ...]]] = {}
    units_of = {}
    for code, catalog in catalogs.items():
        mine = {ind.id: ind.units for ind in catalog.indicators}
        units_of[code] = shared.setdefault(tuple(mine.items()), mine)
    where = (figures["period"].isin([str(m) for m in quarter.months])
             & figures["commune"].isin(list(catalogs))).to_numpy(dtype=bool)
    per_unit, commune, reported, latest = _aggregate(inds, figures, where=where, by="commune", units_of=units_of,
                                                     pairs=pairs, units=units)
    for (code, iid, unit), t in per_unit.items():
        out[code].units[(iid, unit)] = t
    for (code, iid), t in commune.items():
        out[code].commune[iid] = t
        out[code].latest[iid] = latest[(code, iid)]
    for code, mine in reported.items():
        out[code].reported.update(mine)
    return out


def score_of_pass(catalog: Catalog, done: QuarterPass, quarter: Quarter | str, unit: str | None = None,
                  as_of: dt.date | None = None) -> QuarterScore:
    """`score_quarter` from a pass already made (`quarter_pass`, `communes_pass`)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    return _score_of_pass(catalog, done, quarter, unit, as_of, None)


def score_totals(catalog: Catalog, totals: dict[str, Totals], label: str,
                 unit: str | None = None) -> QuarterScore:
    """Score a quarter from per-criterion totals (the what-if edits totals and calls this)."""
    indicators = catalog.indicators if unit is None else catalog.indicators_of_unit(unit)
    results = tuple(score_indicator(ind, totals.get(ind.id, Totals())) for ind in indicators)
    total, max_points, percent = _totals_of_results(results)
    return QuarterScore(label, unit, results, total, max_points, percent, catalog.grade_for(percent))


def _totals_of_results(results: Iterable[IndicatorScore]) -> tuple[float, float, float | None]:
    """(total, maximum, percent of the maximum): the total is the sum of the official points, and
    the percent (hence the grade) comes from that total."""
    results = tuple(results)
    total, max_points = points_sum(r.points for r in results), points_sum(r.max_points for r in results)
    return total, max_points, (100.0 * total / max_points if max_points > 0 else None)


def quarter_totals(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                   unit: str | None = None) -> dict[str, Totals]:
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    return quarter_pass(catalog, figures, quarter, unit).totals(catalog, unit)


def score_quarter(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                  unit: str | None = None, as_of: dt.date | None = None,
                  months: tuple[Month, ...] | None = None) -> QuarterScore:
    """The quarter's score at commune level (unit=None) or for one unit's own criteria.

    `as_of` decides which unit-months are due (without it, every month is): figures of a month are due on
    the catalogue's due date (`Month.due_date`). A unit-month not yet due and not reported is never
    a loss; a criterion with nothing reported and nothing due yet is PENDING (0 of 0 points); the
    quarter is provisional while any of its months is not yet due. `months` narrows the period to
    some of the quarter's months (a month's own score), the figures being of those months only.
    """
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    return _score_of_pass(catalog, quarter_pass(catalog, figures, quarter, unit), quarter, unit, as_of, months)


@dataclass(frozen=True)
class QuarterResults:
    """Every score of a quarter from one pass: the commune's and each unit's own."""
    commune: QuarterScore
    units: dict[str, QuarterScore]

    def of(self, unit: str | None) -> QuarterScore:
        return self.commune if unit is None else self.units[unit]


def score_quarter_all(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                      as_of: dt.date | None = None, months: tuple[Month, ...] | None = None) -> QuarterResults:
    """`score_quarter` at commune level and for every unit of the catalogue, aggregated once."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    done = quarter_pass(catalog, figures, quarter)
    return QuarterResults(_score_of_pass(catalog, done, quarter, None, as_of, months),
                          {u.code: _score_of_pass(catalog, done, quarter, u.code, as_of, months)
                           for u in catalog.units})


def _score_of_pass(catalog: Catalog, done: QuarterPass, quarter: Quarter, unit: str | None,
                   as_of: dt.date | None, months: tuple[Month, ...] | None) -> QuarterScore:
    score = score_totals(catalog, done.totals(catalog, unit), str(quarter), unit)
    months = quarter.months if months is None else months
    not_due = months_not_due(catalog, months, as_of)
    if not not_due:
        return score
    return provisional_score(catalog, score, months, not_due, done.reported, unit)


def provisional_score(catalog: Catalog, score: QuarterScore, months: tuple[Month, ...], not_due: tuple[Month, ...],
                      reported: dict[str, set[tuple[str, str]]], unit: str | None = None) -> QuarterScore:
    """`score` of a period some of whose months are not yet due: a criterion nobody could report yet
    is PENDING, the others say whether unit-months are still to come (`reported`: (unit, month)
    pairs per criterion id and under "*")."""
    nothing_due = len(not_due) == len(months)
    results = tuple(_provisional_result(r, not_due, nothing_due, reported, unit) for r in score.indicators)
    total, max_points, percent = _totals_of_results(results)
    units = {u for r in results for u in _units_of(r.indicator, unit)}
    to_come = sum(1 for u in units for m in not_due if (u, str(m)) not in reported["*"])
    return replace(score, indicators=results, total_points=total, max_points=max_points, percent=percent,
                   grade=catalog.grade_for(percent), provisional=True, to_come=to_come)


def with_state_of(catalog: Catalog, score: QuarterScore, actual: QuarterScore, moved: set[str]) -> QuarterScore:
    """`score` (a what-if scored from totals) judged like `actual` (the period's result): a criterion
    PENDING in `actual` that the scenario does not move stays pending (0 of 0 points), and the
    provisional state is the actual's, so the two totals are out of the same maximum."""
    if not actual.provisional:
        return score
    results = tuple(a if a.status == PENDING and s.id not in moved else replace(s, provisional=a.provisional)
                    for s, a in zip(score.indicators, actual.indicators, strict=True))
    total, max_points, percent = _totals_of_results(results)
    return replace(score, indicators=results, total_points=total, max_points=max_points, percent=percent,
                   grade=catalog.grade_for(percent), provisional=True, to_come=actual.to_come)


def score_criterion(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str, indicator_id: str,
                    unit: str | None = None, as_of: dt.date | None = None,
                    months: tuple[Month, ...] | None = None) -> tuple[IndicatorScore, bool]:
    """One criterion's result as `score_quarter(...).result(indicator_id)` gives it, and whether the
    quarter is provisional, from that criterion's figures only (a page showing one criterion)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    ind = catalog.indicator(indicator_id)
    one = replace(catalog, indicators=(ind,), _by_id={})
    rows = figures[figures["indicator_id"] == ind.id]
    score = _score_of_pass(one, quarter_pass(one, rows, quarter, unit), quarter, unit, as_of, months)
    return score.result(ind.id), score.provisional


def months_not_due(catalog: Catalog, months: tuple[Month, ...],
                   as_of: dt.date | None = None) -> tuple[Month, ...]:
    """The months whose figures are not yet due on `as_of`: before the due date. Without a day, none
    (the record judged after every due date: the domain never reads the clock)."""
    if as_of is None:
        return ()
    return tuple(m for m in months if as_of < m.due_date(catalog.due_day, catalog.due_month_offset))


def _units_of(ind: Indicator, unit: str | None) -> tuple[str, ...]:
    return ind.units if unit is None else tuple(u for u in ind.units if u == unit)


def _provisional_result(r: IndicatorScore, not_due: tuple[Month, ...], nothing_due: bool,
                        reported: dict[str, set[tuple[str, str]]], unit: str | None) -> IndicatorScore:
    units = _units_of(r.indicator, unit)
    mine = reported.get(r.id, set())
    waiting = any((u, str(m)) not in mine for u in units for m in not_due)
    if r.status == NO_DATA and nothing_due:
        return replace(r, points=0.0, max_points=0.0, status=PENDING, provisional=True)
    return replace(r, provisional=waiting)


# ── computed criteria: reporting on time ─────────────────────────────────────

class Timeliness(StrEnum):
    """How one unit-month was reported against its due date."""
    ON_TIME = "on_time"     # first sent before the due date
    LATE = "late"           # first sent on or after the due date
    MISSING = "missing"     # nothing sent and the due date has passed
    NOT_DUE = "not_due"     # nothing sent yet, and not due yet: never a loss


def report_timeliness(catalog: Catalog, month: Month, first_sent: dt.datetime | None,
                      as_of: dt.date | None = None) -> Timeliness:
    """One unit-month against the catalogue's due date («trước ngày 18»: the 17th is on time, the
    18th is late), judged on the first accepted upload; `as_of` decides missing (without a day: judged
    after the due date)."""
    return _timeliness(month.due_date(catalog.due_day, catalog.due_month_offset), first_sent, as_of)


def _timeliness(due: dt.date, first_sent: dt.datetime | None, as_of: dt.date | None) -> Timeliness:
    if first_sent is not None:
        return Timeliness.ON_TIME if first_sent.date() < due else Timeliness.LATE
    return Timeliness.MISSING if as_of is None or as_of >= due else Timeliness.NOT_DUE


def first_sent_by_unit_month(first_submissions: pd.DataFrame) -> dict[tuple[str, str], dt.datetime]:
    """(unit, period) → when it was first sent, from rows with unit, period, first_submitted_at."""
    return _first_sent(first_submissions, None)[None]


def _first_sent(log: pd.DataFrame, by: str | None) -> dict:
    """(unit, period) → when first sent, per value of the column `by` (all under None without it)."""
    out: dict = {None: {}}
    keys = log[by].tolist() if by else [None] * len(log)
    stamps = list(pd.to_datetime(log["first_submitted_at"]).dt.to_pydatetime())
    for key, unit, period, sent in zip(keys, log["unit"].tolist(), log["period"].tolist(), stamps, strict=True):
        if sent is not None and not pd.isna(sent):
            out.setdefault(key, {})[(str(unit), str(period))] = sent
    return out


def on_time_rows(catalog: Catalog, first: dict[tuple[str, str], dt.datetime], months: tuple[Month, ...] | list[Month],
                 as_of: dt.date | None = None) -> list[tuple[str, str, str, float]]:
    """(unit, period, criterion id, numerator of 1) of the on-time reporting criteria, one per unit and
    month: 1 when the unit-month was first sent before its due date, 0 when late or missing after it;
    none for a unit-month neither sent nor due (pending, never a loss). `first`: (unit, period) → the
    first upload (`first_sent_by_unit_month`); without `as_of`, every month is judged after its due date."""
    due = {m: m.due_date(catalog.due_day, catalog.due_month_offset) for m in months}
    rows = []
    for ind in catalog.indicators:
        if ind.computed != "on_time_reporting":
            continue
        for m in months:
            period = str(m)
            for unit in ind.units:
                state = _timeliness(due[m], first.get((unit, period)), as_of)
                if state != Timeliness.NOT_DUE:
                    rows.append((unit, period, ind.id, 1.0 if state == Timeliness.ON_TIME else 0.0))
    return rows


def _on_time_frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """The on-time rows as figures (numerator 1 or 0 of denominator 1), built column by column."""
    out = pd.DataFrame({c: list(v) for c, v in zip(columns, zip(*rows, strict=True), strict=True)} if rows
                       else {c: [] for c in columns})
    return out.assign(numerator=out["numerator"].astype("float64"), denominator=1.0, value=np.nan).astype(
        {"denominator": "float64", "value": "float64"})


def _distinct_pairs(frame: pd.DataFrame, a: str, b: str) -> set[tuple[str, str]]:
    """The distinct (a, b) values of the frame's rows, blanks left out (factorised, no frame copied)."""
    (ca, ua), (cb, ub) = _codes(frame, a), _codes(frame, b)
    n = max(1, len(ub))
    ok = (ca >= 0) & (cb >= 0)
    return {(str(ua[k // n]), str(ub[k % n])) for k in pd.unique(ca[ok].astype(np.int64) * n + cb[ok]).tolist()}


def on_time_figures(catalog: Catalog, first_submissions: pd.DataFrame, months: tuple[Month, ...] | list[Month],
                    as_of: dt.date | None = None) -> pd.DataFrame:
    """The figure rows of the on-time reporting criteria (`on_time_rows`) as figures: numerator 1 or 0
    of denominator 1. `first_submissions` has the columns unit, period, first_submitted_at (the
    store's `first_submissions`)."""
    rows = on_time_rows(catalog, first_sent_by_unit_month(first_submissions), months, as_of)
    return _on_time_frame(rows, ["unit", "period", "indicator_id", "numerator"])[FIGURE_COLUMNS]


def communes_with_computed(catalogs: dict[str, Catalog], figures: pd.DataFrame, first_submissions: pd.DataFrame,
                           months: tuple[Month, ...] | list[Month], as_of: dt.date | None = None,
                           task_rows: CommuneTaskRows | None = None) -> pd.DataFrame:
    """`with_computed` for many communes at once, `months` given: `figures` and `first_submissions`
    carry a `commune` column; each commune of `catalogs` gets the computed rows of its
    `computed_months` (`task_rows(commune, months)`: its `task_progress` rows, as in `with_computed`)."""
    computed = {i.id for c in catalogs.values() for i in c.indicators if i.is_computed}
    typed = figures[~figures["indicator_id"].isin(computed)] if computed else figures
    if not computed:
        return typed
    periods: dict[str, set[str]] = {}
    for code, period in _distinct_pairs(figures, "commune", "period") | _distinct_pairs(first_submissions, "commune",
                                                                                          "period"):
        periods.setdefault(code, set()).add(period)
    sent = _first_sent(first_submissions, "commune")
    rows: list[tuple] = []
    tasks: list[pd.DataFrame] = []
    for code, catalog in catalogs.items():
        mine = computed_months(periods.get(code, set()), months)
        if not mine:
            continue
        rows.extend((code, *r) for r in on_time_rows(catalog, sent.get(code, {}), mine, as_of))
        progress = task_rows(code, mine) if task_rows is not None else []
        if progress:
            tasks.append(task_progress_frame(progress).assign(commune=code))
    frames = [_on_time_frame(rows, ["commune", "unit", "period", "indicator_id", "numerator"])] if rows else []
    extra = pd.concat(frames + tasks, ignore_index=True) if frames or tasks else None
    if extra is None:
        return typed
    return pd.concat([typed, extra], ignore_index=True) if not typed.empty else extra


def computed_months(periods: set[str], months: tuple[Month, ...] | list[Month] | None = None) -> list[Month]:
    """The months that get the computed criteria's rows: every month of each quarter that holds one of
    `periods` (months with an upload or a figure), of `months` only when given."""
    quarters = sorted({Month.parse(p).quarter for p in periods})
    touched = [m for q in quarters for m in q.months]
    return touched if months is None else [m for m in months if m in touched]


TaskRows = Callable[[list[Month]], list[tuple[str, str, str, float, float]]]
CommuneTaskRows = Callable[[str, list[Month]], list[tuple[str, str, str, float, float]]]


def task_progress_frame(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    """(unit, period, criterion id, numerator, denominator) rows of a `computed = "task_progress"`
    criterion as figures."""
    cols = ["unit", "period", "indicator_id", "numerator", "denominator"]
    out = pd.DataFrame({c: list(v) for c, v in zip(cols, zip(*rows, strict=True), strict=True)} if rows
                       else {c: [] for c in cols})
    return out.assign(value=np.nan).astype({"numerator": "float64", "denominator": "float64",
                                            "value": "float64"})[FIGURE_COLUMNS]


def with_computed(catalog: Catalog, figures: pd.DataFrame, first_submissions: pd.DataFrame,
                  as_of: dt.date | None = None, months: tuple[Month, ...] | list[Month] | None = None,
                  task_rows: TaskRows | None = None) -> pd.DataFrame:
    """The figures to score: the typed figures without any row of a computed criterion (a value typed
    in a workbook never counts), plus the computed rows of every month of each quarter that holds an
    upload or a figure (of `months` only, when given), so no quarter appears that nobody reported in.
    `task_rows(months)`: the rows of the `task_progress` criteria for those months (read from the
    task register by the caller); without it those criteria get no row."""
    computed = {i.id for i in catalog.indicators if i.is_computed}
    if not computed:
        return figures
    typed = figures[~figures["indicator_id"].isin(computed)]
    periods = set(figures["period"].dropna()) | set(first_submissions["period"].dropna())
    chosen = computed_months(periods, months)
    extra = on_time_figures(catalog, first_submissions, chosen, as_of)
    progress = task_rows(chosen) if task_rows is not None and chosen else []
    if progress:
        tasks = task_progress_frame(progress)
        extra = tasks if extra.empty else pd.concat([extra, tasks], ignore_index=True)
    if extra.empty:
        return typed
    if typed.empty:
        return extra.reindex(columns=list(dict.fromkeys([*figures.columns, *FIGURE_COLUMNS])))
    return pd.concat([typed, extra], ignore_index=True)


def criterion_quarter_totals(ind: Indicator, figures: pd.DataFrame, quarter: Quarter,
                             unit: str | None = None) -> Totals:
    """One criterion's totals over a quarter (what `quarter_totals` gives for all of them)."""
    return totals_of(ind, criterion_rows(ind, quarter_figures(figures, quarter, unit)))


def ranked_by_loss(score: QuarterScore) -> list[IndicatorScore]:
    """Criteria by points lost (official points, to 0,01), most first; a tie keeps catalogue
    order, so every page and report lists the same criteria in the same order."""
    position = {r.id: k for k, r in enumerate(score.indicators)}
    return sorted(score.indicators, key=lambda r: (-round_points(r.points_lost), position[r.id]))
