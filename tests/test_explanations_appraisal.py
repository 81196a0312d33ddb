"""Giải trình and the city's appraisal: the office's explanation of a criterion is kept per quarter,
audited, refused once the quarter is closed, printed in the Biểu; the Biểu the city returns with
«Điểm thẩm định» is read back all or nothing (each problem by sheet and cell), kept per quarter (a
re-import replaces, audited), accepted in a closed quarter; evidence items carry the document's
number, date and summary."""
from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from common import TODAY

from kpi.cli.main import main
from kpi.domain.figures import Actor
from kpi.domain.rights import PermissionDenied
from kpi.store import StoreError
from kpi.usecases import evidence as ev
from kpi.usecases.appraisal import AppraisalRefused, differences, import_appraisal, quarter_appraisal
from kpi.usecases.closing import close
from kpi.usecases.explanations import explain, quarter_explanations
from kpi.usecases.period_result import period_result
from kpi.usecases.reports import quarter_report

pytestmark = pytest.mark.both_engines   # the store-level tests run on DuckDB and PostgreSQL

OFFICE = Actor("Chị Lan", "office", "lan")
COORDINATOR = Actor("Anh Bình", "coordinator", "binh", ("CA",))
HEADER = 7


def _audit(conn, action):
    return [json.loads(r[0]) for r in conn.execute(
        "SELECT detail FROM audit_log WHERE action = ? ORDER BY id", [action]).fetchall()]


def _bieu(conn, catalog) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(quarter_report(conn, catalog, "2026-Q3", "xlsx", as_of=TODAY)))


def _column(ws, title):
    return next(c.column for c in ws[HEADER] if c.value == title)


def _row_of(ws, stt: int) -> int:
    return next(r[0].row for r in ws.iter_rows(min_row=HEADER + 1) if r[0].value == stt)


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ── giải trình ───────────────────────────────────────────────────────────────

def test_an_explanation_is_kept_audited_and_printed(conn, catalog):
    explain(conn, catalog, OFFICE, "2026-Q3", "dvc_so_hoa", "  Thiếu máy quét trong tháng 7.  ")
    explain(conn, catalog, OFFICE, "2026-Q3", "DVC_SO_HOA", "Thiếu máy quét; đã mua bổ sung ngày 05/08/2026.")
    kept = quarter_explanations(conn, catalog, "2026-Q3")
    assert kept["DVC_SO_HOA"].text == "Thiếu máy quét; đã mua bổ sung ngày 05/08/2026."
    assert kept["DVC_SO_HOA"].written_by == OFFICE.who
    assert [(a["text"], a["previous"]) for a in _audit(conn, "explanation_write")] == [
        ("Thiếu máy quét trong tháng 7.", None),
        ("Thiếu máy quét; đã mua bổ sung ngày 05/08/2026.", "Thiếu máy quét trong tháng 7.")]
    ws = _bieu(conn, catalog).active
    stt = [i.id for g in catalog.groups for i in catalog.indicators_of_group(g)].index("DVC_SO_HOA") + 1
    assert ws.cell(_row_of(ws, stt), _column(ws, "Giải trình")).value == kept["DVC_SO_HOA"].text
    # an empty text removes it
    assert explain(conn, catalog, OFFICE, "2026-Q3", "DVC_SO_HOA", "") is None
    assert quarter_explanations(conn, catalog, "2026-Q3") == {}


def test_explanations_are_the_offices_and_frozen_with_the_quarter(conn, catalog):
    with pytest.raises(PermissionDenied, match="không có quyền ghi giải trình"):
        explain(conn, catalog, COORDINATOR, "2026-Q3", "DVC_SO_HOA", "x")
    with pytest.raises(StoreError, match="Không có chỉ tiêu mã «KHONG_CO»"):
        explain(conn, catalog, OFFICE, "2026-Q3", "KHONG_CO", "x")
    explain(conn, catalog, OFFICE, "2026-Q3", "DVC_SO_HOA", "Trước khoá sổ")
    close(conn, catalog, OFFICE, "2026-Q3", as_of=TODAY)
    with pytest.raises(PermissionDenied, match="Quý III/2026 đã khoá sổ"):
        explain(conn, catalog, OFFICE, "2026-Q3", "DVC_SO_HOA", "Sau khoá sổ")
    assert quarter_explanations(conn, catalog, "2026-Q3")["DVC_SO_HOA"].text == "Trước khoá sổ"
    refused = [a for a in _audit(conn, "refused_rights") if a.get("action") == "explain"]
    assert len(refused) == 2 and "đã khoá sổ" in refused[-1]["reason"]
    explain(conn, catalog, OFFICE, "2026-Q4", "DVC_SO_HOA", "Quý sau vẫn ghi được")


