"""The quarterly self-scoring table (Biểu tự chấm điểm) as .xlsx, in the form sent to the city.

Numbers come from the scoring engine: each criterion row holds its official points (truncated to
0,01, `kpi.domain.scoring.official_points`) as a number; each group's subtotal and the «TỔNG ĐIỂM»
are `=SUM(…)` formulas over exactly the printed rows, which equal the engine's official totals, and
carry that value as their cached result so a reader that does not calculate sees it too.
The evidence column lists what is attached for the quarter (or «Chưa có minh chứng»); what the
catalogue requires is in its own column. Text typed by users (notes, evidence descriptions) or taken
from the catalogue is always written as text: a leading `=`, `+`, `-` or `@` would otherwise make a
spreadsheet evaluate it as a formula.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from kpi.domain.catalog import Catalog
from kpi.domain.periods import Month, Quarter
from kpi.domain.scoring import NA, NO_DATA, QuarterScore, points_sum, score_quarter
from kpi.present import texts
from kpi.present.texts import STATUS_LABELS

FORMULA_STARTS = ("=", "+", "-", "@")

COLUMNS = [  # (header, width)
    ("STT", 6), ("Chỉ tiêu", 46), ("Mục tiêu", 11), ("Kết quả (%/số lượng)", 12),
    ("Tử số", 10), ("Mẫu số", 10), ("Điểm tối đa", 9), ("Điểm tự chấm", 9),
    ("Đơn vị chủ trì", 22), ("Tài liệu kiểm chứng", 36), ("Tài liệu kiểm chứng cần có", 30), ("Ghi chú", 34),
]
MAX_COL, POINTS_COL, EVIDENCE_COL, REQUIRED_COL, NOTES_COL = 7, 8, 10, 11, 12
NO_EVIDENCE = "Chưa có minh chứng"
HEADER_ROW = 7
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(name="Times New Roman", bold=True, size=12)
PLAIN = Font(name="Times New Roman", size=12)
ITALIC = Font(name="Times New Roman", italic=True, size=12)
GROUP_FILL = PatternFill("solid", fgColor="EDEDED")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
POINTS_FORMAT = "0.00"


def put_text(ws, row: int, col: int, text, **style):
    """Write a value as plain text, never as a formula (whatever the user typed)."""
    cell = ws.cell(row=row, column=col)
    text = "" if text is None else str(text)
    cell.value = text
    cell.data_type = "s"           # openpyxl would mark "=…" as a formula; force a string
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True    # and tell Excel/LibreOffice it is text, as a typed ' would
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


def put_number(ws, row: int, col: int, value, fmt: str | None = None, **style):
    cell = ws.cell(row=row, column=col, value=value)
    if fmt:
        cell.number_format = fmt
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


def quarter_notes(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter,
                  unit: str | None = None) -> dict[str, list[str]]:
    """The notes users typed in their uploads, per criterion: '… (TTPVHCC, Tháng 9/2026)'."""
    if "note" not in figures.columns or figures.empty:
        return {}
    rows = figures[figures["period"].isin({str(m) for m in quarter.months})]
    if unit is not None:
        rows = rows[rows["unit"] == unit]
    rows = rows[rows["note"].notna()]
    out: dict[str, list[str]] = {}
    for r in rows.sort_values(["period", "unit"]).itertuples(index=False):
        text = str(r.note).strip()
        if not text:
            continue
        # the user's words first (as typed), where they came from after
        line = f"{text} ({r.unit}, {Month.parse(r.period).label})"
        bucket = out.setdefault(r.indicator_id, [])
        if line not in bucket:
            bucket.append(line)
    return out


def place_of(catalog: Catalog) -> str:
    """'Xã Thái Tân' → 'Thái Tân' (the place written before the date)."""
    name = catalog.commune_name
    for prefix in ("Xã ", "xã ", "Phường ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def date_line(catalog: Catalog, today: dt.date) -> str:
    """'Thái Tân, ngày 5 tháng 7 năm 2026' (no leading zeros, as the commune writes dates)."""
    return f"{place_of(catalog)}, {texts.long_date(today)}"


def build_report_xlsx(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                      unit: str | None = None, *, today: dt.date | None = None,
                      record_note: str | None = None,
                      evidence: dict[str, list[str]] | None = None, score: QuarterScore | None = None) -> bytes:
    """The self-scoring table; `record_note` says where a closed quarter's frozen result comes
    from; `evidence` (criterion → the attached documents as `kpi.usecases.evidence.evidence_texts`
    writes them: description, date sent, review state) fills the evidence column, «Chưa có minh
    chứng» where there is none (also when `evidence` is not given); the catalogue's required
    evidence is in the column after it."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    today = today or dt.date.today()
    # the score comes from the one door (kpi.usecases.period_result); scored here only when not given
    score = score if score is not None else score_quarter(catalog, figures, quarter, unit, as_of=today)
    notes = quarter_notes(catalog, figures, quarter, unit)
    wb = Workbook()
    ws = wb.active
    ws.title = f"Tự chấm {quarter.label.replace('/', '-')}"
    _head(ws, catalog, quarter, unit, record_note)
    sums: dict[str, float] = {}
    row = _table(ws, catalog, score, notes, evidence or {}, sums)
    disclaimer = texts.scale_disclaimer(catalog.official_scale)
    if disclaimer:
        row += 1
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))
        put_text(ws, row, 1, f"Ghi chú: {disclaimer}", font=ITALIC, alignment=WRAP)
        ws.row_dimensions[row].height = 32
    _signatures(ws, catalog, row + 2, today, unit)
    _page_setup(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return with_cached_results(buf.getvalue(), sums)


def with_cached_results(data: bytes, results: dict[str, float]) -> bytes:
    """The workbook with each formula cell of `results` (cell → value, first sheet) carrying that
    value as its cached result: openpyxl writes formulas without one, so a reader that does not
    calculate (a preview, a library) would see an empty total. Spreadsheets recalculate on load."""
    name = "xl/worksheets/sheet1.xml"
    src = zipfile.ZipFile(io.BytesIO(data))
    sheet = src.read(name).decode("utf-8")
    for ref, value in results.items():
        # an empty result is `<v/>`, `<v></v>` (openpyxl with lxml) or absent
        sheet, n = re.subn(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)(?:<v\s*/>|<v>\s*</v>|(?=</c>))',
                           rf"\g<1><v>{value!r}</v>", sheet)
        assert n == 1, ref
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, sheet.encode("utf-8") if info.filename == name else src.read(info.filename))
    return out.getvalue()


