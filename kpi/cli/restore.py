"""`restore ARCHIVE --db NEW`: a new database (and its kept-files folder) from a backup.

`--db` may come after the archive (as the README writes it) or before the command, as for every
command (`python -m kpi --db NEW restore ARCHIVE`); the one after the command wins."""
from __future__ import annotations

import argparse
from pathlib import Path

from kpi.cli.context import UserError
from kpi.usecases.backup import restore_backup


def register(sub):
    p = sub.add_parser("restore", help="khôi phục một bản sao lưu vào cơ sở dữ liệu mới (--db)")
    p.add_argument("archive", metavar="TỆP_ZIP", help="tệp sao lưu (.zip)")
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="TỆP_MỚI",
                   help="tệp cơ sở dữ liệu DuckDB mới sẽ tạo (chưa có); thư mục tệp đã lưu đặt cạnh nó")
    p.set_defaults(handler=run)


def run(args, ctx):
    archive = Path(args.archive)
    if not archive.is_file():
        raise UserError(f"Không tìm thấy tệp sao lưu {archive}.")
    if ctx.settings.on_server:
        raise UserError(f"Khôi phục vào PostgreSQL ({ctx.db_label}) không làm bằng lệnh này: dùng pg_restore/psql "
                        "với bản pg_dump, và chép lại thư mục tệp đã lưu (xem README, mục Triển khai).")
    if ctx.db_path.exists():
        raise UserError(f"Tệp {ctx.db_path} đã có; khôi phục chỉ vào một tệp mới (--db TỆP_MỚI).")
    conn = restore_backup(archive, ctx.db_path, ctx.uploads_dir)
    conn.close()
    print(f"Đã khôi phục {archive} vào {ctx.db_path} (tệp đã lưu: {ctx.uploads_dir}).")
    return 0
