"""The write functions: each one transaction, each checking its `Actor` first, each audited."""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor, Submission
from kpi.domain.milestones import CATALOG_SOURCE, catalog_tasks
from kpi.domain.periods import Month
from kpi.domain.rights import PermissionDenied, authorize, closed_refusal
from kpi.store.connection import (
    Conn,
    DiskFull,
    StoreError,
    first_row,
    is_disk_full,
    is_retryable,
    lock_names,
    now,
    transaction,
)
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


class Conflict(StoreError):
    """A confirm refused because the stored state is not what the user reviewed: another version
    landed since the preview, or the content returns to an older version (a roll-back)."""

    def __init__(self, message: str, kind: str, unit: str, period: str, version: int):
        super().__init__(message)
        self.kind, self.unit, self.period, self.version = kind, unit, period, version


AUDIT_COLUMNS = "(id, happened_at, actor, action, commune, detail, unit, period, file_sha256)"


def _audit(conn: Conn, actor: Actor, action: str, commune: str | None, detail: dict,
           unit: str | None = None, period: str | None = None, sha256: str | None = None) -> None:
    conn.execute(f"INSERT INTO audit_log {AUDIT_COLUMNS} VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?)",
                 [now(), actor.who, action, commune, json.dumps(detail, ensure_ascii=False), unit, period,
                  sha256]).fetchall()


def audit(conn: Conn, actor: Actor, action: str, commune: str | None, detail: dict,
          unit: str | None = None, period: str | None = None, sha256: str | None = None) -> None:
    """One audit row in its own transaction (logins, refusals: nothing else is written)."""
    with WRITE_LOCK, transaction(conn):
        _audit(conn, actor, action, commune, detail, unit, period, sha256)


def sync_catalog(conn: Conn, catalog: Catalog, actor: Actor, text: str | None = None) -> None:
    """Make the commune and its units in the database match the catalogue; with the catalogue's
    `text`, keep it as a new catalogue version when it differs from the last one kept; upsert the
    catalogue's obligations (`[[milestones]]`) into the task register as the tasks of the document
    «Danh mục chỉ tiêu» (kpi.domain.milestones.catalog_tasks; kpi.store.tasks.sync_catalog_tasks).
    When nothing differs (`catalog_changes`), nothing is written and no transaction is opened."""
    authorize(actor, "sync_catalog", catalog.commune)
    changes = catalog_changes(conn, catalog, text)
    if not changes:
        return
    if changes & {"version", "units"}:
        _sync_units(conn, catalog, actor, text)
    if "tasks" in changes:
        from kpi.store import tasks as store_tasks  # the register's module imports this one
        store_tasks.sync_catalog_tasks(conn, actor, catalog.commune, CATALOG_SOURCE, *catalog_tasks(catalog))


