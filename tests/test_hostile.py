"""Hostile files cost little and never leak: row/problem/annotation bounds, macro workbooks, a
sheet named like a formula, type and size refused in Vietnamese."""
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl

from kpi.ingest import annotate_workbook, check_workbook
from kpi.ingest.annotate import MAX_ANNOTATED_CELLS, SUMMARY_SHEET
from kpi.ingest.check import MAX_PROBLEMS
from kpi.ingest.safety import MAX_FILE_BYTES
from kpi.ingest.xlsx import MAX_SHEET_ROWS
from tests.ingest_helpers import filled, patch_part

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from measure_big_file import big_workbook  # noqa: E402

CHECK_SECONDS_BOUND = 2.0     # README: a 100 000-row file is refused within 2 s …
PEAK_RSS_BOUND_MB = 400       # … in a process that peaks below 400 MB (building the file included)


def test_bounds_are_the_documented_numbers():
    assert (MAX_SHEET_ROWS, MAX_PROBLEMS, MAX_ANNOTATED_CELLS, MAX_FILE_BYTES) == \
        (2000, 200, 200, 20 * 1024 * 1024)


# Linux keeps a process's highest RSS across fork and exec: a process started straight from a test
# worker that has grown past the bound would report the worker's peak as its own. The measuring script
# runs as the child of a small process instead, so the peak it reports is its own.
FROM_A_SMALL_PROCESS = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def test_a_100000_row_file_is_refused_in_seconds_with_bounded_memory():
    out = subprocess.run([sys.executable, "-c", FROM_A_SMALL_PROCESS,
                          sys.executable, str(ROOT / "scripts" / "measure_big_file.py"),
                          "--rows", "100000", "--annotate"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120).stdout
    nums = dict(re.findall(r"(\w+)=([\d.]+)", out))
    assert nums["problems"] == "1"
    assert float(nums["check_seconds"]) < CHECK_SECONDS_BOUND
    assert float(nums["annotate_seconds"]) < CHECK_SECONDS_BOUND
    assert float(nums["peak_rss_mb"]) < PEAK_RSS_BOUND_MB
    assert "trang tính «Số liệu» có 100.021 dòng, quá 2.000 dòng" in out


def test_problems_listed_are_bounded(catalog):
    data = big_workbook(MAX_SHEET_ROWS - 100, catalog)
    result = check_workbook(data, "x.xlsx", catalog)
    assert len(result.problems) == MAX_PROBLEMS + 1
    assert result.problems[-1].message == (f"Tệp: còn {MAX_SHEET_ROWS - 100 - MAX_PROBLEMS} lỗi khác "
                                           "không liệt kê (chỉ hiện 200 đầu tiên); hãy sửa những "
                                           "chỗ trên rồi gửi lại.")
    marked = openpyxl.load_workbook(io.BytesIO(annotate_workbook(data, result.problems)))
    red = sum(1 for ws in marked.worksheets for row in ws.iter_rows() for c in row if c.comment)
    assert red == MAX_ANNOTATED_CELLS


def test_macro_workbook_is_refused(catalog):
    data = filled(catalog, period="2024-06")
    types = patch_part(data, "[Content_Types].xml", lambda x: x.replace(
        "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'))
    buf = io.BytesIO(types)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    for bad in (buf.getvalue(), types):
        result = check_workbook(bad, "bao-cao.xlsx", catalog)
        assert [p.message for p in result.problems] == [
            "Tệp: tệp có chứa macro (VBA, sổ tính .xlsm). Vì an toàn hệ thống không nhận tệp có "
            "macro: hãy mở bằng Excel, «Lưu thành» Sổ làm việc Excel (.xlsx) rồi gửi lại."]


def test_a_sheet_named_like_a_formula_stays_text_in_the_annotated_copy(catalog):
    def rename(wb, ws):
        ws.title = "=1+2"
        ws["E15"] = "ba trăm"
    data = filled(catalog, period="2024-06", edit=rename)
    result = check_workbook(data, "x.xlsx", catalog)
    assert not result.ok
    marked = openpyxl.load_workbook(io.BytesIO(annotate_workbook(data, result.problems)))
    summary = marked[SUMMARY_SHEET]
    cells = [c for row in summary.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)
    assert any(str(c.value).startswith("=1+2") for c in cells)


def test_too_large_and_wrong_type_are_refused_in_vietnamese(catalog):
    big = b"PK" + b"\0" * (MAX_FILE_BYTES + 1)
    assert check_workbook(big, "x.xlsx", catalog).problems[0].message.startswith(
        "Tệp: tệp quá lớn (20.0 MB, tối đa 20 MB)")
    assert check_workbook(b"%PDF-1.4", "x.pdf", catalog).problems[0].message.startswith(
        "Tệp: không phải tệp Excel .xlsx (tệp PDF)")
