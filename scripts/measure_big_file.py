"""A hostile workbook: the monthly template with 100 000 extra data rows (~1,4 MB).

Prints how long the check (and the annotated copy, if asked) takes and the process's peak memory:
    .venv/bin/python scripts/measure_big_file.py [--rows 100000] [--annotate] [--save FILE]
Run it in a fresh process: the peak RSS printed is that of the whole check.
"""
from __future__ import annotations

import argparse
import io
import re
import resource
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpi.domain.catalog import load_catalog  # noqa: E402
from kpi.domain.periods import Month  # noqa: E402
from kpi.ingest import annotate_workbook, check_workbook  # noqa: E402
from kpi.reports.template import build_template  # noqa: E402
from kpi.settings import DEFAULT_CONFIG  # noqa: E402


def big_workbook(rows: int, catalog=None) -> bytes:
    """The TTPVHCC template of 2024-06 with `rows` junk rows appended to its data sheet."""
    catalog = catalog or load_catalog(DEFAULT_CONFIG)
    data = build_template(catalog, Month(2024, 6), "TTPVHCC")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/") and b"<sheetData" in body and \
                    _is_data_sheet(src, info.filename):
                body = _append_rows(body, rows)
            z.writestr(info.filename, body)
    return out.getvalue()


def _is_data_sheet(src: zipfile.ZipFile, part: str) -> bool:
    return part.endswith("sheet1.xml")


def _append_rows(body: bytes, rows: int) -> bytes:
    last = max((int(m) for m in re.findall(rb'<row r="(\d+)"', body)), default=0)
    extra = "".join(f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>X{r}</t></is></c>'
                    f'<c r="E{r}"><v>{r}</v></c><c r="F{r}"><v>{r + 1}</v></c></row>'
                    for r in range(last + 1, last + 1 + rows))
    return body.replace(b"</sheetData>", extra.encode() + b"</sheetData>", 1)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--annotate", action="store_true")
    ap.add_argument("--save", type=Path)
    args = ap.parse_args()
    catalog = load_catalog(DEFAULT_CONFIG)
    data = big_workbook(args.rows, catalog)
    if args.save:
        args.save.write_bytes(data)
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    result = check_workbook(data, "lon.xlsx", catalog)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    annotate_seconds = annotate_cpu = 0.0
    if args.annotate:
        t1, c1 = time.perf_counter(), time.process_time()
        try:
            annotate_workbook(data, result.problems)
        except ValueError as e:      # refused before openpyxl ever opens it
            print("annotate refused:", e)
        annotate_seconds, annotate_cpu = time.perf_counter() - t1, time.process_time() - c1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"rows={args.rows} bytes={len(data)} problems={len(result.problems)} "
          f"check_seconds={seconds:.2f} annotate_seconds={annotate_seconds:.2f} "
          f"check_cpu_seconds={cpu:.2f} annotate_cpu_seconds={annotate_cpu:.2f} "
          f"peak_rss_mb={peak / 1024:.0f} rss_before_check_mb={start_rss / 1024:.0f}")
    print("first problem:", result.problems[0].message if result.problems else "—")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
