"""`python -m kpi …`: the command line over the same functions as the pages.

Each command lives in `kpi/cli/<module>.py` with `register(subparsers)`; only the module of the
command being run is imported (the others are listed by name and help alone), so a call pays
for its own imports only. Errors are one clear Vietnamese message and a non-zero exit, never a
traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from kpi.cli.context import Context, UserError
from kpi.cli.parser import Parser
from kpi.settings import DEFAULT_CONFIG, DEFAULT_DB, resolve

# command → (module in kpi/cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "appraisal": ("appraisal", "kết quả thẩm định của thành phố: nhập Biểu đã thẩm định, xem chênh lệch"),
    "backup": ("backup", "sao lưu cơ sở dữ liệu và các tệp đã lưu vào một tệp .zip"),
    "check-config": ("check_config", "kiểm tra danh mục chỉ tiêu (TOML)"),
    "close": ("close_quarter", "khoá sổ một quý (giữ nguyên kết quả chấm điểm)"),
    "demo": ("demo", "tạo dữ liệu mẫu (các tháng gần nhất)"),
    "evidence": ("evidence", "tài liệu kiểm chứng: gửi, liệt kê, duyệt, xuất bộ hồ sơ"),
    "explain": ("explain", "giải trình của một chỉ tiêu trong quý (in trong Biểu); `explain list`: liệt kê"),
    "import": ("import_files", "nhập các tệp Excel số liệu tháng"),
    "milestones": ("milestones", "các mốc hạn hoàn thành: đã xong, đúng tiến độ, có nguy cơ, quá hạn"),
    "reopen": ("reopen_quarter", "mở lại một quý đã khoá sổ (quản trị, cần lý do)"),
    "rebuild": ("rebuild", "dựng lại cơ sở dữ liệu (rỗng) từ các tệp đã lưu"),
    "report": ("report", "xuất Biểu tự chấm điểm (.xlsx) hoặc bản tóm tắt (.pdf)"),
    "restore": ("restore", "khôi phục một bản sao lưu vào cơ sở dữ liệu mới (--db)"),
    "score": ("score", "tính điểm một quý"),
    "tasks": ("tasks", "sổ theo dõi nhiệm vụ: nhập, liệt kê, cập nhật tiến độ, tỷ lệ hoàn thành"),
    "template": ("template", "tạo tệp Excel mẫu nhập số liệu tháng"),
    "verify": ("verify", "đối chiếu cơ sở dữ liệu, tệp đã lưu và nhật ký"),
    "users": ("users", "quản lý tài khoản (thêm, liệt kê, khoá, đổi mật khẩu)"),
}

__all__ = ["COMMANDS", "Context", "UserError", "build_parser", "main"]


def _chosen(argv: list[str]) -> str | None:
    """The command named in argv (the first word that is one), without parsing options."""
    return next((a for a in argv if a in COMMANDS), None)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m kpi", description="Bảng điều khiển chỉ tiêu chuyển đổi số cấp xã.")
    parser.add_argument("--db", help=f"tệp cơ sở dữ liệu DuckDB hoặc địa chỉ postgresql://… (mặc định $KPI_DB hoặc {DEFAULT_DB})")
    parser.add_argument("--config", help=f"danh mục chỉ tiêu TOML (mặc định $KPI_CONFIG hoặc {DEFAULT_CONFIG})")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH")
    sub.required = True
    chosen = _chosen(sys.argv[1:] if argv is None else argv)
    for name, (module, help_text) in COMMANDS.items():
        if name == chosen:
            importlib.import_module(f"kpi.cli.{module}").register(sub)
        else:
            sub.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    stdout = sys.stdout
    sys.stdout = _ReaderMayLeave(stdout)
    try:
        return _run(argv)
    finally:
        sys.stdout.flush()
        sys.stdout = stdout


class _ReaderMayLeave:
    """Standard output that outlives its reader: once it is gone (`python -m kpi … | head -1`),
    the rest goes to /dev/null and the command finishes its work quietly — no BrokenPipeError,
    and an import batch is never cut short by a closed pipe."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._drop()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._drop()

    def _drop(self) -> None:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):    # not a real file (tests capture it)
            self._stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 — lives as stdout

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _run(argv: list[str]) -> int:
    from kpi.domain.catalog import CatalogError
    from kpi.domain.periods import PeriodError
    from kpi.domain.rights import PermissionDenied
    from kpi.store import StoreError
    from kpi.store.connection import is_disk_full
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    ctx = Context(resolve(args.db, args.config))
    try:
        return int(args.handler(args, ctx) or 0)
    except CatalogError as e:
        print(str(e), file=sys.stderr)
        return 2
    except (UserError, PeriodError, StoreError, PermissionDenied) as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng.", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 — the user gets one line, developers set KPI_DEBUG=1
        if os.environ.get("KPI_DEBUG"):
            raise
        if is_disk_full(e):
            where = f" khi ghi {e.filename}" if getattr(e, "filename", None) else ""
            print(f"Lỗi: Ổ đĩa đã đầy{where}; lệnh dừng. Giải phóng chỗ trên ổ đĩa rồi chạy lại.", file=sys.stderr)
            return 2
        print(f"Lỗi không mong đợi ({type(e).__name__}: {e}). Đặt KPI_DEBUG=1 để xem chi tiết.",
              file=sys.stderr)
        return 3
    finally:
        ctx.close()
