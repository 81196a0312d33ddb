"""`verify`: database, kept files and journal agree (exit 0) or every difference is named (exit 1)."""
from __future__ import annotations

from kpi.ingest.importer import write_journal
from kpi.usecases.record import verify


def register(sub):
    p = sub.add_parser("verify", help="đối chiếu cơ sở dữ liệu, tệp đã lưu và nhật ký")
    p.add_argument("--fix-journal", action="store_true",
                   help="viết lại nhật ký theo cơ sở dữ liệu (sau một lần máy tắt đột ngột)")
    p.set_defaults(handler=run)


def run(args, ctx):
    conn = ctx.conn
    if args.fix_journal:
        path = write_journal(conn, ctx.uploads_dir)
        print(f"Đã viết lại nhật ký {path} theo cơ sở dữ liệu.")
    diffs = verify(conn, ctx.uploads_dir)
    if not diffs:
        print(f"Khớp: cơ sở dữ liệu {ctx.db_path}, tệp đã lưu và nhật ký ở {ctx.uploads_dir}.")
        return 0
    print(f"✖ {len(diffs)} chỗ không khớp giữa cơ sở dữ liệu {ctx.db_path}, tệp đã lưu và nhật ký:")
    for d in diffs:
        print(f"  - {d}")
    return 1
