"""`import_workbook`: check a file, keep the raw bytes, store every unit-month in one call.

A rejected file (or a dry run) never touches the database. A ratio row with only one of Tử số /
Mẫu số is refused when it would replace a full pair stored for the same unit-month
(`refuse_lost_pairs`). The kept files are listed in the
database (uploads: sha256, stored_path, submitted_at, submitted_by, version) and mirrored after
each stored import to `<uploads>/journal.jsonl`, so `python -m kpi rebuild` can replay them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.periods import Month
from kpi.domain.rights import PermissionDenied
from kpi.ingest import layout as L
from kpi.ingest.check import CheckResult, HalfPair, check_workbook
from kpi.ingest.problems import Problem, problem
from kpi.present.texts import smart_number
from kpi.store import (
    RecordOutcome,
    StoreError,
    current_figures,
    forget_raw_file,
    keep_raw_file,
    kept_uploads,
    record_submissions,
    sha_in_use,
)
from kpi.store.connection import DiskFull
from kpi.store.writes import Conflict, write_whole

JOURNAL = "journal.jsonl"
_JOURNAL_LOCK = threading.Lock()


@dataclass
class ImportResult:
    file_name: str
    check: CheckResult
    outcomes: list[RecordOutcome] = field(default_factory=list)
    dry_run: bool = False
    already_stored: bool = False    # a resumed batch met a file whose exact bytes are stored
    journal_behind: bool = False    # stored, but a full disk stopped rewriting the journal (verify --fix)

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def created(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.created]

    @property
    def identical(self) -> bool:
        """Everything in the file was already stored (same file or same figures)."""
        return self.already_stored or (bool(self.outcomes) and not self.created)


def _stored_pairs(conn, catalog: Catalog, unit: str, period: str) -> dict[str, tuple[float, float]]:
    """indicator → (numerator, denominator) of the unit-month's current version, full pairs only."""
    df = current_figures(conn, catalog.commune, [period], unit)
    return {r.indicator_id: (float(r.numerator), float(r.denominator)) for r in df.itertuples(index=False)
            if not (pd.isna(r.numerator) or pd.isna(r.denominator))}


def _lost_pair(catalog: Catalog, half: HalfPair, before: tuple[float, float]) -> Problem:
    ind = catalog.indicator(half.indicator_id)
    w = half.warning
    lacking = L.COL_DEN if half.denominator is None else L.COL_NUM
    now = f"{smart_number(half.numerator)}/{smart_number(half.denominator)}"   # None is written «—»
    was = f"{smart_number(before[0])}/{smart_number(before[1])}"
    detail = (f"chỉ tiêu {ind.id} thiếu {lacking}, trong khi {Month.parse(half.period).label} của đơn vị "
              f"{half.unit} đã lưu Tử số/Mẫu số {was} ({ind.numerator_label} / {ind.denominator_label}). "
              f"Nhập tệp này sẽ thay cặp số đã lưu bằng «{now}» và tỷ lệ của tháng không còn tính được. "
              f"Hãy nhập đủ Tử số và Mẫu số rồi gửi lại; chưa ghi gì.")
    return problem(detail, w.sheet, w.cell, field=lacking, value="",
                   expected=f"{lacking} (đã lưu {smart_number(before[1] if lacking == L.COL_DEN else before[0])})",
                   table_row=w.row, row_no=w.row_no, criterion=w.criterion)


def refuse_lost_pairs(conn, catalog: Catalog, check: CheckResult) -> CheckResult:
    """`check` with one problem for each half pair (Tử số without Mẫu số, or the reverse) that would
    replace a full pair stored for the same unit-month and criterion: a stored 180/200 never
    becomes «180/—» without a word. The problem names the empty cell; the file is refused whole.

    When nothing full is stored for that criterion and month (no version yet, or a stored figure
    that is itself incomplete or absent), the half pair loses nothing: it is accepted as before,
    with its warning, and the criterion is not computable that month."""
    if not check.ok or not check.half_pairs:
        return check
    lost: list[Problem] = []
    turned: set[int] = set()
    months: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for half in check.half_pairs:
        key = (half.unit, half.period)
        if key not in months:
            months[key] = _stored_pairs(conn, catalog, *key)
        before = months[key].get(half.indicator_id)
        if before is not None:
            lost.append(_lost_pair(catalog, half, before))
            turned.add(id(half.warning))
    if not lost:
        return check
    return CheckResult(lost, [w for w in check.warnings if id(w) not in turned], [], check.half_pairs)


