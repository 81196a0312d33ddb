"""Every workbook the product writes besides the Biểu prints: A4 landscape, one page wide, its
header row on every page, rows as tall as their wrapped text, numbers stored as numbers — checked
in the file (openpyxl) and on paper: LibreOffice prints it to PDF and `pdftotext -bbox-layout` says
no two words overlap and every word lies within the page."""
from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import office
import openpyxl
import pytest
from common import SYSTEM
from evidence_files import docx, pdf

from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.present.audit_texts import audit_table
from kpi.reports.audit_xlsx import audit_workbook
from kpi.reports.city_xlsx import city_workbook
from kpi.reports.evidence_pack import build_index_xlsx
from kpi.reports.tasks import RateRow, completion_xlsx, template_xlsx
from kpi.settings import Settings
from kpi.store.accounts import audit_rows
from kpi.store.writes import audit
from kpi.usecases import evidence as ev
from kpi.usecases.city import missed_criteria
from kpi.usecases.period_result import period_result

Q4 = Quarter(2026, 4)
OFFICE = Actor("Văn phòng", "office", "vanphong")
LONG = ("Biên bản nghiệm thu cài đặt phần mềm phòng chống mã độc Kaspersky cho 100 % máy tính thuộc UBND xã, "
        "số 05/BB-UBND ngày 01/07/2026, kèm danh sách máy và ảnh chụp màn hình bảng điều khiển")


@pytest.fixture
def books(catalog, demo_conn, db_path) -> dict[str, bytes]:
    conn = demo_conn
    result = period_result(conn, catalog, Q4, as_of=dt.date(2026, 11, 23))
    edir = Settings(db_path, db_path).evidence_dir
    ev.attach_file(conn, catalog, edir, OFFICE, Q4, "HT_MAY_TINH", "VHXH", pdf(), "bb.pdf", LONG)
    ev.attach_file(conn, catalog, edir, OFFICE, Q4, "DVC_HS_TRUC_TUYEN", "CA", docx(), "qd.docx", "QĐ 12/QĐ-UBND")
    slots = ev.quarter_board(conn, catalog, Q4)
    index = build_index_xlsx(catalog, Q4, slots, result.commune, ev.pack_paths(catalog, slots))
    communes = [SimpleNamespace(code=f"XA{k}", name=f"Xã Thử Nghiệm Số {k}", score=result.commune, closed=k == 2,
                                change=-1.25 * k, on_time=30 - k, due=36, on_time_percent=100 * (30 - k) / 36)
                for k in range(1, 4)]
    city = city_workbook("Thành phố Thử", Q4.label, communes, missed_criteria(communes))
    audit(conn, SYSTEM, "reopen_quarter", catalog.commune, {"action": "reopen_quarter", "reason": LONG})
    audit_book = audit_workbook(audit_table(audit_rows(conn, catalog.commune)))
    rate = RateRow("Phòng Văn hóa - Xã hội", 45, 23, 20, 3, "51,11 %")
    completion = completion_xlsx(catalog.commune_name, "Quý IV/2026", dt.date(2026, 10, 1), dt.date(2026, 12, 31),
                                 dt.date(2026, 11, 23), rate, [rate] * 3, [rate],
                                 [(LONG, "Phòng Văn hóa - Xã hội; Văn phòng HĐND và UBND xã", "10/07/2026",
                                   "Quá hạn", "Kế hoạch số 12/KH-UBND")] * 4)
    return {"index": index, "city": city, "audit": audit_book, "tasks": template_xlsx(), "completion": completion}


@pytest.mark.parametrize("name", ["index", "city", "audit", "tasks", "completion"])
def test_every_sheet_is_set_up_to_print(books, name):
    wb = openpyxl.load_workbook(io.BytesIO(books[name]))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows
        wrapped = {c.row for row in ws.iter_rows() for c in row
                   if c.alignment.wrap_text and isinstance(c.value, str) and len(c.value) > 20}
        assert all(ws.row_dimensions[r].height for r in wrapped), name


def test_a_long_text_gets_a_taller_row(books):
    ws = openpyxl.load_workbook(io.BytesIO(books["index"])).active
    long_row = next(c.row for row in ws.iter_rows() for c in row if c.value == LONG)
    short_row = next(c.row for row in ws.iter_rows() for c in row if c.value == "QĐ 12/QĐ-UBND")
    assert ws.row_dimensions[long_row].height > ws.row_dimensions[short_row].height >= 15


def test_the_city_points_lost_are_numbers(books):
    ws = openpyxl.load_workbook(io.BytesIO(books["city"]))["Chỉ tiêu chưa đạt"]
    header = [c.value for c in ws[1]]
    col = header.index("Điểm mất (cả thành phố)") + 1
    cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1)]
    assert cells and all(isinstance(c.value, float | int) and c.number_format == "0.00" for c in cells)
    ranking = openpyxl.load_workbook(io.BytesIO(books["city"]))["Xếp hạng"]
    assert all(isinstance(ranking.cell(r, 9).value, float | int) for r in range(4, ranking.max_row + 1))


@pytest.mark.skipif(office.SOFFICE is None or office.PDFTOTEXT is None, reason=office.MISSING)
def test_libreoffice_prints_every_workbook_without_overlaps_within_the_page(books, tmp_path):
    for name, data in books.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(data)
        words = office.words(office.to_pdf(path, tmp_path))
        assert words, name
        assert not office.overlaps(words), (name, office.overlaps(words)[:3])
        assert not office.outside(words), (name, office.outside(words)[:3])
        if name == "index":     # one page wide: the last column's header is on the first page
            first = [w.text for w in words if w.page == 1]
            assert "Nhóm" in first and "Điểm" in first and "duyệt" in first
