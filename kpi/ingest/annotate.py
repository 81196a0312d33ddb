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
    for (sheet, ref), messages in by_cell.items():
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
    ws["A1"] = f"Tệp có {len(problems)} lỗi cần sửa (ô lỗi tô đỏ, di chuột vào ô để xem chú thích)"
    ws["A1"].font = Font(bold=True, size=13, color="9C0006")
    ws.append(["Vị trí", "Lỗi"])
    for c in ws[2]:
        c.font = Font(bold=True)
    for p in problems:
        ws.append([p.where, p.message])
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
