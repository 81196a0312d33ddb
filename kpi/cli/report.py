"""`report`: the quarter's self-scoring table (.xlsx) or one-page meeting summary (.pdf)."""
from pathlib import Path

from kpi.cli.context import UserError
from kpi.domain.periods import Quarter
from kpi.usecases.reports import quarter_report

FORMATS = (".xlsx", ".pdf")


def register(sub):
    p = sub.add_parser("report", help="xuất Biểu tự chấm điểm (.xlsx) hoặc bản tóm tắt (.pdf)")
    p.add_argument("--quarter", required=True, help="quý, dạng 2026-Q2")
    p.add_argument("--unit", help="mã đơn vị (bỏ trống: toàn xã)")
    p.add_argument("-o", "--output", required=True,
                   help="tệp kết quả; đuôi .xlsx (Biểu tự chấm điểm) hoặc .pdf (bản tóm tắt)")
    p.set_defaults(handler=run)


def run(args, ctx):
    quarter = Quarter.parse(args.quarter)
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"Tệp «{out.name}» phải có đuôi .xlsx hoặc .pdf (định dạng lấy theo đuôi tệp).")
    catalog = ctx.catalog
    unit = args.unit.strip().upper() if args.unit else None
    if unit is not None and unit not in {u.code for u in catalog.units}:
        raise UserError(f"Không có đơn vị mã «{args.unit}» trong danh mục. Các mã: "
                        + ", ".join(u.code for u in catalog.units))
    if not out.parent.exists():
        raise UserError(f"Thư mục «{out.parent}» không tồn tại.")
    data = quarter_report(ctx.conn, catalog, quarter, suffix.lstrip("."), unit)
    what = "Biểu tự chấm điểm" if suffix == ".xlsx" else "Bản tóm tắt"
    # written beside, then moved: a failed run never leaves half a file under the real name
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UserError(f"Không ghi được tệp «{out}»: {e.strerror or e}.") from None
    print(f"Đã xuất {what} {quarter.label} vào {out} ({len(data):,} byte).".replace(",", "."))
    return 0
