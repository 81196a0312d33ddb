"""`template`: write the monthly Excel template of one unit, or of all units in one workbook."""
from pathlib import Path

from kpi.cli.context import UserError, not_written
from kpi.domain.periods import Month
from kpi.reports.template import TemplateError, build_template


def register(sub):
    p = sub.add_parser("template", help="tạo tệp Excel mẫu nhập số liệu tháng")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="mã đơn vị, ví dụ CA")
    who.add_argument("--all-units", action="store_true",
                     help="một tệp với một trang «Số liệu <mã>» cho mỗi đơn vị")
    p.add_argument("--period", required=True, help="tháng báo cáo, dạng 2026-05")
    p.add_argument("-o", "--output", help="tệp ra (mặc định mau-so-lieu-<mã>-<tháng>.xlsx)")
    p.set_defaults(handler=run)


def run(args, ctx):
    month = Month.parse(args.period)
    unit = None if args.all_units else args.unit
    try:
        data = build_template(ctx.catalog, month, unit)
    except TemplateError as e:
        raise UserError(str(e)) from None
    who = "tat-ca" if unit is None else unit.strip().upper()
    out = Path(args.output or f"mau-so-lieu-{who}-{month}.xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")       # a failed run never leaves half a file under the real name
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as e:
        raise not_written(out, e) from None
    finally:
        tmp.unlink(missing_ok=True)
    what = "tất cả đơn vị" if unit is None else ctx.catalog.unit_name(unit.strip().upper())
    print(f"Đã tạo tệp mẫu {out} — {what}, {month.label}.")
    return 0
