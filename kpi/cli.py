"""`python -m kpi …`: the command line over the same functions as the pages.

Each sub-command lives in `kpi/commands/<name>.py` with `register(subparsers)`; the handler
receives the parsed arguments and a `Context` (catalogue and database opened on demand).
Errors are one clear Vietnamese message and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Catalog, CatalogError, load_catalog
from .periods import PeriodError
from .store import StoreError, connect, sync_catalog, Actor

DEFAULT_DB = "data/kpi.duckdb"
DEFAULT_CONFIG = "config/indicators.toml"


class UserError(Exception):
    """A problem the user can fix; its message (Vietnamese) is all that is printed."""


@dataclass
class Context:
    db_path: Path
    config_path: Path
    _catalog: Catalog | None = field(default=None, repr=False)
    _conn: object = field(default=None, repr=False)

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(self.config_path)
        return self._catalog

    @property
    def conn(self):
        if self._conn is None:
            self._conn = connect(self.db_path)
            sync_catalog(self._conn, self.catalog, Actor("cli", role="system"))
        return self._conn

    @property
    def uploads_dir(self) -> Path:
        return self.db_path.parent / "uploads"

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kpi", description="Bảng điều khiển chỉ tiêu chuyển đổi số cấp xã.")
    parser.add_argument("--db", help=f"tệp cơ sở dữ liệu DuckDB (mặc định $KPI_DB hoặc {DEFAULT_DB})")
    parser.add_argument("--config", help=f"danh mục chỉ tiêu TOML (mặc định $KPI_CONFIG hoặc {DEFAULT_CONFIG})")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH")
    sub.required = True
    from . import commands
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"{commands.__name__}.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(Path(args.db or os.environ.get("KPI_DB") or DEFAULT_DB),
                  Path(args.config or os.environ.get("KPI_CONFIG") or DEFAULT_CONFIG))
    try:
        return int(args.handler(args, ctx) or 0)
    except CatalogError as e:
        print(str(e), file=sys.stderr)
        return 2
    except (UserError, PeriodError, StoreError) as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng.", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 — the user gets one line, developers set KPI_DEBUG=1
        if os.environ.get("KPI_DEBUG"):
            raise
        print(f"Lỗi không mong đợi ({type(e).__name__}: {e}). Đặt KPI_DEBUG=1 để xem chi tiết.",
              file=sys.stderr)
        return 3
    finally:
        ctx.close()
