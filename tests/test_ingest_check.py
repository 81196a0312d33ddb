"""check_workbook: what is read as the coordinator meant, and what is rejected, where and why."""
import datetime as dt

import pytest
from common import TODAY

from kpi.ingest import Problem, check_workbook
from kpi.reports.template import build_template
from tests.ingest_helpers import (
    TTDVSNC_FIGURES,
    TTPVHCC_FIGURES,
    fill_sheet,
    filled,
    load,
    patch_part,
    save,
    set_cell_xml,
)

SHEET1 = "xl/worksheets/sheet1.xml"
ROW = {code: 10 + n for n, code in enumerate(TTPVHCC_FIGURES)}   # TTPVHCC rows 10–21


def check(data, name="tep.xlsx", catalog=None):
    from common import CONFIG

    from kpi.domain.catalog import load_catalog
    return check_workbook(data, name, catalog or load_catalog(CONFIG), today=TODAY)


def figures(result):
    [sub] = result.submissions
    return {f.indicator_id: (f.numerator, f.denominator, f.value, f.note) for f in sub.figures}


def messages(result):
    return [str(p) for p in result.problems]


def with_edit(catalog, fn, figures_=None, unit="TTPVHCC"):
    return check(filled(catalog, unit, figures=figures_, edit=lambda wb, ws: fn(ws)), catalog=catalog)


# ── read as the coordinator meant ───────────────────────────────────────────

def test_numbers_typed_as_text_with_vietnamese_separators_and_nbsp(catalog):
    def edit(ws):
        ws["E15"], ws["F15"] = "1.080", "1.200"          # one thousand and eighty
        ws["E16"], ws["F16"] = "\u00a0361\u00a0", " 380 "
        ws["E17"], ws["F17"] = "1 330", "1 412"
    got = figures(with_edit(catalog, edit))
    assert got["DVC_HS_TRUC_TUYEN"] == (1080.0, 1200.0, None, None)
    assert got["DVC_SO_HOA"] == (361.0, 380.0, None, None)
    assert got["DVC_TAI_SU_DUNG"] == (1330.0, 1412.0, None, None)


def test_lower_case_and_padded_codes(catalog):
    def edit(ws):
        ws["B15"] = "  dvc_hs_truc_tuyen "
        ws["B10"] = "Ht_May_Tinh"
    result = with_edit(catalog, edit)
    assert result.ok and result.warnings == []
    assert figures(result)["DVC_HS_TRUC_TUYEN"] == (370.0, 412.0, None, None)
    assert figures(result)["HT_MAY_TINH"] == (10.0, 10.0, None, None)


def test_percent_next_to_counts_is_only_cross_checked(catalog):
    def edit(ws):
        ws["G15"] = "90%"            # 370/412 = 89,8 %: within half a point, no warning
        ws["G16"] = 0.95             # 0,95 in a % cell is 95 %; 361/380 = 95 %
        ws["G16"].number_format = "0%"
        ws["G17"] = "95 %"           # 330/412 = 80,1 %: warned, counts win
    result = with_edit(catalog, edit)
    assert result.ok
    assert [str(w) for w in result.warnings] == [
        "Số liệu!G17: Giá trị 95 % của chỉ tiêu DVC_TAI_SU_DUNG khác tỷ lệ tính từ Tử số/Mẫu số "
        "(80,1 %); hệ thống dùng Tử số và Mẫu số."]
    got = figures(result)
    assert got["DVC_HS_TRUC_TUYEN"] == (370.0, 412.0, None, None)
    assert got["DVC_SO_HOA"] == (361.0, 380.0, None, None)


