"""`demo`: fill the database with the deterministic demo data (never over real uploads)."""
import datetime as dt

from kpi.cli.context import UserError
from kpi.store import content_counts, data_version
from kpi.usecases.demo import RealDataPresent, create_demo_accounts, load_demo


def register(sub):
    p = sub.add_parser("demo", help="tạo dữ liệu mẫu (các tháng gần nhất)")
    p.add_argument("--months", type=int, default=18, help="số tháng dữ liệu mẫu (mặc định 18)")
    p.add_argument("--communes", type=int, metavar="N",
                   help="tạo dữ liệu mẫu cho N xã trong cùng cơ sở dữ liệu (các xã của danh mục, "
                        "thêm xã giả định cho đủ N), mỗi xã một diễn biến riêng")
    p.add_argument("--if-missing", action="store_true",
                   help="chỉ tạo khi cơ sở dữ liệu chưa có số liệu nào")
    p.add_argument("--force", action="store_true",
                   help="vẫn tạo dữ liệu mẫu dù cơ sở dữ liệu đã có số liệu thật (không nên)")
    p.set_defaults(handler=run)


def run_communes(args, ctx, now: dt.datetime):
    from kpi.usecases.demo import load_city_demo
    if not 1 <= args.communes <= 1000:
        raise UserError("--communes phải từ 1 đến 1000.")
    if args.if_missing and content_counts(ctx.conn)["uploads"]:
        print(f"Cơ sở dữ liệu {ctx.db_label} đã có số liệu; không tạo dữ liệu mẫu.")
        return 0
    try:
        created = load_city_demo(ctx.conn, ctx.city, args.communes, args.months, now.date(), force=args.force,
                                 now=now)
    except RealDataPresent as e:
        raise UserError(f"{e} Cơ sở dữ liệu: {ctx.db_label}.") from None
    print(f"Đã tạo dữ liệu mẫu: {args.communes} xã, {created} lần gửi số liệu, {args.months} tháng, "
          f"vào {ctx.db_label}.")
    city = ctx.city
    first = city.communes[0].code
    accounts = create_demo_accounts(ctx.conn, city.catalog_for(first), commune=first)
    if accounts:
        print(f"Đã tạo {accounts} tài khoản mẫu (mật khẩu trong README).")
    return 0


def run(args, ctx):
    now = dt.datetime.now().replace(microsecond=0)   # the one reading of the clock of this command
    if not 1 <= args.months <= 120:
        raise UserError("--months phải từ 1 đến 120.")
    if args.communes is not None:
        return run_communes(args, ctx, now)
    if args.if_missing and data_version(ctx.conn, ctx.catalog.commune) != "0:0":
        print(f"Cơ sở dữ liệu {ctx.db_label} đã có số liệu; không tạo dữ liệu mẫu.")
        create_demo_accounts(ctx.conn, ctx.catalog)   # only where every upload is demo data
        return 0
    try:
        created = load_demo(ctx.conn, ctx.catalog, args.months, now.date(), force=args.force, now=now)
    except RealDataPresent as e:
        raise UserError(f"{e} Cơ sở dữ liệu: {ctx.db_label}.") from None
    print(f"Đã tạo dữ liệu mẫu: {created} lần gửi số liệu, {args.months} tháng, vào {ctx.db_label}.")
    accounts = create_demo_accounts(ctx.conn, ctx.catalog)
    if accounts:
        print(f"Đã tạo {accounts} tài khoản mẫu (chỉ để dùng thử; mật khẩu trong README): "
              "ví dụ đăng nhập «admin», mật khẩu «demo-admin».")
    return 0
