"""The self-scoring table (.xlsx) re-read with openpyxl holds the engine's numbers: each criterion's
official points, subtotals and the total as `=SUM` formulas over exactly the printed rows whose value
is the engine's total; user notes (even ones starting with =, +, -, @) come back as text, never as
formulas."""
import dataclasses
import io
import re
import zipfile

import openpyxl
import pytest
from common import TESTER, TODAY
from openpyxl.utils import get_column_letter

from kpi import store
from kpi.domain.figures import Figure, Submission
from kpi.domain.periods import Quarter
from kpi.domain.scoring import score_quarter
from kpi.present.texts import achieved, rule, score_percent, smart_number
from kpi.reports.xlsx import HEADER_ROW, build_report_xlsx
from kpi.usecases.scores import scoring_figures

Q3 = Quarter(2026, 3)


def report_xlsx(catalog, figures, quarter, unit=None, **kw):
    """The Biểu of the score the engine gives these figures on `today` (the app passes the one
    door's result; the report itself never scores)."""
    return build_report_xlsx(catalog, figures, quarter, unit,
                             score=score_quarter(catalog, figures, quarter, unit, as_of=kw["today"]), **kw)


def col(ws, title: str) -> int:
    """The column (1-based) whose header is `title` (the Biểu's columns come from the catalogue)."""
    return next(c.column for c in ws[HEADER_ROW] if c.value == title)


def letter(ws, title: str) -> str:
    return get_column_letter(col(ws, title))


def rows_by_stt(ws):
    """Criterion rows (numeric STT) and group rows (roman STT), as value lists."""
    crit, groups = [], []
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if isinstance(row[0], int):
            crit.append(row)
        elif isinstance(row[0], str) and row[0] and set(row[0]) <= set("IVX"):
            groups.append(row)
    return crit, groups


SUM = re.compile(r"=SUM\(([A-Z]+\d+(?::[A-Z]+\d+)?(?:,[A-Z]+\d+(?::[A-Z]+\d+)?)*)\)")


def sum_rows(formula: str) -> tuple[str, list[int]]:
    """The column and the rows a `=SUM(G9:G13,G15)` formula adds up."""
    m = SUM.fullmatch(formula)
    assert m, formula
    columns, rows = set(), []
    for part in m.group(1).split(","):
        a, _, b = part.partition(":")
        col_a, row_a = re.fullmatch(r"([A-Z]+)(\d+)", a).groups()
        col_b, row_b = re.fullmatch(r"([A-Z]+)(\d+)", b or a).groups()
        columns |= {col_a, col_b}
        rows += range(int(row_a), int(row_b) + 1)
    assert len(columns) == 1, formula
    return columns.pop(), rows


def evaluate_sum(ws, formula: str) -> float:
    """A `=SUM` formula's value over the sheet's cells, in whole hundredths as a spreadsheet's
    two-decimal total reads it (every added cell is a number)."""
    col, rows = sum_rows(formula)
    values = [ws[f"{col}{r}"].value for r in rows]
    assert all(isinstance(v, (int, float)) for v in values), (formula, values)
    return round(sum(values), 6)


def table_rows(ws):
    """(criterion rows, group rows, the TỔNG ĐIỂM row) as sheet row numbers."""
    crit, groups, total = [], [], None
    for cells in ws.iter_rows(min_row=HEADER_ROW + 1):
        first, name = cells[0].value, cells[1].value
        if isinstance(first, int):
            crit.append(cells[0].row)
        elif isinstance(first, str) and first and set(first) <= set("IVX"):
            groups.append(cells[0].row)
        elif isinstance(name, str) and name.startswith("TỔNG ĐIỂM"):
            total = cells[0].row
    return crit, groups, total


