"""A quarter's reports as web and CLI both give them, from the one door to a period's result: a
closed quarter's frozen result (which says so), an open one as the record stood at the end of
`as_of`, the attached evidence in the self-scoring table's evidence column and the office's
explanations in its «Giải trình» column."""
from __future__ import annotations

import datetime as dt

from kpi.domain.catalog import Catalog
from kpi.domain.periods import Quarter
from kpi.present import texts
from kpi.usecases.period_result import PeriodResult, period_result

FORMATS = ("xlsx", "pdf")


def record_note(result: PeriodResult) -> str | None:
    """What a report says about where its result comes from: the closing, or a recomputation."""
    if result.frozen:
        return texts.frozen_note(result.closed_by, result.closed_at, result.catalog_version)
    if result.recomputed:
        return "Quý đã khoá sổ; đây là kết quả tính lại theo danh mục hiện nay, không phải kết quả đã khoá."
    return None


def quarter_report(conn, catalog: Catalog, quarter: Quarter | str, fmt: str, unit: str | None = None, *,
                   as_of: dt.date) -> bytes:
    """The self-scoring table (`fmt` "xlsx") or the one-page summary ("pdf") of `quarter` as it
    stood at the end of `as_of` (a closed quarter: its frozen result)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    result = period_result(conn, catalog, quarter, as_of=as_of, unit=unit)
    return report_bytes(conn, catalog, result, fmt)


def report_bytes(conn, catalog: Catalog, result: PeriodResult, fmt: str) -> bytes:
    """The report of a result already obtained from the door (the evidence pack holds one)."""
    quarter, unit = result.period.quarter, result.unit
    if fmt == "pdf":
        from kpi.reports.pdf import build_summary_pdf
        return build_summary_pdf(result.catalog, result.figures, quarter, unit, today=result.as_of,
                                 record_note=record_note(result), score=result.score)
    from kpi.reports.xlsx import build_report_xlsx
    from kpi.usecases.evidence import evidence_texts, quarter_board
    from kpi.usecases.explanations import explanation_texts
    slots = [s for s in quarter_board(conn, catalog, quarter) if unit is None or s.unit in (None, unit)]
    # the form is today's catalogue's (a city may publish its form after a quarter is closed); the
    # result is the door's (a closed quarter's: the frozen one)
    return build_report_xlsx(result.catalog, result.figures, quarter, unit, today=result.as_of,
                             record_note=record_note(result), evidence=evidence_texts(slots), score=result.score,
                             explanations=explanation_texts(conn, catalog, quarter), columns=catalog.columns)


COVER_FORMATS = ("docx", "pdf")


def cover_report(conn, catalog: Catalog, quarter: Quarter | str, fmt: str, *, as_of: dt.date, number: str = "",
                 recipient: str = "", causes: str = "", proposals: str = "",
                 explanations: dict[str, str] | None = None) -> bytes:
    """The report the commune sends to the city with its table («BÁO CÁO Kết quả tự chấm điểm …»)
    as Word (`fmt` "docx") or PDF ("pdf"), from the one door: the commune's result of `quarter` as
    it stood at the end of `as_of` (a closed quarter: its frozen result, which it says). `number`:
    the document's number («12» → «Số: 12/BC-UBND»; empty: left for the clerk); `recipient`: after
    «Kính gửi» (empty: the city's People's Committee); `causes`, `proposals`: sections III and IV as
    the office typed them (empty: lines to write by hand); `explanations`: criterion id → its giải
    trình, written under each criterion that lost points (by default the ones stored for the quarter)."""
    if fmt not in COVER_FORMATS:
        raise ValueError(fmt)
    from kpi.reports.cover import cover_content
    result = period_result(conn, catalog, quarter, as_of=as_of)
    if explanations is None:     # the office's giải trình of the quarter, as the Biểu prints them
        from kpi.usecases.explanations import explanation_texts
        explanations = explanation_texts(conn, catalog, result.period.quarter)
    content = cover_content(result.catalog, result.commune, result.period.quarter, as_of=as_of, number=number,
                            recipient=recipient, causes=causes, proposals=proposals, explanations=explanations,
                            record_note=record_note(result), frozen=result.frozen)
    if fmt == "docx":
        from kpi.reports.cover_docx import build_cover_docx
        return build_cover_docx(content)
    from kpi.reports.cover_pdf import build_cover_pdf
    return build_cover_pdf(content)
