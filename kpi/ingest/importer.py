"""`import_workbook`: check a file, keep the raw bytes, store every unit-month in one call.

A rejected file (or a dry run) never touches the database. The kept files are listed in
`<uploads>/journal.jsonl` (order, who, when) so `python -m kpi rebuild` can replay them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.ingest.check import CheckResult, check_workbook
from kpi.ingest.problems import problem
from kpi.store import RecordOutcome, StoreError, keep_raw_file, record_submissions
from kpi.store.writes import Conflict

JOURNAL = "journal.jsonl"
_JOURNAL_LOCK = threading.Lock()


@dataclass
class ImportResult:
    file_name: str
    check: CheckResult
    outcomes: list[RecordOutcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def created(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.created]

    @property
    def identical(self) -> bool:
        """Everything in the file was already stored (same file or same figures)."""
        return bool(self.outcomes) and not self.created


def import_workbook(conn, catalog: Catalog, data: bytes, file_name: str, actor: Actor,
                    uploads_dir, *, dry_run: bool = False, today: dt.date | None = None,
                    submitted_at: dt.datetime | None = None, journal: bool = True,
                    expected: dict[tuple[str, str], int] | None = None,
                    allow_rollback: bool = False) -> ImportResult:
    """Validate `data` completely; when valid (and not a dry run) store it all-or-nothing.
    `expected`/`allow_rollback`: see `store.record_submissions` (rights and locks refuse with
    `PermissionDenied`)."""
    check = check_workbook(data, file_name, catalog, today=today)
    if not check.ok or dry_run:
        return ImportResult(file_name, check, [], dry_run)
    sha, path = keep_raw_file(uploads_dir, data)
    subs = [dataclasses.replace(s, file_name=file_name, sha256=sha, size=len(data),
                                stored_path=str(path), source="excel", submitted_at=submitted_at)
            for s in check.submissions]
    try:
        outcomes = record_submissions(conn, subs, actor, expected, allow_rollback)
    except Conflict:
        raise               # the caller asks the user (review again, confirm a roll-back)
    except StoreError as e:
        failed = CheckResult(check.problems + [problem(f"chưa ghi được vào cơ sở dữ liệu: {e}")],
                             check.warnings, [])
        return ImportResult(file_name, failed, [])
    if journal and any(o.created for o in outcomes):
        _journal(Path(uploads_dir), sha, file_name, actor, submitted_at, outcomes)
    return ImportResult(file_name, check, outcomes)


def _journal(uploads_dir: Path, sha: str, file_name: str, actor: Actor,
             submitted_at: dt.datetime | None, outcomes: list[RecordOutcome]) -> None:
    line = json.dumps({"sha256": sha, "file_name": file_name, "by": actor.who, "role": actor.role,
                       "at": (submitted_at or dt.datetime.now()).isoformat(timespec="seconds"),
                       "units": [[o.unit, o.period, o.version] for o in outcomes if o.created]},
                      ensure_ascii=False)
    with _JOURNAL_LOCK, open(uploads_dir / JOURNAL, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def read_journal(uploads_dir: str | Path) -> list[dict]:
    """The kept files in import order; without a journal, every kept file by modification time."""
    uploads_dir = Path(uploads_dir)
    path = uploads_dir / JOURNAL
    if path.exists():
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue     # a half-written last line after a crash
        return out
    files = sorted(uploads_dir.glob("??/*.xlsx"), key=lambda p: (p.stat().st_mtime, p.name))
    return [{"sha256": p.stem, "file_name": p.name, "by": "Khôi phục từ tệp", "role": "system",
             "at": None} for p in files]


def kept_file(uploads_dir: str | Path, sha256: str) -> Path:
    return Path(uploads_dir) / sha256[:2] / f"{sha256}.xlsx"
