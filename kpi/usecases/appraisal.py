"""The city's appraisal (thẩm định) of a quarter's Biểu, brought back: read the returned file
(`kpi.ingest.appraisal`), keep it (all or nothing; a re-import replaces the quarter's previous one,
audited), and set it beside the commune's own result. The self-scores always come from the one door
to a period's result; the appraisal is the city's word and never changes them. Accepted in a closed
quarter."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.store.explanations import Appraisal, AppraisedRow, appraisal, replace_appraisal
from kpi.usecases.period_result import PeriodResult, period_result

if TYPE_CHECKING:   # the workbook reader is imported only when a file is read (the overview never does)
    from kpi.ingest.appraisal import Criterion, Titles
    from kpi.ingest.problems import Problem

__all__ = ["AppraisalRefused", "Appraisal", "import_appraisal", "quarter_appraisal", "Difference",
           "differences", "bieu_criteria"]


class AppraisalRefused(Exception):
    """The returned file has problems; nothing was kept. `problems` names each by sheet and cell."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


def bieu_criteria(catalog: Catalog) -> list[Criterion]:
    """The criteria as the commune's Biểu numbers them: group by group, in catalogue order."""
    from kpi.ingest.appraisal import Criterion
    order = [i for g in catalog.groups for i in catalog.indicators_of_group(g)]
    return [Criterion(n, i.id, i.name, i.points) for n, i in enumerate(order, 1)]


def titles_of(catalog: Catalog) -> Titles:
    from kpi.ingest.appraisal import COMMENT_TITLE, Titles
    title = {c.key: c.title for c in catalog.columns}
    return Titles(stt=title.get("stt", "STT"), name=title.get("name", "Chỉ tiêu"),
                  appraised=title.get("appraised", "Điểm thẩm định"),
                  comment=title.get("appraisal_comment", COMMENT_TITLE))


def import_appraisal(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, data: bytes, file_name: str,
                     *, as_of: dt.date) -> Appraisal:
    """Read and keep the city's appraisal of `quarter` (the commune's Biểu numbered as the quarter
    was scored: a closed quarter's frozen catalogue). AppraisalRefused when the file has problems."""
    from kpi.ingest.appraisal import read_appraisal
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    result = period_result(conn, catalog, q, as_of=as_of)
    got = read_appraisal(data, file_name, bieu_criteria(result.catalog), titles_of(catalog))
    if got.problems:
        raise AppraisalRefused(got.problems)
    rows = [AppraisedRow(i, p, c) for i, p, c in got.rows]
    return replace_appraisal(conn, actor, catalog.commune, str(q), rows, file_name or None,
                             hashlib.sha256(data).hexdigest())


def quarter_appraisal(conn, catalog: Catalog, quarter: Quarter | str) -> Appraisal | None:
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    return appraisal(conn, catalog.commune, str(q))


@dataclass(frozen=True)
class Difference:
    indicator: Indicator
    own: float                 # the commune's official points (the door's)
    appraised: float
    comment: str


def differences(result: PeriodResult, kept: Appraisal) -> list[Difference]:
    """Each criterion whose appraised points differ from the self-score, in the Biểu's order."""
    out = []
    for r in result.commune.indicators:
        row = kept.of(r.indicator.id)
        if row is None or row.points is None or round(row.points, 2) == round(r.points, 2):
            continue
        out.append(Difference(r.indicator, r.points, row.points, row.comment))
    return out
