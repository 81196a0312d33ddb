"""The city's ranking workbook: one row per commune (rank, score, grade, change, on-time reporting)
and the criteria most often missed — from `kpi.usecases.city` results, texts as on the city view.
«Điểm (số)» is the commune's official total (the sum of its criteria's official points) and «Tỷ lệ (%)»
its percent truncated to 0,01, never rounded up across a grade line."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from kpi.present import city_views, texts


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
    ws2 = wb.create_sheet("Chỉ tiêu chưa đạt")
    frame = city_views.missed_table(missed, len(results), limit=len(missed))
    ws2.append(list(frame.columns))
    for c in ws2[1]:
        c.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        ws2.append([int(x) if hasattr(x, "item") else x for x in row])
    ws2.column_dimensions["B"].width = 70
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
