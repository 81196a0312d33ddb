"""A consistent copy of the database through the open connection (`EXPORT DATABASE`), and the
way back (`IMPORT DATABASE` into a new file). Works while the app holds the database file.

On PostgreSQL the same archive is made: one REPEATABLE READ transaction reads every table into an
in-memory DuckDB database with the same schema (sequences continued), which is exported the same
way — so a city's backup restores into a DuckDB file. The server's own backup stays `pg_dump`
(README, deployment); restoring into a server is `pg_restore`, not this module."""
from __future__ import annotations

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
from kpi.store.schema import WRITE_LOCK


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_database(conn: Conn, folder: str | Path) -> None:
    """Write the whole database (schema, sequences, rows) as Parquet into `folder`, from one
    transaction and with this process's writers held back, so the copy is one moment's state."""
    folder = Path(folder)
    if is_postgres(conn):
        _export_server(conn, folder)
        return
    with WRITE_LOCK, transaction(conn):
        conn.execute(f"EXPORT DATABASE {_quoted(folder)} (FORMAT PARQUET)").fetchall()


def _export_server(conn: Conn, folder: Path) -> None:
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
        copy.execute(f"EXPORT DATABASE {_quoted(folder)} (FORMAT PARQUET)").fetchall()
    finally:
        copy.close()


def import_database(db_path: str | Path, folder: str | Path) -> Conn:
    """Create `db_path` (which must not exist) from an exported folder; returns it opened."""
    db_path = Path(db_path)
    if db_path.exists():
        raise StoreError(f"Tệp {db_path} đã có; khôi phục chỉ vào một tệp cơ sở dữ liệu mới.")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    raw = duckdb.connect(str(db_path))
    try:
        raw.execute(f"IMPORT DATABASE {_quoted(Path(folder))}").fetchall()
    except duckdb.Error as e:
        raw.close()
        db_path.unlink(missing_ok=True)
        raise StoreError(f"Bản sao lưu hỏng, không nạp được cơ sở dữ liệu: {e}") from None
    raw.close()
    return connect(db_path)


def relocate_kept_files(conn: Conn, uploads_dir: str | Path) -> None:
    """Point every upload's stored_path into `uploads_dir` (after a restore elsewhere)."""
    base = str(Path(uploads_dir))
    with WRITE_LOCK, transaction(conn):
        conn.execute("UPDATE uploads SET stored_path = ? || '/' || substr(sha256, 1, 2) || '/' || "
                     "sha256 || '.xlsx' WHERE sha256 IS NOT NULL", [base]).fetchall()
