"""PostgreSQL behind the interface the store already uses from DuckDB, so the store keeps one code path.

`PgConn` gives a psycopg 3 connection DuckDB's shape: `execute(sql, params)` returns a result with
`fetchall()`, `fetchone()` and `.df()`; `BEGIN TRANSACTION` / `COMMIT` / `ROLLBACK` (sent by
`connection.transaction`) pin one server connection to the calling thread for the transaction;
`register(name, frame)` makes a DataFrame a temporary table of the transaction (COPY), as DuckDB scans a
registered frame. `translate` rewrites DuckDB's dialect: `?` placeholders become `%s` (`%` doubled),
`DOUBLE` becomes `DOUBLE PRECISION`. Everything else the store writes is portable SQL.

One `PgConn` is shared by every thread of a process (the app's sessions): outside a transaction each
statement borrows an idle server connection in autocommit mode and returns it, results fully fetched.
Concurrency across processes: see `connection.lock_names` (transaction-scoped advisory locks).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.errors

if TYPE_CHECKING:
    import pandas as pd

URL_PREFIXES = ("postgresql://", "postgres://")
RETRYABLE = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)

# type OIDs of the result columns → the pandas dtype DuckDB's `.df()` gives the same column
_FLOATS = {700, 701, 1700}
_INTS = {20: ("int64", "Int64"), 21: ("int16", "Int16"), 23: ("int32", "Int32")}
_TIMESTAMPS = {1114, 1184}
_BOOL = 16
_TEXTS = {25, 1043, 1042, 19}
_MAX_IDLE = 8


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(URL_PREFIXES)


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """DuckDB's SQL as PostgreSQL reads it: `?` → `%s` outside quotes, `%` → `%%`, DOUBLE → DOUBLE PRECISION."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return re.sub(r"\bDOUBLE\b(?!\s+PRECISION)", "DOUBLE PRECISION", "".join(out))


class PgResult:
    """A fully fetched result with DuckDB's reading methods."""

    def __init__(self, rows: list[tuple], columns: list[str], oids: list[int]):
        self._rows, self._columns, self._oids, self._next = rows, columns, oids, 0

    def fetchall(self) -> list[tuple]:
        rows, self._next = self._rows[self._next:], len(self._rows)
        return rows

    def fetchone(self) -> tuple | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def df(self) -> pd.DataFrame:
        pd = _pandas()
        frame = pd.DataFrame(self._rows[self._next:], columns=self._columns)
        if frame.empty and not len(frame.columns) and self._columns:
            frame = pd.DataFrame(columns=self._columns)
        for name, oid in zip(self._columns, self._oids, strict=True):
            frame[name] = _column(frame[name], oid)
        return frame


def _pandas() -> ModuleType:
    """pandas, imported on first use: a CLI answer kept in the store (`score`) prints without it."""
    import pandas
    return pandas


def _column(values: pd.Series, oid: int) -> pd.Series:
    pd = _pandas()
    if oid in _FLOATS:
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if oid in _INTS:
        plain, nullable = _INTS[oid]
        return values.astype(nullable if values.isna().any() or values.empty else plain)
    if oid in _TIMESTAMPS:
        return pd.to_datetime(values).astype("datetime64[us]")
    if oid == _BOOL:
        return values.astype("boolean")
    if oid in _TEXTS:
        return values.astype("str") if not values.empty else values.astype(object)
    return values


def _python(value: Any) -> Any:
    """A cell of a DataFrame as psycopg writes it (numpy scalars, pandas missing values, Timestamps).
    Without pandas imported there is no pandas value to convert, and none is imported for it."""
    if value is None:
        return None
    pd = sys.modules.get("pandas")
    if pd is not None:
        if value is pd.NaT or (not isinstance(value, str | bytes) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, dt.datetime):
        return value.item()
    return value


def _sql_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    return {"f": "DOUBLE PRECISION", "i": "BIGINT", "u": "BIGINT", "b": "BOOLEAN", "M": "TIMESTAMP"}.get(kind, "TEXT")


class PgConn:
    """A PostgreSQL database with the DuckDB connection's interface (see the module's docstring)."""

    dialect = "postgres"

    def __init__(self, url: str):
        self.url = url
        self._idle: list[psycopg.Connection] = []
        self._pool_lock = threading.Lock()
        self._local = threading.local()
        self._closed = False
        self._release(self._take())          # fail early when the server cannot be reached

    # --- server connections ----------------------------------------------------------------
    def _take(self) -> psycopg.Connection:
        with self._pool_lock:
            while self._idle:
                c = self._idle.pop()
                if not c.closed and c.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                    return c
                c.close()
        return psycopg.connect(self.url, autocommit=True)

    def _release(self, c: psycopg.Connection) -> None:
        with self._pool_lock:
            if (self._closed or c.closed or len(self._idle) >= _MAX_IDLE
                    or c.info.transaction_status != psycopg.pq.TransactionStatus.IDLE):
                c.close()
            else:
                self._idle.append(c)

    def _pinned(self) -> psycopg.Connection | None:
        return getattr(self._local, "conn", None)

    # --- DuckDB's interface -------------------------------------------------------------------
    def cursor(self) -> PgConn:
        """DuckDB hands each thread a cursor; this object is already safe to share between threads."""
        return self

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgResult:
        command = " ".join(sql.split()).upper()
        if command in ("BEGIN", "BEGIN TRANSACTION"):
            return self._begin()
        if command in ("COMMIT", "ROLLBACK"):
            return self._end(command)
        pinned = self._pinned()
        c = pinned or self._take()
        try:
            cur = c.execute(translate(sql), [_python(p) if not isinstance(p, list | tuple) else list(p)
                                             for p in (params or ())])
            if cur.description is None:
                return PgResult([], [], [])
            return PgResult(cur.fetchall(), [d.name for d in cur.description],
                            [d.type_code for d in cur.description])
        finally:
            if pinned is None:
                self._release(c)

    def _begin(self) -> PgResult:
        if self._pinned() is not None:
            raise psycopg.errors.ActiveSqlTransaction("a transaction is already open in this thread")
        c = self._take()
        c.execute("BEGIN")
        self._local.conn = c
        return PgResult([], [], [])

    def _end(self, command: str) -> PgResult:
        c = self._pinned()
        if c is None:
            raise psycopg.errors.NoActiveSqlTransaction("no transaction is open in this thread")
        self._local.conn = None
        try:
            c.execute(command)
        finally:
            self._release(c)
        return PgResult([], [], [])

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """`frame` as a temporary table `name` of the current transaction."""
        c = self._pinned()
        if c is None:
            raise psycopg.errors.NoActiveSqlTransaction("register needs a transaction")
        columns = ", ".join(f'"{col}" {_sql_type(frame[col].dtype)}' for col in frame.columns)
        c.execute(f'CREATE TEMP TABLE "{name}" ({columns}) ON COMMIT DROP')
        with c.cursor().copy(f'COPY "{name}" FROM STDIN') as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row([_python(v) for v in row])

    def unregister(self, name: str) -> None:
        c = self._pinned()
        if c is not None and c.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            c.execute(f'DROP TABLE IF EXISTS "{name}"')

    def close(self) -> None:
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for c in idle:
            c.close()


def connect_postgres(url: str) -> PgConn:
    return PgConn(url)
