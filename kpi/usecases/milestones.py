"""Where the milestones (criteria with a deadline or a start, the catalogue's `[[milestones]]`
obligations) stand on a day, from the quarters' results, the evidence reviews and — for the
obligations — the task register, where the catalogue sync keeps them as tasks of the document «Danh
mục chỉ tiêu» (see kpi.domain.milestones). `as_of` is always given: the caller reads the clock, once."""
from __future__ import annotations

import datetime as dt

from kpi.domain.catalog import Catalog
from kpi.domain.milestones import CATALOG_SOURCE, Milestone, QuarterReading, milestones, quarters_to_judge
from kpi.domain.periods import Quarter
from kpi.domain.tasks import task_state
from kpi.store import tasks as store_tasks
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
    obligations, completed = obligation_tasks(conn, catalog, as_of)
    return milestones(catalog, as_of, readings, accepted, obligations, completed)


def obligation_tasks(conn, catalog: Catalog, as_of: dt.date) -> tuple[list, dict[str, dt.date]]:
    """The register's tasks of «Danh mục chỉ tiêu» (catalogue order; whatever the day they were
    written: the catalogue held them before the register did), and obligation id → the completion
    day its task records (on or before `as_of`)."""
    sid = store_tasks.source_id_of(conn, catalog.commune, CATALOG_SOURCE)
    if sid is None:
        return [], {}
    stored = store_tasks.stored_tasks(conn, catalog.commune, source_id=sid)
    updates = store_tasks.task_updates(conn, catalog.commune)
    completed = {}
    for s in stored:
        state = task_state(s.task, updates.get(s.task.id or 0, ()), as_of, due_day=catalog.due_day,
                           due_month_offset=catalog.due_month_offset)
        if state.done_on is not None:
            completed[s.task.stt] = state.done_on
    return [s.task for s in stored], completed
