"""The city's ranking workbook: one row per commune (rank, score, grade, change, on-time reporting)
and the criteria most often missed — from `kpi.usecases.city` results, texts as on the city view.
«Điểm (số)» is the commune's official total (the sum of its criteria's official points) and «Tỷ lệ (%)»
its percent truncated to 0,01, never rounded up across a grade line; «Điểm mất» a number (truncated to
0,01, as the city view writes it), formatted with two decimals. Both sheets print on A4 landscape,
one page wide, their header row on every page."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kpi.present import city_views, texts
from kpi.reports.sheet_layout import fit_rows, print_setup

WRAP = Alignment(wrap_text=True, vertical="top")
LOST = "Điểm mất (cả thành phố)"


def city_workbook(title: str, quarter_label: str, results, missed) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Xếp hạng"
    ws.append([f"{title} — Xếp hạng các xã, {quarter_label}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    table = city_views.ranking_table(results)
    ws.append(list(table.columns) + ["Điểm (số)", "Tỷ lệ (%)"])
    for c in ws[3]:
        c.font = Font(bold=True)
    for row, r in zip(table.itertuples(index=False), results):
        ws.append(list(row) + [r.score.total_points,
                               None if r.score.percent is None else texts.truncate(r.score.percent, 2)])
    for col, width in zip("ABCDEFGHIJ", (6, 12, 28, 12, 9, 22, 10, 20, 11, 10)):
        ws.column_dimensions[col].width = width
    for r in range(4, ws.max_row + 1):
        ws.cell(r, 9).number_format = "0.00"
        ws.cell(r, 10).number_format = "0.00"
    for row in ws.iter_rows(min_row=3):
        for c in row:
            c.alignment = WRAP
    fit_rows(ws, 3)
    print_setup(ws, (3, 3))
    ws2 = wb.create_sheet("Chỉ tiêu chưa đạt")
    frame = city_views.missed_table(missed, len(results), limit=len(missed))
    ws2.append(list(frame.columns))
    for c in ws2[1]:
        c.font = Font(bold=True)
    lost_col = list(frame.columns).index(LOST)
    for row, lost in zip(frame.itertuples(index=False), missed["points_lost"]):
        values = [int(x) if hasattr(x, "item") else x for x in row]
        values[lost_col] = texts.truncate(float(lost), 2)
        ws2.append(values)
        ws2.cell(ws2.max_row, lost_col + 1).number_format = "0.00"
    for col, width in zip("ABCDE", (22, 70, 14, 10, 14)):
        ws2.column_dimensions[col].width = width
    for row in ws2.iter_rows():
        for c in row:
            c.alignment = WRAP
    fit_rows(ws2)
    print_setup(ws2, (1, 1))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
