"""Backup and restore, the same for the admin page and the CLI.

An archive is one .zip: `database/` (DuckDB `EXPORT DATABASE` as Parquet, made through the
caller's open connection, so it works while the app runs), `uploads/` (the kept files and the
journal), `evidence/` (the kept evidence files, by sha256) and `manifest.json` (its tables and
sequences among others). Restore creates a new database file and its own kept-files and evidence
folders.

An archive comes from outside and is read as data only: every member is bounded (count, sizes,
compression) and named where we expect it before anything is written; the database is built with
the program's own schema and the table files read with our columns and types — the `schema.sql`
and `load.sql` DuckDB writes beside them are kept for older versions and never read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from kpi.domain.figures import Actor
from kpi.domain.rights import SYSTEM, authorize
from kpi.settings import evidence_dir_beside
from kpi.store import StoreError
from kpi.store.backup import (
    TableRefused,
    count_text,
    export_database,
    load_tables,
    relocate_kept_files,
    schema_columns,
)
from kpi.store.connection import DiskFull, is_disk_full
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
    partial = archive.with_name(archive.name + ".tmp")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _write_archive(conn, uploads_dir, Path(tmp), partial)
            partial.replace(archive)
    except BaseException as e:
        partial.unlink(missing_ok=True)
        if is_disk_full(e):
            raise DiskFull(f"Ổ đĩa đã đầy: chưa tạo được bản sao lưu {archive.name} "
                           f"(không để lại tệp dở nào). {DiskFull.HINT}") from None
        raise
    return archive


def _write_archive(conn, uploads_dir: Path, tmp: Path, partial: Path) -> None:
    """The archive's content into `partial`: the tables, then exactly the kept files and evidence
    files the exported rows name (read in the export's own transaction: a write that lands
    meanwhile is neither in the tables nor among the files)."""
    exported = export_database(conn, tmp / "database")
    ours = schema_columns()
    tables = sorted(f.stem for f in (tmp / "database").glob("*.parquet") if f.stem in ours)
    # where each kept file is: this database's folder, else the path its upload recorded
    # (files kept before the per-database folder, in `<folder>/uploads`)
    recorded = exported.kept
    shas = sorted(recorded)
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted((tmp / "database").iterdir()):
            if f.stem in tables or f.suffix == ".sql":
                zf.write(f, f"database/{f.name}")
        missing = []
        for sha in shas:
            path = kept_file(uploads_dir, sha)
            stored = recorded[sha]
            if not path.exists() and stored:
                path = Path(stored)
            if path.exists():
                zf.write(path, f"uploads/{sha[:2]}/{sha}.xlsx")
            else:
                missing.append(sha)
        journal = uploads_dir / JOURNAL
        if journal.exists():
            zf.write(journal, f"uploads/{JOURNAL}")
        evidence = _add_evidence(zf, exported.evidence, evidence_dir_beside(uploads_dir))
        zf.writestr("manifest.json", json.dumps(
            {"format": FORMAT, "made_at": dt.datetime.now().isoformat(timespec="seconds"),
             "kept_files": len(shas) - len(missing), "missing_kept_files": missing,
             "evidence_files": evidence[0], "missing_evidence_files": evidence[1],
             "tables": tables, "sequences": exported.sequences,
             # each table file's sha256: a file damaged in the archive is refused, not loaded
             "table_sha256": {t: _sha256_of(tmp / "database" / f"{t}.parquet") for t in tables}},
            ensure_ascii=False, indent=1))


def _add_evidence(zf: zipfile.ZipFile, shas: set[str], evidence_dir: Path) -> tuple[int, list[str]]:
    """Put every evidence file the exported rows name into `evidence/<sha256>`; (count, missing shas)."""
    missing, count = [], 0
    for sha in sorted(shas):
        path = evidence_dir / sha
        if path.exists():
            zf.write(path, f"evidence/{sha}")
            count += 1
        else:
            missing.append(sha)
    return count, missing


# Bounds on an archive, checked on its directory before anything is written (a real archive:
# a few thousand members of at most tens of MB, already compressed — Parquet, .xlsx, scans)
MAX_MEMBERS = 100_000
MAX_MEMBER_BYTES = 1 << 30            # one member, uncompressed
MAX_TOTAL_BYTES = 20 << 30            # all members, uncompressed
MAX_RATIO = 100                       # uncompressed : compressed, for members above RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1 << 20
MAX_MANIFEST_BYTES = 1 << 20
_IGNORED = {("database", "schema.sql"), ("database", "load.sql"), ("uploads", JOURNAL)}


class ArchiveRefused(StoreError):
    """An archive (or one of its members) not restored; the message names it, in Vietnamese."""


@dataclass
class _Plan:
    """What a restore takes from an archive: member → where it goes, decided before extraction."""
    tables: dict[str, zipfile.ZipInfo] = field(default_factory=dict)          # table → its Parquet file
    files: list[tuple[zipfile.ZipInfo, tuple[str, ...]]] = field(default_factory=list)  # kept / evidence
    sequences: dict[str, int] = field(default_factory=dict)
    table_sha256: dict[str, str] = field(default_factory=dict)                # archives made since it is kept


def _mb(n: int) -> str:
    """A size as people read it: 2,1 GB, 52 MB, 0,1 MB."""
    if n >= 1e9:
        return f"{n / 1e9:.1f} GB".replace(".", ",")
    return f"{n / 1e6:.0f} MB" if n >= 1e7 else f"{n / 1e6:.1f} MB".replace(".", ",")


def _member_parts(archive: Path, name: str) -> tuple[str, ...]:
    """A member's name as folder parts; an absolute name or one with `..` is refused."""
    def refuse(why: str) -> ArchiveRefused:
        return ArchiveRefused(f"Bản sao lưu {archive.name}: mục «{name}» {why}; không khôi phục.")
    plain = name.replace("\\", "/")
    if "\0" in plain or any(ord(ch) < 32 for ch in plain):
        raise refuse("có ký tự điều khiển trong tên")
    if plain.startswith("/") or re.match(r"[A-Za-z]:", plain):
        raise refuse("có đường dẫn tuyệt đối")
    parts = tuple(p for p in plain.split("/") if p not in ("", "."))
    if ".." in parts:
        raise refuse("chỉ ra ngoài thư mục khôi phục («..»)")
    return parts


