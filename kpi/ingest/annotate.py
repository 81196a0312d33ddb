"""An annotated copy of a rejected workbook: red fill and a comment on each bad cell, and a
first sheet listing every problem (also those that belong to no cell)."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from kpi.ingest.problems import FileRefused, Problem
from kpi.ingest.safety import open_package
from kpi.ingest.xlsx import read_workbook

SUMMARY_SHEET = "Lỗi cần sửa"
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006", bold=True)
AUTHOR = "Kiểm tra số liệu"
MAX_ANNOTATED_CELLS = 200   # cells marked red with a comment; the summary sheet lists the rest


def _text_cell(ws, row: int, col: int, value: str):
    """A cell holding `value` as text, never as a formula (a sheet named `=1+2` stays text)."""
    cell = ws.cell(row, col)
    cell.value = value
    cell.data_type = "s"
    return cell


def annotate_workbook(data: bytes, problems: list[Problem]) -> bytes:
    """The workbook with its problems marked; raises FileRefused (a ValueError with a
    Vietnamese message) when the file is not a readable workbook at all."""
    read_workbook(open_package(data))      # the same safety gate as the check, before openpyxl
    try:
        wb = load_workbook(io.BytesIO(data), rich_text=False)
    except Exception as e:  # noqa: BLE001
        raise FileRefused(f"không tạo được bản đánh dấu lỗi ({type(e).__name__}).") from None
    by_cell: dict[tuple[str, str], list[str]] = {}
    for p in problems:
        if p.sheet in wb.sheetnames and p.cell:
            by_cell.setdefault((p.sheet, p.cell), []).append(p.message)
    for (sheet, ref), messages in list(by_cell.items())[:MAX_ANNOTATED_CELLS]:
        cell = wb[sheet][ref]
        if not hasattr(cell, "comment") or type(cell).__name__ == "MergedCell":
            continue
        cell.fill = BAD_FILL
        cell.font = BAD_FONT
        text = "\n".join(messages)
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, min(600, 60 + 18 * (len(text) // 45 + len(messages)))
        cell.comment = comment
    ws = wb.create_sheet(SUMMARY_SHEET, 0)
    _text_cell(ws, 1, 1, f"Tệp có {len(problems)} lỗi cần sửa (ô lỗi tô đỏ, di chuột vào ô để xem "
                         "chú thích)").font = Font(bold=True, size=13, color="9C0006")
    for col, title in enumerate(["Vị trí", "Lỗi"], start=1):
        _text_cell(ws, 2, col, title).font = Font(bold=True)
    for row, p in enumerate(problems, start=3):
        _text_cell(ws, row, 1, p.where)
        _text_cell(ws, row, 2, p.message)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 120
    for row in ws.iter_rows(min_row=3):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
