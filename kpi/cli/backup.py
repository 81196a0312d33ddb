"""`backup -o ARCHIVE`: one .zip with the database's content and the kept files.

The CLI opens the database file itself; while the web app holds it, DuckDB refuses a second
process and the command stops with a clear message: use the «Sao lưu» page then (it makes the
archive through the app's own connection)."""
from __future__ import annotations

from pathlib import Path

from kpi.cli.context import CLI_ACTOR
from kpi.usecases.backup import make_backup


def register(sub):
    p = sub.add_parser("backup", help="sao lưu cơ sở dữ liệu và các tệp đã lưu vào một tệp .zip")
    p.add_argument("-o", "--output", required=True, metavar="TỆP_ZIP", help="tệp sao lưu sẽ tạo")
    p.set_defaults(handler=run)


def run(args, ctx):
    archive = make_backup(ctx.conn, CLI_ACTOR, ctx.uploads_dir, Path(args.output))
    print(f"Đã sao lưu {ctx.db_label} và các tệp đã lưu vào {archive}.")
    return 0
