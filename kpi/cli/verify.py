"""`verify`: database, kept files and journal agree (exit 0) or every difference is named (exit 1)."""
from __future__ import annotations

from kpi.usecases.record import settle, verify


def register(sub):
    p = sub.add_parser("verify", help="đối chiếu cơ sở dữ liệu, tệp đã lưu và nhật ký")
    p.add_argument("--fix", action="store_true",
                   help="sau một lần máy tắt đột ngột: viết lại nhật ký theo cơ sở dữ liệu và chuyển "
                        "tệp không thuộc lần gửi nào sang thư mục riêng")
    p.set_defaults(handler=run)


def run(args, ctx):
    conn = ctx.conn
    if args.fix:
        for action in settle(conn, ctx.uploads_dir):
            print(f"Đã {action}.")
    diffs = verify(conn, ctx.uploads_dir)
    if not diffs:
        print(f"Khớp: cơ sở dữ liệu {ctx.db_label}, tệp đã lưu và nhật ký ở {ctx.uploads_dir}.")
        return 0
    print(f"✖ {len(diffs)} chỗ không khớp giữa cơ sở dữ liệu {ctx.db_label}, tệp đã lưu và nhật ký:")
    for d in diffs:
        print(f"  - {d}")
    return 1
