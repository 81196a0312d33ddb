"""Backup through a live connection → restore → the same score for every quarter; recovery from
a damaged database file; the daily archives kept N deep."""
import datetime as dt
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kpi import store
from kpi.cli.main import main
from kpi.domain.figures import Actor
from kpi.settings import resolve
from kpi.usecases.backup import daily_backup, make_backup
from kpi.usecases.importing import import_workbook

ADMIN_ACTOR = Actor("Quản trị", "admin", "quantri")
from kpi.usecases.demo import load_demo
from tests.common import CONFIG
from tests.ingest_helpers import TTPVHCC_FIGURES, filled

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 20)
QUARTERS = ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def cli(db, *args):
    return main(["--db", str(db), *args])


def scores(db, capsys):
    out = {}
    for q in QUARTERS:
        assert cli(db, "score", "--quarter", q, "--json") == 0
        out[q] = capsys.readouterr().out
    return out


def live_db(tmp_path, catalog):
    db = tmp_path / "live" / "kpi.duckdb"
    conn = store.connect(db)
    # the catalogue kept as a version, as the app and every writing command keep it
    store.sync_catalog(conn, catalog, ADMIN_ACTOR, CONFIG.read_text(encoding="utf-8"))
    load_demo(conn, catalog, 18, today=TODAY)
    uploads = resolve(str(db)).uploads_dir
    data = filled(catalog, period="2026-10", figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(1, 380)))
    assert import_workbook(conn, catalog, data, "sua.xlsx", Actor("Ánh", role="admin"), uploads).created
    return db, conn, uploads


def test_backup_while_open_then_restore_gives_identical_scores(tmp_path, catalog, capsys):
    db, conn, uploads = live_db(tmp_path, catalog)
    archive = make_backup(conn.cursor(), ADMIN_ACTOR, uploads, tmp_path / "bk" / "a.zip")  # the app's connection, still open
    # another process (the CLI while the app runs) cannot open the file: a clear message, exit 2
    busy = subprocess.run([sys.executable, "-m", "kpi", "--db", str(db), "backup", "-o",
                           str(tmp_path / "x.zip")], capture_output=True, text=True, cwd=ROOT)
    assert busy.returncode == 2 and "đang được một chương trình khác mở" in busy.stderr
    assert not (tmp_path / "x.zip").exists()
    conn.close()
    new = tmp_path / "restored" / "kpi.duckdb"
    assert cli(new, "restore", str(archive)) == 0
    assert capsys.readouterr().out == (f"Đã khôi phục {archive} vào {new} "
                                       f"(tệp đã lưu: {new.parent / 'kpi.duckdb.uploads'}).\n")
    restored, original = scores(new, capsys), scores(db, capsys)
    assert restored == original
    assert len(set(original.values())) == len(QUARTERS)     # real, different scores compared
    assert cli(new, "verify") == 0
    assert cli(new, "restore", str(archive)) == 2                      # never over an existing file


def test_recovery_from_a_damaged_database_file(tmp_path, catalog, capsys):
    db, conn, uploads = live_db(tmp_path, catalog)
    conn.close()
    before = scores(db, capsys)
    assert cli(db, "backup", "-o", str(tmp_path / "bk.zip")) == 0
    capsys.readouterr()
    # the file is damaged: its header overwritten
    raw = bytearray(db.read_bytes())
    raw[0:4096] = b"\0" * 4096
    db.write_bytes(bytes(raw))
    assert cli(db, "score", "--quarter", "2026-Q3") != 0
    capsys.readouterr()
    # README steps: move the damaged file aside, restore the last backup into the same path
    damaged = db.with_suffix(".duckdb.hong")
    db.rename(damaged)
    shutil.move(str(uploads), str(uploads) + ".cu")
    assert main(["restore", str(tmp_path / "bk.zip"), "--db", str(db)]) == 0     # as step 3 writes it
    capsys.readouterr()
    assert scores(db, capsys) == before
    assert cli(db, "verify") == 0


