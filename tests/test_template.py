import pytest
from common import TODAY

from kpi.ingest import check_workbook
from kpi.reports.template import TemplateError, build_template
from tests.ingest_helpers import TTPVHCC_FIGURES, filled, load, row_of

HEADERS = ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Mục tiêu", "Tử số", "Mẫu số", "Giá trị", "Ghi chú"]


def test_one_unit_sheet_layout(catalog):
    wb = load(build_template(catalog, "2026-05", "CA"))
    assert wb.sheetnames == ["Số liệu", "Hướng dẫn"]
    ws = wb["Số liệu"]
    labels = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(1, 9)}
    assert labels["Mã đơn vị"] == "CA"
    assert labels["Kỳ báo cáo"] == "2026-05"
    assert labels["Đơn vị"] == "Công an xã"
    assert labels["Xã"] == "Xã Thái Tân"
    # due before 18/06/2026 (month M+1, day 18), in words
    assert labels["Hạn gửi"] == "Trước ngày 18 tháng 6 năm 2026 (18/06/2026)"
    assert ws["C6"].number_format == "@"
    assert [c.value for c in ws[9]][:8] == HEADERS
    codes = [ws.cell(r, 2).value for r in range(10, ws.max_row + 1)]
    assert codes == ["HT_CHU_KY_SO", "CQ_KY_SO_VB", "DVC_HS_TRUC_TUYEN", "DVC_QUA_HAN", "DA06_VNEID",
                     "NL_KY_NANG_SO"]
    assert codes == [i.id for i in catalog.typed_indicators_of_unit("CA")]
    r = row_of(ws, "DVC_HS_TRUC_TUYEN")
    assert ws.cell(r, 3).value == ("Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến\n"
                                   "Tử số: Số hồ sơ xử lý hoàn toàn trực tuyến\n"
                                   "Mẫu số: Tổng số hồ sơ tiếp nhận")
    assert ws.cell(r, 4).value == "≥ 90 %"
    assert ws.cell(row_of(ws, "DVC_QUA_HAN"), 4).value == "≤ 1 %"


@pytest.mark.parametrize("unit", ["VP", "VHXH", "KT", "TTPVHCC", "TTDVSNC", "CA", "QS", "TYT",
                                  "QLDA", "MN", "TH", "THCS"])
def test_rows_per_unit_are_exactly_its_criteria(catalog, unit):
    ws = load(build_template(catalog, "2026-05", unit))["Số liệu"]
    codes = [ws.cell(r, 2).value for r in range(10, ws.max_row + 1)]
    assert codes == [i.id for i in catalog.typed_indicators_of_unit(unit)]


def test_locks_fills_and_validation(catalog):
    ws = load(build_template(catalog, "2026-05", "TTDVSNC"))["Số liệu"]
    assert ws.protection.sheet is True and not ws.protection.password
    ratio, number = row_of(ws, "HT_MAY_TINH"), row_of(ws, "HT_WIFI_NVH")
    # ratio: Tử số, Mẫu số, Ghi chú open; Giá trị grey and locked
    assert [ws.cell(ratio, c).protection.locked for c in range(1, 9)] == \
        [True, True, True, True, False, False, True, False]
    assert ws.cell(ratio, 7).fill.fgColor.rgb.endswith("D9D9D9")
    # number: only Giá trị and Ghi chú open; Tử số/Mẫu số grey and locked
    assert [ws.cell(number, c).protection.locked for c in range(1, 9)] == \
        [True, True, True, True, True, True, False, False]
    assert ws.cell(number, 5).fill.fgColor.rgb.endswith("D9D9D9")
    assert ws.cell(number, 6).fill.fgColor.rgb.endswith("D9D9D9")
    assert ws["C5"].protection.locked and ws["C6"].protection.locked
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    e = rules[f"E{ratio}"]
    assert (e.type, e.operator, e.formula1, e.allow_blank) == ("whole", "greaterThanOrEqual", "0", True)
    assert e.prompt == "Số CBCC có máy tính đạt cấu hình"
    assert rules[f"F{ratio}"].prompt == "Tổng số CBCC"
    g = rules[f"G{number}"]
    assert (g.type, g.operator, g.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert f"G{ratio}" not in rules and f"E{number}" not in rules
    # counts: 5 ratio rows × 2 + 3 number rows
    assert len(rules) == 5 * 2 + 3


def test_frozen_header_widths_and_one_a4_page(catalog):
    ws = load(build_template(catalog, "2026-05", "TTPVHCC"))["Số liệu"]
    assert ws.freeze_panes == "C10"
    assert ws.column_dimensions["C"].width == 62 and ws.column_dimensions["B"].width == 22
    assert ws.page_setup.paperSize == 9           # A4
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
    assert ws.print_title_rows == "$9:$9"
    assert ws.print_area == "'Số liệu'!$A$1:$H$21"   # 12 criteria: rows 10–21


def test_guide_sheet_explains_the_percentage_rule(catalog):
    ws = load(build_template(catalog, "2026-05", "CA"))["Hướng dẫn"]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert "Không nhập tỷ lệ % thay cho Tử số/Mẫu số" in text
    assert "tỷ lệ % của từng tháng không cộng dồn được" in text
    assert "trước ngày 18 tháng 6 năm 2026 (18/06/2026)" in text
    assert "Ô để trống nghĩa là «chưa báo cáo», không phải 0" in text


def test_all_units_workbook_has_one_unique_sheet_per_unit(catalog):
    wb = load(build_template(catalog, "2026-05", None))
    assert wb.sheetnames == [f"Số liệu {u.code}" for u in catalog.units] + ["Hướng dẫn"]
    for u in catalog.units:
        ws = wb[f"Số liệu {u.code}"]
        assert ws["C5"].value == u.code
        assert [ws.cell(r, 2).value for r in range(10, ws.max_row + 1)] == \
            [i.id for i in catalog.typed_indicators_of_unit(u.code)]


def test_unknown_unit_and_bad_period(catalog):
    with pytest.raises(TemplateError, match="Không có đơn vị mã «XX»"):
        build_template(catalog, "2026-05", "XX")
    with pytest.raises(ValueError, match="không đúng dạng năm-tháng"):
        build_template(catalog, "05/2026x", "CA")


def test_filled_template_round_trips(catalog):
    result = check_workbook(filled(catalog), "ttpvhcc.xlsx", catalog, today=TODAY)
    assert result.ok, result.problems
    assert result.warnings == []
    [sub] = result.submissions
    assert (sub.commune, sub.unit, sub.period) == ("THAITAN", "TTPVHCC", "2026-10")
    got = {f.indicator_id: (f.numerator, f.denominator) for f in sub.figures}
    assert got == {k: (float(a), float(b)) for k, (a, b) in TTPVHCC_FIGURES.items()}
    assert all(f.value is None and f.note is None for f in sub.figures)


def test_unit_code_is_accepted_in_any_case(catalog):
    assert load(build_template(catalog, "2026-05", " ca "))["Số liệu"]["C5"].value == "CA"


def test_a_stock_criterion_asks_for_the_count_at_the_month_end_with_its_measure(catalog):
    ws = load(build_template(catalog, "2026-05", "VHXH"))["Số liệu"]
    assert ws.cell(row_of(ws, "ATTT_TUONG_LUA"), 3).value == (
        "Hệ thống tường lửa / giám sát truy nhập bảo vệ mạng LAN đã triển khai\n"
        "Giá trị: số hiện có đến cuối tháng; tính bằng: hệ thống (1 = đã triển khai, 0 = chưa)")