# ── the city's appraisal ─────────────────────────────────────────────────────

def _appraised(conn, catalog, fill: dict[int, tuple[object, str]], comment_column: bool = True) -> bytes:
    """Our Biểu as the city returns it: «Điểm thẩm định» (and «Ý kiến thẩm định») filled for `fill`
    (STT → (score, comment))."""
    wb = _bieu(conn, catalog)
    ws = wb.active
    score_col = _column(ws, "Điểm thẩm định")
    note_col = ws.max_column + 1
    if comment_column:
        ws.cell(HEADER, note_col, "Ý kiến thẩm định")
    for stt, (value, comment) in fill.items():
        ws.cell(_row_of(ws, stt), score_col, value)
        if comment_column and comment:
            ws.cell(_row_of(ws, stt), note_col, comment)
    return _bytes(wb)


def test_the_returned_bieu_is_kept_beside_the_self_score(conn, catalog):
    data = _appraised(conn, catalog, {1: (0, "Chưa có biên bản bàn giao"), 2: (0, ""), 3: ("1,5", "Thiếu 2 máy")})
    kept = import_appraisal(conn, catalog, OFFICE, "2026-Q3", data, "tham-dinh.xlsx", as_of=TODAY)
    assert kept.total == 1.5 and len(kept.rows) == 25
    again = quarter_appraisal(conn, catalog, "2026-Q3")
    assert again is not None and again.of("ATTT_MA_DOC").points == 1.5
    assert again.of("ATTT_MA_DOC").comment == "Thiếu 2 máy" and again.of("TT_TIN_BAI").points is None
    result = period_result(conn, catalog, "2026-Q3", as_of=TODAY)      # nothing reported: 0 points each
    assert [(d.indicator.id, d.own, d.appraised) for d in differences(result, again)] == [("ATTT_MA_DOC", 0, 1.5)]
    # a re-import replaces the quarter's appraisal; each import is audited with the total it replaced
    import_appraisal(conn, catalog, OFFICE, "2026-Q3", _appraised(conn, catalog, {1: (0, "")}), "lan-2.xlsx",
                     as_of=TODAY)
    assert quarter_appraisal(conn, catalog, "2026-Q3").of("ATTT_MA_DOC").points is None
    assert [(a["total"], a["previous_total"]) for a in _audit(conn, "appraisal_import")] == [(1.5, None), (0, 1.5)]


def test_the_appraisal_is_accepted_in_a_closed_quarter(conn, catalog):
    close(conn, catalog, OFFICE, "2026-Q3", as_of=TODAY)
    kept = import_appraisal(conn, catalog, OFFICE, "2026-Q3", _appraised(conn, catalog, {5: (2, "")}, False),
                            "td.xlsx", as_of=TODAY)
    assert kept.total == 2 and quarter_appraisal(conn, catalog, "2026-Q3").of("HT_WIFI_NVH").points == 2


def _refused(conn, catalog, data, *words):
    with pytest.raises(AppraisalRefused) as e:
        import_appraisal(conn, catalog, OFFICE, "2026-Q3", data, "td.xlsx", as_of=TODAY)
    text = str(e.value)
    for w in words:
        assert w in text, text
    assert quarter_appraisal(conn, catalog, "2026-Q3") is None          # nothing written
    assert _audit(conn, "appraisal_import") == []
    return e.value.problems


def test_each_bad_cell_is_named_and_nothing_is_kept(conn, catalog):
    wb = openpyxl.load_workbook(io.BytesIO(_appraised(conn, catalog, {1: ("hai", ""), 2: (-1, ""), 3: (9, ""),
                                                                      4: (3, "")})))
    ws = wb.active
    col = _column(ws, "Điểm thẩm định")
    letter = openpyxl.utils.get_column_letter(col)
    r1, r2, r3 = _row_of(ws, 1), _row_of(ws, 2), _row_of(ws, 3)
    sheet = ws.title
    ws.cell(_row_of(ws, 6), 2, "Chỉ tiêu không có trong Biểu")            # an unknown criterion row
    problems = _refused(conn, catalog, _bytes(wb),
                        f"{sheet}!{letter}{r1}: «Điểm thẩm định» «hai» không phải một số điểm",
                        f"{sheet}!{letter}{r2}: «Điểm thẩm định» âm (-1)",
                        f"{sheet}!{letter}{r3}: «Điểm thẩm định» 9 lớn hơn điểm tối đa của chỉ tiêu (4)",
                        f"{sheet}!B{_row_of(ws, 6)}: dòng STT 6 «Chỉ tiêu không có trong Biểu» không phải chỉ tiêu")
    assert len(problems) == 4
    assert "âm" in problems[1].message and problems[1].cell == f"{letter}{r2}"


