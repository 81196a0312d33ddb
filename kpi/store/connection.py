"""Opening the database (an embedded DuckDB file, or a PostgreSQL server given by a
`postgresql://…` URL), bringing its schema up to date, transactions, locks between writers.

Both engines run the same SQL through one code path: `kpi.store.postgres.PgConn` gives a PostgreSQL
database the DuckDB connection's interface and translates the few dialect differences.

Writers and their order. DuckDB: one process holds the file; `WRITE_LOCK` orders its threads.
PostgreSQL: several processes (app processes, the CLI) write at once, so every write transaction that
decides something from what it reads first takes transaction-scoped advisory locks
(`pg_advisory_xact_lock`) on what it decides about — a unit-month's version (`unit:<commune>:<unit>:<period>`),
a quarter's closure (`quarter:<commune>:<quarter>`, shared by uploads and exclusive by closing), the
schema (`schema`) — in sorted order (no deadlock), held until COMMIT/ROLLBACK; under READ COMMITTED each
statement after the lock sees every earlier writer's commit. So versions of a unit-month stay 1, 2, 3…,
none is lost, and no month of a quarter gets an upload after the quarter was closed.
"""
from __future__ import annotations

import datetime as dt
import errno
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import duckdb

from kpi.store.schema import MIGRATIONS, SCHEMA_VERSION, WRITE_LOCK

if TYPE_CHECKING:
    from kpi.store.postgres import PgConn
    Conn: TypeAlias = duckdb.DuckDBPyConnection | PgConn
else:
    Conn = duckdb.DuckDBPyConnection


class StoreError(Exception):
    """A storage problem with a Vietnamese message for the user."""


class DiskFull(StoreError):
    """A write stopped by a full disk (ENOSPC), nothing half-written left; the message says
    what was not stored (a caller that stored some of a batch adds what was)."""
    HINT = "Giải phóng chỗ trên ổ đĩa rồi chạy lại."


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno == errno.ENOSPC


def is_server(target: object) -> bool:
    """True for a PostgreSQL URL (`postgresql://…` or `postgres://…`)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def is_postgres(conn: Conn) -> bool:
    return getattr(conn, "dialect", "duckdb") == "postgres"


def connect(target: str | Path, read_only: bool = False) -> Conn:
    """Open (creating if needed) the database and bring its schema up to date: a DuckDB file path,
    or a PostgreSQL URL (the database must exist on the server)."""
    if is_server(target):
        return _connect_server(str(target))
    path = Path(target)
    if str(path).startswith(("postgresql:", "postgres:")):
        raise StoreError(f"Địa chỉ PostgreSQL không đúng dạng: {path}. Dạng đúng: postgresql://người_dùng@máy:cổng/tên_csdl.")
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


def _connect_server(url: str) -> Conn:
    import psycopg

    from kpi.store.postgres import connect_postgres, safe_url
    try:
        conn = connect_postgres(url)
    except psycopg.Error as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StoreError(f"Không kết nối được cơ sở dữ liệu PostgreSQL {safe_url(url)}: {reason}") from None
    try:
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: Conn) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
                 "applied_at TIMESTAMP NOT NULL)")
    row = first_row(conn.execute("SELECT max(version) FROM schema_version"))
    return int(row[0] or 0)


def _applied(conn: Conn) -> set[int]:
    return {int(r[0]) for r in conn.execute("SELECT version FROM schema_version").fetchall()}


def migrate(conn: Conn) -> int:
    """Apply every migration the database has not applied, in order of number, each in one transaction
    (on PostgreSQL under the `schema` lock, so two processes starting at once apply each migration
    once). A number is applied even when a higher one already was: a migration written in parallel
    (a gap in the numbers, filled later) still reaches databases migrated past it."""
    with WRITE_LOCK:
        with transaction(conn):
            lock_names(conn, ["schema"])
            current = schema_version(conn)
            applied = _applied(conn)
        if current > SCHEMA_VERSION:
            raise StoreError(f"Cơ sở dữ liệu ở phiên bản {current}, mới hơn chương trình "
                             f"({SCHEMA_VERSION}). Hãy cập nhật chương trình.")
        for version in sorted(MIGRATIONS):
            if version in applied:
                continue
            with transaction(conn):
                lock_names(conn, ["schema"])
                if version in _applied(conn):
                    continue
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


def lock_names(conn: Conn, names: Iterable[str], shared: bool = False) -> None:
    """Hold a lock on each name until the current transaction ends (see the module's docstring).
    PostgreSQL only: on DuckDB one process writes and `WRITE_LOCK` already orders its threads."""
    if not is_postgres(conn):
        return
    ordered = sorted(set(names))
    if ordered:
        fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        conn.execute(f"SELECT {fn}(hashtextextended(n, 0)) FROM unnest(?::text[]) WITH ORDINALITY AS t(n, i) "
                     "ORDER BY i", [ordered]).fetchall()


def is_retryable(error: BaseException) -> bool:
    """A write that lost a race with another writer and may simply be tried again."""
    if isinstance(error, duckdb.TransactionException):
        return True
    postgres = sys.modules.get("kpi.store.postgres")
    return postgres is not None and isinstance(error, postgres.RETRYABLE)


def first_row(result: Any) -> tuple:
    """The first row of a result, fetching it completely (DuckDB refuses new work on a
    connection while a result is only partly fetched)."""
    rows = result.fetchall()
    return rows[0] if rows else (None,)


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