def test_daily_backup_kept_n_deep(tmp_path, catalog):
    db, conn, uploads = live_db(tmp_path, catalog)
    folder = tmp_path / "daily"
    for day in range(1, 6):
        assert daily_backup(conn, uploads, folder, keep=3, today=dt.date(2026, 11, day))
    assert daily_backup(conn, uploads, folder, keep=3, today=dt.date(2026, 11, 5)) is None
    assert sorted(p.name for p in folder.iterdir()) == ["kpi-2026-11-03.zip", "kpi-2026-11-04.zip",
                                                         "kpi-2026-11-05.zip"]
    conn.close()


def test_files_kept_in_the_old_shared_folder_stay_readable(tmp_path, catalog, capsys):
    # a database from before the per-database folder: its files sit in <folder>/uploads
    db = tmp_path / "old" / "kpi.duckdb"
    conn = store.connect(db)
    store.sync_catalog(conn, catalog, Actor("Ánh", role="admin"))
    legacy = db.parent / "uploads"
    assert import_workbook(conn, catalog, filled(catalog, period="2024-06"), "a.xlsx", Actor("Ánh", role="admin"),
                           legacy).created
    conn.close()
    assert cli(db, "verify") == 1                       # no journal yet in data/kpi.duckdb.uploads
    assert cli(db, "verify", "--fix") == 0              # the database's own list is the truth
    assert cli(db, "backup", "-o", str(tmp_path / "b.zip")) == 0
    new = tmp_path / "new" / "kpi.duckdb"
    assert cli(new, "restore", str(tmp_path / "b.zip")) == 0
    assert cli(new, "verify") == 0
    capsys.readouterr()
    # the old folder's own journal still rebuilds
    assert cli(tmp_path / "r" / "kpi.duckdb", "rebuild", "--from", str(legacy)) == 0


def test_only_the_administrator_and_the_office_make_backups(tmp_path, catalog):
    from kpi.domain.rights import PermissionDenied
    conn = store.connect(tmp_path / "kpi.duckdb")
    for role in ("leader", "coordinator", "viewer"):
        with pytest.raises(PermissionDenied, match="không có quyền sao lưu"):
            make_backup(conn, Actor("Ai đó", role, "aido"), tmp_path / "up", tmp_path / f"{role}.zip")
        assert not (tmp_path / f"{role}.zip").exists()
    assert make_backup(conn, Actor("Văn phòng", "office", "vanphong"), tmp_path / "up", tmp_path / "ok.zip").exists()
    from kpi.store.accounts import audit_rows
    assert audit_rows(conn)["action"].tolist().count("make_backup") == 1
    conn.close()


def readme_restore_commands() -> list[list[str]]:
    """Every `python -m kpi restore …` the README shows, as the words after `-m kpi`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [shlex.split(c) for c in re.findall(r"`(?:\.venv/bin/)?python -m kpi (restore [^`]*)`", readme)]


def test_the_readmes_restore_commands_run_as_written(tmp_path, catalog, capsys, monkeypatch):
    commands = readme_restore_commands()
    assert len(commands) >= 2 and all("--db" in words for words in commands)
    db, conn, uploads = live_db(tmp_path, catalog)
    archive = make_backup(conn, ADMIN_ACTOR, uploads, tmp_path / "bk.zip")
    conn.close()
    before = scores(db, capsys)
    for i, words in enumerate(commands):
        work = tmp_path / f"run{i}"
        work.mkdir()
        # the archive where the command looks for it; an absolute path (/srv/…) is taken under `work`
        named = Path(words[1])
        local = work / named.relative_to(named.anchor) if named.is_absolute() else work / named
        local.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(archive, local)
        argv = [words[0], str(local) if named.is_absolute() else words[1], *words[2:]]
        monkeypatch.chdir(work)
        assert main(argv) == 0, capsys.readouterr().err
        assert capsys.readouterr().out.startswith(f"Đã khôi phục {argv[1]} vào {words[words.index('--db') + 1]}")
        monkeypatch.chdir(ROOT)
        target = work / words[words.index("--db") + 1]
        assert scores(target, capsys) == before
        assert cli(target, "verify") == 0
        capsys.readouterr()
