"""The write functions: each one transaction, each checking its `Actor` first, each audited."""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor, Submission
from kpi.domain.rights import authorize
from kpi.store.connection import Conn, StoreError, first_row, now, transaction
from kpi.store.schema import WRITE_LOCK


@dataclass(frozen=True)
class RecordOutcome:
    unit: str
    period: str
    upload_id: int
    version: int
    created: bool               # False: identical to the stored current version
    supersedes: int | None = None
    figure_count: int = 0


def _audit(conn: Conn, actor: Actor, action: str, commune: str | None, detail: dict) -> None:
    conn.execute("INSERT INTO audit_log VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?)",
                 [now(), actor.name, action, commune, json.dumps(detail, ensure_ascii=False)])


def sync_catalog(conn: Conn, catalog: Catalog, actor: Actor) -> None:
    """Make the commune and its units in the database match the catalogue."""
    authorize(actor, "sync_catalog", catalog.commune)
    with WRITE_LOCK, transaction(conn):
        stored = conn.execute("SELECT code, name FROM units WHERE commune = ?",
                              [catalog.commune]).fetchall()
        wanted = [(u.code, u.name) for u in catalog.units]
        names = conn.execute("SELECT name FROM communes WHERE code = ?",
                             [catalog.commune]).fetchall()
        if sorted(stored) == sorted(wanted) and names and names[0][0] == catalog.commune_name:
            return
        conn.execute("INSERT OR REPLACE INTO communes VALUES (?, ?)",
                     [catalog.commune, catalog.commune_name])
        for code, name in wanted:
            conn.execute("INSERT OR REPLACE INTO units VALUES (?, ?, ?)",
                         [catalog.commune, code, name])
        _audit(conn, actor, "sync_catalog", catalog.commune, {"units": [c for c, _ in wanted]})


def record_submissions(conn: Conn, submissions: list[Submission] | tuple[Submission, ...],
                       actor: Actor) -> list[RecordOutcome]:
    """Store unit-month submissions all-or-nothing, in one transaction.

    A submission whose figures equal the stored current version (or whose file has the same
    sha256) changes nothing; otherwise it becomes a new version that supersedes the current one.
    """
    for s in submissions:
        authorize(actor, "record_submission", s.commune, s.unit)
    if not submissions:
        return []
    with WRITE_LOCK:
        for attempt in range(5):
            try:
                with transaction(conn):
                    return _record_batch(conn, list(submissions), actor)
            except duckdb.TransactionException:
                # another writer (a second process) got in first: retry on fresh state
                time.sleep(0.05 * (attempt + 1))
        raise StoreError("Cơ sở dữ liệu đang bận, chưa ghi được số liệu. Hãy thử lại.")


def record_submission(conn: Conn, submission: Submission, actor: Actor) -> RecordOutcome:
    return record_submissions(conn, [submission], actor)[0]


def _record_batch(conn: Conn, subs: list[Submission], actor: Actor) -> list[RecordOutcome]:
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

    stamp = now()
    outcomes: list[RecordOutcome] = []
    upload_rows: list[tuple] = []
    superseded: list[int] = []
    audit: list[tuple] = []
    figure_frames: list[tuple] = []
    for s in subs:
        key = (s.commune, s.unit, s.period)
        content = s.content_sha256()
        cur = current.get(key)
        if cur and ((s.sha256 and cur[2] == s.sha256) or cur[3] == content):
            outcomes.append(RecordOutcome(s.unit, s.period, cur[0], cur[1], False, None,
                                          len(s.figures)))
            continue
        upload_id = first_row(conn.execute("SELECT nextval('upload_id_seq')"))[0]
        version = last_version.get(key, 0) + 1
        supersedes = cur[0] if cur else None
        if supersedes is not None:
            superseded.append(supersedes)
        upload_rows.append((upload_id, s.commune, s.unit, s.period, s.file_name, s.sha256,
                            content, s.size, actor.name, s.submitted_at or stamp, "accepted",
                            version, supersedes, s.source, s.stored_path))
        figure_frames.extend(
            (upload_id, s.commune, s.unit, s.period, f.indicator_id, f.numerator,
             f.denominator, f.value, f.note) for f in s.figures)
        audit.append((stamp, actor.name, "record_submission", s.commune, json.dumps(
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


def _bulk_insert(conn: Conn, table: str, rows: list[tuple], columns: list[str]) -> None:
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


def forget_raw_file(conn: Conn, path: str | Path, sha256: str) -> bool:
    """Delete a kept file no upload refers to (an identical or failed import); True if deleted.

    Checked and deleted under the write lock, so an import of the same bytes that commits
    meanwhile keeps it (and an importer re-keeps its file after committing if it is gone)."""
    with WRITE_LOCK:
        used = conn.execute("SELECT count(*) FROM uploads WHERE sha256 = ?", [sha256]).fetchall()[0][0]
        if used:
            return False
        Path(path).unlink(missing_ok=True)
        return True
