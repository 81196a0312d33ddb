"""The quarterly self-scoring table (Biểu tự chấm điểm) as .xlsx, in the form sent to the city.

Its columns are the catalogue's (`[scorecard] columns`; by default STT · Chỉ tiêu · Cách tính điểm ·
Điểm tối đa · Kết quả · Điểm tự chấm · Giải trình · Tài liệu kiểm chứng · Tài liệu kiểm chứng cần có ·
Điểm thẩm định · Ghi chú), so a city that publishes its own form is matched without code.
Numbers come from the one door to a period's result: each criterion row holds its official points
(truncated to 0,01) as a number; each group's subtotal and the «TỔNG ĐIỂM» are `=SUM(…)` formulas
over exactly the printed rows, which equal the engine's official totals, and carry that value as
their cached result so a reader that does not calculate sees it too. Printed A4 landscape, one page
wide, the header row on every page; each row is given the height its wrapped text needs (estimated
from the text's length and the column's width), since a spreadsheet does not grow a row a program
wrote. The evidence column lists what is attached for the quarter (or «Chưa có minh chứng»); what
the catalogue requires is in its own column. Text typed by users (notes, explanations, evidence
descriptions) or taken from the catalogue is always written as text: a leading `=`, `+`, `-` or `@`
would otherwise make a spreadsheet evaluate it as a formula.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from kpi.domain.catalog import Catalog, Column
from kpi.domain.periods import Month, Quarter
from kpi.domain.scoring import NA, NO_DATA, QuarterScore, points_sum
from kpi.present import texts
from kpi.present.texts import STATUS_LABELS

FORMULA_STARTS = ("=", "+", "-", "@")

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
# printed text: characters of Times New Roman 12 per unit of column width, points per line
CHARS_PER_WIDTH = 1.0
LINE_POINTS = 15.6
ROW_PADDING = 4.0


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


class Layout:
    """Where each of the Biểu's columns is (the catalogue's `[scorecard] columns`, in order)."""

    def __init__(self, columns: Sequence[Column]):
        self.columns = tuple(columns)
        self.at = {c.key: n for n, c in enumerate(self.columns, 1)}
        self.count = len(self.columns)

    def width(self, first: int, last: int | None = None) -> float:
        return sum(c.width for c in self.columns[first - 1:(last or first)])

    def blocks(self) -> tuple[int, int]:
        """(the last column of the left block, the first of the right block) of the heading and the
        signatures: about a third of the page's width each."""
        total = self.width(1, self.count)
        left, acc = 1, 0.0
        for n in range(1, self.count + 1):
            acc += self.columns[n - 1].width
            left = n
            if acc >= total * 0.3:
                break
        right, acc = self.count, 0.0
        for n in range(self.count, 0, -1):
            acc += self.columns[n - 1].width
            right = n
            if acc >= total * 0.35:
                break
        right = max(right, min(left + 1, self.count))
        return left, right


