"""`appraisal import`: the city's appraisal (thẩm định) of a quarter's Biểu, brought back (all or
nothing, each problem by cell; a re-import replaces the quarter's previous one; accepted in a closed
quarter); `appraisal show`: the appraised total and the criteria where it differs from the
self-score."""
from __future__ import annotations

import json
from pathlib import Path

from kpi.cli.context import UserError, add_as_of, as_of_of
from kpi.domain.periods import Quarter


def register(sub):
    p = sub.add_parser("appraisal", help="kết quả thẩm định của thành phố: nhập Biểu đã thẩm định, xem chênh lệch")
    inner = p.add_subparsers(dest="appraisal_command", metavar="VIỆC")
    inner.required = True
    imp = inner.add_parser("import", help="nhập Biểu thành phố trả về (cột «Điểm thẩm định» đã ghi)")
    imp.add_argument("file", metavar="TỆP", help="tệp .xlsx")
    imp.add_argument("--quarter", required=True, help="quý, dạng 2026-Q3")
    imp.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản nhập (văn phòng, quản trị)")
    imp.set_defaults(handler=run_import)
    show = inner.add_parser("show", help="điểm thẩm định và các chỉ tiêu chênh lệch với điểm tự chấm")
    show.add_argument("--quarter", required=True, help="quý, dạng 2026-Q3")
    show.add_argument("--json", action="store_true", help="in dạng JSON")
    add_as_of(show, "điểm tự chấm")
    show.set_defaults(handler=run_show)


def run_import(args, ctx):
    from kpi.usecases.accounts import active_actor
    from kpi.usecases.appraisal import AppraisalRefused, import_appraisal
    quarter = Quarter.parse(args.quarter)
    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"Không có tệp «{args.file}».")
    actor = active_actor(ctx.conn, args.by)
    try:
        kept = import_appraisal(ctx.conn, ctx.catalog, actor, quarter, path.read_bytes(), path.name, as_of=ctx.today)
    except AppraisalRefused as e:
        raise UserError(f"không nhập tệp «{path.name}» (không ghi gì):\n"
                        + "\n".join(f"  - {p.message}" for p in e.problems)) from None
    from kpi.present import texts
    print(f"Đã nhập kết quả thẩm định {quarter.label} từ «{path.name}»: {len(kept.rows)} chỉ tiêu, "
          f"điểm thẩm định {texts.points(kept.total)} ({actor.who}).")
    return 0


def run_show(args, ctx):
    ctx.reads_only = True   # a read command: the store is never written, catalogue included
    from kpi.present import texts
    from kpi.usecases.appraisal import differences, quarter_appraisal
    from kpi.usecases.period_result import period_result
    quarter = Quarter.parse(args.quarter)
    kept = quarter_appraisal(ctx.conn, ctx.catalog, quarter)
    if kept is None:
        raise UserError(f"{quarter.label} chưa có kết quả thẩm định (nhập bằng `appraisal import`).")
    result = period_result(ctx.conn, ctx.catalog, quarter, as_of=as_of_of(args, ctx))
    diffs = differences(result, kept)
    if args.json:
        print(json.dumps({"quarter": str(quarter), "self_total": result.commune.total_points,
                          "appraised_total": kept.total, "file_name": kept.file_name, "by": kept.imported_by,
                          "at": kept.imported_at.isoformat(timespec="seconds"),
                          "differences": [{"indicator": d.indicator.id, "self": d.own, "appraised": d.appraised,
                                           "comment": d.comment} for d in diffs]}, ensure_ascii=False, indent=1))
        return 0
    print(f"{quarter.label}: điểm tự chấm {texts.points(result.commune.total_points)} — điểm thẩm định "
          f"{texts.points(kept.total)} (nhập {texts.datetime(kept.imported_at)}, {kept.imported_by}).")
    for d in diffs:
        print(f"- {d.indicator.id} {d.indicator.name}: tự chấm {texts.points(d.own)}, thẩm định "
              f"{texts.points(d.appraised)}" + (f" — {d.comment}" if d.comment else ""))
    return 0
