"""What the clerk reads on «Nhập số liệu»: problems named by the table row (STT) and the
criterion first, the cell second; the preview says old → new, «Mới» for a month not stored yet.
On real generated workbooks (the template of the public-service centre, October 2026)."""
from __future__ import annotations

from common import SYSTEM, TODAY

from kpi.ingest import check_workbook
from kpi.present import tables
from kpi.usecases.importing import import_workbook
from kpi.usecases.preview import preview_figures
from tests.ingest_helpers import TTPVHCC_FIGURES, filled


def _bad(wb, ws):
    ws["C6"] = "2027-01"        # a month after the current one
    ws["E15"] = "ba trăm"       # STT 6, DVC_HS_TRUC_TUYEN: words for a count
    ws["E18"] = 520             # STT 9, DVC_QUA_HAN: more overdue than settled (380)


def test_problems_name_the_row_and_criterion_first_then_the_cell(catalog):
    problems = check_workbook(filled(catalog, edit=_bad), "x.xlsx", catalog, today=TODAY).problems
    p = problems[2]
    assert (p.row, p.row_no, p.criterion) == (18, "9", "Tỷ lệ hồ sơ TTHC giải quyết quá hạn")
    assert p.message.startswith("Số liệu!E18: Tử số (520)")   # the command line keeps the cell first
    t = tables.problems_table(problems)
    assert list(t.columns) == ["Dòng, chỉ tiêu", "Lỗi", "Ô", "Giá trị đã nhập", "Cần"]
    assert t.to_dict("records") == [
        {"Dòng, chỉ tiêu": "Kỳ báo cáo",
         "Lỗi": "Kỳ báo cáo 2027-01 (Tháng 1/2027) ở sau tháng hiện tại (Tháng 11/2026); chưa thể có "
                "số liệu của tháng này.",
         "Ô": "ô C6, trang «Số liệu»", "Giá trị đã nhập": "2027-01", "Cần": "tháng 2026-11 trở về trước"},
        {"Dòng, chỉ tiêu": "STT 6 · Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến",
         "Lỗi": "Tử số của chỉ tiêu DVC_HS_TRUC_TUYEN là chữ «ba trăm», không phải số.",
         "Ô": "ô E15, trang «Số liệu»", "Giá trị đã nhập": "ba trăm", "Cần": "một số"},
        {"Dòng, chỉ tiêu": "STT 9 · Tỷ lệ hồ sơ TTHC giải quyết quá hạn",
         "Lỗi": "Tử số (520) lớn hơn Mẫu số (380) ở chỉ tiêu DVC_QUA_HAN: «Số hồ sơ giải quyết quá hạn» "
                "không thể lớn hơn «Tổng số hồ sơ đã giải quyết».",
         "Ô": "ô E18, trang «Số liệu»", "Giá trị đã nhập": "520", "Cần": "≤ 380"}]


def test_a_row_without_a_known_code_is_named_by_its_stt_and_typed_name(catalog):
    def unknown(wb, ws):
        ws["B15"] = "DVC_KHONG_CO"
    p = check_workbook(filled(catalog, edit=unknown), "x.xlsx", catalog, today=TODAY).problems[0]
    assert p.headline == "STT 6 · Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến"   # the row's own name
    assert p.cell_text == "ô B15, trang «Số liệu»"


def test_preview_of_a_new_month_says_new_on_every_row(conn, catalog):
    sub = check_workbook(filled(catalog), "x.xlsx", catalog, today=TODAY).submissions[0]
    preview = preview_figures(conn, catalog, sub)
    t = tables.preview_table(catalog, preview).set_index("Chỉ tiêu")["Thay đổi (đang lưu → mới)"]
    assert len(t) == 12 and all(v.startswith("● Mới: ") for v in t)
    assert t["Tỷ lệ hồ sơ TTHC giải quyết quá hạn"] == "● Mới: 7/380 (1,8 %)"
    assert tables.preview_summary(preview) == (
        "Tháng mới: chưa có số liệu đang lưu; 12 chỉ tiêu đều là số liệu mới.")


def test_preview_against_a_stored_month_says_old_to_new(conn, catalog, tmp_path):
    assert import_workbook(conn, catalog, filled(catalog), "x.xlsx", SYSTEM, tmp_path / "up",
                           today=TODAY).ok
    fixed = dict(TTPVHCC_FIGURES, DVC_SO_HOA=(366, 380))
    del fixed["DVC_HAI_LONG"]
    sub = check_workbook(filled(catalog, figures=fixed), "x.xlsx", catalog, today=TODAY).submissions[0]
    preview = preview_figures(conn, catalog, sub)
    t = tables.preview_table(catalog, preview).set_index("Chỉ tiêu")["Thay đổi (đang lưu → mới)"]
    so_hoa = catalog.indicator("DVC_SO_HOA").name
    hai_long = catalog.indicator("DVC_HAI_LONG").name
    qua_han = catalog.indicator("DVC_QUA_HAN").name
    assert t[so_hoa] == "361/380 (95,0 %) → 366/380 (96,3 %)"
    assert t[hai_long] == "✖ Bỏ trống (đang lưu: 209/220 (95,0 %))"
    assert t[qua_han] == "Không đổi: 7/380 (1,8 %)"
    assert tables.preview_summary(preview) == "Thay bản đang lưu: 2/12 chỉ tiêu thay đổi."
