"""`reopen`: reopen a closed quarter (admin only, with a reason)."""
from kpi.domain.periods import Quarter
from kpi.usecases.accounts import active_actor
from kpi.usecases.closing import reopen


def register(sub):
    p = sub.add_parser("reopen", help="mở lại một quý đã khoá sổ (quản trị, cần lý do)")
    p.add_argument("--quarter", required=True, help="quý, dạng 2026-Q2")
    p.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản quản trị")
    p.add_argument("--reason", default="", help="lý do mở lại (bắt buộc)")
    p.set_defaults(handler=run)


def run(args, ctx):
    quarter = Quarter.parse(args.quarter)
    actor = active_actor(ctx.conn, args.by)
    reopen(ctx.conn, ctx.catalog, actor, quarter, args.reason)
    print(f"Đã mở lại {quarter.label} ({actor.who}). Lý do: {args.reason.strip()}")
    return 0