def _plan(zf: zipfile.ZipFile, archive: Path) -> _Plan:
    """Check every member of an archive — count, sizes, compression, names, kinds — and decide
    what goes where; raises ArchiveRefused (naming the member) before anything is written."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveRefused(f"Bản sao lưu {archive.name} có {count_text(len(infos))} mục, quá giới hạn "
                             f"{count_text(MAX_MEMBERS)} mục; không khôi phục.")
    schema = schema_columns()
    plan, seen, total, manifest = _Plan(), set(), 0, None
    for info in infos:
        def refuse(why: str, info=info) -> ArchiveRefused:
            return ArchiveRefused(f"Bản sao lưu {archive.name}: mục «{info.filename}» {why}; không khôi phục.")
        parts = _member_parts(archive, info.filename)
        if info.is_dir() or not parts:
            continue                                       # folder entries (`zip -r`) carry nothing
        if parts in seen:
            raise refuse("có hai lần trong tệp")
        seen.add(parts)
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * info.compress_size:
            raise refuse(f"nén quá mức ({_mb(info.compress_size)} giải nén ra {_mb(info.file_size)}) "
                         "— có thể là bom nén")
        if info.file_size > MAX_MEMBER_BYTES:
            raise refuse(f"giải nén ra {_mb(info.file_size)}, quá giới hạn {_mb(MAX_MEMBER_BYTES)} cho một mục")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise ArchiveRefused(f"Bản sao lưu {archive.name}: tổng dung lượng giải nén quá giới hạn "
                                 f"{_mb(MAX_TOTAL_BYTES)}; không khôi phục.")
        if parts == ("manifest.json",):
            manifest = info
        elif parts in _IGNORED:
            continue                                       # DuckDB's SQL text and the old journal: never read
        elif parts[0] == "database" and len(parts) == 2 and parts[1].endswith(".parquet"):
            table = parts[1].removesuffix(".parquet")
            if table not in schema:
                raise refuse(f"là bảng «{table}», không có trong cơ sở dữ liệu của chương trình")
            plan.tables[table] = info
        elif (parts[0] == "uploads" and len(parts) == 3 and parts[2].endswith(".xlsx")
              and _SHA.fullmatch(parts[2].removesuffix(".xlsx")) and parts[1] == parts[2][:2]) \
                or (parts[0] == "evidence" and len(parts) == 2 and _SHA.fullmatch(parts[1])):
            plan.files.append((info, parts))
        else:
            raise refuse("không phải tệp của một bản sao lưu")
    if manifest is None:
        raise ArchiveRefused(f"{archive} không phải bản sao lưu của ứng dụng này (thiếu manifest.json).")
    _read_manifest(zf, archive, manifest, plan)
    return plan


def _read_manifest(zf: zipfile.ZipFile, archive: Path, info: zipfile.ZipInfo, plan: _Plan) -> None:
    """The manifest's format, its list of tables (archives made since it is kept: only those are
    loaded, each must be there) and its sequences."""
    wrong = ArchiveRefused(f"Bản sao lưu {archive.name}: mục «{info.filename}» không đúng dạng; không khôi phục.")
    if info.file_size > MAX_MANIFEST_BYTES:
        raise wrong
    try:
        manifest = json.loads(_read_bounded(zf, info, archive))
    except ValueError:
        raise wrong from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveRefused(f"{archive} không phải bản sao lưu của ứng dụng này.")
    tables, sequences = manifest.get("tables"), manifest.get("sequences", {})
    if not isinstance(sequences, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in sequences.items()):
        raise wrong
    plan.sequences = sequences
    shas = manifest.get("table_sha256", {})
    if not isinstance(shas, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in shas.items()):
        raise wrong
    plan.table_sha256 = shas
    if tables is None:                       # an archive from before the list: every table file of ours
        return
    if not isinstance(tables, list) or not all(isinstance(t, str) for t in tables):
        raise wrong
    for table, member in plan.tables.items():
        if table not in tables:
            raise ArchiveRefused(f"Bản sao lưu {archive.name}: mục «{member.filename}» không có trong "
                                 "danh sách bảng của manifest.json; không khôi phục.")
    for table in tables:
        if table not in plan.tables:
            raise ArchiveRefused(f"Bản sao lưu {archive.name}: manifest.json liệt kê bảng «{table}» nhưng "
                                 f"thiếu mục «database/{table}.parquet»; không khôi phục.")


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: Path) -> bytes:
    out = io.BytesIO()
    _copy_member(zf, info, out, archive)
    return out.getvalue()


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dst: BinaryIO, archive: Path) -> None:
    """Copy one member, never more bytes than its directory entry declared (already bounded)."""
    written = 0
    try:
        with zf.open(info) as src:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > info.file_size:
                    raise ArchiveRefused(f"Bản sao lưu {archive.name}: mục «{info.filename}» dài hơn "
                                         "kích thước ghi trong tệp; không khôi phục.")
                dst.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise ArchiveRefused(f"Bản sao lưu {archive.name}: mục «{info.filename}» hỏng, không giải nén "
                             "được; không khôi phục.") from None


def _declared_members(archive: Path) -> int:
    """The member count the archive's end record states (zip64 too), read from its last 64 kB;
    0 when there is no end record (zipfile then refuses the file)."""
    with open(archive, "rb") as f:
        size = f.seek(0, 2)
        tail_at = max(0, size - (1 << 16) - 22)
        f.seek(tail_at)
        tail = f.read()
        end = tail.rfind(b"PK\x05\x06")
        if end < 0 or len(tail) < end + 22:
            return 0
        count = struct.unpack_from("<H", tail, end + 10)[0]
        locator = end - 20
        if count == 0xFFFF and locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
            f.seek(struct.unpack_from("<Q", tail, locator + 8)[0])
            record = f.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                count = struct.unpack_from("<Q", record, 32)[0]
    return int(count)


def restore_backup(archive: str | Path, db_path: str | Path, uploads_dir: str | Path):
    """Create `db_path` and `uploads_dir` (and its evidence folder) from an archive; returns the
    opened connection. Every member is checked before anything is written (ArchiveRefused); the
    database gets the program's own schema and only the archive's table files, read as data. On
    any refusal or failure nothing is left: no database file, no folder this call created."""
    archive, db_path, uploads_dir = Path(archive), Path(db_path), Path(uploads_dir)
    if db_path.exists():
        raise StoreError(f"Tệp {db_path} đã có; khôi phục chỉ vào một tệp cơ sở dữ liệu mới.")
    for folder in (uploads_dir, evidence_dir_beside(uploads_dir)):
        if folder.exists():          # a deleted database's files: mixing them in would break `verify`
            raise StoreError(f"Thư mục {folder} đã có (tệp của một cơ sở dữ liệu cũ?); khôi phục chỉ vào "
                             "thư mục tệp mới: đổi tên hoặc chuyển thư mục đó đi, hoặc dùng --db với tên khác.")
    try:
        declared = _declared_members(archive)
        if declared > MAX_MEMBERS:           # before zipfile reads the whole directory into memory
            raise ArchiveRefused(f"Bản sao lưu {archive.name} có {count_text(declared)} mục, quá giới hạn "
                                 f"{count_text(MAX_MEMBERS)} mục; không khôi phục.")
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile, ValueError, struct.error):
        raise ArchiveRefused(f"{archive} không phải bản sao lưu đọc được.") from None
    with zf:
        plan = _plan(zf, archive)
        try:
            return _restore_planned(zf, archive, plan, db_path, uploads_dir)
        except OSError as e:                          # a full disk, a folder without rights, …
            if is_disk_full(e):
                raise DiskFull(f"Ổ đĩa đã đầy: chưa khôi phục được {archive.name} (không để lại tệp nào). "
                               f"{DiskFull.HINT}") from None
            raise StoreError(f"Không ghi được khi khôi phục {archive.name} ({e.strerror or e}); "
                             "không để lại tệp nào.") from None


def _restore_planned(zf: zipfile.ZipFile, archive: Path, plan: _Plan, db_path: Path, uploads_dir: Path):
    with _nothing_left_on_failure(db_path, uploads_dir) as written:
        with tempfile.TemporaryDirectory() as tmp:
            files = {}
            for table, info in plan.tables.items():
                files[table] = Path(tmp) / f"{table}.parquet"
                with open(files[table], "xb") as dst:
                    _copy_member(zf, info, dst, archive)
                wanted = plan.table_sha256.get(table)
                if wanted is not None and _sha256_of(files[table]) != wanted:
                    raise ArchiveRefused(f"Bản sao lưu {archive.name}: mục «{info.filename}» bị hỏng (khác mã "
                                         "kiểm tra ghi lúc sao lưu); không khôi phục.")
            try:
                conn = load_tables(db_path, files, plan.sequences)
            except TableRefused as e:
                member = plan.tables.get(e.table)
                where = f"mục «{member.filename}»: " if member else ""
                raise ArchiveRefused(f"Bản sao lưu {archive.name}: {where}{e}; không khôi phục.") from None
        try:
            for info, parts in plan.files:
                target = (uploads_dir.joinpath(*parts[1:]) if parts[0] == "uploads"
                          else evidence_dir_beside(uploads_dir) / parts[1])
                if target.exists():            # content-addressed: the same file is there already
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                written.append(target)
                with open(target, "xb") as dst:
                    _copy_member(zf, info, dst, archive)
            relocate_kept_files(conn, uploads_dir)
            write_journal(conn, uploads_dir)
        except BaseException:
            conn.close()
            raise
    return conn


@contextmanager
def _nothing_left_on_failure(db_path: Path, uploads_dir: Path):
    """Yield a list to note each file written; on failure remove them, the database file and every
    folder that did not exist before (the database's own folder included)."""
    made = []
    for folder in (db_path.parent, uploads_dir, evidence_dir_beside(uploads_dir)):
        top = None
        while not folder.exists():
            top, folder = folder, folder.parent
        if top is not None:
            made.append(top)
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for path in (*written, db_path, db_path.with_name(db_path.name + ".wal")):
            path.unlink(missing_ok=True)
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)
        raise


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
