"""Every commune's quarter score at once: the engine's own pass (`kpi.domain.scoring.communes_pass`)
over all communes' figures, grouped by commune (never two communes' units added together), then each
commune scored from its pass by the engine (`score_of_pass`) — the same rules, aggregation and
on-time reporting as `score_quarter`, which the tests check commune by commune. Pure: no I/O."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.domain.city import City
from kpi.domain.periods import Quarter
from kpi.domain.scoring import (
    CommuneTaskRows,
    QuarterScore,
    communes_pass,
    communes_with_computed,
    months_not_due,
    score_of_pass,
)


def city_quarter_scores(city: City, codes: list[str] | tuple[str, ...], figures: pd.DataFrame,
                        first_submissions: pd.DataFrame, quarter: Quarter,
                        as_of: dt.date | None = None,
                        task_rows: CommuneTaskRows | None = None) -> dict[str, QuarterScore | None]:
    """Commune code → its score of `quarter` (None: nothing sent or reported in that quarter).

    `figures`: the current typed figures with a `commune` column (the store's `city_figures`);
    `first_submissions`: commune, unit, period, first_submitted_at (`city_first_submissions`);
    `task_rows(commune, months)`: the commune's `task_progress` rows, read from its task register."""
    periods = [str(m) for m in quarter.months]
    figures = figures[figures["period"].isin(periods)]
    log = first_submissions[first_submissions["period"].isin(periods)]
    active = set(figures["commune"].unique().tolist()) | set(log["commune"].unique().tolist())
    catalogs = {code: city.catalog_for(code) for code in codes if code in active}
    rows = communes_with_computed(catalogs, figures, log, quarter.months, as_of, task_rows)
    pending = any(months_not_due(c, quarter.months, as_of) for c in (city.base, *catalogs.values()))
    done = communes_pass(catalogs, rows, quarter, pairs=pending, units=False)
    return {code: score_of_pass(catalogs[code], done[code], quarter, as_of=as_of) if code in catalogs else None
            for code in codes}
