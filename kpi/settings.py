"""Where things live: the database, the catalogue and the kept files, resolved once.

Environment (`KPI_DB`, `KPI_CONFIG`) or the CLI's `--db` / `--config` choose; the uploaded
files are kept beside the database they belong to. The database is a DuckDB file (the default,
one commune, one process) or a PostgreSQL server given by its URL (`postgresql://user@host:5432/kpi`,
a city, several processes); then the kept files live in `KPI_FILES_DIR` (default `data`), in
`<dbname>.postgres.uploads` and `<dbname>.postgres.evidence`, a folder every app process must share.

Each database's kept folders are named by its whole file name (`kpi.duckdb` → `kpi.duckdb.uploads`,
`kpi.duckdb.evidence`), so `kpi.duckdb` and `kpi.db` beside it never share a file or a journal.
Folders of the earlier layout, named by the file's stem (`kpi.uploads`, `kpi.evidence`), keep being
used while they unambiguously belong to this database (`legacy_owner`)."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DB = "data/kpi.duckdb"
DEFAULT_CONFIG = "config/indicators.toml"


SERVER_PREFIXES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class Settings:
    db_path: Path               # the DuckDB file; for a server, `<files dir>/<dbname>.postgres` (names the folders)
    config_path: Path
    db_url: str | None = None   # the PostgreSQL URL when the database is a server

    @property
    def db(self) -> str | Path:
        """What the store opens: the PostgreSQL URL, else the DuckDB file."""
        return self.db_url or self.db_path

    @property
    def on_server(self) -> bool:
        return self.db_url is not None

    @property
    def db_label(self) -> str:
        """The database as shown to people (a URL without its password)."""
        if self.db_url is None:
            return str(self.db_path)
        parts = urlsplit(self.db_url)
        host = f"{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
        user = f"{parts.username}@" if parts.username else ""
        return urlunsplit((parts.scheme, user + host, parts.path, "", ""))

    @property
    def uploads_dir(self) -> Path:
        """Kept raw files of this database only: `<folder>/<db file name>.uploads`
        (data/kpi.duckdb.uploads), or the earlier `<folder>/<db stem>.uploads` while it is this
        database's (`legacy_owner`).

        Two databases in one folder never share kept files or a journal. Files kept in an earlier
        layout (`<folder>/uploads`, `<folder>/kpi.uploads`) stay readable: every upload row names its
        `stored_path`."""
        return kept_folder(self.db_path, "uploads", exists=self.on_server or None)

    @property
    def evidence_dir(self) -> Path:
        """Kept evidence files of this database, content-addressed: `<folder>/<db stem>.evidence/<sha256>`."""
        return evidence_dir_beside(self.uploads_dir)


KEPT_KINDS = ("uploads", "evidence")


def kept_folder(db_path: str | Path, kind: str, *, exists: bool | None = None) -> Path:
    """The folder of `kind` ("uploads" or "evidence") kept beside the database file `db_path`:
    `<name>.<kind>` — or the earlier `<stem>.<kind>` when `legacy_owner` says it is this
    database's. `exists`: whether the database exists (a server's always does; None: look)."""
    db_path = Path(db_path)
    return db_path.parent / f"{legacy_owner(db_path, exists=exists) or db_path.name}.{kind}"


def legacy_owner(db_path: str | Path, *, exists: bool | None = None) -> str | None:
    """The stem when this database keeps its files in the earlier layout (`kpi.uploads` for
    `kpi.duckdb`), else None. Only when it cannot belong to anyone else: the database exists, none
    of its new folders (`kpi.duckdb.uploads`, `…evidence`) does, an earlier folder does, no other
    database file of the same stem lies beside it (`kpi.db`: the two used to share the folder,
    so neither takes it; move it by hand, README «Sao lưu và khôi phục») and no file is named
    like the folder's stem (`kpi.duckdb.uploads` is `kpi.duckdb`'s new folder, never an old one)."""
    db_path = Path(db_path)
    stem, folder = db_path.stem, db_path.parent
    if not db_path.suffix or stem == db_path.name:
        return None
    if not (db_path.exists() if exists is None else exists):
        return None
    if any((folder / f"{db_path.name}.{k}").exists() for k in KEPT_KINDS):
        return None
    if not any((folder / f"{stem}.{k}").is_dir() for k in KEPT_KINDS) or (folder / stem).exists():
        return None
    try:
        siblings = [p for p in folder.iterdir() if p.stem == stem and p.name != db_path.name and p.is_file()]
    except OSError:
        return None
    return None if any(_is_duckdb(p) for p in siblings) else stem


def _is_duckdb(path: Path) -> bool:
    """A DuckDB database file (its header says DUCK at byte 8)."""
    try:
        with open(path, "rb") as f:
            return f.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def evidence_dir_beside(uploads_dir: str | Path) -> Path:
    """The evidence folder that belongs with a kept-uploads folder: `kpi.uploads` → `kpi.evidence`
    (any other folder name `x` → `x.evidence`), so code given only the uploads folder finds it."""
    uploads_dir = Path(uploads_dir)
    stem = uploads_dir.name.removesuffix(".uploads") if uploads_dir.name.endswith(".uploads") else uploads_dir.name
    return uploads_dir.parent / f"{stem}.evidence"


DEFAULT_EVIDENCE_MAX_MB = 20


def today() -> dt.date:
    """The day the web (once per script run) and a command (once) judge the record on: today, or
    the day `KPI_TODAY` names (YYYY-MM-DD), which shows the app as on that day — for a training
    session on a copy of the data, and for the browser tests' servers. A malformed value is ignored."""
    fixed = os.environ.get("KPI_TODAY", "").strip()
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            pass
    return dt.date.today()


def evidence_max_bytes() -> int:
    """The largest evidence file accepted: `KPI_EVIDENCE_MAX_MB` megabytes (default 20)."""
    try:
        mb = float(os.environ.get("KPI_EVIDENCE_MAX_MB") or DEFAULT_EVIDENCE_MAX_MB)
    except ValueError:
        mb = DEFAULT_EVIDENCE_MAX_MB
    return int(max(mb, 0.001) * 1024 * 1024)


def daily_backup_settings() -> tuple[Path, int] | None:
    """Optional daily automatic backup: `KPI_BACKUP_DIR` (folder) and `KPI_BACKUP_KEEP` (how many
    daily archives to keep, default 14). None when no folder is set."""
    folder = os.environ.get("KPI_BACKUP_DIR")
    if not folder:
        return None
    try:
        keep = max(1, int(os.environ.get("KPI_BACKUP_KEEP") or 14))
    except ValueError:
        keep = 14
    return Path(folder), keep


def resolve(db: str | None = None, config: str | None = None) -> Settings:
    """Explicit values first, then the environment, then the defaults."""
    target = str(db or os.environ.get("KPI_DB") or DEFAULT_DB)
    config_path = Path(config or os.environ.get("KPI_CONFIG") or DEFAULT_CONFIG)
    if target.startswith(SERVER_PREFIXES):
        name = urlsplit(target).path.strip("/") or "kpi"
        files = Path(os.environ.get("KPI_FILES_DIR") or Path(DEFAULT_DB).parent)
        return Settings(files / f"{name}.postgres", config_path, target)
    return Settings(Path(target), config_path)