def build_report_xlsx(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                      unit: str | None = None, *, score: QuarterScore, today: dt.date,
                      record_note: str | None = None,
                      evidence: dict[str, list[str]] | None = None,
                      explanations: dict[str, str] | None = None,
                      columns: Sequence[Column] | None = None) -> bytes:
    """The self-scoring table in the columns `columns` (default: the catalogue's `[scorecard]
    columns`); `record_note` says where a closed quarter's frozen result comes from; `evidence`
    (criterion → the attached documents as `kpi.usecases.evidence.evidence_texts` writes them:
    number and date, description, summary, link, date sent, review state) fills the evidence
    column, «Chưa có minh chứng» where there is none (also when `evidence` is not given); the
    catalogue's required evidence is in its own column; `explanations` (criterion → the office's
    giải trình) fills «Giải trình»; «Điểm thẩm định» is left empty for the city."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    # `score` comes from the one door (kpi.usecases.period_result): the report writes it, never scores
    notes = quarter_notes(catalog, figures, quarter, unit)
    layout = Layout(columns or catalog.columns)
    wb = Workbook()
    ws = wb.active
    ws.title = f"Tự chấm {quarter.label.replace('/', '-')}"
    _head(ws, layout, catalog, quarter, unit, record_note)
    sums: dict[str, float] = {}
    row = _table(ws, layout, catalog, score, notes, evidence or {}, explanations or {}, sums)
    disclaimer = texts.scale_disclaimer(catalog.official_scale)
    if disclaimer:
        row += 1
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=layout.count)
        put_text(ws, row, 1, f"Ghi chú: {disclaimer}", font=ITALIC, alignment=WRAP)
        fit_height(ws, layout, row, merged={1: layout.count})
    _signatures(ws, layout, catalog, row + 2, today, unit)
    _page_setup(ws, layout)
    buf = io.BytesIO()
    wb.save(buf)
    return with_cached_results(buf.getvalue(), sums)


def text_lines(text: str, width: float, bold: bool = False) -> int:
    """How many printed lines `text` takes in a wrapped cell `width` characters wide (words wrap
    whole; a word longer than a line is broken)."""
    per_line = max(1, int(width * CHARS_PER_WIDTH * (0.9 if bold else 1.0)))
    lines = 0
    for paragraph in str(text).split("\n"):
        used, count = 0, 1
        for word in paragraph.split():
            n = len(word)
            if used and used + 1 + n > per_line:
                count, used = count + 1, 0
            if n > per_line:                      # a long link or code: broken over lines
                count += (n - 1) // per_line if used == 0 else n // per_line
                used = n % per_line or per_line
            else:
                used += n + (1 if used else 0)
        lines += count
    return lines


def fit_height(ws, layout: Layout, row: int, merged: dict[int, int] | None = None,
               minimum: float = 0.0) -> None:
    """An explicit height for `row` that shows every wrapped cell whole (spreadsheets do not
    grow a row whose cells were written by a program, and LibreOffice prints what fits)."""
    merged = merged or {}
    lines = 1
    for col in range(1, layout.count + 1):
        cell = ws.cell(row=row, column=col)
        if not isinstance(cell.value, str) or not cell.value or cell.data_type == "f":   # a formula is a number
            continue
        value = cell.value
        bold = bool(cell.font and cell.font.bold)
        lines = max(lines, text_lines(value, layout.width(col, merged.get(col, col)), bold))
    ws.row_dimensions[row].height = max(minimum, round(lines * LINE_POINTS + ROW_PADDING, 1))


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
    cell = put_number(ws, row, col, f"=SUM({parts})", POINTS_FORMAT, font=BOLD, alignment=CENTER)
    sums[cell.coordinate] = value


def _head(ws, layout: Layout, catalog: Catalog, quarter: Quarter, unit: str | None, record_note: str | None = None):
    last = layout.count
    left, right = layout.blocks()
    for row, text in ((1, "ỦY BAN NHÂN DÂN"), (2, catalog.commune_name.upper())):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=left)
        put_text(ws, row, 1, text, font=BOLD, alignment=CENTER)
    for row, text in ((1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), (2, "Độc lập - Tự do - Hạnh phúc")):
        ws.merge_cells(start_row=row, start_column=right, end_row=row, end_column=last)
        put_text(ws, row, right, text, font=BOLD, alignment=CENTER)
    for row in (1, 2):
        fit_height(ws, layout, row, merged={1: left, right: last})
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=last)
    put_text(ws, 4, 1, "BIỂU TỰ CHẤM ĐIỂM KẾT QUẢ ỨNG DỤNG CÔNG NGHỆ THÔNG TIN, CHUYỂN ĐỔI SỐ",
             font=Font(name="Times New Roman", bold=True, size=14), alignment=CENTER)
    ws.row_dimensions[4].height = 22
    who = catalog.commune_name if unit is None else f"{catalog.unit_name(unit)} — {catalog.commune_name}"
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=last)
    put_text(ws, 5, 1, f"{quarter.label} — {who}", font=BOLD, alignment=CENTER)
    ws.merge_cells(start_row=6, start_column=1, end_row=6, end_column=last)
    source = f"(Theo {catalog.name})" + (f" — {record_note}" if record_note else "")
    put_text(ws, 6, 1, source, font=ITALIC, alignment=CENTER)
    for row in (5, 6):
        fit_height(ws, layout, row, merged={1: last})
    for col, column in enumerate(layout.columns, 1):
        put_text(ws, HEADER_ROW, col, column.title, font=BOLD, alignment=CENTER, border=BOX,
                 fill=GROUP_FILL)
        ws.column_dimensions[get_column_letter(col)].width = column.width
    fit_height(ws, layout, HEADER_ROW)


def _table(ws, layout: Layout, catalog: Catalog, score: QuarterScore, notes: dict[str, list[str]],
           evidence: dict[str, list[str]], explanations: dict[str, str], sums: dict[str, float]) -> int:
    """The criteria group by group, each group's subtotal row (`=SUM` of its rows) above them,
    then the total (`=SUM` of every criterion row) and the grade. `sums` gets each formula cell's
    value (the engine's official sums, which the formulas equal)."""
    at = layout.at
    stt, name, max_col, points_col = at["stt"], at["name"], at["max"], at["points"]
    row = HEADER_ROW + 1
    n = 0
    ranges: list[tuple[int, int]] = []
    for gi, group in enumerate(catalog.groups, 1):
        results = [r for r in score.indicators if r.indicator.group == group]
        if not results:
            continue
        group_row, first = row, row + 1
        put_text(ws, row, stt, _roman(gi), font=BOLD, alignment=CENTER)
        put_text(ws, row, name, group, font=BOLD, alignment=WRAP)
        row += 1
        for r in results:
            n += 1
            _criterion_row(ws, layout, row, n, catalog, r, notes, evidence, explanations)
            row += 1
        ranges.append((first, row - 1))
        _sum_formula(ws, group_row, max_col, [(first, row - 1)], points_sum(r.max_points for r in results), sums)
        _sum_formula(ws, group_row, points_col, [(first, row - 1)], points_sum(r.points for r in results), sums)
        for col in range(1, layout.count + 1):
            c = ws.cell(row=group_row, column=col)
            c.border, c.fill = BOX, GROUP_FILL
        fit_height(ws, layout, group_row)
    put_text(ws, row, name, "TỔNG ĐIỂM (TẠM TÍNH)" if score.provisional else "TỔNG ĐIỂM", font=BOLD, alignment=WRAP)
    if ranges:
        _sum_formula(ws, row, max_col, ranges, score.max_points, sums)
        _sum_formula(ws, row, points_col, ranges, score.total_points, sums)
    else:
        put_number(ws, row, max_col, 0, POINTS_FORMAT, font=BOLD, alignment=CENTER)
        put_number(ws, row, points_col, 0, POINTS_FORMAT, font=BOLD, alignment=CENTER)
    for col in range(1, layout.count + 1):
        ws.cell(row=row, column=col).border = BOX
    fit_height(ws, layout, row)
    row += 1
    # two decimals, truncated: never a grade line the total did not reach (89,99 %, not 90 %)
    pct = texts.score_percent(score.percent, 2)
    put_text(ws, row, name, "XẾP LOẠI", font=BOLD)
    grade_col = name + 1 if name < layout.count else name
    put_text(ws, row, grade_col, f"{score.grade} ({pct} số điểm tối đa)", font=BOLD)
    if grade_col < layout.count:
        ws.merge_cells(start_row=row, start_column=grade_col, end_row=row, end_column=layout.count)
    for col in range(1, layout.count + 1):
        ws.cell(row=row, column=col).border = BOX
    fit_height(ws, layout, row, merged={grade_col: layout.count})
    return row


def result_text(r) -> str | float | None:
    """«Kết quả»: `180/200 = 90 %` for a ratio (tử số/mẫu số and the rate, with the decimals that
    keep a value just under its target under it), the value itself (a number) for a count."""
    ind = r.indicator
    if r.achieved is None:
        if ind.is_ratio and r.totals.denominator is not None and r.totals.numerator is not None:
            return f"{texts.smart_number(r.totals.numerator)}/{texts.smart_number(r.totals.denominator)}"
        return None
    if not ind.is_ratio:
        return r.achieved
    rate = texts.achieved(ind, r.achieved).replace(" %", "\u00a0%")     # «%» never alone on a line
    if r.totals.numerator is None:
        return rate
    return f"{texts.smart_number(r.totals.numerator)}/{texts.smart_number(r.totals.denominator)} = {rate}"


def _criterion_row(ws, layout: Layout, row: int, n: int, catalog: Catalog, r, notes: dict[str, list[str]],
                   evidence: dict[str, list[str]], explanations: dict[str, str]) -> None:
    ind = r.indicator
    remarks = [STATUS_LABELS[r.status]] if r.status in (NO_DATA, NA) else []
    for col, column in enumerate(layout.columns, 1):
        key = column.key
        if key == "stt":
            put_number(ws, row, col, n, alignment=CENTER)
        elif key == "max":
            put_number(ws, row, col, r.max_points, POINTS_FORMAT, alignment=CENTER)
        elif key == "points":
            # the official points, as the engine adds them (already whole hundredths)
            put_number(ws, row, col, r.points, POINTS_FORMAT, alignment=CENTER)
        elif key == "result":
            value = result_text(r)
            if isinstance(value, (int, float)):
                put_number(ws, row, col, value, "General", alignment=CENTER)
            else:
                put_text(ws, row, col, value, alignment=CENTER)
        elif key == "achieved":
            if r.achieved is not None:
                # as many decimals as keep a value just under the target under it (94,995 for ≥ 95)
                shown, k = texts.against_line(r.achieved, 2, ind.target, ind.higher_is_better)
                put_number(ws, row, col, shown, "0." + "0" * k if ind.is_ratio else "General", alignment=CENTER)
        elif key in ("numerator", "denominator"):
            if ind.is_ratio and r.totals.numerator is not None:
                put_number(ws, row, col, getattr(r.totals, key), "#,##0", alignment=CENTER)
        elif key in ("appraised", "appraisal_comment"):
            pass                                    # the city's to fill
        else:
            put_text(ws, row, col, {
                "name": lambda: ind.name,
                "rule": lambda: texts.rule(ind),
                "target": lambda: texts.target(ind, noun=False),
                "lead": lambda: catalog.unit_name(ind.lead_unit),
                "explanation": lambda: explanations.get(ind.id, ""),
                "evidence": lambda: "\n".join(evidence.get(ind.id) or [NO_EVIDENCE]),
                "required": lambda: ind.evidence,
                "note": lambda: "\n".join(remarks + notes.get(ind.id, [])),
            }[key](), alignment=CENTER if key == "target" else WRAP)
    for col in range(1, layout.count + 1):
        cell = ws.cell(row=row, column=col)
        cell.border = BOX
        cell.font = PLAIN
    fit_height(ws, layout, row)


# The commune's signature block (as in its documents, tài liệu 001): the People's Committee signs
# through a vice-chairman; a unit's own table is signed by its head.
COMMUNE_SIGNERS = ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
UNIT_SIGNERS = ("THỦ TRƯỞNG ĐƠN VỊ",)


def _signatures(ws, layout: Layout, catalog: Catalog, row: int, today: dt.date, unit: str | None = None):
    last = layout.count
    left, right = layout.blocks()
    ws.merge_cells(start_row=row, start_column=right, end_row=row, end_column=last)
    put_text(ws, row, right, date_line(catalog, today), font=ITALIC, alignment=CENTER)
    fit_height(ws, layout, row, merged={right: last})
    row += 1
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=left)
    put_text(ws, row, 1, "NGƯỜI LẬP BIỂU", font=BOLD, alignment=CENTER)
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=left)
    put_text(ws, row + 1, 1, "(Ký, ghi rõ họ tên)", font=ITALIC, alignment=CENTER)
    signers = COMMUNE_SIGNERS if unit is None else UNIT_SIGNERS
    for k, line in enumerate(signers):
        ws.merge_cells(start_row=row + k, start_column=right, end_row=row + k, end_column=last)
        put_text(ws, row + k, right, line, font=BOLD, alignment=CENTER)
    for k in range(max(len(signers), 2)):
        fit_height(ws, layout, row + k, merged={1: left, right: last})
    row += max(len(signers), 2)
    ws.merge_cells(start_row=row, start_column=right, end_row=row, end_column=last)
    put_text(ws, row, right, "(Ký tên, đóng dấu)", font=ITALIC, alignment=CENTER)
    fit_height(ws, layout, row, merged={right: last})


def _page_setup(ws, layout: Layout):
    """A4 landscape, one page wide (as many pages down as it takes), the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=min(layout.at["name"] + 1, layout.count))
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True


def _roman(n: int) -> str:
    vals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out
