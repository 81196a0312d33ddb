"""Benchmark the monthly Excel import on a realistic year: every unit × 12 months.

Prints, per file kind, the median time to import (check + keep the raw file + store), the
median time of the check alone (read + validate), and the median time to merely read the same
file with python-calamine (the floor), with the ratios. Goal: < 150 ms per unit-month file,
and the all-units workbook within 3× the bare read. The files are imported as the office account
would (role "office": it writes every unit), the catalogue stored by the program itself (role
"system"), as the app does: the rights stay as they are.

    .venv/bin/python scripts/bench_import.py [--months 12] [--quick]

`--quick` (`make bench-smoke`): two months, one read per file for the floor and the check.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from kpi import store  # noqa: E402
from kpi.domain.catalog import load_catalog  # noqa: E402
from kpi.domain.figures import Actor  # noqa: E402
from kpi.ingest import check_workbook  # noqa: E402
from kpi.reports.template import build_template  # noqa: E402
from kpi.usecases.demo import build_demo  # noqa: E402
from kpi.usecases.importing import import_workbook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 23)
OFFICE = Actor("Đo hiệu năng", role="office")     # who imports: the office writes every unit
SYSTEM = Actor("Đo hiệu năng", role="system")     # who stores the catalogue, as the app does on start


def fill(ws, sub) -> None:
    rows = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
    for f in sub.figures:
        r = rows[f.indicator_id]
        if f.value is not None:
            ws.cell(r, 7, f.value)
        else:
            ws.cell(r, 5, f.numerator)
            ws.cell(r, 6, f.denominator)


def to_bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def make_files(catalog, months: int):
    """Unit files and one all-units workbook per month, filled with the demo's figures."""
    subs = {(s.unit, s.period): s for s in build_demo(catalog, months, TODAY)}
    periods = sorted({p for _, p in subs})
    unit_files, all_files = [], []
    for period in periods:
        all_wb = openpyxl.load_workbook(io.BytesIO(build_template(catalog, period, None)))
        for u in catalog.units:
            sub = subs.get((u.code, period))
            if sub is None:
                continue
            wb = openpyxl.load_workbook(io.BytesIO(build_template(catalog, period, u.code)))
            fill(wb["Số liệu"], sub)
            unit_files.append((f"{u.code}-{period}.xlsx", to_bytes(wb)))
            fill(all_wb[f"Số liệu {u.code}"], sub)
        all_files.append((f"tat-ca-{period}.xlsx", to_bytes(all_wb)))
    return unit_files, all_files


def calamine_read(data: bytes) -> None:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()


def timed(fn, *args, **kw) -> float:
    t = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - t


def bench(kind: str, files, catalog, conn, uploads: Path, reads: int = 3) -> None:
    imports, checks, floors = [], [], []
    for name, data in files:
        floors.append(min(timed(calamine_read, data) for _ in range(reads)))
        checks.append(min(timed(check_workbook, data, name, catalog, today=TODAY) for _ in range(reads)))
        t = time.perf_counter()
        result = import_workbook(conn, catalog, data, name, OFFICE, uploads, today=TODAY)
        imports.append(time.perf_counter() - t)
        assert result.ok and result.created, (name, [str(p) for p in result.check.problems])
    med = statistics.median
    print(f"{kind}: {len(files)} tệp, trung bình {med(len(d) for _, d in files) / 1024:.1f} KB")
    print(f"  nhập (kiểm tra + lưu tệp + ghi CSDL): trung vị {med(imports) * 1000:7.1f} ms/tệp")
    print(f"  chỉ kiểm tra (đọc + xác thực):        trung vị {med(checks) * 1000:7.1f} ms/tệp")
    print(f"  chỉ đọc bằng python-calamine (sàn):   trung vị {med(floors) * 1000:7.1f} ms/tệp")
    print(f"  tỷ lệ kiểm tra / sàn = {med(checks) / med(floors):.1f}×; "
          f"nhập / sàn = {med(imports) / med(floors):.1f}×")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="two months, one read per file (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.months = min(args.months, 2)
    catalog = load_catalog(ROOT / "config" / "indicators.toml")
    t = time.perf_counter()
    unit_files, all_files = make_files(catalog, args.months)
    print(f"Tạo {len(unit_files)} tệp đơn vị và {len(all_files)} tệp tất cả đơn vị "
          f"({time.perf_counter() - t:.1f} s, không tính vào đo).")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, files in (("Tệp một đơn vị, một tháng", unit_files),
                            ("Tệp tất cả đơn vị, một tháng", all_files)):
            db = Path(tmp) / f"{len(files)}.duckdb"
            conn = store.connect(db)
            store.sync_catalog(conn, catalog, SYSTEM)
            bench(kind, files, catalog, conn, Path(tmp) / f"uploads-{len(files)}", reads=1 if args.quick else 3)
            conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
