"""The figures a score is computed on, and the score: the stored figures plus the criteria the app
measures itself (reporting on time, from the submission log). Web, CLI, reports and what-if use these
so that every screen and file gives the same number."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.periods import Month, Quarter
from kpi.domain.scoring import QuarterScore, score_quarter, with_computed
from kpi.store import current_figures, first_submissions


def scoring_figures(conn, catalog: Catalog, periods: list[str] | None = None, unit: str | None = None,
                    as_of: dt.date | None = None) -> pd.DataFrame:
    """The current figures of `periods` (all by default) with the computed criteria's rows as of
    `as_of` (today by default), of one unit or all."""
    figures = current_figures(conn, catalog.commune, periods)
    log = first_submissions(conn, catalog.commune)
    months = None
    if periods is not None:
        log = log[log["period"].isin(periods)]
        months = [Month.parse(p) for p in periods]
    out = with_computed(catalog, figures, log, as_of, months)
    return out if unit is None else out[out["unit"] == unit]


def quarter_figures(conn, catalog: Catalog, quarter: Quarter, unit: str | None = None,
                    as_of: dt.date | None = None) -> pd.DataFrame:
    return scoring_figures(conn, catalog, [str(m) for m in quarter.months], unit, as_of)


def score(conn, catalog: Catalog, quarter: Quarter | str, unit: str | None = None,
          as_of: dt.date | None = None) -> QuarterScore:
    """The quarter's score as of `as_of` (today by default) from the stored figures and the log."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    return score_quarter(catalog, quarter_figures(conn, catalog, quarter, unit, as_of), quarter, unit, as_of=as_of)