def _sum_formula(ws, row: int, col: int, ranges: list[tuple[int, int]], value: float,
                 sums: dict[str, float]) -> None:
    """`=SUM(…)` of the rows `ranges` (first, last) of column `col`, its value kept for the cache."""
    letter = get_column_letter(col)
    parts = ",".join(f"{letter}{a}:{letter}{b}" if a != b else f"{letter}{a}" for a, b in ranges)
    cell = put_number(ws, row, col, f"=SUM({parts})", POINTS_FORMAT, font=BOLD)
    sums[cell.coordinate] = value


def _head(ws, catalog: Catalog, quarter: Quarter, unit: str | None, record_note: str | None = None):
    last = get_column_letter(len(COLUMNS))
    ws.merge_cells("A1:C1")
    put_text(ws, 1, 1, "ỦY BAN NHÂN DÂN", font=BOLD, alignment=CENTER)
    ws.merge_cells("A2:C2")
    put_text(ws, 2, 1, catalog.commune_name.upper(), font=BOLD, alignment=CENTER)
    ws.merge_cells(f"H1:{last}1")
    put_text(ws, 1, 8, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=BOLD, alignment=CENTER)
    ws.merge_cells(f"H2:{last}2")
    put_text(ws, 2, 8, "Độc lập - Tự do - Hạnh phúc", font=BOLD, alignment=CENTER)
    ws.merge_cells(f"A4:{last}4")
    put_text(ws, 4, 1, "BIỂU TỰ CHẤM ĐIỂM KẾT QUẢ ỨNG DỤNG CÔNG NGHỆ THÔNG TIN, CHUYỂN ĐỔI SỐ",
             font=Font(name="Times New Roman", bold=True, size=14), alignment=CENTER)
    who = catalog.commune_name if unit is None else f"{catalog.unit_name(unit)} — {catalog.commune_name}"
    ws.merge_cells(f"A5:{last}5")
    put_text(ws, 5, 1, f"{quarter.label} — {who}", font=BOLD, alignment=CENTER)
    ws.merge_cells(f"A6:{last}6")
    source = f"(Theo {catalog.name})" + (f" — {record_note}" if record_note else "")
    put_text(ws, 6, 1, source, font=ITALIC, alignment=CENTER)
    for col, (title, width) in enumerate(COLUMNS, 1):
        put_text(ws, HEADER_ROW, col, title, font=BOLD, alignment=CENTER, border=BOX,
                 fill=GROUP_FILL)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 32


