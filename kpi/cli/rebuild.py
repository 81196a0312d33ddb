"""`rebuild --from DIR`: replay the kept upload files, in their order, into an empty database.

It never reports success while a file would be skipped, guessed or invented: with a missing or
broken journal, a missing or changed kept file, or a kept file the journal does not list, it stops
with the list and writes nothing."""
from __future__ import annotations

from pathlib import Path

from kpi.cli.context import UserError
from kpi.store import content_counts
from kpi.usecases.record import plan_rebuild, rebuild


def register(sub):
    p = sub.add_parser("rebuild", help="dựng lại cơ sở dữ liệu (rỗng) từ các tệp đã lưu")
    p.add_argument("--from", dest="source", required=True, metavar="THƯ_MỤC",
                   help="thư mục tệp đã lưu của cơ sở dữ liệu cũ (ví dụ data/kpi.uploads)")
    p.add_argument("--commune", metavar="MÃ_XÃ", help="mã xã (khi danh mục có nhiều xã)")
    p.set_defaults(handler=run)


def run(args, ctx):
    ctx.commune = args.commune
    source = Path(args.source)
    if not source.is_dir():
        raise UserError(f"Không tìm thấy thư mục {source}.")
    plan = plan_rebuild(source)
    if plan.problems:
        print(f"✖ Không dựng lại từ {source} — không ghi gì:")
        for p in plan.problems:
            print(f"  - {p}")
        return 1
    conn = ctx.conn
    if content_counts(conn)["uploads"]:
        raise UserError(f"Cơ sở dữ liệu {ctx.db_label} đã có số liệu; chỉ dựng lại vào cơ sở dữ "
                        "liệu rỗng (dùng --db với một tệp mới).")
    if source.resolve() == ctx.uploads_dir.resolve():
        raise UserError("Thư mục nguồn trùng thư mục tệp của cơ sở dữ liệu mới; dùng --db với "
                        "một tệp ở chỗ khác.")
    differences = rebuild(conn, ctx.catalog, plan, ctx.uploads_dir, source)
    if differences:
        print(f"✖ Dựng lại {ctx.db_label} không khớp nhật ký:")
        for d in differences:
            print(f"  - {d}")
        return 1
    created = sum(len(e.get("units") or []) for e in plan.entries)
    print(f"Đã dựng lại {ctx.db_label}: {len(plan.entries)} tệp, {created} lần gửi số liệu, "
          "khớp nhật ký.")
    return 0
