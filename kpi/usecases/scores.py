"""The figures a period is scored on: the stored figures as they stood at the end of a day, plus the
criteria the app measures itself (reporting on time, from the submission log). Only the one door to
a period's result (`kpi.usecases.period_result`) and the web's cache of every month read them to
score; charts of many months read them too."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.periods import Month
from kpi.domain.scoring import with_computed
from kpi.store import current_figures, first_submissions
from kpi.usecases.tasks import task_progress_figures


def scoring_figures(conn, catalog: Catalog, periods: list[str] | None = None, unit: str | None = None, *,
                    as_of: dt.date | None = None) -> pd.DataFrame:
    """The figures of `periods` (all by default) as the record stood at the end of `as_of`, with the
    computed criteria's rows judged on that day, of one unit or all. Without `as_of`: every upload
    stored, each month judged after its due date."""
    figures = current_figures(conn, catalog.commune, periods, as_of=as_of)
    log = first_submissions(conn, catalog.commune, as_of)
    months = None
    if periods is not None:
        log = log[log["period"].isin(periods)]
        months = [Month.parse(p) for p in periods]
    out = with_computed(catalog, figures, log, as_of, months,
                        task_rows=lambda chosen: task_progress_figures(conn, catalog, chosen, as_of))
    return out if unit is None else out[out["unit"] == unit]
