"""Where the milestones (criteria with a deadline or a start, the catalogue's `[[milestones]]`
obligations) stand on a day, from the quarters' results and the evidence reviews (see
kpi.domain.milestones). `as_of` is always given: the caller reads the clock, once."""
from __future__ import annotations

import datetime as dt

from kpi.domain.catalog import Catalog
from kpi.domain.milestones import Milestone, QuarterReading, milestones, quarters_to_judge
from kpi.domain.periods import Quarter
from kpi.usecases.evidence import milestone_reviews
from kpi.usecases.period_result import period_result


def quarter_reading(conn, catalog: Catalog, quarter: Quarter, as_of: dt.date) -> QuarterReading:
    """The one place milestones ask for a quarter's result: frozen when the quarter is closed,
    else as the record stood at the end of `as_of` (final once every monthly report of it is due)."""
    result = period_result(conn, catalog, quarter, as_of=as_of)
    return QuarterReading(quarter, {s.id: s.achieved for s in result.commune.indicators},
                          result.frozen or not result.provisional)


def milestones_on(conn, catalog: Catalog, as_of: dt.date) -> list[Milestone]:
    readings: dict[Quarter, QuarterReading] = {}
    for ind in catalog.indicators:
        if ind.deadline is None and ind.start is None:
            continue
        for q in quarters_to_judge(ind, as_of):     # the deadline's quarter first, then back to a forecast
            if q not in readings:
                readings[q] = quarter_reading(conn, catalog, q, as_of)
            if readings[q].achieved.get(ind.id) is not None:
                break
    accepted = {k: v.date() for k, v in milestone_reviews(conn, catalog, as_of).items()}
    return milestones(catalog, as_of, readings, accepted)