def _table(ws, catalog: Catalog, score: QuarterScore, notes: dict[str, list[str]],
           evidence: dict[str, list[str]], sums: dict[str, float]) -> int:
    """The criteria group by group, each group's subtotal row (`=SUM` of its rows) above them,
    then the total (`=SUM` of every criterion row) and the grade. `sums` gets each formula cell's
    value (the engine's official sums, which the formulas equal)."""
    row = HEADER_ROW + 1
    n = 0
    ranges: list[tuple[int, int]] = []
    for gi, group in enumerate(catalog.groups, 1):
        results = [r for r in score.indicators if r.indicator.group == group]
        if not results:
            continue
        group_row, first = row, row + 1
        put_text(ws, row, 1, _roman(gi), font=BOLD, alignment=CENTER)
        put_text(ws, row, 2, group, font=BOLD, alignment=WRAP)
        row += 1
        for r in results:
            n += 1
            _criterion_row(ws, row, n, catalog, r, notes, evidence)
            row += 1
        ranges.append((first, row - 1))
        _sum_formula(ws, group_row, MAX_COL, [(first, row - 1)], points_sum(r.max_points for r in results), sums)
        _sum_formula(ws, group_row, POINTS_COL, [(first, row - 1)], points_sum(r.points for r in results), sums)
        for col in range(1, len(COLUMNS) + 1):
            c = ws.cell(row=group_row, column=col)
            c.border, c.fill = BOX, GROUP_FILL
    put_text(ws, row, 2, "TỔNG ĐIỂM (TẠM TÍNH)" if score.provisional else "TỔNG ĐIỂM", font=BOLD)
    if ranges:
        _sum_formula(ws, row, MAX_COL, ranges, score.max_points, sums)
        _sum_formula(ws, row, POINTS_COL, ranges, score.total_points, sums)
    else:
        put_number(ws, row, MAX_COL, 0, POINTS_FORMAT, font=BOLD)
        put_number(ws, row, POINTS_COL, 0, POINTS_FORMAT, font=BOLD)
    for col in range(1, len(COLUMNS) + 1):
        ws.cell(row=row, column=col).border = BOX
    row += 1
    # two decimals, truncated: never a grade line the total did not reach (89,99 %, not 90 %)
    pct = texts.score_percent(score.percent, 2)
    put_text(ws, row, 2, "XẾP LOẠI", font=BOLD)
    put_text(ws, row, 3, f"{score.grade} ({pct} số điểm tối đa)", font=BOLD)
    ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=8)
    for col in range(1, len(COLUMNS) + 1):
        ws.cell(row=row, column=col).border = BOX
    return row


def _criterion_row(ws, row: int, n: int, catalog: Catalog, r, notes: dict[str, list[str]],
                   evidence: dict[str, list[str]]) -> None:
    ind = r.indicator
    put_number(ws, row, 1, n, alignment=CENTER)
    put_text(ws, row, 2, ind.name, alignment=WRAP)
    put_text(ws, row, 3, texts.target(ind, noun=False), alignment=CENTER)
    if r.achieved is not None:
        # as many decimals as keep a value just under the target under it (94,995 for ≥ 95)
        shown, k = texts.against_line(r.achieved, 2, ind.target, ind.higher_is_better)
        put_number(ws, row, 4, shown, "0." + "0" * k if ind.is_ratio else "General", alignment=CENTER)
    if ind.is_ratio and r.totals.numerator is not None:
        put_number(ws, row, 5, r.totals.numerator, "#,##0", alignment=CENTER)
        put_number(ws, row, 6, r.totals.denominator, "#,##0", alignment=CENTER)
    # the official points, as the engine adds them (already whole hundredths)
    put_number(ws, row, MAX_COL, r.max_points, POINTS_FORMAT, alignment=CENTER)
    put_number(ws, row, POINTS_COL, r.points, POINTS_FORMAT, alignment=CENTER)
    put_text(ws, row, 9, catalog.unit_name(ind.lead_unit), alignment=WRAP)
    put_text(ws, row, EVIDENCE_COL, "\n".join(evidence.get(ind.id) or [NO_EVIDENCE]), alignment=WRAP)
    put_text(ws, row, REQUIRED_COL, ind.evidence, alignment=WRAP)
    remarks = []
    if r.status in (NO_DATA, NA):
        remarks.append(STATUS_LABELS[r.status])
    put_text(ws, row, NOTES_COL, "\n".join(remarks + notes.get(ind.id, [])), alignment=WRAP)
    for col in range(1, len(COLUMNS) + 1):
        ws.cell(row=row, column=col).border = BOX
        if ws.cell(row=row, column=col).font != BOLD:
            ws.cell(row=row, column=col).font = PLAIN


# The commune's signature block (as in its documents, tài liệu 001): the People's Committee signs
# through a vice-chairman; a unit's own table is signed by its head.
COMMUNE_SIGNERS = ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
UNIT_SIGNERS = ("THỦ TRƯỞNG ĐƠN VỊ",)


def _signatures(ws, catalog: Catalog, row: int, today: dt.date, unit: str | None = None):
    last = len(COLUMNS)
    ws.merge_cells(start_row=row, start_column=9, end_row=row, end_column=last)
    put_text(ws, row, 9, date_line(catalog, today), font=ITALIC, alignment=CENTER)
    row += 1
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    put_text(ws, row, 1, "NGƯỜI LẬP BIỂU", font=BOLD, alignment=CENTER)
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=3)
    put_text(ws, row + 1, 1, "(Ký, ghi rõ họ tên)", font=ITALIC, alignment=CENTER)
    for k, line in enumerate(COMMUNE_SIGNERS if unit is None else UNIT_SIGNERS):
        ws.merge_cells(start_row=row + k, start_column=9, end_row=row + k, end_column=last)
        put_text(ws, row + k, 9, line, font=BOLD, alignment=CENTER)
    row += max(len(COMMUNE_SIGNERS if unit is None else UNIT_SIGNERS), 2)
    ws.merge_cells(start_row=row, start_column=9, end_row=row, end_column=last)
    put_text(ws, row, 9, "(Ký tên, đóng dấu)", font=ITALIC, alignment=CENTER)


def _page_setup(ws):
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_options.horizontalCentered = True


def _roman(n: int) -> str:
    vals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out
