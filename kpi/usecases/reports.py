"""A quarter's reports as web and CLI both give them: a closed quarter's frozen result (which says
so), an open one scored on today's figures with the measured criteria, and the attached evidence
in the self-scoring table's evidence column."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.periods import Quarter
from kpi.present import texts
from kpi.usecases.closing import scoring_basis
from kpi.usecases.scores import scoring_figures

FORMATS = ("xlsx", "pdf")


def quarter_report(conn, catalog: Catalog, quarter: Quarter | str, fmt: str, unit: str | None = None,
                   figures: pd.DataFrame | None = None, today: dt.date | None = None) -> bytes:
    """The self-scoring table (`fmt` "xlsx") or the one-page summary ("pdf"). `figures`: all
    current figures with the measured criteria, when the caller has them already (the web's cache)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    if figures is None:
        figures = scoring_figures(conn, catalog)
    basis = scoring_basis(conn, catalog, quarter, figures)
    note = texts.frozen_note(basis.closed_by, basis.closed_at, basis.catalog_version) if basis.frozen else None
    if fmt == "pdf":
        from kpi.reports.pdf import build_summary_pdf
        return build_summary_pdf(basis.catalog, basis.figures, quarter, unit, today=today, record_note=note)
    from kpi.reports.xlsx import build_report_xlsx
    from kpi.usecases.evidence import evidence_texts, quarter_board
    slots = [s for s in quarter_board(conn, catalog, quarter) if unit is None or s.unit in (None, unit)]
    return build_report_xlsx(basis.catalog, basis.figures, quarter, unit, today=today, record_note=note,
                             evidence=evidence_texts(slots))