def import_workbook(conn, catalog: Catalog, data: bytes, file_name: str, actor: Actor,
                    uploads_dir, *, dry_run: bool = False, today: dt.date | None = None,
                    submitted_at: dt.datetime | None = None, journal: bool = True,
                    resume: bool = False, expected: dict[tuple[str, str], int] | None = None,
                    allow_rollback: bool = False, keep_pairs: bool = True) -> ImportResult:
    """Validate `data` completely; when valid (and not a dry run) store it all-or-nothing.

    With `resume` (a batch run again after a crash) a file whose exact bytes are already stored,
    at any version, is a no-op reported as such: re-running a batch never adds versions.
    `keep_pairs`: refuse a half pair that would replace a stored full pair (`refuse_lost_pairs`);
    a rebuild replaying files accepted before turns it off.
    `expected`/`allow_rollback`: see `store.record_submissions`; rights and locks refuse with
    `PermissionDenied`, a stale confirmation or a roll-back with `Conflict` (nothing is kept)."""
    check = check_workbook(data, file_name, catalog, today=today)
    if not check.ok:
        return ImportResult(file_name, check, [], dry_run)
    if resume and not dry_run and sha_in_use(conn, hashlib.sha256(data).hexdigest()):
        return ImportResult(file_name, check, [], already_stored=True)
    if keep_pairs:
        check = refuse_lost_pairs(conn, catalog, check)
    if not check.ok or dry_run:
        return ImportResult(file_name, check, [], dry_run)
    sha, path = keep_raw_file(uploads_dir, data)
    subs = [dataclasses.replace(s, file_name=file_name, sha256=sha, size=len(data),
                                stored_path=str(path), source="excel", submitted_at=submitted_at)
            for s in check.submissions]
    try:
        outcomes = record_submissions(conn, subs, actor, expected, allow_rollback)
    except (Conflict, PermissionDenied):
        forget_raw_file(conn, path, sha)
        raise               # the caller says why or asks the user (review again, confirm a roll-back)
    except StoreError as e:
        forget_raw_file(conn, path, sha)
        failed = CheckResult(check.problems + [problem(f"chưa ghi được vào cơ sở dữ liệu: {e}")],
                             check.warnings, [])
        return ImportResult(file_name, failed, [])
    if not any(o.created for o in outcomes):
        forget_raw_file(conn, path, sha)     # same figures in other bytes: nothing new to keep
    elif not path.exists():
        keep_raw_file(uploads_dir, data)     # a concurrent identical import had just removed it
    behind = False
    if journal and any(o.created for o in outcomes):
        try:
            write_journal(conn, uploads_dir)
        except DiskFull:
            behind = True               # stored all the same: the journal is one import behind
    return ImportResult(file_name, check, outcomes, journal_behind=behind)


class JournalError(Exception):
    """The journal file cannot be trusted (broken lines or missing); the message says where."""


def journal_entries(conn) -> list[dict]:
    """The database's kept uploads as journal entries: one per stored file import, in order."""
    entries: list[dict] = []
    for row in kept_uploads(conn):
        key = (row["sha256"], row["submitted_at"], row["submitted_by"])
        last = entries[-1] if entries else None
        if last is None or (last["sha256"], last["_at"], last["by"]) != key:
            last = {"sha256": row["sha256"], "file_name": row["file_name"], "by": row["submitted_by"],
                    "at": row["submitted_at"].isoformat(), "_at": row["submitted_at"], "units": []}
            entries.append(last)
        last["units"].append([row["unit"], row["period"], row["version"]])
    for e in entries:
        del e["_at"]
    return entries


def write_journal(conn, uploads_dir: str | Path) -> Path:
    """Mirror the database's kept uploads to `<uploads>/journal.jsonl` (whole file, atomically).

    The database is the truth: the journal is rewritten from it after every stored import, so a
    crash between the commit and this write leaves a journal one import behind that the next
    import (or `verify --fix`) settles; `verify` names the lag meanwhile."""
    uploads_dir = Path(uploads_dir)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    path = uploads_dir / JOURNAL
    with _JOURNAL_LOCK:      # read and write together: the last writer has read every commit
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in journal_entries(conn))
        write_whole(path, text.encode("utf-8"), f"nhật ký {path}")
    return path


def read_journal(uploads_dir: str | Path) -> list[dict]:
    """The journal's entries in import order; a missing journal or a broken line is an error
    (never guessed from the folder's files)."""
    path = Path(uploads_dir) / JOURNAL
    if not path.exists():
        raise JournalError(f"Không có nhật ký {path}.")
    out, broken = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
                raise ValueError
            out.append(entry)
        except ValueError:
            broken.append(n)
    if broken:
        raise JournalError(f"Nhật ký {path} hỏng ở dòng {', '.join(map(str, broken))}.")
    return out


def kept_files(uploads_dir: str | Path) -> list[Path]:
    return sorted(Path(uploads_dir).glob("??/*.xlsx"))


def kept_file(uploads_dir: str | Path, sha256: str) -> Path:
    return Path(uploads_dir) / sha256[:2] / f"{sha256}.xlsx"