def _sync_units(conn: Conn, catalog: Catalog, actor: Actor, text: str | None) -> None:
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"catalog:{catalog.commune}"])
        changes = catalog_changes(conn, catalog, text, tasks=False)   # again under the lock: another writer may have synced
        if "version" in changes:
            _record_catalog_version(conn, catalog.commune, text or "", actor)
        if "units" not in changes:
            return
        conn.execute("INSERT INTO communes VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                     [catalog.commune, catalog.commune_name]).fetchall()
        wanted = [(u.code, u.name) for u in catalog.units]
        for code, name in wanted:
            conn.execute("INSERT INTO units VALUES (?, ?, ?) "
                         "ON CONFLICT (commune, code) DO UPDATE SET name = excluded.name",
                         [catalog.commune, code, name]).fetchall()
        _audit(conn, actor, "sync_catalog", catalog.commune, {"units": [c for c, _ in wanted]})


def catalog_changes(conn: Conn, catalog: Catalog, text: str | None = None, *, tasks: bool = True) -> set[str]:
    """What `sync_catalog` would write, read only: "version" when `text` differs from the commune's
    last kept catalogue version (or none is kept), "units" when the commune's name or units in the
    database differ from the catalogue, "tasks" (with `tasks`) when the register's tasks of the
    document «Danh mục chỉ tiêu» differ from the catalogue's obligations. Empty: the database already
    holds this catalogue."""
    changes = set()
    if text is not None:
        last = conn.execute("SELECT sha256 FROM catalog_versions WHERE commune = ? ORDER BY id DESC LIMIT 1",
                            [catalog.commune]).fetchall()
        if not last or last[0][0] != _sha256(text):
            changes.add("version")
    stored = conn.execute("SELECT code, name FROM units WHERE commune = ?", [catalog.commune]).fetchall()
    names = conn.execute("SELECT name FROM communes WHERE code = ?", [catalog.commune]).fetchall()
    if sorted(stored) != sorted((u.code, u.name) for u in catalog.units) \
            or not names or names[0][0] != catalog.commune_name:
        changes.add("units")
    if tasks:
        from kpi.store.tasks import catalog_tasks_plan
        if catalog_tasks_plan(conn, catalog.commune, CATALOG_SOURCE, catalog_tasks(catalog)[0]) is not None:
            changes.add("tasks")
    return changes


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _record_catalog_version(conn: Conn, commune: str, text: str, actor: Actor) -> None:
    sha = _sha256(text)
    vid = first_row(conn.execute("SELECT nextval('catalog_version_seq')"))[0]
    conn.execute("INSERT INTO catalog_versions VALUES (?, ?, ?, ?, ?, ?)",
                 [vid, commune, sha, text, now(), actor.who]).fetchall()
    _audit(conn, actor, "catalog_version", commune, {"catalog_version": vid, "sha256": sha}, sha256=sha)


def _refuse(conn: Conn, actor: Actor, error: Exception, subs: list[Submission] | tuple[Submission, ...]) -> None:
    """Audit a refused write (the refused transaction itself wrote nothing); an actor without a
    name has nothing to record."""
    if not actor.who.strip():
        return
    s = subs[0] if subs else None
    kind = "refused_conflict" if isinstance(error, Conflict) else "refused_rights"
    audit(conn, actor, kind, s.commune if s else None, {"reason": str(error)},
          getattr(error, "unit", None) or (s.unit if s else None),
          getattr(error, "period", None) or (s.period if s else None), s.sha256 if s else None)


def record_submissions(conn: Conn, submissions: list[Submission] | tuple[Submission, ...],
                       actor: Actor, expected: dict[tuple[str, str], int] | None = None,
                       allow_rollback: bool = False) -> list[RecordOutcome]:
    """Store unit-month submissions all-or-nothing, in one transaction.

    A submission whose figures equal the stored current version (or whose file has the same
    sha256) changes nothing; otherwise it becomes a new version that supersedes the current one.
    Refused (nothing written, the refusal audited): a unit the actor may not write, a month of a
    closed quarter, a unit-month whose current version is not the one in `expected` ((unit,
    period) → version the preview showed, 0 for none), content identical to an older version
    unless `allow_rollback`.
    """
    try:
        for s in submissions:
            authorize(actor, "record_submission", s.commune, s.unit)
    except PermissionDenied as e:
        _refuse(conn, actor, e, submissions)
        raise
    if not submissions:
        return []
    with WRITE_LOCK:
        for attempt in range(5):
            try:
                with transaction(conn):
                    return _record_batch(conn, list(submissions), actor, expected, allow_rollback)
            except (PermissionDenied, Conflict) as e:
                _refuse(conn, actor, e, submissions)
                raise
            except Exception as e:
                if not is_retryable(e):
                    raise
                # another writer (a second process) got in first: retry on fresh state
                time.sleep(0.05 * (attempt + 1))
        raise StoreError("Cơ sở dữ liệu đang bận, chưa ghi được số liệu. Hãy thử lại.")


def record_submission(conn: Conn, submission: Submission, actor: Actor) -> RecordOutcome:
    return record_submissions(conn, [submission], actor)[0]


def _check_closed(conn: Conn, subs: list[Submission]) -> None:
    communes = sorted({s.commune for s in subs})
    closed = {(c, q) for c, q in conn.execute(
        f"SELECT commune, quarter FROM quarter_closures WHERE reopened_at IS NULL AND commune IN "
        f"({', '.join('?' * len(communes))})", communes).fetchall()}
    for commune, period in sorted({(s.commune, s.period) for s in subs}):
        quarter = Month.parse(period).quarter
        if (commune, str(quarter)) not in closed:
            continue
        closing = current_closure(conn, commune, str(quarter))
        if closing is not None:
            raise closed_refusal(Month.parse(period).label, quarter.label, closing[1],
                                 closing[0].strftime("%d/%m/%Y %H:%M"))


def quarter_lock(commune: str, quarter: str) -> str:
    """The lock name of a quarter's closure (uploads hold it shared, closing exclusive)."""
    return f"quarter:{commune}:{quarter}"


def current_closure(conn: Conn, commune: str, quarter: str) -> tuple | None:
    """(closed_at, closed_by, catalog_version, figures, score, id) of a closed quarter, or None."""
    rows = conn.execute("SELECT closed_at, closed_by, catalog_version, figures, score, id FROM quarter_closures "
                        "WHERE commune = ? AND quarter = ? AND reopened_at IS NULL ORDER BY id DESC LIMIT 1",
                        [commune, quarter]).fetchall()
    return rows[0] if rows else None


def _check_conflicts(subs: list[Submission], rows: list[tuple], current: dict[tuple, tuple],
                     expected: dict[tuple[str, str], int] | None, allow_rollback: bool) -> None:
    """Refuse a stale confirm (another version landed since the preview) and a silent roll-back."""
    by_key: dict[tuple, list[tuple]] = {}
    for commune, unit, period, _uid, version, _sha, content, _status, who, at in rows:
        by_key.setdefault((commune, unit, period), []).append((version, content, who, at))
    for s in subs:
        key = (s.commune, s.unit, s.period)
        cur = current.get(key)
        label = Month.parse(s.period).label
        if expected is not None and (s.unit, s.period) in expected:
            seen = expected[(s.unit, s.period)]
            now_version = cur[1] if cur else 0
            if now_version != seen:
                info = next(r for r in by_key[key] if r[0] == now_version)
                raise Conflict(f"{s.unit}, {label}: trong lúc bạn xem trước, {info[2]} đã gửi phiên bản "
                               f"{now_version} lúc {info[3]:%d/%m/%Y %H:%M}. Hãy xem lại rồi xác nhận lại.",
                               "stale", s.unit, s.period, now_version)
        content = s.content_sha256()
        if allow_rollback or (cur and cur[3] == content):
            continue
        older = [r for r in by_key.get(key, []) if r[1] == content and (not cur or r[0] != cur[1])]
        if older:
            v = max(older)
            raise Conflict(f"{s.unit}, {label}: số liệu giống hệt phiên bản {v[0]} ({v[3]:%d/%m/%Y %H:%M}, "
                           f"{v[2]}) — gửi lại sẽ quay về phiên bản cũ đó. Cần xác nhận rõ việc quay lại.",
                           "rollback", s.unit, s.period, v[0])


def _record_batch(conn: Conn, subs: list[Submission], actor: Actor,
                  expected: dict[tuple[str, str], int] | None = None,
                  allow_rollback: bool = False) -> list[RecordOutcome]:
    """Decide versions in Python from one read of the stored state, then write in bulk
    (a handful of statements whatever the number of submissions). On PostgreSQL the quarters are
    locked shared (closing locks them exclusive) and the unit-months exclusive first, so the read
    below sees every other writer's committed version (see `kpi.store.connection`)."""
    lock_names(conn, {quarter_lock(s.commune, str(Month.parse(s.period).quarter)) for s in subs}, shared=True)
    lock_names(conn, {f"unit:{s.commune}:{s.unit}:{s.period}" for s in subs})
    _check_closed(conn, subs)
    keys = sorted({(s.commune, s.unit, s.period) for s in subs})
    state = pd.DataFrame(keys, columns=["commune", "unit", "period"])
    conn.register("_keys", state)
    try:
        rows = conn.execute(
            "SELECT u.commune, u.unit, u.period, u.id, u.version, u.sha256, u.content_sha256, "
            "u.status, u.submitted_by, u.submitted_at FROM uploads u "
            "JOIN _keys k USING (commune, unit, period)").fetchall()
    finally:
        conn.unregister("_keys")
    current: dict[tuple, tuple] = {}
    last_version: dict[tuple, int] = {}
    for commune, unit, period, uid, version, sha, content, status, _who, _at in rows:
        key = (commune, unit, period)
        last_version[key] = max(last_version.get(key, 0), version)
        if status == "accepted":
            current[key] = (uid, version, sha, content)
    _check_conflicts(subs, rows, current, expected, allow_rollback)

    stamp = now()
    outcomes: list[RecordOutcome] = []
    upload_rows: list[tuple] = []
    superseded: list[int] = []
    audit: list[tuple] = []
    figure_frames: list[tuple] = []
    fresh_ids = iter(_next_ids(conn, "upload_id_seq", len(subs)))
    for s in subs:
        key = (s.commune, s.unit, s.period)
        content = s.content_sha256()
        cur = current.get(key)
        if cur and ((s.sha256 and cur[2] == s.sha256) or cur[3] == content):
            outcomes.append(RecordOutcome(s.unit, s.period, cur[0], cur[1], False, None,
                                          len(s.figures)))
            continue
        upload_id = next(fresh_ids)
        version = last_version.get(key, 0) + 1
        supersedes = cur[0] if cur else None
        if supersedes is not None:
            superseded.append(supersedes)
        upload_rows.append((upload_id, s.commune, s.unit, s.period, s.file_name, s.sha256,
                            content, s.size, actor.who, s.submitted_at or stamp, "accepted",
                            version, supersedes, s.source, s.stored_path))
        figure_frames.extend(
            (upload_id, s.commune, s.unit, s.period, f.indicator_id, f.numerator,
             f.denominator, f.value, f.note) for f in s.figures)
        audit.append((stamp, actor.who, "supersede" if supersedes else "record_submission", s.commune,
                      json.dumps({"upload_id": upload_id, "unit": s.unit, "period": s.period,
                                  "version": version, "file": s.file_name, "supersedes": supersedes},
                                 ensure_ascii=False), s.unit, s.period, s.sha256))
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
    if audit:   # one statement for every audit row (a row at a time costs ms each)
        _bulk_insert(conn, "audit_log", audit, ["happened_at", "actor", "action", "commune", "detail", "unit",
                                                "period", "file_sha256"], ids="audit_id_seq")
    return outcomes


def _next_ids(conn: Conn, sequence: str, n: int) -> list[int]:
    """`n` new values of `sequence` in one statement, ascending (unused ones are simply skipped)."""
    if n == 1:
        return [int(first_row(conn.execute(f"SELECT nextval('{sequence}')"))[0])]
    conn.register("_id_rows", pd.DataFrame({"k": range(n)}))
    try:
        return sorted(int(r[0]) for r in conn.execute(f"SELECT nextval('{sequence}') FROM _id_rows").fetchall())
    finally:
        conn.unregister("_id_rows")


_COLUMN_TYPES = {"numerator": "float64", "denominator": "float64", "value": "float64",
                 "size": "Int64", "supersedes": "Int64", "note": "object", "sha256": "object",
                 "file_name": "object", "stored_path": "object"}


def _bulk_insert(conn: Conn, table: str, rows: list[tuple], columns: list[str], ids: str | None = None) -> None:
    """Insert `rows` in one statement; with `ids`, each row's `id` is the next value of that sequence."""
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.astype({c: t for c, t in _COLUMN_TYPES.items() if c in frame.columns})
    conn.register("_bulk_rows", frame)
    target = (["id"] if ids else []) + columns
    source = ([f"nextval('{ids}')"] if ids else []) + columns
    try:
        conn.execute(f"INSERT INTO {table} ({', '.join(target)}) "
                     f"SELECT {', '.join(source)} FROM _bulk_rows").fetchall()
    finally:
        conn.unregister("_bulk_rows")


def keep_raw_file(uploads_dir: str | Path, data: bytes, suffix: str = ".xlsx") -> tuple[str, Path]:
    """Keep an uploaded file content-addressed (uploads/ab/abcdef….xlsx); returns (sha256, path)."""
    sha = hashlib.sha256(data).hexdigest()
    path = Path(uploads_dir) / sha[:2] / f"{sha}{suffix}"
    if not path.exists():
        write_whole(path, data, f"tệp {sha[:12]}…{suffix}")
    return sha, path


def write_whole(path: Path, data: bytes, what: str) -> None:
    """Write `path` atomically (a temporary file, then renamed): all of it or, on any failure,
    nothing — no `*.tmp` left. A full disk raises DiskFull naming `what`."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if is_disk_full(e):
            raise DiskFull(f"Ổ đĩa đã đầy: chưa lưu được {what}. {DiskFull.HINT}") from None
        raise


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
