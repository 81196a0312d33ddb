"""A consistent copy of the database through the open connection (`EXPORT DATABASE`), and the
way back (`IMPORT DATABASE` into a new file). Works while the app holds the database file."""
from __future__ import annotations

from pathlib import Path

import duckdb

from kpi.store.connection import Conn, StoreError, connect, transaction
from kpi.store.schema import WRITE_LOCK


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_database(conn: Conn, folder: str | Path) -> None:
    """Write the whole database (schema, sequences, rows) as Parquet into `folder`, from one
    transaction and with this process's writers held back, so the copy is one moment's state."""
    folder = Path(folder)
    with WRITE_LOCK, transaction(conn):
        conn.execute(f"EXPORT DATABASE {_quoted(folder)} (FORMAT PARQUET)").fetchall()


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
