"""A consistent copy of the database through the open connection (`EXPORT DATABASE`), and the
way back: a new file with the program's own schema, filled from the table files alone (each read
with our columns and types; the archive's SQL text is never run). Works while the app holds the
database file.

On PostgreSQL the same archive is made: one REPEATABLE READ transaction reads every table into an
in-memory DuckDB database with the same schema (sequences continued), which is exported the same
way — so a city's backup restores into a DuckDB file. The server's own backup stays `pg_dump`
(README, deployment); restoring into a server is `pg_restore`, not this module."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from kpi.store.connection import (
    Conn,
    StoreError,
    connect,
    first_row,
    is_postgres,
    migrate,
    schema_version,
    transaction,
)
from kpi.store.schema import SCHEMA_VERSION, WRITE_LOCK


def count_text(n: int) -> str:
    """A count as a refusal message writes it: 70.000 (dots between thousands)."""
    return f"{n:,}".replace(",", ".")


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


@dataclass(frozen=True)
class Exported:
    """What one export holds beside its table files, read in the same transaction as the rows:
    the next value of each sequence, each kept upload file (sha256 → its recorded stored_path)
    and each evidence file (sha256) the exported rows name — exactly the files an archive needs."""
    sequences: dict[str, int]
    kept: dict[str, str | None]
    evidence: set[str]


def _named_files(conn: Conn) -> tuple[dict[str, str | None], set[str]]:
    from kpi.store.evidence import evidence_shas
    from kpi.store.reads import kept_uploads
    return {r["sha256"]: r["stored_path"] for r in kept_uploads(conn)}, evidence_shas(conn)


def export_database(conn: Conn, folder: str | Path) -> Exported:
    """Write every table as Parquet into `folder` (`<table>.parquet`, beside DuckDB's own
    schema.sql and load.sql, which restore never reads), from one transaction and with this
    process's writers held back, so the copy is one moment's state; returns that moment's
    sequences and the kept files its rows name (`Exported`)."""
    folder = Path(folder)
    if is_postgres(conn):
        return _export_server(conn, folder)
    with WRITE_LOCK, transaction(conn):
        sequences = sequence_values(conn)
        kept, evidence = _named_files(conn)
        conn.execute(f"EXPORT DATABASE {_quoted(folder)} (FORMAT PARQUET)").fetchall()
    return Exported(sequences, kept, evidence)


def _export_server(conn: Conn, folder: Path) -> Exported:
    copy = duckdb.connect(":memory:")
    try:
        migrate(copy)
        with transaction(conn):
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").fetchall()
            if schema_version(conn) != schema_version(copy):
                raise StoreError("Cơ sở dữ liệu PostgreSQL chưa ở phiên bản của chương trình; không sao lưu được.")
            tables = [r[0] for r in copy.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                "ORDER BY table_name").fetchall()]
            copy.execute("DELETE FROM schema_version")
            for table in tables:
                frame = conn.execute(f"SELECT * FROM {table}").df()
                copy.register("_rows", frame)
                copy.execute(f"INSERT INTO {table} SELECT * FROM _rows")
                copy.unregister("_rows")
            sequences = [r[0] for r in copy.execute("SELECT sequence_name FROM duckdb_sequences()").fetchall()]
            for seq in sequences:
                last, called = first_row(conn.execute(f"SELECT last_value, is_called FROM {seq}"))
                copy.execute(f"DROP SEQUENCE {seq}")
                copy.execute(f"CREATE SEQUENCE {seq} START {int(last) + 1 if called else int(last)}")
        kept, evidence = _named_files(copy)        # the snapshot's rows, not the server's now
        copy.execute(f"EXPORT DATABASE {_quoted(folder)} (FORMAT PARQUET)").fetchall()
        return Exported(sequence_values(copy), kept, evidence)
    finally:
        copy.close()


# each sequence and the id column it numbers (a restored sequence continues after the largest id)
SEQUENCES: dict[str, tuple[str, str]] = {
    "upload_id_seq": ("uploads", "id"),
    "audit_id_seq": ("audit_log", "id"),
    "catalog_version_seq": ("catalog_versions", "id"),
    "closure_id_seq": ("quarter_closures", "id"),
    "evidence_id_seq": ("evidence_items", "id"),
    "evidence_review_id_seq": ("evidence_reviews", "id"),
    "task_source_id_seq": ("task_sources", "id"),
    "task_id_seq": ("tasks", "id"),
    "task_update_id_seq": ("task_updates", "id"),
}
MAX_TABLE_ROWS = 20_000_000          # rows one table file may hold (a city's decade is far below)
MAX_TABLE_BYTES = 1 << 30            # its columns' uncompressed size, as its footer states
MAX_TABLE_RATIO = 100                # that size : the file's, above RATIO_FROM_BYTES
RATIO_FROM_BYTES = 16 << 20
LOAD_MEMORY_LIMIT = "256MB"          # DuckDB's own memory while it reads the files (spills beyond)


class TableRefused(StoreError):
    """A table file of an archive that is not loaded (its table in `table`, the reason in Vietnamese)."""

    def __init__(self, table: str, message: str) -> None:
        super().__init__(message)
        self.table = table


@cache
def schema_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every table of the program's schema with its columns and types, in order (from the
    migrations, applied to an empty in-memory database)."""
    mem = duckdb.connect(":memory:")
    try:
        migrate(mem)
        rows = mem.execute("SELECT table_name, c.column_name, c.data_type FROM duckdb_columns() c "
                           "JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
                           "WHERE NOT t.internal ORDER BY table_name, c.column_index").fetchall()
    finally:
        mem.close()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        out.setdefault(table, []).append((column, kind))
    return {t: tuple(cols) for t, cols in out.items()}


