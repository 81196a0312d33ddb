"""The record's edges: one kept folder per database file, verify sees every foreign file, a demo
verifies, a refused rebuild leaves nothing, a full disk is a sentence, a closed pipe is quiet."""
import errno
import shutil
import subprocess
import sys
from pathlib import Path

from kpi import store
from kpi.cli.main import main
from kpi.domain.figures import Actor
from kpi.settings import resolve
from kpi.usecases import backup as backup_usecase
from kpi.usecases.demo import load_demo
from kpi.usecases.importing import import_workbook
from tests.common import add_user
from tests.ingest_helpers import TTPVHCC_FIGURES, filled

ROOT = Path(__file__).resolve().parent.parent
ANH = Actor("Nguyễn Thị Ánh", role="admin")
PERIOD = "2024-06"


def cli(db, *args):
    return main(["--db", str(db), *args])


def one_import(db, catalog, name="a.xlsx", **figures):
    conn = store.connect(db)
    store.sync_catalog(conn, catalog, ANH)
    data = filled(catalog, period=PERIOD, figures=dict(TTPVHCC_FIGURES, **figures))
    assert import_workbook(conn, catalog, data, name, ANH, resolve(str(db)).uploads_dir).created
    conn.close()


# ── one kept folder per database file ───────────────────────────────────────────────────────

def test_two_databases_differing_by_extension_keep_apart(tmp_path, catalog, capsys):
    duck, other = tmp_path / "kpi.duckdb", tmp_path / "kpi.db"
    assert resolve(str(duck)).uploads_dir == tmp_path / "kpi.duckdb.uploads"
    assert resolve(str(duck)).evidence_dir == tmp_path / "kpi.duckdb.evidence"
    one_import(duck, catalog)
    one_import(other, catalog, DVC_SO_HOA=(366, 380))
    assert resolve(str(other)).uploads_dir == tmp_path / "kpi.db.uploads"
    assert cli(other, "verify", "--fix") == 0        # never touches the other database's file
    assert cli(duck, "verify") == 0 and cli(other, "verify") == 0
    assert not list((tmp_path / "kpi.db.uploads").glob("khong-thuoc-lan-gui/*"))


def test_an_existing_install_keeps_its_earlier_folder(tmp_path, catalog, capsys):
    db = tmp_path / "kpi.duckdb"
    one_import(db, catalog)
    (tmp_path / "kpi.duckdb.uploads").rename(tmp_path / "kpi.uploads")     # as an older version kept it
    assert resolve(str(db)).uploads_dir == tmp_path / "kpi.uploads"
    assert resolve(str(db)).evidence_dir == tmp_path / "kpi.evidence"
    assert cli(db, "verify") == 0
    # a second DuckDB file of the same stem: the old folder is nobody's any more (moved by hand)
    shutil.copyfile(db, tmp_path / "kpi.db")
    assert resolve(str(db)).uploads_dir == tmp_path / "kpi.duckdb.uploads"
    # a database that does not exist yet never takes a folder left behind
    assert resolve(str(tmp_path / "x" / "kpi.duckdb")).uploads_dir.name == "kpi.duckdb.uploads"


def test_restore_refuses_a_kept_folder_that_is_already_there(tmp_path, catalog, capsys):
    db = tmp_path / "live" / "kpi.duckdb"
    one_import(db, catalog)
    assert cli(db, "backup", "-o", str(tmp_path / "b.zip")) == 0
    left = tmp_path / "new" / "kpi.duckdb.uploads"           # a deleted database's folder
    (left / "ab").mkdir(parents=True)
    (left / "ab" / "old.xlsx").write_bytes(b"old")
    capsys.readouterr()
    assert cli(tmp_path / "new" / "kpi.duckdb", "restore", str(tmp_path / "b.zip")) == 2
    err = capsys.readouterr().err
    assert f"Thư mục {left} đã có" in err and "Traceback" not in err
    assert not (tmp_path / "new" / "kpi.duckdb").exists() and (left / "ab" / "old.xlsx").read_bytes() == b"old"


# ── verify: every foreign file, demo databases ─────────────────────────────────────────────

def test_verify_reports_every_foreign_file_and_fix_sets_them_aside(tmp_path, catalog, capsys):
    db = tmp_path / "kpi.duckdb"
    one_import(db, catalog)
    uploads, evidence = resolve(str(db)).uploads_dir, resolve(str(db)).evidence_dir
    kept = next(uploads.glob("??/*.xlsx"))
    strays = [uploads / "ghi-chu.txt", uploads / "sub" / "deep" / "x.xlsx",
              kept.with_name(kept.name + ".tmp"), uploads / "journal.jsonl.tmp",
              evidence / ("a" * 64), evidence / f".{'b' * 64}.123.tmp"]
    for s in strays:
        s.parent.mkdir(parents=True, exist_ok=True)
        s.write_bytes(b"x")
    capsys.readouterr()
    assert cli(db, "verify") == 1
    out = capsys.readouterr().out
    assert out.startswith(f"✖ {len(strays)} chỗ không khớp")
    for s in strays:
        assert str(s) in out
    assert f"tệp tạm {kept.with_name(kept.name + '.tmp')} còn lại" in out
    assert f"tệp lạ {uploads / 'ghi-chu.txt'}" in out
    assert cli(db, "verify", "--fix") == 0
    assert not any(s.exists() for s in strays) and kept.exists()
    assert (uploads / "khong-thuoc-lan-gui" / "ghi-chu.txt").exists()
    assert (evidence / "khong-thuoc-lan-gui" / ("a" * 64)).exists()
    capsys.readouterr()
    assert cli(db, "verify") == 0


