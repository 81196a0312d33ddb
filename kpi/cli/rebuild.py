"""`rebuild --from DIR`: replay the kept upload files, in their order, into an empty database.

It never reports success while a file would be skipped, guessed or invented: with a missing or
broken journal, a missing or changed kept file, or a kept file the journal does not list, it stops
with the list and writes nothing. A DuckDB file is built beside its place and moved there only when
every file replayed as the journal says: a refused rebuild leaves no database and no folder."""
from __future__ import annotations

from pathlib import Path

from kpi.cli.context import Context, UserError
from kpi.settings import Settings
from kpi.store import content_counts
from kpi.usecases.record import plan_rebuild, rebuild, rebuild_file


def register(sub):
    p = sub.add_parser("rebuild", help="dựng lại cơ sở dữ liệu (rỗng) từ các tệp đã lưu")
    p.add_argument("--from", dest="source", required=True, metavar="THƯ_MỤC",
                   help="thư mục tệp đã lưu của cơ sở dữ liệu cũ (ví dụ data/kpi.duckdb.uploads)")
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
    if source.resolve() == ctx.uploads_dir.resolve():
        raise UserError("Thư mục nguồn trùng thư mục tệp của cơ sở dữ liệu mới; dùng --db với "
                        "một tệp ở chỗ khác.")
    if ctx.settings.on_server or ctx.db_path.exists():
        if content_counts(ctx.conn)["uploads"]:
            raise UserError(f"Cơ sở dữ liệu {ctx.db_label} đã có số liệu; chỉ dựng lại vào cơ sở dữ "
                            "liệu rỗng (dùng --db với một tệp mới).")
    catalog = ctx.catalog
    if ctx.settings.on_server:
        differences = rebuild(ctx.conn, catalog, plan, ctx.uploads_dir, source)
    else:
        ctx.close()
        differences = rebuild_file(lambda path: _open(ctx, path), catalog, plan, ctx.db_path,
                                   ctx.uploads_dir, source)
    if differences:
        kept = "" if ctx.settings.on_server else " — không ghi gì"
        print(f"✖ Dựng lại {ctx.db_label} không khớp nhật ký{kept}:")
        for d in differences:
            print(f"  - {d}")
        return 1
    created = sum(len(e.get("units") or []) for e in plan.entries)
    print(f"Đã dựng lại {ctx.db_label}: {len(plan.entries)} tệp, {created} lần gửi số liệu, "
          "khớp nhật ký.")
    return 0


def _open(ctx: Context, path: Path):
    """The staging database opened as every writing command opens one (its catalogue kept)."""
    staging = Context(Settings(path, ctx.config_path), commune=ctx.commune, today=ctx.today)
    return staging.conn