def sequence_values(conn: Conn) -> dict[str, int]:
    """The next value each sequence would give (DuckDB), without taking one."""
    rows = conn.execute("SELECT sequence_name, start_value, last_value FROM duckdb_sequences() "
                        "WHERE database_name = current_database()").fetchall()
    return {name: int(start if last is None else last + 1) for name, start, last in rows}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_tables(db_path: str | Path, files: dict[str, Path], sequences: dict[str, int]) -> Conn:
    """Create `db_path` (which must not exist) with the program's own schema and fill it from
    table files (Parquet as `EXPORT DATABASE` writes them), each read with our column list and
    types — no SQL text of an archive is ever run. `files` names only tables of our schema; a
    table file holding an unknown column, too many rows or unreadable data raises TableRefused
    (naming the table) and leaves no file behind. Older archives lack later columns and tables:
    those stay empty (NULL / default), as the migrations that added them leave them.
    `sequences`: the next value each sequence gave when the archive was made; a sequence always
    continues after the largest id of its table. Returns the database opened."""
    db_path = Path(db_path)
    if db_path.exists():
        raise StoreError(f"Tệp {db_path} đã có; khôi phục chỉ vào một tệp cơ sở dữ liệu mới.")
    schema = schema_columns()
    unknown = sorted(set(files) - set(schema))
    if unknown:
        raise TableRefused(unknown[0], f"bảng «{unknown[0]}» không có trong cơ sở dữ liệu của chương trình")
    conn = connect(db_path)
    try:
        conn.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
        with WRITE_LOCK, transaction(conn):
            for table in sorted(files, key=lambda t: t != "schema_version"):
                _load_table(conn, table, schema[table], files[table])
            _continue_sequences(conn, sequences)
        conn.execute("RESET memory_limit")
    except BaseException:
        conn.close()
        db_path.unlink(missing_ok=True)
        db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
        raise
    return conn


