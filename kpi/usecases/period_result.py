"""The one door to a period's result. Every screen, report, pack, command and the city pass asks
`period_result` for a period's score; nothing else composes figures, basis and scoring.

A period is judged as the record stood at the end of `as_of`: uploads sent after that day do not
count, and which months are due is judged on that day. A closed quarter is its frozen result
whatever the day (unless `recompute`: today's catalogue on the figures as of `as_of`)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kpi.domain.catalog import Catalog, parse_catalog
from kpi.domain.city import City
from kpi.domain.city_scoring import city_quarter_scores
from kpi.domain.periods import Month, Period, Quarter
from kpi.domain.scoring import QuarterResults, QuarterScore, score_quarter_all
from kpi.store.accounts import closed_now, frozen_quarter, latest_catalog_version
from kpi.store.reads import city_figures, city_first_submissions
from kpi.store.tasks import communes_with_tasks
from kpi.usecases.scores import scoring_figures
from kpi.usecases.tasks import task_progress_figures

# what the result of a period is, in the words every door prints (kpi.present.texts.score_state)
FROZEN, RECOMPUTED, PROVISIONAL, FINAL = "frozen", "recomputed", "provisional", "final"


@dataclass(frozen=True)
class PeriodResult:
    """A period's result: the commune's and every unit's score from one pass over one basis."""
    period: Period
    as_of: dt.date
    catalog: Catalog                 # the catalogue that scored it (the frozen one when closed)
    figures: pd.DataFrame            # the figures that scored it: the period's months, computed rows included
    scores: QuarterResults
    unit: str | None = None          # whose score `score` is (None: the commune)
    closed: bool = False             # the quarter is closed (its frozen result, unless recomputed)
    recomputed: bool = False         # a closed quarter scored again on today's catalogue
    catalog_version: int | None = None
    closed_by: str | None = None
    closed_at: dt.datetime | None = None

    @property
    def frozen(self) -> bool:
        """The result is the one kept at closing (not recomputed)."""
        return self.closed and not self.recomputed

    @property
    def commune(self) -> QuarterScore:
        return self.scores.commune

    @property
    def score(self) -> QuarterScore:
        """The score the result was asked for: the unit's when `unit` was given, else the commune's."""
        return self.scores.of(self.unit)

    def of(self, unit: str | None) -> QuarterScore:
        return self.scores.of(unit)

    @property
    def provisional(self) -> bool:
        return self.score.provisional

    @property
    def state(self) -> str:
        if self.frozen:
            return FROZEN
        if self.recomputed:
            return RECOMPUTED
        return PROVISIONAL if self.provisional else FINAL


def as_period(period: Period | Quarter | Month | str) -> Period:
    if isinstance(period, Period):
        return period
    if isinstance(period, Quarter):
        return Period(period)
    if isinstance(period, Month):
        return Period(period.quarter, period)
    return Period.parse(period)


def period_result(conn, catalog: Catalog, period: Period | Quarter | Month | str, *, as_of: dt.date,
                  unit: str | None = None, recompute: bool = False,
                  figures: pd.DataFrame | None = None) -> PeriodResult:
    """The period's result as the record stood at the end of `as_of` (see the module). `figures`:
    the commune's scoring figures as of `as_of` when the caller holds them already (the web's
    cache of every month); they must be `scoring_figures(conn, catalog, as_of=as_of)` or a superset
    of the period's months."""
    period = as_period(period)
    quarter = period.quarter
    months = tuple(period.months)
    frozen = frozen_quarter(conn, catalog.commune, str(quarter))
    if frozen is not None and not recompute:
        basis_catalog = parse_catalog(frozen["catalog_text"])
        basis = _months_of(frozen["figures"], months)
        # a closed quarter was final when closed: every month is judged as due
        scores = _labelled(score_quarter_all(basis_catalog, basis, quarter, None, months=months), period)
        return PeriodResult(period, as_of, basis_catalog, basis, scores, unit, closed=True,
                            catalog_version=frozen["catalog_version"], closed_by=frozen["closed_by"],
                            closed_at=frozen["closed_at"])
    if figures is None:
        figures = scoring_figures(conn, catalog, [str(m) for m in quarter.months], as_of=as_of)
    basis = _months_of(figures, months)
    scores = _labelled(score_quarter_all(catalog, basis, quarter, as_of, months=months), period)
    latest = latest_catalog_version(conn, catalog.commune)
    return PeriodResult(period, as_of, catalog, basis, scores, unit, closed=frozen is not None,
                        recomputed=frozen is not None, catalog_version=latest[0] if latest else None)


def _months_of(figures: pd.DataFrame, months: tuple[Month, ...]) -> pd.DataFrame:
    keep = {str(m) for m in months}
    return figures[figures["period"].astype(str).isin(keep)]


def _labelled(results: QuarterResults, period: Period) -> QuarterResults:
    """A month's score keeps the same numbers, labelled with the month so no door calls it a
    quarter's score."""
    if not period.month:
        return results
    label = str(period.month)
    return QuarterResults(dataclasses.replace(results.commune, quarter=label),
                          {u: dataclasses.replace(s, quarter=label) for u, s in results.units.items()})


@dataclass(frozen=True)
class CommuneQuarter:
    """One commune's result of a quarter in the city pass."""
    score: QuarterScore | None       # None: nothing sent or reported in that quarter
    closed: bool = False             # the commune closed it: `score` is its frozen result


def communes_results(conn, city: City, quarter: Quarter | str, *, as_of: dt.date) -> dict[str, CommuneQuarter]:
    """Every commune's result of `quarter` at once, by the same rules as `period_result`: the frozen
    result where the commune closed the quarter, else the record as it stood at the end of `as_of`
    — one read of every commune's figures and submission log, totals in one grouped pass
    (kpi.domain.city_scoring; its tests compare each commune with `period_result`)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    periods = [str(m) for m in quarter.months]
    figures = city_figures(conn, periods, as_of=as_of)
    log = city_first_submissions(conn, periods, as_of=as_of)
    with_tasks = communes_with_tasks(conn)     # only those read their register (one read each)
    open_scores = city_quarter_scores(
        city, city.codes, figures, log, quarter, as_of,
        task_rows=lambda code, months: task_progress_figures(conn, city.catalog_for(code), months, as_of)
        if code in with_tasks else [])
    closed = {code for code, q in closed_now(conn, [str(quarter)]) if city.has(code)}
    return {code: CommuneQuarter(period_result(conn, city.catalog_for(code), quarter, as_of=as_of).commune, True)
            if code in closed else CommuneQuarter(open_scores[code]) for code in city.codes}
