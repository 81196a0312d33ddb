"""The record checked and replayed: database, kept files and journal must tell one story.

`verify` lists every difference between the three (empty list: they agree). `plan_rebuild`
refuses to start while anything would have to be skipped, guessed or invented; `rebuild` replays
the journal with each file's stored submission time and checks every version it produces.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.settings import evidence_dir_beside
from kpi.store import kept_uploads
from kpi.store.backup import relocate_kept_files
from kpi.store.evidence import evidence_shas
from kpi.usecases.importing import (
    JOURNAL,
    JournalError,
    import_workbook,
    journal_entries,
    kept_file,
    kept_files,
    read_journal,
    write_journal,
)


def verify(conn, uploads_dir: str | Path) -> list[str]:
    """Every difference between the database, the kept files (uploads and evidence) and the
    journal, in Vietnamese."""
    uploads_dir = Path(uploads_dir)
    diffs: list[str] = verify_evidence(conn, evidence_dir_beside(uploads_dir))
    rows = kept_uploads(conn)
    known = {r["sha256"] for r in rows}
    checked: set[str] = set()
    for r in rows:
        if r["sha256"] in checked:
            continue
        checked.add(r["sha256"])
        path = Path(r["stored_path"]) if r["stored_path"] else kept_file(uploads_dir, r["sha256"])
        if not path.exists():
            path = kept_file(uploads_dir, r["sha256"])
        if not path.exists():
            diffs.append(f"thiếu tệp đã lưu {r['sha256'][:12]}… ({r['file_name']}, lần gửi số "
                         f"{r['id']}: {r['unit']} {r['period']} phiên bản {r['version']})")
        elif file_sha256(path) != r["sha256"]:
            diffs.append(f"tệp đã lưu {path} bị thay đổi (mã băm không khớp)")
    diffs += [why for _, why in foreign_files(uploads_dir, known, uploads=True)]
    expected = journal_entries(conn)
    try:
        journal = read_journal(uploads_dir)
    except JournalError as e:
        if not expected and not (uploads_dir / JOURNAL).exists():
            return diffs          # nothing kept yet (a demo database): no journal is the right journal
        return diffs + [str(e)]
    for n, e in enumerate(expected, start=1):
        if e not in journal:
            diffs.append(f"nhật ký thiếu lần nhập thứ {n}: {e['file_name']} lúc {e['at']} "
                         f"({', '.join(f'{u} {p} v{v}' for u, p, v in e['units'])})")
    for e in journal:
        if e not in expected:
            diffs.append(f"nhật ký ghi {e.get('file_name')} lúc {e.get('at')} nhưng cơ sở dữ liệu "
                         "không có lần nhập này")
    return diffs


def verify_evidence(conn, evidence_dir: str | Path) -> list[str]:
    """Every evidence file a row names is kept intact in `evidence_dir` (named by its sha256),
    and every file there belongs to a row."""
    evidence_dir = Path(evidence_dir)
    diffs: list[str] = []
    known = evidence_shas(conn)
    for sha in sorted(known):
        path = evidence_dir / sha
        if not path.exists():
            diffs.append(f"thiếu tệp minh chứng {sha[:12]}… trong {evidence_dir}")
        elif file_sha256(path) != sha:
            diffs.append(f"tệp minh chứng {path} bị thay đổi (mã băm không khớp)")
    diffs += [why for _, why in foreign_files(evidence_dir, known, uploads=False)]
    return diffs


_SHA = re.compile(r"[0-9a-f]{64}")


def foreign_files(folder: str | Path, known: set[str], *, uploads: bool) -> list[tuple[Path, str]]:
    """Every file in a kept folder that is not one of the database's, anywhere below it, with
    why (Vietnamese): a kept file no row names, a `*.tmp` left by a write cut short, anything else.
    An uploads folder holds `journal.jsonl` and `<ab>/<sha256>.xlsx`, an evidence folder
    `<sha256>`; the set-aside folder (`khong-thuoc-lan-gui/`) is not looked into."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    out: list[tuple[Path, str]] = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if rel[0] == ORPHANS or path.is_dir():
            continue
        if uploads:
            if rel == (JOURNAL,):
                continue
            named = (len(rel) == 2 and rel[1].endswith(".xlsx") and _SHA.fullmatch(rel[1][:-5]) is not None
                     and rel[0] == rel[1][:2])
            sha = rel[1][:-5] if named else None
        else:
            sha = rel[0] if len(rel) == 1 and _SHA.fullmatch(rel[0]) else None
        if sha is not None and sha in known:
            continue
        if path.name.endswith(".tmp"):
            why = f"tệp tạm {path} còn lại sau một lần ghi bị dừng giữa chừng"
        elif sha is not None:
            why = (f"tệp {path} không thuộc lần gửi nào trong cơ sở dữ liệu" if uploads else
                   f"tệp {path} không thuộc tài liệu kiểm chứng nào trong cơ sở dữ liệu")
        else:
            why = f"tệp lạ {path} trong thư mục tệp đã lưu (không phải tệp của chương trình)"
        out.append((path, why))
    return out


@dataclass
class RebuildPlan:
    entries: list[dict]
    problems: list[str] = field(default_factory=list)


