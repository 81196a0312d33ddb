"""Nhật ký as .xlsx: the table the page shows (`kpi.present.audit_texts.audit_table`), one row per
line. Every text cell is written through the Biểu's own guard (`kpi.reports.xlsx.put_text`): a
login name or a detail typed as `=HYPERLINK(…)` stays text, never a live formula."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kpi.reports.sheet_layout import fit_rows, print_setup
from kpi.reports.xlsx import put_number, put_text

WRAP = Alignment(wrap_text=True, vertical="top")

SHEET = "Nhật ký"
TIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
WIDTHS = {"Thời điểm": 20, "Người": 18, "Việc": 22, "Đơn vị": 10, "Kỳ": 14, "Tệp (sha256)": 24, "Chi tiết": 70}


def audit_workbook(table: pd.DataFrame) -> bytes:
    """The audit table as an .xlsx file: times as times, everything else as plain text."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    bold = Font(bold=True)
    for col, title in enumerate(table.columns, start=1):
        put_text(ws, 1, col, title, font=bold, alignment=WRAP)
        ws.column_dimensions[ws.cell(1, col).column_letter].width = WIDTHS.get(str(title), 16)
    for row, values in enumerate(table.itertuples(index=False, name=None), start=2):
        for col, value in enumerate(values, start=1):
            if isinstance(value, dt.datetime) and not pd.isna(value):
                put_number(ws, row, col, pd.Timestamp(value).to_pydatetime(), TIME_FORMAT, alignment=WRAP)
            else:
                put_text(ws, row, col, "" if value is None or pd.isna(value) else value, alignment=WRAP)
    ws.freeze_panes = "A2"
    fit_rows(ws)
    print_setup(ws, (1, 1))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