def test_a_ratio_given_only_as_a_percentage_is_rejected_with_the_reason(catalog):
    # The documented choice (sheet «Hướng dẫn», rule 3): a monthly % cannot be summed into
    # the quarter's Σ numerator / Σ denominator, so the counts are asked for.
    def edit(ws):
        ws["E15"] = ws["F15"] = None
        ws["G15"] = 0.9
        ws["G15"].number_format = "0%"
    result = with_edit(catalog, edit)
    assert messages(result) == [
        "Số liệu!G15: chỉ tiêu DVC_HS_TRUC_TUYEN là chỉ tiêu tỷ lệ: đã nhập tỷ lệ «90 %» nhưng "
        "thiếu Tử số (Số hồ sơ xử lý hoàn toàn trực tuyến) và Mẫu số (Tổng số hồ sơ tiếp nhận). "
        "Tỷ lệ % từng tháng không cộng dồn được thành tỷ lệ của quý, hãy nhập Tử số và Mẫu số."]
    p = result.problems[0]
    assert (p.sheet, p.cell, p.field, p.value, p.expected) == \
        ("Số liệu", "G15", "Giá trị", "90 %", "Tử số và Mẫu số")
    assert result.submissions == []


def test_blank_cells_are_not_reported_never_zero(catalog):
    figs = dict(TTPVHCC_FIGURES)
    del figs["DVC_THANH_TOAN"], figs["DVC_HAI_LONG"]
    figs["DVC_QUA_HAN"] = {"E": 0, "F": 380}
    figs["DVC_SO_HOA"] = {"E": 361}                      # half filled: kept, warned
    result = check(filled(catalog, figures=figs), catalog=catalog)
    assert result.ok
    got = figures(result)
    assert "DVC_THANH_TOAN" not in got and "DVC_HAI_LONG" not in got
    assert got["DVC_QUA_HAN"] == (0.0, 380.0, None, None)
    assert got["DVC_SO_HOA"] == (361.0, None, None, None)
    assert [str(w) for w in result.warnings] == [
        "Số liệu!F16: chỉ tiêu DVC_SO_HOA thiếu Mẫu số; chỉ tiêu chưa tính được trong tháng này "
        "(ô trống lưu là «chưa báo cáo»).",
        "Trang tính «Số liệu»: chưa báo cáo 2 chỉ tiêu: DVC_THANH_TOAN, DVC_HAI_LONG (ô để trống "
        "là «chưa báo cáo», không phải 0)."]


def test_blank_rows_inside_and_notes_below_the_table(catalog):
    def edit(ws):
        ws.insert_rows(13, 2)                            # two empty rows in the middle
        ws["C30"] = "Người lập biểu"                     # a signature under the table
        ws["H30"] = "(ký, ghi rõ họ tên)"
        ws["H10"] = "  Đã rà soát toàn bộ máy tính  "
    result = with_edit(catalog, edit)
    assert result.ok, messages(result)
    got = figures(result)
    assert len(got) == 12
    assert got["HT_MAY_TINH"] == (10.0, 10.0, None, "Đã rà soát toàn bộ máy tính")
    assert got["DVC_HS_TRUC_TUYEN"] == (370.0, 412.0, None, None)


def test_formula_cells_with_a_cached_value(catalog):
    data = filled(catalog)
    data = patch_part(data, SHEET1, lambda x: set_cell_xml(
        set_cell_xml(x, "E15", '<c r="E15"><f>300+70</f><v>370</v></c>'),
        "F15", '<c r="F15" t="str"><f>TEXT(412,"0")</f><v>412</v></c>'))
    result = check(data, catalog=catalog)
    assert result.ok, messages(result)
    assert figures(result)["DVC_HS_TRUC_TUYEN"] == (370.0, 412.0, None, None)


def test_number_criteria_values(catalog):
    # «1.012» alone reads two ways (refused, test_a_count_value_that_reads_two_ways_is_refused);
    # with its decimal comma the dot can only group thousands
    figs = dict(TTDVSNC_FIGURES, TT_PHAT_THANH="9", HT_WIFI_NVH="1.012,0", NL_TO_CNS="2,5")
    result = check(filled(catalog, "TTDVSNC", figures=figs), catalog=catalog)
    assert result.ok, messages(result)
    got = figures(result)
    assert got["TT_PHAT_THANH"] == (None, None, 9.0, None)
    assert got["HT_WIFI_NVH"] == (None, None, 1012.0, None)
    assert got["NL_TO_CNS"] == (None, None, 2.5, None)


