"""Opening the DuckDB file, bringing its schema up to date, transactions."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kpi.store.schema import MIGRATIONS, SCHEMA_VERSION, WRITE_LOCK

Conn = duckdb.DuckDBPyConnection


class StoreError(Exception):
    """A storage problem with a Vietnamese message for the user."""


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and bring its schema up to date."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise StoreError(f"Cơ sở dữ liệu {path} đang được một chương trình khác mở "
                             "(ví dụ ứng dụng web đang chạy). Hãy đóng chương trình đó rồi thử lại.") from None
        raise StoreError(f"Không mở được cơ sở dữ liệu {path}: {e}") from None
    if not read_only:
        migrate(conn)
    return conn


def schema_version(conn: Conn) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
                 "applied_at TIMESTAMP NOT NULL)")
    row = first_row(conn.execute("SELECT max(version) FROM schema_version"))
    return int(row[0] or 0)


def migrate(conn: Conn) -> int:
    """Apply every migration newer than the database, each in one transaction."""
    with WRITE_LOCK:
        current = schema_version(conn)
        if current > SCHEMA_VERSION:
            raise StoreError(f"Cơ sở dữ liệu ở phiên bản {current}, mới hơn chương trình "
                             f"({SCHEMA_VERSION}). Hãy cập nhật chương trình.")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with transaction(conn):
                for stmt in MIGRATIONS[version]:
                    conn.execute(stmt)
                conn.execute("INSERT INTO schema_version VALUES (?, ?)", [version, now()])
    return SCHEMA_VERSION


@contextmanager
def transaction(conn: Conn) -> Iterator[Conn]:
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def first_row(result: Conn) -> tuple:
    """The first row of a result, fetching it completely (DuckDB refuses new work on a
    connection while a result is only partly fetched)."""
    rows = result.fetchall()
    return rows[0] if rows else (None,)


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
