"""`close`: close a quarter (office or admin): its months refuse uploads, its score is frozen."""
from kpi.domain.periods import Quarter
from kpi.usecases.accounts import active_actor
from kpi.usecases.closing import close


def register(sub):
    p = sub.add_parser("close", help="khoá sổ một quý (giữ nguyên kết quả chấm điểm)")
    p.add_argument("--quarter", required=True, help="quý, dạng 2026-Q2")
    p.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản thực hiện (office hoặc admin)")
    p.set_defaults(handler=run)


def run(args, ctx):
    quarter = Quarter.parse(args.quarter)
    actor = active_actor(ctx.conn, args.by)
    close(ctx.conn, ctx.catalog, actor, quarter, as_of=ctx.today)
    print(f"Đã khoá sổ {quarter.label} ({actor.who}). Kết quả chấm điểm quý được giữ nguyên.")
    return 0