def plan_rebuild(source: str | Path) -> RebuildPlan:
    """What a rebuild from `source` would replay, and every reason it must not start."""
    source = Path(source)
    try:
        entries = read_journal(source)
    except JournalError as e:
        return RebuildPlan([], [f"{e} Không dựng lại khi không biết chắc thứ tự và người gửi."])
    problems: list[str] = []
    listed = set()
    for e in entries:
        listed.add(e["sha256"])
        path = kept_file(source, e["sha256"])
        if not path.exists():
            problems.append(f"thiếu tệp {path} ({e.get('file_name')})")
        elif file_sha256(path) != e["sha256"]:
            problems.append(f"tệp {path} bị thay đổi (mã băm không khớp)")
        if not e.get("at"):
            problems.append(f"nhật ký không ghi thời điểm gửi của {e.get('file_name')}")
    for path in kept_files(source):
        if path.stem not in listed:
            problems.append(f"tệp {path} không có trong nhật ký (chưa rõ đã được ghi hay chưa)")
    if not entries and not problems:
        problems.append(f"thư mục {source} không có tệp nào đã lưu")
    return RebuildPlan(entries, problems)


def rebuild(conn, catalog: Catalog, plan: RebuildPlan, uploads_dir: str | Path,
            source: str | Path) -> list[str]:
    """Replay the plan into an empty database; returns the differences from the journal."""
    differences: list[str] = []
    for e in plan.entries:
        at = dt.datetime.fromisoformat(e["at"])
        path = kept_file(source, e["sha256"])
        result = import_workbook(conn, catalog, path.read_bytes(), e.get("file_name") or path.name,
                                 Actor(e.get("by") or "Khôi phục", role="system"), uploads_dir,
                                 today=at.date(), submitted_at=at, journal=False, keep_pairs=False)
        if not result.ok:
            differences.append(f"{e.get('file_name')}: không nhập lại được: "
                               + "; ".join(str(p) for p in result.check.problems))
            continue
        got = sorted([o.unit, o.period, o.version] for o in result.created)
        want = sorted(e.get("units") or [])
        if want and got != want:
            differences.append(f"{e.get('file_name')}: nhật ký ghi {want}, dựng lại được {got}")
    write_journal(conn, uploads_dir)
    return differences


STAGING = ".dung-lai"


def rebuild_file(open_db: Callable[[Path], Any], catalog: Catalog, plan: RebuildPlan, db_path: str | Path,
                 uploads_dir: str | Path, source: str | Path) -> list[str]:
    """Rebuild into the DuckDB file `db_path` (absent, or present without uploads) and its kept
    folder `uploads_dir`, all or nothing: the database is built as `<db>.dung-lai` (a copy of
    `db_path` when it exists) with its kept files in `<db>.dung-lai.uploads`, and moved into place
    only once every file replayed as the journal says. On differences (returned) or any failure,
    the staging file and folder and any folder this call made are removed; `db_path` and
    `uploads_dir` are as before. `open_db(path)` opens a database (its catalogue kept)."""
    db_path, uploads_dir = Path(db_path), Path(uploads_dir)
    staging = db_path.with_name(db_path.name + STAGING)
    staged = staging.with_name(staging.name + ".uploads")
    made = next((p for p in [db_path.parent, *db_path.parent.parents][::-1] if not p.exists()), None)

    def clear() -> None:
        for path in (staging, staging.with_name(staging.name + ".wal")):
            path.unlink(missing_ok=True)
        shutil.rmtree(staged, ignore_errors=True)

    clear()                                   # what a killed rebuild left
    conn = None
    try:
        if db_path.exists():
            shutil.copyfile(db_path, staging)
            if db_path.with_name(db_path.name + ".wal").exists():
                shutil.copyfile(db_path.with_name(db_path.name + ".wal"), staging.with_name(staging.name + ".wal"))
        conn = open_db(staging)
        differences = rebuild(conn, catalog, plan, staged, source)
        if differences:
            raise _Refused(differences)
        relocate_kept_files(conn, uploads_dir)
        conn.close()
        conn = None
        for path in sorted(p for p in staged.rglob("*") if p.is_file()):
            target = uploads_dir / path.relative_to(staged)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.name == JOURNAL or not target.exists():
                path.replace(target)
        shutil.rmtree(staged, ignore_errors=True)
        staging.replace(db_path)
        return []
    except BaseException as e:
        if conn is not None:
            conn.close()
        clear()
        if made is not None and not db_path.exists():
            shutil.rmtree(made, ignore_errors=True)
        if isinstance(e, _Refused):
            return e.differences
        raise


class _Refused(Exception):
    def __init__(self, differences: list[str]) -> None:
        super().__init__("; ".join(differences))
        self.differences = differences


ORPHANS = "khong-thuoc-lan-gui"


def settle(conn, uploads_dir: str | Path) -> list[str]:
    """After a crash: rewrite the journal from the database and move every file of the kept
    folders that is not the database's (a kept file no row names — a crash before the commit —,
    a `*.tmp` a write cut short left, anything else) into that folder's `khong-thuoc-lan-gui/`
    (`tên.2`, … when a name is there already); returns what it did."""
    uploads_dir = Path(uploads_dir)
    done = []
    for folder, known, is_uploads in ((uploads_dir, {r["sha256"] for r in kept_uploads(conn)}, True),
                                      (evidence_dir_beside(uploads_dir), evidence_shas(conn), False)):
        for path, _ in foreign_files(folder, known, uploads=is_uploads):
            target = folder / ORPHANS / path.name
            n = 1
            while target.exists():
                n += 1
                target = target.with_name(f"{path.name}.{n}")
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
            done.append(f"chuyển {path} (không thuộc cơ sở dữ liệu) vào {target.parent}")
    done.append(f"viết lại nhật ký {write_journal(conn, uploads_dir)} theo cơ sở dữ liệu")
    return done


def file_sha256(path: Path) -> str:
    """The sha256 of a kept file, read in chunks (kept files and evidence are named by it)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
