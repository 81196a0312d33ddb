"""The record checked and replayed: database, kept files and journal must tell one story.

`verify` lists every difference between the three (empty list: they agree). `plan_rebuild`
refuses to start while anything would have to be skipped, guessed or invented; `rebuild` replays
the journal with each file's stored submission time and checks every version it produces.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.settings import evidence_dir_beside
from kpi.store import kept_uploads
from kpi.store.evidence import evidence_shas
from kpi.usecases.importing import (
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
    for path in kept_files(uploads_dir):
        if path.stem not in known:
            diffs.append(f"tệp {path} không thuộc lần gửi nào trong cơ sở dữ liệu")
    try:
        journal = read_journal(uploads_dir)
    except JournalError as e:
        return diffs + [str(e)]
    expected = journal_entries(conn)
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
    if evidence_dir.is_dir():
        for path in sorted(evidence_dir.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.name not in known:
                diffs.append(f"tệp {path} không thuộc tài liệu kiểm chứng nào trong cơ sở dữ liệu")
    return diffs


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


ORPHANS = "khong-thuoc-lan-gui"


def settle(conn, uploads_dir: str | Path) -> list[str]:
    """After a crash: rewrite the journal from the database and move kept files that no upload
    refers to (a crash before the commit) into `<uploads>/khong-thuoc-lan-gui/`; returns what it did."""
    uploads_dir = Path(uploads_dir)
    known = {r["sha256"] for r in kept_uploads(conn)}
    done = []
    for path in kept_files(uploads_dir):
        if path.stem not in known:
            target = uploads_dir / ORPHANS / path.name
            target.parent.mkdir(exist_ok=True)
            path.replace(target)
            done.append(f"chuyển {path} (không thuộc lần gửi nào) vào {target.parent}")
    done.append(f"viết lại nhật ký {write_journal(conn, uploads_dir)} theo cơ sở dữ liệu")
    return done


def file_sha256(path: Path) -> str:
    """The sha256 of a kept file, read in chunks (kept files and evidence are named by it)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
