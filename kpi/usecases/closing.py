"""Closing and reopening a quarter; a quarter's score as closed (frozen) or as today's catalogue
gives it. Web, CLI and reports use these."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kpi.domain.catalog import Catalog, parse_catalog
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied
from kpi.domain.scoring import QuarterScore, score_quarter
from kpi.store.accounts import close_quarter, frozen_quarter, latest_catalog_version, reopen_quarter
from kpi.store.reads import data_version
from kpi.usecases.scores import quarter_figures


@dataclass(frozen=True)
class ScoringBasis:
    """What scores a quarter: the frozen catalogue and figures when it is closed, else today's."""
    catalog: Catalog
    figures: pd.DataFrame
    closed_by: str | None = None
    closed_at: dt.datetime | None = None
    catalog_version: int | None = None

    @property
    def frozen(self) -> bool:
        return self.closed_by is not None


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
    version = data_version(conn, catalog.commune)   # the figures below are current as of this version
    figures = quarter_figures(conn, catalog, quarter, as_of=as_of)
    score = score_quarter(catalog, figures, quarter, as_of=as_of)
    if score.provisional:
        raise PermissionDenied(f"{quarter.label} chưa hết hạn báo cáo (còn {score.to_come} lượt báo cáo "
                               "tháng chưa đến hạn): điểm còn tạm tính nên chưa khoá sổ được.")
    return close_quarter(conn, actor, catalog.commune, str(quarter), figures, score.to_dict(),
                         read_at_version=version)


def reopen(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, reason: str) -> None:
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    reopen_quarter(conn, actor, catalog.commune, str(quarter), reason)


def scoring_basis(conn, catalog: Catalog, quarter: Quarter | str,
                  figures: pd.DataFrame | None = None) -> ScoringBasis:
    """The catalogue and figures that score `quarter`: frozen at its closing when it is closed;
    else `catalog` with `figures` (read from the store when not given)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    frozen = frozen_quarter(conn, catalog.commune, str(quarter))
    if frozen is not None:
        return ScoringBasis(parse_catalog(frozen["catalog_text"]), frozen["figures"], frozen["closed_by"],
                            frozen["closed_at"], frozen["catalog_version"])
    if figures is None:
        figures = quarter_figures(conn, catalog, quarter)
    return ScoringBasis(catalog, figures)


def quarter_result(conn, catalog: Catalog, quarter: Quarter | str, unit: str | None = None,
                   recompute: bool = False, as_of: dt.date | None = None) -> QuarterResult:
    """The quarter's score: frozen when closed (unless `recompute`: today's catalogue and figures),
    else as of `as_of` (today by default)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    basis = scoring_basis(conn, catalog, quarter)
    if basis.frozen and not recompute:
        figures = basis.figures if unit is None else basis.figures[basis.figures["unit"] == unit]
        return QuarterResult(score_quarter(basis.catalog, figures, quarter, unit), basis.catalog, True,
                             basis.catalog_version, basis.closed_by, basis.closed_at)
    figures = quarter_figures(conn, catalog, quarter, unit, as_of)
    latest = latest_catalog_version(conn, catalog.commune)
    return QuarterResult(score_quarter(catalog, figures, quarter, unit, as_of=as_of), catalog, basis.frozen,
                         latest[0] if latest else None)
