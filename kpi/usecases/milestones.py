"""Where the milestones (criteria with a deadline, the catalogue's `[[milestones]]` obligations)
stand on a day, from the stored figures and evidence reviews (see kpi.domain.milestones)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.milestones import Milestone, milestones
from kpi.domain.periods import Month, Quarter
from kpi.domain.scoring import score_quarter
from kpi.store import current_figures
from kpi.usecases.evidence import milestone_reviews

LOOK_BACK_QUARTERS = 4


def latest_achieved(catalog: Catalog, figures: pd.DataFrame, as_of: dt.date, ids: list[str]) -> dict[str, float | None]:
    """Criterion → its achieved value in the latest quarter (up to `as_of`'s) with figures for
    it, counting only months that have ended by `as_of` (a month's figures tell its last day's
    state: on 10/07 the latest known state is June's); None when none in the last year."""
    last_month = str(Month.of(as_of + dt.timedelta(days=1)).add(-1))
    known = figures[figures["period"].astype(str) <= last_month]
    out: dict[str, float | None] = dict.fromkeys(ids)
    quarter = Quarter.of(as_of)
    for _ in range(LOOK_BACK_QUARTERS):
        todo = [i for i in ids if out[i] is None]
        if not todo:
            break
        score = score_quarter(catalog, known, quarter, as_of=as_of)
        for i in todo:
            out[i] = score.result(i).achieved
        quarter = quarter.previous()
    return out


def milestones_on(conn, catalog: Catalog, as_of: dt.date | None = None) -> list[Milestone]:
    as_of = as_of or dt.date.today()
    ids = [i.id for i in catalog.indicators if i.deadline is not None]
    achieved = latest_achieved(catalog, current_figures(conn, catalog.commune), as_of, ids)
    accepted = {k: v.date() for k, v in milestone_reviews(conn, catalog, as_of).items()}
    return milestones(catalog, as_of, achieved, accepted)
