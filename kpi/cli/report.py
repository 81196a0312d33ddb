"""`report`: the quarter's self-scoring table (.xlsx) or one-page meeting summary (.pdf); with
`--cover` the report sent to the city (.docx or .pdf)."""
from pathlib import Path

from kpi.cli.context import UserError, add_as_of, as_of_of, not_written
from kpi.domain.periods import Quarter
from kpi.usecases.reports import cover_report, quarter_report

FORMATS = (".xlsx", ".pdf")
COVER_FORMATS = (".docx", ".pdf")


def register(sub):
    p = sub.add_parser("report", help="xuất Biểu tự chấm điểm (.xlsx) hoặc bản tóm tắt (.pdf)")
    p.add_argument("--quarter", required=True, help="quý, dạng 2026-Q2")
    p.add_argument("--unit", help="mã đơn vị (bỏ trống: toàn xã)")
    p.add_argument("--commune", metavar="MÃ_XÃ", help="mã xã (khi danh mục hoặc cơ sở dữ liệu có nhiều xã)")
    p.add_argument("--city", action="store_true", help="bảng xếp hạng các xã của thành phố (.xlsx)")
    p.add_argument("--cover", action="store_true",
                   help="báo cáo kết quả tự chấm điểm gửi thành phố (.docx hoặc .pdf), có số, kính gửi, người ký")
    p.add_argument("--number", default="", metavar="SỐ", help="với --cover: số văn bản, ví dụ 27 (→ Số: 27/BC-UBND)")
    p.add_argument("--to", dest="recipient", default="", metavar="NƠI_NHẬN",
                   help="với --cover: nơi gửi sau «Kính gửi» (mặc định: Ủy ban nhân dân thành phố)")
    add_as_of(p, "điểm")
    p.add_argument("-o", "--output", required=True,
                   help="tệp kết quả; đuôi .xlsx (Biểu tự chấm điểm) hoặc .pdf (bản tóm tắt)")
    p.set_defaults(handler=run)


def _write(out: Path, data: bytes) -> None:
    """Written beside, then moved: a failed run never leaves half a file under the real name."""
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise not_written(out, e) from None


def run_city(args, ctx, quarter: Quarter, out: Path) -> int:
    from kpi.cli.context import CLI_ACTOR
    from kpi.reports.city_xlsx import city_workbook
    from kpi.usecases.city import city_scores, missed_criteria
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"Bảng xếp hạng thành phố là tệp .xlsx («{out.name}»).")
    if not out.parent.exists():
        raise UserError(f"Thư mục «{out.parent}» không tồn tại.")
    results = city_scores(ctx.conn, ctx.city, CLI_ACTOR, quarter, as_of=as_of_of(args, ctx))
    title = ctx.city.name if ctx.city.code != ctx.city.base.commune else ctx.city.base.name
    data = city_workbook(title, quarter.label, results, missed_criteria(results))
    _write(out, data)
    print(f"Đã xuất bảng xếp hạng {len(results)} xã, {quarter.label} vào {out}.")
    return 0


def run(args, ctx):
    ctx.reads_only = True   # a read command: the store is never written, catalogue included
    quarter = Quarter.parse(args.quarter)
    out = Path(args.output)
    if args.city:
        return run_city(args, ctx, quarter, out)
    ctx.commune = args.commune
    if args.cover:
        return run_cover(args, ctx, quarter, out)
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
    data = quarter_report(ctx.conn, catalog, quarter, suffix.lstrip("."), unit, as_of=as_of_of(args, ctx))
    what = "Biểu tự chấm điểm" if suffix == ".xlsx" else "Bản tóm tắt"
    _write(out, data)
    print(f"Đã xuất {what} {quarter.label} vào {out} ({len(data):,} byte).".replace(",", "."))
    return 0


def run_cover(args, ctx, quarter: Quarter, out: Path) -> int:
    suffix = out.suffix.lower()
    if suffix not in COVER_FORMATS:
        raise UserError(f"Báo cáo gửi thành phố là tệp .docx hoặc .pdf («{out.name}»; định dạng lấy theo đuôi tệp).")
    if args.unit:
        raise UserError("Báo cáo gửi thành phố là báo cáo của xã: bỏ --unit.")
    if not out.parent.exists():
        raise UserError(f"Thư mục «{out.parent}» không tồn tại.")
    data = cover_report(ctx.conn, ctx.catalog, quarter, suffix.lstrip("."), as_of=as_of_of(args, ctx),
                        number=args.number, recipient=args.recipient)
    _write(out, data)
    print(f"Đã xuất Báo cáo kết quả tự chấm điểm {quarter.label} vào {out} ({len(data):,} byte).".replace(",", "."))
    return 0
