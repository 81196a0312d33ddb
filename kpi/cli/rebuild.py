"""`rebuild --from DIR`: replay the kept upload files, in their order, into an empty database."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kpi.cli.context import UserError
from kpi.domain.figures import Actor
from kpi.ingest import import_workbook
from kpi.ingest.importer import kept_file, read_journal
from kpi.store import content_counts


def register(sub):
    p = sub.add_parser("rebuild", help="dựng lại cơ sở dữ liệu (rỗng) từ các tệp đã lưu")
    p.add_argument("--from", dest="source", required=True, metavar="THƯ_MỤC",
                   help="thư mục tệp đã lưu (data/uploads của cơ sở dữ liệu cũ)")
    p.set_defaults(handler=run)


def run(args, ctx):
    source = Path(args.source)
    if not source.is_dir():
        raise UserError(f"Không tìm thấy thư mục {source}.")
    entries = read_journal(source)
    if not entries:
        raise UserError(f"Thư mục {source} không có tệp nào đã lưu.")
    conn = ctx.conn
    if content_counts(conn)["uploads"]:
        raise UserError(f"Cơ sở dữ liệu {ctx.db_path} đã có số liệu; chỉ dựng lại vào cơ sở dữ "
                        "liệu rỗng (dùng --db với một tệp mới).")
    same_dir = source.resolve() == ctx.uploads_dir.resolve()
    created = failed = 0
    for e in entries:
        path = kept_file(source, e["sha256"])
        if not path.exists():
            print(f"✖ thiếu tệp {path} ({e.get('file_name')}); bỏ qua.")
            failed += 1
            continue
        at = dt.datetime.fromisoformat(e["at"]) if e.get("at") else None
        result = import_workbook(conn, ctx.catalog, path.read_bytes(), e.get("file_name") or path.name,
                                 # a replay of what was accepted: the system writes it under the same name
                                 Actor(e.get("by") or "Khôi phục", "system", e.get("by") or "Khôi phục"),
                                 ctx.uploads_dir, today=at.date() if at else None,
                                 submitted_at=at, journal=not same_dir, allow_rollback=True)
        if not result.ok:
            failed += 1
            print(f"✖ {e.get('file_name')}: không nhập lại được:")
            for p in result.check.problems:
                print(f"  - {p}")
            continue
        created += len(result.created)
    print(f"Đã dựng lại {ctx.db_path}: {len(entries)} tệp, {created} lần gửi số liệu, "
          f"{failed} tệp lỗi.")
    return 1 if failed else 0
