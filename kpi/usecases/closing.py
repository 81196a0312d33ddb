"""Closing and reopening a quarter; a quarter's score as closed (frozen) or as today's catalogue
gives it. Web, CLI and reports use these."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi.domain.catalog import Catalog, parse_catalog
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied
from kpi.domain.scoring import QuarterScore, score_quarter
from kpi.store.accounts import close_quarter, frozen_quarter, latest_catalog_version, reopen_quarter
from kpi.usecases.scores import quarter_figures


@dataclass(frozen=True)
class QuarterResult:
    score: QuarterScore
    catalog: Catalog           # the catalogue that scored it (the frozen one when closed)
    closed: bool
    catalog_version: int | None
    closed_by: str | None = None
    closed_at: object = None


def close(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str,
          as_of: dt.date | None = None) -> int:
    """Freeze the quarter's figures, catalogue and score. A quarter whose reports are not all due
    yet (provisional on `as_of`, today by default) cannot be closed: its score is not final."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    figures = quarter_figures(conn, catalog, quarter, as_of=as_of)
    score = score_quarter(catalog, figures, quarter, as_of=as_of)
    if score.provisional:
        raise PermissionDenied(f"{quarter.label} chưa hết hạn báo cáo (còn {score.to_come} lượt báo cáo "
                               "tháng chưa đến hạn): điểm còn tạm tính nên chưa khoá sổ được.")
    return close_quarter(conn, actor, catalog.commune, str(quarter), figures, score.to_dict())


def reopen(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, reason: str) -> None:
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    reopen_quarter(conn, actor, catalog.commune, str(quarter), reason)


def quarter_result(conn, catalog: Catalog, quarter: Quarter | str, unit: str | None = None,
                   recompute: bool = False, as_of: dt.date | None = None) -> QuarterResult:
    """The quarter's score: frozen when closed (unless `recompute`: today's catalogue and figures),
    else as of `as_of` (today by default)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    frozen = frozen_quarter(conn, catalog.commune, str(quarter))
    if frozen is not None and not recompute:
        frozen_catalog = parse_catalog(frozen["catalog_text"])
        figures = frozen["figures"]
        if unit is not None:
            figures = figures[figures["unit"] == unit]
        return QuarterResult(score_quarter(frozen_catalog, figures, quarter, unit), frozen_catalog, True,
                             frozen["catalog_version"], frozen["closed_by"], frozen["closed_at"])
    figures = quarter_figures(conn, catalog, quarter, unit, as_of)
    latest = latest_catalog_version(conn, catalog.commune)
    return QuarterResult(score_quarter(catalog, figures, quarter, unit, as_of=as_of), catalog, frozen is not None,
                         latest[0] if latest else None)
