"""`explain`: the office's explanation (giải trình) of a criterion in a quarter, printed in the
Biểu's «Giải trình» column; `explain list`: the quarter's explanations and the criteria losing
points still without one."""
from __future__ import annotations

import json

from kpi.cli.context import UserError
from kpi.domain.periods import Quarter


def register(sub):
    p = sub.add_parser("explain", help="ghi giải trình của một chỉ tiêu trong quý; `explain list`: liệt kê")
    p.add_argument("action", nargs="?", choices=["list"], metavar="list",
                   help="liệt kê giải trình của quý (không ghi gì)")
    p.add_argument("--quarter", required=True, help="quý, dạng 2026-Q3")
    p.add_argument("--indicator", metavar="MÃ", help="mã chỉ tiêu (ví dụ DVC_HS_TRUC_TUYEN)")
    p.add_argument("--text", help="nội dung giải trình (chuỗi rỗng \"\": xoá giải trình)")
    p.add_argument("--by", metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản ghi (văn phòng, quản trị)")
    p.add_argument("--json", action="store_true", help="`explain list`: in dạng JSON")
    p.set_defaults(handler=run)


def run(args, ctx):
    quarter = Quarter.parse(args.quarter)
    if args.action == "list":
        return _list(args, ctx, quarter)
    missing = [o for o, v in (("--indicator", args.indicator), ("--text", args.text), ("--by", args.by))
               if v is None]
    if missing:
        raise UserError("ghi giải trình cần " + ", ".join(missing) + " (hoặc `explain list --quarter …`).")
    from kpi.usecases.accounts import active_actor
    from kpi.usecases.explanations import explain
    actor = active_actor(ctx.conn, args.by)
    kept = explain(ctx.conn, ctx.catalog, actor, quarter, args.indicator, args.text)
    code = args.indicator.strip().upper()
    print(f"Đã ghi giải trình của {code} {quarter.label} ({actor.who})." if kept else
          f"Đã xoá giải trình của {code} {quarter.label} ({actor.who}).")
    return 0


def _list(args, ctx, quarter: Quarter) -> int:
    ctx.reads_only = True   # a read command: the store is never written, catalogue included
    from kpi.present import texts
    from kpi.usecases.explanations import losing_explanations, quarter_explanations
    from kpi.usecases.period_result import period_result
    written = quarter_explanations(ctx.conn, ctx.catalog, quarter)
    result = period_result(ctx.conn, ctx.catalog, quarter, as_of=ctx.today)
    losing = losing_explanations(result.commune, written)
    if args.json:
        print(json.dumps({"quarter": str(quarter), "explanations": [
            {"indicator": k, "text": e.text, "by": e.written_by, "at": e.written_at.isoformat(timespec="seconds")}
            for k, e in written.items()],
            "losing_without": [i for i, _, _, e in losing if e is None]}, ensure_ascii=False, indent=1))
        return 0
    print(f"Giải trình {quarter.label}: {len(written)} chỉ tiêu có giải trình; "
          f"{sum(e is None for *_, e in losing)}/{len(losing)} chỉ tiêu mất điểm chưa có giải trình.")
    for ind_id, name, lost, e in losing:
        print(f"- {ind_id} ({texts.points_change(-lost)} điểm) {name}: "
              + (e.text if e else "chưa có giải trình"))
    for ind_id, e in written.items():
        if all(ind_id != i for i, *_ in losing):
            print(f"- {ind_id}: {e.text}")
    return 0
