"""DuckDB storage: versioned schema, the few write functions, reads that return DataFrames.

Every write goes through `record_submissions` / `sync_catalog`: one transaction each, an
`Actor` checked by `authorize` and written to the audit log. Every row carries its commune so
one database can hold a whole city.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .catalog import Catalog

SCHEMA_VERSION = 1
_WRITE_LOCK = threading.RLock()  # writes of one process are serialised: versions stay ordered

MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE SEQUENCE IF NOT EXISTS upload_id_seq START 1",
        "CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1",
        """CREATE TABLE communes (
             code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL)""",
        """CREATE TABLE units (
             commune VARCHAR NOT NULL, code VARCHAR NOT NULL, name VARCHAR NOT NULL,
             PRIMARY KEY (commune, code))""",
        """CREATE TABLE uploads (
             id BIGINT PRIMARY KEY,
             commune VARCHAR NOT NULL, unit VARCHAR NOT NULL, period VARCHAR NOT NULL,
             file_name VARCHAR, sha256 VARCHAR, content_sha256 VARCHAR NOT NULL, size BIGINT,
             submitted_by VARCHAR NOT NULL, submitted_at TIMESTAMP NOT NULL,
             status VARCHAR NOT NULL,          -- 'accepted' (current) | 'superseded'
             version INTEGER NOT NULL, supersedes BIGINT,
             source VARCHAR NOT NULL,          -- 'excel' | 'demo' | ...
             stored_path VARCHAR)""",
        """CREATE TABLE measurements (
             upload_id BIGINT NOT NULL, commune VARCHAR NOT NULL, unit VARCHAR NOT NULL,
             period VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL,
             numerator DOUBLE, denominator DOUBLE, value DOUBLE, note VARCHAR)""",
        """CREATE TABLE audit_log (
             id BIGINT PRIMARY KEY, happened_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
             action VARCHAR NOT NULL, commune VARCHAR, detail VARCHAR)""",
        "CREATE INDEX uploads_unit_period ON uploads (commune, unit, period)",
        "CREATE INDEX measurements_upload ON measurements (upload_id)",
    ],
}


class StoreError(Exception):
    """A storage problem with a Vietnamese message for the user."""


class PermissionDenied(StoreError):
    pass


@dataclass(frozen=True)
class Actor:
    """Who writes. Roles and rights come later; today every named actor may write."""
    name: str
    role: str = "coordinator"


def authorize(actor: Actor, action: str, commune: str, unit: str | None = None) -> None:
    """The one place that decides whether `actor` may do `action` (period locks go here too)."""
    if not actor.name or not actor.name.strip():
        raise PermissionDenied("Cần ghi rõ người thực hiện (tên người nhập số liệu).")


@dataclass(frozen=True)
class Figure:
    indicator_id: str
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Submission:
    """The figures of one unit for one month, as read from a file (or made by the demo)."""
    commune: str
    unit: str
    period: str
    figures: tuple[Figure, ...]
    file_name: str | None = None
    sha256: str | None = None
    size: int | None = None
    source: str = "excel"
    stored_path: str | None = None
    submitted_at: dt.datetime | None = None  # None = now

    def content_sha256(self) -> str:
        rows = sorted((f.indicator_id, f.numerator, f.denominator, f.value, f.note or "")
                      for f in self.figures)
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class RecordOutcome:
    unit: str
    period: str
    upload_id: int
    version: int
    created: bool               # False: identical to the stored current version
    supersedes: int | None = None
    figure_count: int = 0


# ── connection and schema ────────────────────────────────────────────────────

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


def schema_version(conn) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
                 "applied_at TIMESTAMP NOT NULL)")
    row = _first(conn.execute("SELECT max(version) FROM schema_version"))
    return int(row[0] or 0)


def migrate(conn) -> int:
    """Apply every migration newer than the database, each in one transaction."""
    with _WRITE_LOCK:
        current = schema_version(conn)
        if current > SCHEMA_VERSION:
            raise StoreError(f"Cơ sở dữ liệu ở phiên bản {current}, mới hơn chương trình "
                             f"({SCHEMA_VERSION}). Hãy cập nhật chương trình.")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with transaction(conn):
                for stmt in MIGRATIONS[version]:
                    conn.execute(stmt)
                conn.execute("INSERT INTO schema_version VALUES (?, ?)", [version, _now()])
    return SCHEMA_VERSION


@contextmanager
def transaction(conn):
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _first(result):
    """The first row of a result, fetching it completely (DuckDB refuses new work on a
    connection while a result is only partly fetched)."""
    rows = result.fetchall()
    return rows[0] if rows else None


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _audit(conn, actor: Actor, action: str, commune: str | None, detail: dict) -> None:
    conn.execute("INSERT INTO audit_log VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?)",
                 [_now(), actor.name, action, commune, json.dumps(detail, ensure_ascii=False)])


# ── writes ───────────────────────────────────────────────────────────────────

def sync_catalog(conn, catalog: Catalog, actor: Actor) -> None:
    """Make the commune and its units in the database match the catalogue."""
    authorize(actor, "sync_catalog", catalog.commune)
    with _WRITE_LOCK, transaction(conn):
        stored = conn.execute("SELECT code, name FROM units WHERE commune = ?",
                              [catalog.commune]).fetchall()
        wanted = [(u.code, u.name) for u in catalog.units]
        commune = conn.execute("SELECT name FROM communes WHERE code = ?",
                               [catalog.commune]).fetchall()
        commune = commune[0] if commune else None
        if sorted(stored) == sorted(wanted) and commune and commune[0] == catalog.commune_name:
            return
        conn.execute("INSERT OR REPLACE INTO communes VALUES (?, ?)",
                     [catalog.commune, catalog.commune_name])
        for code, name in wanted:
            conn.execute("INSERT OR REPLACE INTO units VALUES (?, ?, ?)",
                         [catalog.commune, code, name])
        _audit(conn, actor, "sync_catalog", catalog.commune, {"units": [c for c, _ in wanted]})


def record_submissions(conn, submissions: list[Submission] | tuple[Submission, ...],
                       actor: Actor) -> list[RecordOutcome]:
    """Store unit-month submissions all-or-nothing, in one transaction.

    A submission whose figures equal the stored current version (or whose file has the same
    sha256) changes nothing; otherwise it becomes a new version that supersedes the current one.
    """
    for s in submissions:
        authorize(actor, "record_submission", s.commune, s.unit)
    if not submissions:
        return []
    with _WRITE_LOCK:
        for attempt in range(5):
            try:
                with transaction(conn):
                    return _record_batch(conn, list(submissions), actor)
            except duckdb.TransactionException:
                # another writer (a second process) got in first: retry on fresh state
                time.sleep(0.05 * (attempt + 1))
        raise StoreError("Cơ sở dữ liệu đang bận, chưa ghi được số liệu. Hãy thử lại.")


def record_submission(conn, submission: Submission, actor: Actor) -> RecordOutcome:
    return record_submissions(conn, [submission], actor)[0]


def _record_batch(conn, subs: list[Submission], actor: Actor) -> list[RecordOutcome]:
    """Decide versions in Python from one read of the stored state, then write in bulk
    (a handful of statements whatever the number of submissions)."""
    keys = sorted({(s.commune, s.unit, s.period) for s in subs})
    state = pd.DataFrame(keys, columns=["commune", "unit", "period"])
    conn.register("_keys", state)
    try:
        rows = conn.execute(
            "SELECT u.commune, u.unit, u.period, u.id, u.version, u.sha256, u.content_sha256, "
            "u.status FROM uploads u JOIN _keys k USING (commune, unit, period)").fetchall()
    finally:
        conn.unregister("_keys")
    current: dict[tuple, tuple] = {}
    last_version: dict[tuple, int] = {}
    for commune, unit, period, uid, version, sha, content, status in rows:
        key = (commune, unit, period)
        last_version[key] = max(last_version.get(key, 0), version)
        if status == "accepted":
            current[key] = (uid, version, sha, content)

    now = _now()
    outcomes: list[RecordOutcome] = []
    upload_rows, superseded, audit = [], [], []
    figure_frames = []
    for s in subs:
        key = (s.commune, s.unit, s.period)
        content = s.content_sha256()
        cur = current.get(key)
        if cur and ((s.sha256 and cur[2] == s.sha256) or cur[3] == content):
            outcomes.append(RecordOutcome(s.unit, s.period, cur[0], cur[1], False, None,
                                          len(s.figures)))
            continue
        upload_id = _first(conn.execute("SELECT nextval('upload_id_seq')"))[0]
        version = last_version.get(key, 0) + 1
        supersedes = cur[0] if cur else None
        if supersedes is not None:
            superseded.append(supersedes)
        upload_rows.append((upload_id, s.commune, s.unit, s.period, s.file_name, s.sha256,
                            content, s.size, actor.name, s.submitted_at or now, "accepted",
                            version, supersedes, s.source, s.stored_path))
        figure_frames.extend(
            (upload_id, s.commune, s.unit, s.period, f.indicator_id, f.numerator,
             f.denominator, f.value, f.note) for f in s.figures)
        audit.append((now, actor.name, "record_submission", s.commune, json.dumps(
            {"upload_id": upload_id, "unit": s.unit, "period": s.period, "version": version,
             "file": s.file_name, "supersedes": supersedes}, ensure_ascii=False)))
        current[key] = (upload_id, version, s.sha256, content)
        last_version[key] = version
        outcomes.append(RecordOutcome(s.unit, s.period, upload_id, version, True, supersedes,
                                      len(s.figures)))
    # uploads created and superseded inside this same batch are marked superseded too
    newest = {}
    for row in upload_rows:
        newest[(row[1], row[2], row[3])] = row[0]
    upload_rows = [row[:10] + (("accepted" if newest[(row[1], row[2], row[3])] == row[0]
                                else "superseded"),) + row[11:] for row in upload_rows]
    created_ids = {row[0] for row in upload_rows}
    stored_superseded = [i for i in superseded if i not in created_ids]
    if stored_superseded:
        conn.execute(f"UPDATE uploads SET status = 'superseded' WHERE id IN "
                     f"({', '.join('?' * len(stored_superseded))})", stored_superseded).fetchall()
    if upload_rows:
        _bulk_insert(conn, "uploads", upload_rows, [
            "id", "commune", "unit", "period", "file_name", "sha256", "content_sha256", "size",
            "submitted_by", "submitted_at", "status", "version", "supersedes", "source",
            "stored_path"])
    if figure_frames:
        _bulk_insert(conn, "measurements", figure_frames, [
            "upload_id", "commune", "unit", "period", "indicator_id", "numerator",
            "denominator", "value", "note"])
    for row in audit:
        conn.execute("INSERT INTO audit_log VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?)",
                     list(row)).fetchall()
    return outcomes


_COLUMN_TYPES = {"numerator": "float64", "denominator": "float64", "value": "float64",
                 "size": "Int64", "supersedes": "Int64", "note": "object", "sha256": "object",
                 "file_name": "object", "stored_path": "object"}


def _bulk_insert(conn, table: str, rows: list[tuple], columns: list[str]) -> None:
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.astype({c: t for c, t in _COLUMN_TYPES.items() if c in frame.columns})
    conn.register("_bulk_rows", frame)
    try:
        conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) "
                     f"SELECT {', '.join(columns)} FROM _bulk_rows").fetchall()
    finally:
        conn.unregister("_bulk_rows")


def keep_raw_file(uploads_dir: str | Path, data: bytes, suffix: str = ".xlsx") -> tuple[str, Path]:
    """Keep an uploaded file content-addressed (uploads/ab/abcdef….xlsx); returns (sha256, path)."""
    sha = hashlib.sha256(data).hexdigest()
    path = Path(uploads_dir) / sha[:2] / f"{sha}{suffix}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return sha, path


# ── reads (each returns a DataFrame or a plain value) ────────────────────────

def data_version(conn, commune: str) -> str:
    """Changes with every stored upload: the cache key for reads in the app."""
    n, last = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM uploads WHERE commune = ?",
                           [commune]).fetchall()[0]
    return f"{n}:{last}"


def current_figures(conn, commune: str, periods: list[str] | None = None,
                    unit: str | None = None) -> pd.DataFrame:
    """The current figures (latest accepted upload per unit-month): the scoring input."""
    sql = ("SELECT m.unit, m.period, m.indicator_id, m.numerator, m.denominator, m.value, "
           "m.note, m.upload_id FROM measurements m JOIN uploads u ON u.id = m.upload_id "
           "WHERE u.status = 'accepted' AND m.commune = ?")
    params: list = [commune]
    if periods is not None:
        if not periods:
            periods = ["—"]
        sql += f" AND m.period IN ({', '.join('?' * len(periods))})"
        params += list(periods)
    if unit is not None:
        sql += " AND m.unit = ?"
        params.append(unit)
    sql += " ORDER BY m.period, m.unit, m.indicator_id"
    return conn.execute(sql, params).df()


def figures_of_upload(conn, upload_id: int) -> pd.DataFrame:
    return conn.execute(
        "SELECT unit, period, indicator_id, numerator, denominator, value, note "
        "FROM measurements WHERE upload_id = ? ORDER BY indicator_id", [upload_id]).df()


def upload_history(conn, commune: str, unit: str | None = None,
                   period: str | None = None) -> pd.DataFrame:
    sql = ("SELECT u.id, u.unit, u.period, u.version, u.status, u.file_name, u.sha256, u.size, "
           "u.submitted_by, u.submitted_at, u.supersedes, u.source, "
           "(SELECT count(*) FROM measurements m WHERE m.upload_id = u.id) AS figure_count "
           "FROM uploads u WHERE u.commune = ?")
    params: list = [commune]
    if unit is not None:
        sql += " AND u.unit = ?"
        params.append(unit)
    if period is not None:
        sql += " AND u.period = ?"
        params.append(period)
    sql += " ORDER BY u.submitted_at DESC, u.id DESC"
    return conn.execute(sql, params).df()


def first_submissions(conn, commune: str) -> pd.DataFrame:
    """When each unit first sent each month (timeliness is judged on the first version)."""
    return conn.execute(
        "SELECT unit, period, min(submitted_at) AS first_submitted_at, max(version) AS versions "
        "FROM uploads WHERE commune = ? GROUP BY unit, period ORDER BY period, unit",
        [commune]).df()


def reported_periods(conn, commune: str) -> list[str]:
    rows = conn.execute("SELECT DISTINCT period FROM uploads WHERE commune = ? ORDER BY period",
                        [commune]).fetchall()
    return [r[0] for r in rows]


def audit_log(conn, commune: str, limit: int = 200) -> pd.DataFrame:
    return conn.execute("SELECT happened_at, actor, action, detail FROM audit_log WHERE commune = ? "
                        "ORDER BY id DESC LIMIT ?", [commune, limit]).df()


def content_counts(conn) -> dict[str, int]:
    """Row counts of every table (tests compare them before and after a rejected file)."""
    tables = ["communes", "units", "uploads", "measurements", "audit_log", "schema_version"]
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