def test_a_demo_database_verifies(tmp_path, catalog, capsys):
    db = tmp_path / "kpi.duckdb"
    conn = store.connect(db)
    store.sync_catalog(conn, catalog, ANH)
    import datetime as dt
    load_demo(conn, catalog, 3, today=dt.date(2026, 11, 23))
    conn.close()
    assert cli(db, "verify") == 0, capsys.readouterr().out
    # an empty journal written meanwhile is as valid
    assert cli(db, "verify", "--fix") == 0 and cli(db, "verify") == 0


# ── rebuild: all or nothing ────────────────────────────────────────────────────────────────

def test_a_refused_rebuild_leaves_nothing(tmp_path, catalog, capsys, monkeypatch):
    src = tmp_path / "old" / "kpi.duckdb"
    one_import(src, catalog, "a.xlsx")
    one_import(src, catalog, "b.xlsx", DVC_SO_HOA=(366, 380))
    journal = resolve(str(src)).uploads_dir / "journal.jsonl"
    lines = journal.read_text(encoding="utf-8").splitlines()
    journal.write_text("\n".join([lines[0], lines[1].replace('", 2]', '", 7]')]) + "\n", encoding="utf-8")
    new = tmp_path / "moi" / "kpi.duckdb"
    capsys.readouterr()
    assert cli(new, "rebuild", "--from", str(resolve(str(src)).uploads_dir)) == 1
    assert "không khớp nhật ký — không ghi gì" in capsys.readouterr().out
    assert not (tmp_path / "moi").exists()                # no database, no folder, no staging file
    # into an existing empty database: it stays as it was
    empty = tmp_path / "trong" / "kpi.duckdb"
    add_user(empty, "ana", "office")
    assert cli(empty, "rebuild", "--from", str(resolve(str(src)).uploads_dir)) == 1
    assert sorted(p.name for p in empty.parent.iterdir()) == ["kpi.duckdb"]
    c = store.connect(empty)
    assert c.execute("SELECT count(*) FROM uploads").fetchall() == [(0,)]
    c.close()
    # and a good journal rebuilds, the files in the new database's own folder
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli(new, "rebuild", "--from", str(resolve(str(src)).uploads_dir)) == 0
    assert cli(new, "verify") == 0
    assert sorted(p.name for p in new.parent.iterdir()) == ["kpi.duckdb", "kpi.duckdb.uploads"]


# ── a full disk ────────────────────────────────────────────────────────────────────────────

def _full_on(monkeypatch, after: int):
    """Writes through Path.write_bytes succeed `after` times, then the disk is full."""
    real = Path.write_bytes
    calls = {"n": 0}

    def write_bytes(self, data):
        calls["n"] += 1
        if calls["n"] > after:
            real(self, data[: len(data) // 2])          # what a full disk leaves: part of it
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)
    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def test_a_full_disk_during_an_import_batch_says_what_was_stored(tmp_path, catalog, capsys, monkeypatch):
    db = tmp_path / "kpi.duckdb"
    add_user(db, "ana", "office")
    files = tmp_path / "f"
    files.mkdir()
    for n, name in enumerate(("1.xlsx", "2.xlsx", "3.xlsx")):
        (files / name).write_bytes(filled(catalog, period=f"2024-0{n + 4}"))
    capsys.readouterr()
    _full_on(monkeypatch, after=2)                       # the first file and its journal
    code = cli(db, "import", str(files), "--by", "ana")
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err and "Lỗi không mong đợi" not in err
    assert "✖ Ổ đĩa đã đầy: đã lưu 1 tệp, chưa lưu tệp 2.xlsx và 1 tệp sau nó" in out
    uploads = resolve(str(db)).uploads_dir
    assert not list(uploads.rglob("*.tmp"))
    monkeypatch.undo()
    assert cli(db, "verify") == 0
    assert cli(db, "import", str(files), "--by", "ana") == 0      # run again: the rest goes in
    assert cli(db, "verify") == 0


def test_a_full_disk_during_a_backup_leaves_no_partial_archive(tmp_path, catalog, capsys, monkeypatch):
    db = tmp_path / "kpi.duckdb"
    one_import(db, catalog)
    real = backup_usecase.zipfile.ZipFile.write

    def write(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(backup_usecase.zipfile.ZipFile, "write", write)
    capsys.readouterr()
    assert cli(db, "backup", "-o", str(tmp_path / "b.zip")) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: Ổ đĩa đã đầy: chưa tạo được bản sao lưu b.zip (không để lại tệp dở nào).")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpi.duckdb", "kpi.duckdb.uploads"]
    monkeypatch.setattr(backup_usecase.zipfile.ZipFile, "write", real)


def test_a_full_disk_writing_a_file_out_is_a_sentence(tmp_path, capsys, monkeypatch):
    _full_on(monkeypatch, after=0)
    out = tmp_path / "mau.xlsx"
    assert cli(tmp_path / "kpi.duckdb", "template", "--unit", "CA", "--period", "2026-05", "-o", str(out)) == 2
    assert f"Ổ đĩa đã đầy: chưa lưu tệp «{out}» (không để lại tệp dở nào)" in capsys.readouterr().err
    assert not out.exists() and not out.with_name("mau.xlsx.tmp").exists()


# ── a closed pipe ──────────────────────────────────────────────────────────────────────────

def test_a_command_piped_into_head_ends_quietly(tmp_path, catalog):
    db = tmp_path / "kpi.duckdb"
    one_import(db, catalog)
    stray = resolve(str(db)).uploads_dir / "ff"
    stray.mkdir()
    for n in range(2000):                                # far more than a pipe holds
        (stray / f"ff{n:062x}.xlsx").write_bytes(b"x")
    run = subprocess.run(f"{sys.executable} -m kpi --db {db} verify | head -1", shell=True,
                         capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.startswith("✖ 2000 chỗ không khớp")
    assert run.stderr == "", run.stderr