def test_a_file_without_the_appraisal_column_or_scores_is_refused(conn, catalog):
    wb = _bieu(conn, catalog)
    ws = wb.active
    ws.cell(HEADER, _column(ws, "Điểm thẩm định"), "Điểm")
    _refused(conn, catalog, _bytes(wb), f"{ws.title}, dòng {HEADER}: dòng tiêu đề không có cột «Điểm thẩm định»")
    _refused(conn, catalog, _appraised(conn, catalog, {}), "cột «Điểm thẩm định» còn trống")
    _refused(conn, catalog, b"not a workbook", "không phải tệp Excel")
    other = openpyxl.Workbook()
    other.active["A1"] = "Bảng khác"
    _refused(conn, catalog, _bytes(other), "không thấy bảng của Biểu tự chấm điểm")


def test_only_the_office_imports_the_appraisal(conn, catalog):
    with pytest.raises(PermissionDenied, match="nhập kết quả thẩm định"):
        import_appraisal(conn, catalog, COORDINATOR, "2026-Q3", _appraised(conn, catalog, {1: (1, "")}), "td.xlsx",
                         as_of=TODAY)
    assert quarter_appraisal(conn, catalog, "2026-Q3") is None


# ── evidence documents: number, date, summary ────────────────────────────────

def test_an_evidence_document_carries_its_number_date_and_summary_into_the_bieu(conn, catalog):
    item, _ = ev.attach_link(conn, catalog, OFFICE, "2026-Q3", "ATTT_MA_DOC", None, "https://x.vn/bb",
                             "", doc_number="05/BB-UBND", doc_date=dt.date(2026, 7, 1),
                             summary="Biên bản nghiệm thu cài đặt phần mềm diệt mã độc")
    assert (item.doc_number, item.doc_date, item.summary) == ("05/BB-UBND", dt.date(2026, 7, 1),
                                                              "Biên bản nghiệm thu cài đặt phần mềm diệt mã độc")
    again = ev.quarter_board(conn, catalog, "2026-Q3")
    assert any(i.doc_number == "05/BB-UBND" for s in again for i in s.items)
    ws = _bieu(conn, catalog).active
    stt = [i.id for g in catalog.groups for i in catalog.indicators_of_group(g)].index("ATTT_MA_DOC") + 1
    cell = ws.cell(_row_of(ws, stt), _column(ws, "Tài liệu kiểm chứng")).value
    assert cell.startswith("Số 05/BB-UBND ngày 01/07/2026 — Trích yếu: Biên bản nghiệm thu cài đặt phần mềm "
                           "diệt mã độc — https://x.vn/bb — gửi ")
    assert cell.endswith(" — chờ duyệt")


# ── the command line ─────────────────────────────────────────────────────────

def test_the_commands(db_target, conn, catalog, tmp_path, capsys):
    from common import add_user
    add_user(db_target, "vanphong", "office")
    base = ["--db", str(db_target)]
    assert main([*base, "explain", "--quarter", "2026-Q3", "--indicator", "DVC_SO_HOA", "--text",
                 "Thiếu máy quét", "--by", "vanphong"]) == 0
    capsys.readouterr()
    assert main([*base, "explain", "list", "--quarter", "2026-Q3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["explanations"][0]["text"] == "Thiếu máy quét" and "DVC_SO_HOA" not in out["losing_without"]
    assert main([*base, "evidence", "add", "--quarter", "2026-Q3", "--indicator", "ATTT_MA_DOC", "--link",
                 "https://x.vn/a", "--doc-number", "12/QĐ-UBND", "--doc-date", "05/07/2026", "--summary",
                 "Quyết định giao nhiệm vụ", "--by", "vanphong"]) == 0
    bad = tmp_path / "sai.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(_appraised(conn, catalog, {1: ("x", "")})))
    wb.save(bad)
    capsys.readouterr()
    assert main([*base, "appraisal", "import", str(bad), "--quarter", "2026-Q3", "--by", "vanphong"]) == 2
    err = capsys.readouterr().err
    assert "không nhập tệp «sai.xlsx» (không ghi gì)" in err and "không phải một số điểm" in err
    good = tmp_path / "td.xlsx"
    good.write_bytes(_appraised(conn, catalog, {1: (1.5, "Thiếu biên bản")}))
    assert main([*base, "appraisal", "import", str(good), "--quarter", "2026-Q3", "--by", "vanphong"]) == 0
    assert "điểm thẩm định 1,5" in capsys.readouterr().out
    assert main([*base, "appraisal", "show", "--quarter", "2026-Q3", "--as-of", str(TODAY)]) == 0
    shown = capsys.readouterr().out
    assert "điểm thẩm định 1,5" in shown and "HT_MAY_TINH" in shown and "Thiếu biên bản" in shown