def test_period_forms(catalog):
    def as_date(ws):
        ws["C6"] = dt.datetime(2026, 9, 1)
        ws["C6"].number_format = "mm/yyyy"
    assert check(filled(catalog, edit=lambda wb, ws: as_date(ws)),
                 catalog=catalog).submissions[0].period == "2026-09"
    for typed in ("9/2026", "Tháng 9/2026", " 2026-9 ", "2026/09"):
        def edit(wb, ws, typed=typed):
            ws["C6"] = typed
        result = check(filled(catalog, edit=edit), catalog=catalog)
        assert result.submissions[0].period == "2026-09", typed


def test_table_and_labels_found_by_text_not_position(catalog):
    """A hand-made sheet: other positions, extra columns, label with a colon, renamed sheet."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Báo cáo tháng"
    ws["D2"], ws["G2"] = "mã đơn vị:", "ca"              # value two cells to the right
    ws["D3"] = "KỲ BÁO CÁO"
    ws["E3"] = "2026-10"
    ws.append([])
    ws["C5"], ws["D5"], ws["E5"], ws["F5"], ws["G5"], ws["H5"], ws["I5"] = \
        "Mã chỉ tiêu", "Ghi chú", "Giá trị", "Mẫu số", "Tử số", "Nguồn", "Tên chỉ tiêu"
    ws["C6"], ws["G6"], ws["F6"] = "DVC_HS_TRUC_TUYEN", 70, 80
    ws["C7"], ws["G7"], ws["F7"], ws["D7"] = "DA06_VNEID", 8600, 9500, "Theo báo cáo Đề án 06"
    result = check(save(wb), catalog=catalog)
    assert result.ok, messages(result)
    sub = result.submissions[0]
    assert (sub.unit, sub.period) == ("CA", "2026-10")
    assert figures(result)["DA06_VNEID"] == (8600.0, 9500.0, None, "Theo báo cáo Đề án 06")


def test_all_units_workbook(catalog):
    wb = load(build_template(catalog, "2026-10", None))
    fill_sheet(wb["Số liệu TTPVHCC"], TTPVHCC_FIGURES)
    fill_sheet(wb["Số liệu TTDVSNC"], TTDVSNC_FIGURES)
    result = check(save(wb), catalog=catalog)
    assert result.ok, messages(result)
    assert [(s.unit, s.period, len(s.figures)) for s in result.submissions] == \
        [("TTPVHCC", "2026-10", 12), ("TTDVSNC", "2026-10", 8)]
    skipped = [w for w in result.warnings if w.field == "Chưa báo cáo" and w.value]
    assert len([w for w in skipped if "bỏ qua, không ghi" in w.message]) == 10


def test_hidden_sheets_are_ignored_with_a_warning(catalog):
    def edit(wb, ws):
        old = wb.copy_worksheet(ws)
        old.title = "Số liệu cũ"
        old["E15"] = "không đọc"
        old.sheet_state = "hidden"
    result = check(filled(catalog, edit=edit), catalog=catalog)
    assert result.ok
    assert [str(w) for w in result.warnings] == [
        "Trang tính «Số liệu cũ»: trang tính đang ẩn nên được bỏ qua; nếu có số liệu ở đó, hãy bỏ "
        "ẩn và gửi lại."]


# ── rejected, naming the place ──────────────────────────────────────────────

@pytest.mark.parametrize("cell, typed, expected", [
    ("B15", "DVC_KHONG_CO", "Số liệu!B15: mã chỉ tiêu «DVC_KHONG_CO» không có trong danh mục."),
    ("B16", "dvc_hs_truc_tuyen", "Số liệu!B16: mã chỉ tiêu DVC_HS_TRUC_TUYEN xuất hiện hai lần "
                                 "(đã có ở ô B15). Mỗi chỉ tiêu chỉ một dòng."),
    ("B16", "DA06_VNEID", "Số liệu!B16: chỉ tiêu DA06_VNEID không thuộc các chỉ tiêu đơn vị TTPVHCC "
                          "báo cáo. Hãy xóa dòng này hoặc dùng tệp mẫu của đúng đơn vị."),
    ("C5", "ZZ", "Số liệu!C5: mã đơn vị «ZZ» không có trong danh mục. Các mã hợp lệ: VP, VHXH, KT, "
                 "TTPVHCC, TTDVSNC, CA, QS, TYT, QLDA, MN, TH, THCS."),
    ("C6", None, "Số liệu!C6: «Kỳ báo cáo» để trống."),
    ("C6", "2026-13", "Số liệu!C6: Kỳ báo cáo «2026-13» không đúng dạng; cần năm-tháng, ví dụ 2026-05."),
    ("C6", "tháng mười", "Số liệu!C6: Kỳ báo cáo «tháng mười» không đúng dạng; cần năm-tháng, ví dụ "
                         "2026-05."),
    ("C6", "2026-12", "Số liệu!C6: Kỳ báo cáo 2026-12 (Tháng 12/2026) ở sau tháng hiện tại (Tháng "
                      "11/2026); chưa thể có số liệu của tháng này."),
    ("E15", "ba trăm", "Số liệu!E15: Tử số của chỉ tiêu DVC_HS_TRUC_TUYEN là chữ «ba trăm», không "
                       "phải số."),
    ("F15", True, "Số liệu!F15: Mẫu số của chỉ tiêu DVC_HS_TRUC_TUYEN là chữ «TRUE», không phải số."),
    ("E15", -5, "Số liệu!E15: Tử số của chỉ tiêu DVC_HS_TRUC_TUYEN là số âm «-5»."),
    ("E15", "1,5", "Số liệu!E15: Tử số của chỉ tiêu DVC_HS_TRUC_TUYEN là «1,5», không phải số nguyên. "
                   "Dấu phẩy là dấu thập phân; số một nghìn không trăm tám mươi viết 1080 hoặc 1.080."),
    ("E15", "90%", "Số liệu!E15: Tử số của chỉ tiêu DVC_HS_TRUC_TUYEN là «90%», một tỷ lệ %; Tử số là "
                   "số đếm."),
    ("E15", 413, "Số liệu!E15: Tử số (413) lớn hơn Mẫu số (412) ở chỉ tiêu DVC_HS_TRUC_TUYEN: «Số hồ "
                 "sơ xử lý hoàn toàn trực tuyến» không thể lớn hơn «Tổng số hồ sơ tiếp nhận»."),
    ("G15", "120%", "Số liệu!G15: Giá trị của chỉ tiêu DVC_HS_TRUC_TUYEN là «120%»: tỷ lệ phải từ 0 "
                    "đến 100 %."),
    ("G15", "=1/0", "Số liệu!G15: Giá trị của chỉ tiêu DVC_HS_TRUC_TUYEN: ô có công thức nhưng chưa có "
                    "kết quả tính (tệp do chương trình tạo và chưa mở bằng Excel). Hãy mở tệp bằng "
                    "Excel, lưu lại rồi gửi."),
])
def test_each_rejection_names_cell_value_and_expectation(catalog, cell, typed, expected):
    def edit(ws):
        ws[cell] = typed
    result = with_edit(catalog, edit)
    assert messages(result) == [expected]
    assert result.submissions == [] and not result.ok
    p = result.problems[0]
    assert p.sheet == "Số liệu" and p.cell == expected.split("!")[1].split(":")[0]


def test_number_criterion_rejects_percent_negative_and_counts(catalog):
    figs = dict(TTDVSNC_FIGURES, HT_WIFI_NVH="80%", NL_TO_CNS=-1,
                TT_PHAT_THANH={"E": 3, "G": 9})
    result = check(filled(catalog, "TTDVSNC", figures=figs), catalog=catalog)
    assert messages(result) == [
        "Số liệu!G12: Giá trị của chỉ tiêu HT_WIFI_NVH là «80%», một tỷ lệ %; chỉ tiêu này là số "
        "lượng (nhà văn hóa).",
        "Số liệu!G16: Giá trị của chỉ tiêu NL_TO_CNS là số âm «-1».",
        "Số liệu!E17: chỉ tiêu TT_PHAT_THANH là chỉ tiêu số lượng: chỉ nhập Giá trị, ô Tử số không "
        "áp dụng."]


@pytest.mark.parametrize("typed, grouped, decimal, sep", [
    ("1,080", "1080", "1,08", ","), ("1.080", "1080", "1,08", "."), ("2,500", "2500", "2,5", ",")])
def test_a_count_value_that_reads_two_ways_is_refused(catalog, typed, grouped, decimal, sep):
    """«1,080» in a Giá trị cell was stored as 1,08 without a word; now it is refused like a count's
    Tử số, the cell named, both readings given."""
    result = check(filled(catalog, "TTDVSNC", figures=dict(TTDVSNC_FIGURES, NL_TO_CNS=typed)), catalog=catalog)
    assert messages(result) == [
        f"Số liệu!G16: Giá trị của chỉ tiêu NL_TO_CNS là «{typed}», đọc được hai cách: {grouped} (dấu «{sep}» "
        f"ngăn hàng nghìn) hoặc {decimal} (dấu «{sep}» là dấu thập phân). Hãy nhập {grouped} hoặc {decimal}, "
        "không dùng dấu ngăn hàng nghìn."]
    [p] = result.problems
    assert (p.sheet, p.cell, p.field, p.value) == ("Số liệu", "G16", "Giá trị", typed)
    assert p.expected.startswith(f"{grouped} hoặc {decimal}")
    assert p.criterion and p.row_no
    assert result.submissions == []


@pytest.mark.parametrize("typed, value", [
    ("12", 12.0), ("1,5", 1.5), ("12,5", 12.5), ("0,500", 0.5), ("1.234,5", 1234.5), ("1 080", 1080.0),
    (1080, 1080.0), (1.08, 1.08)])   # numbers typed as numbers have one reading
def test_a_count_value_with_one_reading_is_kept(catalog, typed, value):
    result = check(filled(catalog, "TTDVSNC", figures=dict(TTDVSNC_FIGURES, NL_TO_CNS=typed)), catalog=catalog)
    assert result.ok, messages(result)
    assert figures(result)["NL_TO_CNS"] == (None, None, value, None)


def test_counts_keep_their_rule_for_the_same_texts(catalog):
    """Tử số/Mẫu số are whole: «1.080» has one whole reading (1080), «1,080» is refused as 1,08."""
    def edit(ws):
        ws["E15"], ws["F15"] = "1.080", "1.200"
    assert figures(with_edit(catalog, edit))["DVC_HS_TRUC_TUYEN"] == (1080.0, 1200.0, None, None)

    def comma(ws):
        ws["E15"] = "1,080"
    assert messages(with_edit(catalog, comma)) == [
        "Số liệu!E15: Tử số của chỉ tiêu DVC_HS_TRUC_TUYEN là «1,080», không phải số nguyên. Dấu phẩy là "
        "dấu thập phân; số một nghìn không trăm tám mươi viết 1080 hoặc 1.080."]


def test_half_pairs_are_listed_for_the_use_case(catalog):
    figs = dict(TTPVHCC_FIGURES, DVC_SO_HOA={"E": 361}, DVC_QUA_HAN={"F": 380})
    result = check(filled(catalog, figures=figs), catalog=catalog)
    assert result.ok
    got = [(h.unit, h.period, h.indicator_id, h.numerator, h.denominator, h.warning.cell)
           for h in result.half_pairs]
    assert got == [("TTPVHCC", "2026-10", "DVC_SO_HOA", 361.0, None, "F16"),
                   ("TTPVHCC", "2026-10", "DVC_QUA_HAN", None, 380.0, "E18")]
    assert all(h.warning in result.warnings for h in result.half_pairs)


def test_cached_formula_error(catalog):
    data = patch_part(filled(catalog), SHEET1, lambda x: set_cell_xml(
        x, "F15", '<c r="F15" t="e"><f>1/0</f><v>#DIV/0!</v></c>'))
    assert messages(check(data, catalog=catalog)) == [
        "Số liệu!F15: Mẫu số của chỉ tiêu DVC_HS_TRUC_TUYEN: ô có lỗi công thức «#DIV/0!». Hãy sửa "
        "công thức hoặc nhập số trực tiếp."]


def test_merged_cells_inside_the_table(catalog):
    def edit(wb, ws):
        ws.merge_cells("E15:F15")
        ws.merge_cells("A1:H1")            # the title above the table may stay merged
    assert messages(check(filled(catalog, edit=edit), catalog=catalog)) == [
        "Số liệu!E15: ô gộp E15:F15 nằm trong bảng số liệu. Hãy bỏ gộp ô (Trang đầu › Gộp và căn "
        "giữa) để mỗi ô chỉ chứa một số liệu."]


def test_every_problem_is_listed_not_only_the_first(catalog):
    def edit(ws):
        ws["C5"] = "XX"
        ws["E10"] = "mười"
        ws["F12"] = -3
        ws["E18"], ws["F18"] = 400, 380
        ws["A25"], ws["G25"] = "ghi thêm", 5
    result = with_edit(catalog, edit)
    assert [(p.cell, p.field) for p in result.problems] == [
        ("C5", "Mã đơn vị"), ("E10", "Tử số"), ("F12", "Mẫu số"), ("E18", "Tử số"),
        ("B25", "Mã chỉ tiêu")]
    assert str(result.problems[-1]) == "Số liệu!B25: dòng 25 có số liệu nhưng thiếu Mã chỉ tiêu."


def test_wrong_file_without_a_data_table(catalog):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.title = "Bảng lương"
    wb.active.append(["Họ tên", "Lương"])
    wb.active.append(["Nguyễn Văn A", 7_000_000])
    result = check(save(wb), catalog=catalog)
    assert messages(result) == [
        "Tệp: không tìm thấy trang tính «Số liệu» có bảng số liệu (dòng tiêu đề «Mã chỉ tiêu», "
        "«Tử số», «Mẫu số», «Giá trị»). Có thể đã gửi nhầm tệp; hãy dùng tệp mẫu tải từ hệ thống."]


def test_renamed_header_column(catalog):
    def edit(ws):
        ws["F9"] = "Tổng số"
    assert messages(with_edit(catalog, edit)) == [
        "Số liệu, dòng 9: dòng tiêu đề của bảng (dòng 9) thiếu cột Mẫu số. Hãy dùng đúng tệp mẫu, "
        "không xóa hay đổi tên cột."]


def test_an_empty_template_is_rejected(catalog):
    result = check(build_template(catalog, "2026-10", "CA"), catalog=catalog)
    assert messages(result) == [
        "Trang tính «Số liệu»: bảng chưa có số liệu nào (mọi ô Tử số, Mẫu số, Giá trị đều trống). "
        "Hãy nhập số liệu rồi gửi lại."]


def test_same_unit_twice_in_one_workbook(catalog):
    wb = load(build_template(catalog, "2026-10", None))
    fill_sheet(wb["Số liệu TTPVHCC"], TTPVHCC_FIGURES)
    fill_sheet(wb["Số liệu CA"], {"DVC_HS_TRUC_TUYEN": (70, 80)})
    wb["Số liệu CA"]["C5"] = "TTPVHCC"
    result = check(save(wb), catalog=catalog)
    assert messages(result) == [
        "Trang tính «Số liệu CA»: đơn vị TTPVHCC, kỳ 2026-10 đã có ở trang tính «Số liệu TTPVHCC»; "
        "mỗi đơn vị chỉ một trang tính cho một tháng."]


def test_problem_str_is_one_line_with_place(catalog):
    p = Problem("Số liệu!E12: Tử số của chỉ tiêu X là «abc», không phải số.", "Số liệu", "E12")
    assert str(p) == "Số liệu!E12: Tử số của chỉ tiêu X là «abc», không phải số."
    assert "\n" not in str(p)


# ── values that make sense ──────────────────────────────────────────────────

def _raw(catalog, ref, cell_xml):
    return check(patch_part(filled(catalog), SHEET1, lambda x: set_cell_xml(x, ref, cell_xml)),
                 catalog=catalog)


@pytest.mark.parametrize("raw", ["inf", "-inf", "nan", "NaN", "INF"])
def test_non_finite_numbers_are_refused_with_the_cell(catalog, raw):
    result = _raw(catalog, "E15", f'<c r="E15"><v>{raw}</v></c>')
    assert not result.ok
    [p] = result.problems
    assert (p.sheet, p.cell, p.field) == ("Số liệu", "E15", "Tử số")
    assert "không phải một số hữu hạn" in p.message and "DVC_HS_TRUC_TUYEN" in p.message


def test_a_huge_number_is_refused_before_it_can_overflow_a_sum(catalog):
    result = _raw(catalog, "F15", '<c r="F15"><v>1E300</v></c>')
    [p] = result.problems
    assert (p.cell, p.field) == ("F15", "Mẫu số")
    assert p.message.endswith("lớn bất thường (quá 1.000.000.000.000). Hãy kiểm tra lại số đã nhập.")
    text = _raw(catalog, "F15", '<c r="F15" t="inlineStr"><is><t>1e300</t></is></c>')
    assert not text.ok and text.problems[0].cell == "F15"


def test_a_date_in_a_number_cell_is_named_as_a_date(catalog):
    def edit(ws):
        ws["E15"] = dt.datetime(2026, 1, 5)
        ws["E15"].number_format = "dd/mm/yyyy"
    result = with_edit(catalog, edit)
    [p] = result.problems
    assert p.cell == "E15"
    assert "ngày tháng «05/01/2026»" in p.message and "46.027" not in p.message


def test_a_value_past_the_catalogues_max_value_is_refused(catalog):
    from common import CONFIG

    from kpi.domain.catalog import parse_catalog
    text = CONFIG.read_text(encoding="utf-8").replace(
        'id = "NL_TO_CNS"\n', 'id = "NL_TO_CNS"\nmax_value = 17\n')
    bounded = parse_catalog(text)
    assert bounded.indicator("NL_TO_CNS").max_value == 17
    ok = check(filled(bounded, "TTDVSNC", figures=dict(TTDVSNC_FIGURES, NL_TO_CNS=17)), catalog=bounded)
    assert ok.ok, messages(ok)
    bad = check(filled(bounded, "TTDVSNC", figures=dict(TTDVSNC_FIGURES, NL_TO_CNS=18)), catalog=bounded)
    [p] = bad.problems
    assert p.field == "Giá trị" and p.value == "18"
    assert "vượt mức tối đa 17 mà danh mục chỉ tiêu cho phép" in p.message


@pytest.mark.parametrize("period", ["0001-01", "2023-12"])
def test_months_before_first_month_are_refused(catalog, period):
    result = with_edit(catalog, lambda ws: ws.__setitem__("C6", period))
    [p] = result.problems
    assert p.cell == "C6" and "trước tháng đầu tiên nhận số liệu (Tháng 1/2024" in p.message


def test_first_month_itself_is_accepted(catalog):
    assert catalog.first_month == "2024-01"
    assert with_edit(catalog, lambda ws: ws.__setitem__("C6", "2024-01")).ok