def _load_table(conn: Conn, table: str, columns: tuple[tuple[str, str], ...], path: Path) -> None:
    try:
        found = [r[0] for r in conn.execute("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                                            [str(path)]).fetchall()]
        rows, size = first_row(conn.execute(
            "SELECT (SELECT sum(num_rows) FROM parquet_file_metadata($1)), "
            "(SELECT coalesce(sum(total_uncompressed_size), 0) FROM parquet_metadata($1))", [str(path)]))
    except duckdb.Error:
        raise TableRefused(table, f"không đọc được dữ liệu bảng «{table}» (tệp hỏng)") from None
    if not found:
        raise TableRefused(table, f"tệp của bảng «{table}» không có cột nào")
    ours = dict(columns)
    strange = [c for c in found if c not in ours]
    if strange:
        raise TableRefused(table, f"bảng «{table}» có cột «{strange[0]}» không có trong cơ sở dữ liệu của chương trình")
    if len(set(found)) != len(found):
        raise TableRefused(table, f"bảng «{table}» có hai cột trùng tên")
    rows, size = int(rows or 0), int(size or 0)
    if rows > MAX_TABLE_ROWS or size > MAX_TABLE_BYTES:
        raise TableRefused(table, f"bảng «{table}» quá lớn ({count_text(rows)} dòng, {count_text(size // 1_000_000)} MB; giới hạn "
                           f"{count_text(MAX_TABLE_ROWS)} dòng, {count_text(MAX_TABLE_BYTES // 1_000_000)} MB)")
    if size > max(MAX_TABLE_RATIO * path.stat().st_size, RATIO_FROM_BYTES):
        raise TableRefused(table, f"dữ liệu bảng «{table}» nén quá mức ({count_text(path.stat().st_size)} byte giải nén ra "
                           f"{count_text(size // 1_000_000)} MB) — có thể là bom nén")
    if table == "schema_version":
        newest = first_row(conn.execute("SELECT max(CAST(version AS INTEGER)) FROM read_parquet(?)", [str(path)]))[0]
        if newest is not None and int(newest) > SCHEMA_VERSION:
            raise TableRefused(table, f"bản sao lưu do một phiên bản mới hơn của chương trình tạo (lược đồ "
                               f"{newest}, chương trình {SCHEMA_VERSION}); hãy cập nhật chương trình")
        conn.execute("DELETE FROM schema_version WHERE version IN "
                     "(SELECT CAST(version AS INTEGER) FROM read_parquet(?))", [str(path)])
    names = ", ".join(_ident(c) for c in found)
    casts = ", ".join(f"CAST({_ident(c)} AS {ours[c]})" for c in found)
    try:
        conn.execute(f"INSERT INTO {_ident(table)} ({names}) SELECT {casts} FROM read_parquet(?)",
                     [str(path)]).fetchall()
    except duckdb.OutOfMemoryException:
        raise TableRefused(table, f"bảng «{table}» quá lớn để nạp trong giới hạn bộ nhớ "
                           f"({LOAD_MEMORY_LIMIT})") from None
    except duckdb.Error:
        raise TableRefused(table, f"dữ liệu bảng «{table}» không hợp lệ (sai kiểu, thiếu giá trị bắt buộc "
                           "hoặc trùng khoá)") from None


def _continue_sequences(conn: Conn, recorded: dict[str, int]) -> None:
    for seq, (table, column) in SEQUENCES.items():
        largest = first_row(conn.execute(f"SELECT max({_ident(column)}) FROM {_ident(table)}"))[0]
        start = max(1, int(largest or 0) + 1, int(recorded.get(seq, 1)))
        conn.execute(f"DROP SEQUENCE {_ident(seq)}")
        conn.execute(f"CREATE SEQUENCE {_ident(seq)} START {start}")


def relocate_kept_files(conn: Conn, uploads_dir: str | Path) -> None:
    """Point every upload's stored_path into `uploads_dir` (after a restore elsewhere)."""
    base = str(Path(uploads_dir))
    with WRITE_LOCK, transaction(conn):
        conn.execute("UPDATE uploads SET stored_path = ? || '/' || substr(sha256, 1, 2) || '/' || "
                     "sha256 || '.xlsx' WHERE sha256 IS NOT NULL", [base]).fetchall()