def check_sums(ws, score) -> None:
    """Every subtotal and the total are `=SUM` of exactly the printed criterion rows, and their
    values are the engine's official totals."""
    crit, groups, total = table_rows(ws)
    bounds = [*groups[1:], total]
    covered = []
    top, mine = letter(ws, "Điểm tối đa"), letter(ws, "Điểm tự chấm")
    for g, gs, end in zip(groups, score.by_group(), bounds, strict=True):
        for at, expected in ((top, gs.max_points), (mine, gs.points)):
            column, rows = sum_rows(ws[f"{at}{g}"].value)
            assert column == at and rows == [r for r in crit if g < r < end]
            assert evaluate_sum(ws, ws[f"{at}{g}"].value) == expected
        covered += [r for r in crit if g < r < end]
    assert covered == crit
    for at, expected in ((top, score.max_points), (mine, score.total_points)):
        column, rows = sum_rows(ws[f"{at}{total}"].value)
        assert column == at and rows == crit                   # each criterion row once, no subtotal
        assert evaluate_sum(ws, ws[f"{at}{total}"].value) == expected


@pytest.fixture
def demo_report(catalog, demo_conn):
    f = scoring_figures(demo_conn, catalog, as_of=TODAY)   # what the app and the CLI pass
    data = report_xlsx(catalog, f, Q3, today=TODAY)
    return f, data, openpyxl.load_workbook(io.BytesIO(data)).active


def test_report_holds_the_engine_numbers(catalog, demo_report):
    f, _, ws = demo_report
    score = score_quarter(catalog, f, Q3)
    crit, groups = rows_by_stt(ws)
    c = {t: col(ws, t) - 1 for t in ("Cách tính điểm", "Điểm tối đa", "Kết quả", "Điểm tự chấm", "Giải trình",
                                     "Tài liệu kiểm chứng", "Tài liệu kiểm chứng cần có", "Điểm thẩm định",
                                     "Ghi chú")}
    assert [r[0] for r in crit] == list(range(1, 26))
    for row, res in zip(crit, score.indicators):
        ind = res.indicator
        assert row[1] == ind.name
        assert row[c["Cách tính điểm"]] == rule(ind)              # the rule in words
        assert row[c["Điểm tối đa"]] == res.max_points
        assert row[c["Điểm tự chấm"]] == res.points              # the official points, as a number
        if ind.is_ratio:                                          # tử số/mẫu số = the rate
            assert row[c["Kết quả"]] == (f"{smart_number(res.totals.numerator)}/"
                                         f"{smart_number(res.totals.denominator)} = "
                                         + achieved(ind, res.achieved).replace(" %", "\u00a0%"))
        else:
            assert row[c["Kết quả"]] == res.achieved              # a count: the number itself
        assert row[c["Giải trình"]] in ("", None)                # nothing explained yet
        assert row[c["Tài liệu kiểm chứng"]] == "Chưa có minh chứng"  # nothing attached: no evidence is claimed
        assert row[c["Tài liệu kiểm chứng cần có"]] == ind.evidence   # what the catalogue requires, apart
        assert row[c["Điểm thẩm định"]] is None                  # the city's to fill
    assert [g[1] for g in groups] == list(catalog.groups)
    check_sums(ws, score)
    values = [r for r in ws.iter_rows(values_only=True)]
    total = next(r for r in values if r[1] == "TỔNG ĐIỂM")
    assert total[c["Điểm tối đa"]].startswith("=SUM(") and total[c["Điểm tự chấm"]].startswith("=SUM(")
    grade = next(r for r in values if r[1] == "XẾP LOẠI")
    assert grade[2] == f"Xuất sắc ({score_percent(score.percent, 2)} số điểm tối đa)"
    # the demo's corrected September file carries a note: it is in Ghi chú
    so_hoa = crit[[r.id for r in score.indicators].index("DVC_SO_HOA")]
    assert so_hoa[c["Ghi chú"]] == "Bổ sung hồ sơ số hóa bị sót (TTPVHCC, Tháng 9/2026)"


