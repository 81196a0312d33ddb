"""A throwaway PostgreSQL cluster for the tests: Debian's binaries, a temporary data folder, a free
local port; started once per test session, removed at its end. Databases are copied from a migrated
template (CREATE DATABASE … TEMPLATE is fast)."""
from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN_GLOB = "/usr/lib/postgresql/*/bin"
TEMPLATE = "kpi_template"


def bin_dir() -> Path | None:
    """The PostgreSQL server binaries: `KPI_POSTGRES_BIN` if set, else Debian's newest."""
    found = sorted(glob.glob(os.environ.get("KPI_POSTGRES_BIN") or BIN_GLOB),
                   key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    return Path(found[-1]) if found and (Path(found[-1]) / "initdb").exists() else None


def postgres_unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None."""
    if bin_dir() is None:
        where = os.environ.get("KPI_POSTGRES_BIN") or BIN_GLOB
        return f"PostgreSQL is not installed (no {where}/initdb; apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -r requirements.txt)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and runuser is missing (initdb refuses root)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_dir() -> str | None:
    """/dev/shm when there is one: on a disk each CREATE DATABASE … TEMPLATE took ~0.3–0.8 s (it
    writes the copy out even with fsync off), in memory ~0.03 s; the cluster is a few tens of MB."""
    shm = "/dev/shm"
    if not (os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK)):
        return None
    # a container's /dev/shm may be tiny (Docker: 64 MB): the disk then, rather than a full cluster
    free = os.statvfs(shm)
    return shm if free.f_bavail * free.f_frsize >= 1 << 30 else None


class PgServer:
    def __init__(self, folder: Path | None = None):
        # its own folder outside pytest's temporary tree (whose modes pytest manages), in memory if it can
        self.folder = Path(folder or tempfile.mkdtemp(prefix="kpi-pg-", dir=_memory_dir()))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "kpi")
        self._names = itertools.count(1)
        self.synced_template: str | None = None      # a database holding the shipped catalogue (tests/conftest.py)

    def _run(self, *args: str) -> None:
        cmd = [str(bin_dir() / args[0]), *args[1:]]
        if os.geteuid() == 0:          # initdb and postgres refuse to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stdout}{done.stderr}")

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.folder.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "--no-sync", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "start", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._admin(f"CREATE DATABASE {TEMPLATE}")
        from kpi import store
        store.connect(self.url(TEMPLATE)).close()       # the schema, migrated once

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(self.url("postgres"), autocommit=True) as c:
            c.execute(sql)

    def new_database(self, template: str = TEMPLATE) -> str:
        name = f"kpi_test_{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return name

    def recreate_database(self, name: str, template: str) -> None:
        """Make the database `name` (nobody connected to it) again as a copy of `template`."""
        self.drop_database(name)
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template}")

    def drop_database(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
