"""Backup and restore, the same for the admin page and the CLI.

An archive is one .zip: `database/` (DuckDB `EXPORT DATABASE`, made through the caller's open
connection, so it works while the app runs), `uploads/` (the kept files and the journal),
`evidence/` (the kept evidence files, by sha256) and `manifest.json`. Restore creates a new
database file and its own kept-files and evidence folders.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from kpi.domain.figures import Actor
from kpi.domain.rights import SYSTEM, authorize
from kpi.settings import evidence_dir_beside
from kpi.store import StoreError, kept_uploads
from kpi.store.backup import export_database, import_database, relocate_kept_files
from kpi.store.evidence import evidence_shas
from kpi.store.writes import audit
from kpi.usecases.importing import JOURNAL, kept_file, write_journal

FORMAT = "kpi-backup-1"
_SHA = re.compile(r"[0-9a-f]{64}")


BACKUP_ACTOR = Actor("Sao lưu tự động", role=SYSTEM)

def make_backup(conn, actor: Actor, uploads_dir: str | Path, archive: str | Path) -> Path:
    """Write one archive with the database's content and its kept files; returns its path.
    Only the administrator, the office and the system itself may (an archive holds everything,
    accounts included); each backup is audited."""
    authorize(actor, "make_backup", "")
    audit(conn, actor, "make_backup", None, {"archive": Path(archive).name})
    uploads_dir, archive = Path(uploads_dir), Path(archive)
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        export_database(conn, Path(tmp) / "database")
        # where each kept file is: this database's folder, else the path its upload recorded
        # (files kept before the per-database folder, in `<folder>/uploads`)
        recorded = {r["sha256"]: r["stored_path"] for r in kept_uploads(conn)}
        shas = sorted(recorded)
        partial = archive.with_name(archive.name + ".tmp")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted((Path(tmp) / "database").iterdir()):
                zf.write(f, f"database/{f.name}")
            missing = []
            for sha in shas:
                path = kept_file(uploads_dir, sha)
                if not path.exists() and recorded[sha]:
                    path = Path(recorded[sha])
                if path.exists():
                    zf.write(path, f"uploads/{sha[:2]}/{sha}.xlsx")
                else:
                    missing.append(sha)
            journal = uploads_dir / JOURNAL
            if journal.exists():
                zf.write(journal, f"uploads/{JOURNAL}")
            evidence = _add_evidence(zf, conn, evidence_dir_beside(uploads_dir))
            zf.writestr("manifest.json", json.dumps(
                {"format": FORMAT, "made_at": dt.datetime.now().isoformat(timespec="seconds"),
                 "kept_files": len(shas) - len(missing), "missing_kept_files": missing,
                 "evidence_files": evidence[0], "missing_evidence_files": evidence[1]},
                ensure_ascii=False, indent=1))
        partial.replace(archive)
    return archive


def _add_evidence(zf: zipfile.ZipFile, conn, evidence_dir: Path) -> tuple[int, list[str]]:
    """Put every evidence file a row names into `evidence/<sha256>`; (count, missing shas)."""
    missing, count = [], 0
    for sha in sorted(evidence_shas(conn)):
        path = evidence_dir / sha
        if path.exists():
            zf.write(path, f"evidence/{sha}")
            count += 1
        else:
            missing.append(sha)
    return count, missing


def restore_backup(archive: str | Path, db_path: str | Path, uploads_dir: str | Path):
    """Create `db_path` and `uploads_dir` from an archive; returns the opened connection."""
    archive, uploads_dir = Path(archive), Path(uploads_dir)
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile):
        raise StoreError(f"{archive} không phải bản sao lưu đọc được.") from None
    with zf, tempfile.TemporaryDirectory() as tmp:
        names = zf.namelist()
        if "manifest.json" not in names or json.loads(zf.read("manifest.json")).get("format") != FORMAT:
            raise StoreError(f"{archive} không phải bản sao lưu của ứng dụng này.")
        for name in names:
            if name.startswith("database/") and "/" not in name[len("database/"):]:
                (Path(tmp) / name.split("/")[1]).write_bytes(zf.read(name))
        conn = import_database(db_path, tmp)
        for name in names:
            parts = name.split("/")
            if parts[0] == "uploads" and len(parts) == 3 and parts[2].endswith(".xlsx"):
                target = uploads_dir / parts[1] / parts[2]
            elif parts[0] == "evidence" and len(parts) == 2 and _SHA.fullmatch(parts[1]):
                target = evidence_dir_beside(uploads_dir) / parts[1]
            else:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(name) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    relocate_kept_files(conn, uploads_dir)
    write_journal(conn, uploads_dir)
    return conn


def rotate_backups(folder: str | Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` daily archives (kpi-YYYY-MM-DD.zip); returns the deleted."""
    archives = sorted(Path(folder).glob("kpi-????-??-??.zip"))
    old = archives[:-keep] if keep > 0 else archives
    for p in old:
        p.unlink()
    return old


def daily_backup(conn, uploads_dir: str | Path, folder: str | Path, keep: int,
                 today: dt.date | None = None) -> Path | None:
    """Today's archive in `folder` unless it exists already; older ones kept `keep` deep."""
    target = Path(folder) / f"kpi-{(today or dt.date.today()).isoformat()}.zip"
    if target.exists():
        return None
    make_backup(conn, BACKUP_ACTOR, uploads_dir, target)
    rotate_backups(folder, keep)
    return target
