"""Small workbooks of large cost: each built from the monthly template, each checked in its own process.

    .venv/bin/python scripts/measure_hostile.py [--timeout 60] [CASE …]

Prints, for each case, the file's size, whether the check refused it, how long the check took and the
checking process's peak memory (RSS). `--file F` checks one saved file (used by the others and the tests).
"""
from __future__ import annotations

import argparse
import io
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHEET1 = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def template() -> bytes:
    from kpi.domain.catalog import load_catalog
    from kpi.domain.periods import Month
    from kpi.reports.template import build_template
    from kpi.settings import DEFAULT_CONFIG
    return build_template(load_catalog(DEFAULT_CONFIG), Month(2024, 6), "TTPVHCC")


def rezip(data: bytes, parts: dict[str, bytes | Callable[[bytes], bytes]]) -> bytes:
    """`data` with some parts replaced (bytes) or rewritten (a function of the old bytes) or added."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            new = parts.get(info.filename)
            body = new(body) if callable(new) else body if new is None else new
            z.writestr(info.filename, body)
        for name, new in parts.items():
            if name not in src.namelist() and isinstance(new, bytes):
                z.writestr(name, new)
    return out.getvalue()


def _before_sheet_data_end(extra: bytes) -> Callable[[bytes], bytes]:
    return lambda body: body.replace(b"</sheetData>", extra + b"</sheetData>", 1)


def wide_row(cells: int = 400_000, sep: str = " ") -> bytes:
    """One `<row>` holding `cells` cells (`sep` after the element name `c`)."""
    row = ('<row r="100">' + "".join(f'<c{sep}t="n"><v>{i}</v></c>' for i in range(cells))
           + "</row>").encode()
    return rezip(template(), {SHEET1: _before_sheet_data_end(row)})


def many_rows(rows: int = 100_000, sep: str = "\n") -> bytes:
    """`rows` rows written `<row{sep}r="…">`: a newline or a tab where the count looked for a space."""
    extra = "".join(f'<row{sep}r="{r}"><c r="E{r}"><v>{r}</v></c></row>' for r in range(100, 100 + rows))
    return rezip(template(), {SHEET1: _before_sheet_data_end(extra.encode())})


def prefixed_rows(rows: int = 100_000) -> bytes:
    """A sheet whose elements carry a namespace prefix: `<x:row>`, `<x:c>`."""
    body = "".join(f'<x:row r="{r}"><x:c r="E{r}"><x:v>{r}</x:v></x:c></x:row>' for r in range(1, rows + 1))
    sheet = f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>{body}</x:sheetData></x:worksheet>'
    return rezip(template(), {SHEET1: sheet.encode()})


def listed_many_times(times: int = 15_000, part_bytes: int = 0) -> bytes:
    """`xl/workbook.xml` listing the data sheet `times` times, its part padded to `part_bytes`."""
    # `xmlns:r` on each element: openpyxl declares it there when it writes with lxml, not on the root
    sheets = "".join(f'<sheet xmlns:r="{R_NS}" name="S{i}" sheetId="{i}" r:id="rId1"/>' for i in range(1, times + 1))

    def workbook(body: bytes) -> bytes:
        return re.sub(rb"<sheets>.*</sheets>", f"<sheets>{sheets}</sheets>".encode(), body, flags=re.S)
    parts: dict[str, bytes | Callable[[bytes], bytes]] = {"xl/workbook.xml": workbook}
    if part_bytes:
        # long text in fewer rows than the row limit: each listing used to cost a full parse
        per_row = 2000
        words = " ".join(str(i * 7919 % 1_000_003) for i in range(per_row // 8))
        rows = "".join(f'<row r="{r}"><c r="C{r}" t="inlineStr"><is><t>{r} {words}</t></is></c></row>'
                       for r in range(200, 200 + part_bytes // per_row))
        parts[SHEET1] = _before_sheet_data_end(rows.encode())
    return rezip(template(), parts)


def huge_shared_strings(count: int = 600_000) -> bytes:
    """A shared-string table of `count` strings (no cell uses them)."""
    table = (f'<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'
             + "".join(f"<si><t>{i}</t></si>" for i in range(count)) + "</sst>").encode()
    return rezip(template(), {"xl/sharedStrings.xml": table})


def many_styles(count: int = 300_000) -> bytes:
    """A style table of `count` cell formats: no cell, row or sheet, only elements."""
    xfs = "".join(f'<xf numFmtId="{i}"/>' for i in range(count))
    return rezip(template(), {"xl/styles.xml": lambda body: re.sub(
        rb"<cellXfs[^>]*>", f'<cellXfs count="{count}">{xfs}'.encode(), body, count=1)})


def at_the_caps(rows: int = 1950, per_row: int = 25) -> bytes:
    """Just under the row and cell caps (and 40 000 shared strings): must still be read quickly."""
    from kpi.ingest.xlsx import col_letter
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{col_letter(c)}{r}"><v>{r * c}</v></c>'
                                               for c in range(1, per_row + 1)) + "</row>"
                   for r in range(100, 100 + rows))
    table = (f'<sst xmlns="{MAIN_NS}">' + "".join(f"<si><t>{i}</t></si>" for i in range(40_000))
             + "</sst>").encode()
    return rezip(template(), {SHEET1: _before_sheet_data_end(body.encode()),
                              "xl/sharedStrings.xml": table})


CASES: dict[str, Callable[[], bytes]] = {
    "template": template,
    "at_the_caps": at_the_caps,
    "row_400000_cells": wide_row,
    "row_400000_cells_tab": lambda: wide_row(sep="\t"),
    "sheet_listed_15000": listed_many_times,
    "part_2mb_listed_500": lambda: listed_many_times(500, 2 * 1024 * 1024),
    "part_2mb_listed_50": lambda: listed_many_times(50, 2 * 1024 * 1024),
    "rows_newline_100000": many_rows,
    "rows_tab_100000": lambda: many_rows(sep="\t"),
    "rows_prefixed_100000": prefixed_rows,
    "shared_strings_600000": huge_shared_strings,
    "shared_strings_60000": lambda: huge_shared_strings(60_000),
    "styles_300000": many_styles,
}


def check_file(path: Path) -> int:
    """Check one file in this process; print the problems' count, the first one, seconds and peak RSS."""
    from kpi.domain.catalog import load_catalog
    from kpi.ingest import check_workbook
    from kpi.settings import DEFAULT_CONFIG
    catalog = load_catalog(DEFAULT_CONFIG)
    data = path.read_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    result = check_workbook(data, path.name, catalog)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"problems={len(result.problems)} check_seconds={seconds:.2f} check_cpu_seconds={cpu:.2f} "
          f"peak_rss_mb={peak / 1024:.0f}")
    print("first problem:", result.problems[0].message if result.problems else "—")
    return 0


# Linux keeps a process's highest RSS across fork and exec: the checking process is started by a
# small one, so the peak it reports is its own, not that of the process that built the files.
FROM_A_SMALL_PROCESS = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def measure(path: Path, timeout: float) -> str:
    try:
        out = subprocess.run([sys.executable, "-c", FROM_A_SMALL_PROCESS, sys.executable, __file__,
                              "--file", str(path)], capture_output=True, text=True, timeout=timeout).stdout
    except subprocess.TimeoutExpired:
        return f"timeout: more than {timeout:.0f} s"
    return out.strip()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*", choices=[[], *CASES], default=[])
    ap.add_argument("--file", type=Path)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    if args.file:
        return check_file(args.file)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases or CASES:
            path = Path(tmp) / f"{name}.xlsx"
            path.write_bytes(CASES[name]())
            print(f"{name} ({path.stat().st_size:,} bytes): {measure(path, args.timeout)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