def test_formulas_carry_their_value_for_readers_that_do_not_calculate(catalog, demo_report):
    f, data, ws = demo_report
    score = score_quarter(catalog, f, Q3)
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True).active
    crit, groups, total = table_rows(ws)
    top, mine = letter(ws, "Điểm tối đa"), letter(ws, "Điểm tự chấm")
    assert (cached[f"{top}{total}"].value, cached[f"{mine}{total}"].value) == (score.max_points, score.total_points)
    assert [cached[f"{mine}{g}"].value for g in groups] == [g.points for g in score.by_group()]


def test_title_date_signatures_and_print_setup(demo_report):
    _, _, ws = demo_report
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "BIỂU TỰ CHẤM ĐIỂM KẾT QUẢ ỨNG DỤNG CÔNG NGHỆ THÔNG TIN, CHUYỂN ĐỔI SỐ" in texts
    assert "Quý III/2026 — Xã Thái Tân" in texts
    assert "Thái Tân, ngày 23 tháng 11 năm 2026" in texts
    # the commune's heading and signature block as its documents write them (tài liệu 001)
    assert (ws["A1"].value, ws["A2"].value) == ("ỦY BAN NHÂN DÂN", "XÃ THÁI TÂN")
    right = next(c.column for c in ws[1] if c.value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") - 1
    signers = [r[right] for r in ws.iter_rows(values_only=True) if r[right] in (
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "(Ký tên, đóng dấu)", "THỦ TRƯỞNG ĐƠN VỊ")]
    assert signers == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "(Ký tên, đóng dấu)"]
    assert "NGƯỜI LẬP BIỂU" in texts
    # points and grades are the commune's defaults until the catalogue says the scale is official
    assert ("Ghi chú: Điểm và xếp loại tính theo mức mặc định của xã (danh mục chỉ tiêu của ứng dụng), không "
            "phải thang điểm chính thức của thành phố; xã cập nhật khi thành phố ban hành thang điểm chính "
            "thức.") in texts
    header = [c.value for c in ws[HEADER_ROW]]
    # one term per concept, as in the template and the app: «Chỉ tiêu» the criterion, «Mục tiêu» its target
    # the city's form (the catalogue's default `[scorecard] columns`)
    assert header == ["STT", "Chỉ tiêu", "Cách tính điểm", "Điểm tối đa", "Kết quả", "Điểm tự chấm", "Giải trình",
                      "Tài liệu kiểm chứng", "Tài liệu kiểm chứng cần có", "Điểm thẩm định", "Ghi chú"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9                       # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"      # repeated on every page


def test_unit_report_has_only_its_criteria(catalog, demo_conn):
    f = store.current_figures(demo_conn, catalog.commune)
    ws = openpyxl.load_workbook(io.BytesIO(report_xlsx(catalog, f, Q3, "CA", today=TODAY))).active
    crit, _ = rows_by_stt(ws)
    assert [r[1] for r in crit] == [i.name for i in catalog.indicators_of_unit("CA")]
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Quý III/2026 — Công an xã — Xã Thái Tân" in texts
    assert "THỦ TRƯỞNG ĐƠN VỊ" in texts and "TM. ỦY BAN NHÂN DÂN" not in texts   # a unit's head signs


def test_no_disclaimer_once_the_scale_is_official(catalog, demo_conn):
    official = dataclasses.replace(catalog, official_scale=True)
    f = store.current_figures(demo_conn, catalog.commune)
    ws = openpyxl.load_workbook(io.BytesIO(report_xlsx(official, f, Q3, today=TODAY))).active
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not [t for t in texts if "thang điểm chính thức" in t]


DANGEROUS = ['=HYPERLINK("http://example.invalid","Bấm vào đây")', "+1+2", "-3", "@SUM(A1:A3)"]


def test_user_notes_starting_like_formulas_are_exported_as_text(catalog, conn, tmp_path):
    ids = ["DVC_HS_TRUC_TUYEN", "DVC_SO_HOA", "DVC_QUA_HAN", "DVC_TOAN_TRINH"]
    figures = tuple(Figure(i, 90.0, 100.0, None, note) for i, note in zip(ids, DANGEROUS))
    store.record_submission(conn, Submission(catalog.commune, "TTPVHCC", "2026-08", figures),
                            TESTER)
    f = store.current_figures(conn, catalog.commune)
    assert set(f["note"].dropna()) == set(DANGEROUS)            # stored as typed
    path = tmp_path / "bieu.xlsx"
    path.write_bytes(report_xlsx(catalog, f, Q3, today=TODAY))
    ws = openpyxl.load_workbook(path).active
    score = score_quarter(catalog, f, Q3)
    crit, _ = rows_by_stt(ws)
    for iid, note in zip(ids, DANGEROUS):
        row_no = HEADER_ROW + 1 + next(n for n, r in enumerate(ws.iter_rows(
            min_row=HEADER_ROW + 1, values_only=True)) if r[1] == catalog.indicator(iid).name)
        cell = ws.cell(row=row_no, column=col(ws, "Ghi chú"))
        assert cell.data_type == "s" and isinstance(cell.value, str)
        assert cell.value == f"{note} (TTPVHCC, Tháng 8/2026)"
        assert cell.quotePrefix is True
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    # the only formulas are the points' sums (columns «Điểm tối đa», «Điểm tự chấm»), never a user's text
    sums = {letter(ws, "Điểm tối đa"), letter(ws, "Điểm tự chấm")}
    assert set(re.findall(r'<c r="([A-Z]+)\d+"[^>]*><f>SUM\(', sheet)) == sums
    assert len(re.findall(r"<f[ >]", sheet)) == len(re.findall(rf"<f>SUM\([{''.join(sums)}]\d", sheet))
    assert re.search(r't="inlineStr"><is><t>=HYPERLINK\(', sheet)  # the note is a string cell
    assert score.result("DVC_HS_TRUC_TUYEN").points == 8


def test_empty_database_gives_a_table_with_no_data_marked(catalog, conn):
    f = store.current_figures(conn, catalog.commune)
    ws = openpyxl.load_workbook(io.BytesIO(report_xlsx(catalog, f, Q3, today=TODAY))).active
    crit, _ = rows_by_stt(ws)
    mine, note = col(ws, "Điểm tự chấm") - 1, col(ws, "Ghi chú") - 1
    assert len(crit) == 25 and all(r[mine] == 0 and r[note] == "Chưa có số liệu" for r in crit)


def test_evidence_descriptions_starting_like_formulas_are_written_as_text(catalog, conn):
    from kpi.present.texts import evidence_item
    f = store.current_figures(conn, catalog.commune)
    line = evidence_item(DANGEROUS[0], TODAY, "pending")
    data = report_xlsx(catalog, f, Q3, today=TODAY, evidence={"HT_MAY_TINH": [line]})
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    crit, _ = rows_by_stt(ws)
    row_no = HEADER_ROW + 2                                 # the first criterion, under its group row
    cell = ws.cell(row=row_no, column=col(ws, "Tài liệu kiểm chứng"))
    assert ws.cell(row=row_no, column=2).value == catalog.indicator("HT_MAY_TINH").name
    assert cell.value == f'{DANGEROUS[0]} — gửi 23/11/2026 — chờ duyệt'
    assert cell.data_type == "s" and cell.quotePrefix is True
    assert [r[col(ws, "Tài liệu kiểm chứng") - 1] for r in crit[1:]] == ["Chưa có minh chứng"] * 24


# ── the city's form: the catalogue's `[scorecard] columns` ────────────────────

CUSTOM = ('columns = ["stt", { key = "name", title = "Nội dung chỉ tiêu" }, "target", "max", '
          '{ key = "points", title = "Xã tự chấm", width = 10 }, "lead", "appraised", "appraisal_comment"]')


def _with_columns(line: str):
    from common import CONFIG

    from kpi.domain.catalog import parse_catalog
    return parse_catalog(CONFIG.read_text(encoding="utf-8").replace("[scorecard]", f"[scorecard]\n{line}", 1))


def test_a_city_form_from_the_catalogue_keeps_the_sums(catalog, demo_report):
    f, _, _ = demo_report
    custom = _with_columns(CUSTOM)
    ws = openpyxl.load_workbook(io.BytesIO(report_xlsx(custom, f, Q3, today=TODAY))).active
    assert [c.value for c in ws[HEADER_ROW]] == ["STT", "Nội dung chỉ tiêu", "Mục tiêu", "Điểm tối đa", "Xã tự chấm",
                                                 "Đơn vị chủ trì", "Điểm thẩm định", "Ý kiến thẩm định"]
    assert ws.column_dimensions["E"].width == 10
    score = score_quarter(catalog, f, Q3)
    crit, _ = rows_by_stt(ws)
    assert [r[4] for r in crit] == [r.points for r in score.indicators]
    assert [r[5] for r in crit] == [catalog.unit_name(r.indicator.lead_unit) for r in score.indicators]
    _, groups, total = table_rows(ws)
    assert [evaluate_sum(ws, ws[f"E{g}"].value) for g in groups] == [g.points for g in score.by_group()]
    assert evaluate_sum(ws, ws[f"E{total}"].value) == score.total_points
    assert evaluate_sum(ws, ws[f"D{total}"].value) == score.max_points
    cached = openpyxl.load_workbook(io.BytesIO(report_xlsx(custom, f, Q3, today=TODAY)), data_only=True).active
    assert cached[f"E{total}"].value == score.total_points


@pytest.mark.parametrize("line, words", [
    ('columns = "stt"', "[scorecard].columns: cần danh sách các cột của Biểu"),
    ('columns = ["stt", "name", "max", "points", "diem"]', "[scorecard].columns[5]: cột 'diem' không có"),
    ('columns = ["stt", "name", "max"]', "thiếu cột bắt buộc «points» (Điểm tự chấm)"),
    ('columns = ["stt", "name", "max", "points", "max"]', "[scorecard].columns[5]: cột «max» đã có ở trên"),
    ('columns = ["stt", "name", "max", { key = "points", title = "STT" }]', "tiêu đề «STT» trùng"),
    ('columns = ["stt", "name", "max", { key = "points", width = 200 }]', "width là độ rộng cột"),
    ('columns = ["stt", "name", "max", { key = "points", tieu_de = "X" }]', "khóa `tieu_de` không được hỗ trợ"),
])
def test_a_wrong_column_list_is_refused_in_vietnamese(line, words):
    from kpi.domain.catalog import CatalogError
    with pytest.raises(CatalogError) as e:
        _with_columns(line)
    assert words in str(e.value)


def test_printed_rows_are_as_tall_as_their_wrapped_text(demo_report):
    from kpi.reports.xlsx import LINE_POINTS, text_lines
    _, _, ws = demo_report
    assert text_lines("một hai ba", 30) == 1 and text_lines("một\nhai", 30) == 2
    assert text_lines("x" * 70, 30) == 3                              # a long link is broken
    crit, _, _ = table_rows(ws)
    rule = col(ws, "Cách tính điểm")
    width = ws.column_dimensions[get_column_letter(rule)].width
    for r in crit:
        assert ws.row_dimensions[r].height >= text_lines(ws.cell(row=r, column=rule).value, width) * LINE_POINTS


def test_the_total_row_is_one_line_high(demo_report):
    from kpi.reports.xlsx import LINE_POINTS, ROW_PADDING
    _, _, ws = demo_report
    _, groups, total = table_rows(ws)
    assert ws.row_dimensions[total].height == LINE_POINTS + ROW_PADDING      # its sums are numbers, not text
