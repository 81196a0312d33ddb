"""A backup archive comes from outside: restore reads its data, never runs its code. Crafted
archives (SQL in schema.sql/load.sql, zip slip, a zip bomb, a `zip -r` copy with folder entries,
garbled members, unknown tables and columns) are refused in Vietnamese or restored safely — no
file written outside the target, nothing left behind, bounded memory and time."""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from kpi import store
from kpi.cli.main import main
from kpi.domain.figures import Actor
from kpi.settings import resolve
from kpi.store.backup import SEQUENCES, schema_columns
from kpi.usecases import backup as backup_usecase
from kpi.usecases.backup import make_backup
from kpi.usecases.demo import load_demo
from kpi.usecases.importing import import_workbook
from tests.ingest_helpers import TTPVHCC_FIGURES, filled

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor("Quản trị", "admin", "quantri")
PEAK_RSS_BOUND_MB = 400
SECONDS_BOUND = 5.0     # CPU seconds of the restore (wall time grows with the machine's load)
# see tests/test_hostile.py: the measured process is the child of a small one, so its peak is its own
FROM_A_SMALL_PROCESS = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


@pytest.fixture(scope="module")
def original(tmp_path_factory, catalog):
    """A real backup (demo months, one imported workbook kept) and the scores it must restore to."""
    import datetime as dt
    folder = tmp_path_factory.mktemp("original")
    db = folder / "kpi.duckdb"
    conn = store.connect(db)
    load_demo(conn, catalog, 6, today=dt.date(2026, 11, 20))
    uploads = resolve(str(db)).uploads_dir
    data = filled(catalog, period="2026-10", figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(1, 380)))
    assert import_workbook(conn, catalog, data, "sua.xlsx", Actor("Ánh", role="admin"), uploads).created
    archive = make_backup(conn, ADMIN, uploads, folder / "bk.zip")
    conn.close()
    return archive


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def crafted(path: Path, entries: dict[str, bytes], rehash: bool = True) -> Path:
    """An archive of `entries`; `rehash`: as a hostile maker would, the manifest's table checksums
    match the crafted files (so the deeper checks are what refuses them); else the archive was
    damaged after it was made."""
    if rehash and "manifest.json" in entries:
        manifest = json.loads(entries["manifest.json"])
        if "table_sha256" in manifest:
            manifest["table_sha256"] = {t: hashlib.sha256(entries[f"database/{t}.parquet"]).hexdigest()
                                        for t in manifest["table_sha256"] if f"database/{t}.parquet" in entries}
            entries = {**entries, "manifest.json": json.dumps(manifest).encode()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in entries.items():
            zf.writestr(name, body)
    return path


def restore(tmp_path: Path, archive: Path, capsys) -> tuple[int, str, str, Path]:
    new = tmp_path / "target" / "kpi.duckdb"
    code = main(["restore", str(archive), "--db", str(new)])
    out, err = capsys.readouterr()
    return code, out, err, new


def assert_nothing_left(new: Path):
    assert not new.parent.exists(), sorted(p.name for p in new.parent.iterdir())


def tables_of(db: Path) -> set[str]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        conn.close()


def test_sql_in_schema_and_load_is_never_run(tmp_path, original, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pwned = tmp_path / "pwned.csv"
    entries = members(original)
    entries["database/schema.sql"] += f"\nCOPY (SELECT 42 AS answer) TO '{pwned}';\nCOPY (SELECT 42) TO 'pwned.csv';\n".encode()
    entries["database/load.sql"] += b"\nCREATE TABLE loot AS SELECT * FROM read_text('/etc/passwd');\n"
    code, out, err, new = restore(tmp_path, crafted(tmp_path / "sql.zip", entries), capsys)
    monkeypatch.undo()                                   # back where the catalogue is, for verify
    assert code == 0, err
    assert "Đã khôi phục" in out
    assert not pwned.exists() and not (tmp_path / "target" / "pwned.csv").exists()
    assert tables_of(new) == set(schema_columns())
    assert b"root:x:0:0" not in new.read_bytes()
    assert main(["--db", str(new), "verify"]) == 0
    capsys.readouterr()


def test_garbled_sql_text_is_never_read(tmp_path, original, capsys):
    entries = members(original)
    entries["database/load.sql"] = bytes(range(256)) * 40 + b"COPY x FROM '\x00'; PRAGMA \xff;"
    entries["database/schema.sql"] = b"CREATE TABLE (((("
    code, out, err, new = restore(tmp_path, crafted(tmp_path / "garbled.zip", entries), capsys)
    assert code == 0, err
    assert tables_of(new) == set(schema_columns())


@pytest.mark.parametrize("name", [
    "uploads/../x.xlsx", "uploads/../../x.xlsx", "/tmp/x.xlsx", "evidence/../../x",
    "database/../../x.parquet", "uploads\\..\\..\\x.xlsx", "C:/x.xlsx", "a/../../x",
])
def test_a_name_leaving_the_target_is_refused(tmp_path, original, capsys, name):
    entries = members(original)
    entries[name] = b"PK not really"
    code, out, err, new = restore(tmp_path, crafted(tmp_path / "slip.zip", entries), capsys)
    assert code == 2
    assert f"mục «{name}»" in err and "không khôi phục" in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path.parent / "x.xlsx").exists()
    assert_nothing_left(new)


def test_a_table_or_column_the_program_does_not_have_is_refused(tmp_path, original, capsys):
    mem = duckdb.connect()
    loot = tmp_path / "loot.parquet"
    mem.execute(f"COPY (SELECT 'root:x:0:0' AS line) TO '{loot}' (FORMAT PARQUET)")
    entries = members(original)
    entries["database/loot.parquet"] = loot.read_bytes()
    code, _, err, new = restore(tmp_path, crafted(tmp_path / "table.zip", entries), capsys)
    assert code == 2 and "mục «database/loot.parquet» là bảng «loot», không có" in err
    assert_nothing_left(new)

    extra = tmp_path / "communes.parquet"
    mem.execute(f"COPY (SELECT 'X' AS code, 'Xã' AS name, 'evil' AS payload) TO '{extra}' (FORMAT PARQUET)")
    entries = members(original)
    entries["database/communes.parquet"] = extra.read_bytes()
    code, _, err, new = restore(tmp_path, crafted(tmp_path / "column.zip", entries), capsys)
    assert code == 2, err
    assert "mục «database/communes.parquet»: bảng «communes» có cột «payload»" in err
    assert_nothing_left(new)


def test_a_garbled_table_file_is_refused_in_vietnamese(tmp_path, original, capsys):
    entries = members(original)
    good = entries["database/uploads.parquet"]
    for body in (b"garbage" * 100, good[:len(good) // 2] + b"\0" * 64 + good[len(good) // 2 + 64:]):
        entries["database/uploads.parquet"] = body
        for rehash in (True, False):     # crafted, or damaged after it was made
            code, _, err, new = restore(tmp_path, crafted(tmp_path / "bad.zip", entries, rehash), capsys)
            if not rehash or body.startswith(b"garbage"):
                assert code == 2, err
            assert "Traceback" not in err
            if code:
                assert "mục «database/uploads.parquet»" in err
            else:     # damage that still reads as a table file: restored (nothing to detect it by)
                shutil.rmtree(new.parent)
                continue
        assert "Exception" not in err and "duckdb" not in err.lower()
        assert_nothing_left(new)


def test_a_table_file_inflating_too_much_is_refused(tmp_path, original, capsys):
    # a Parquet file whose one string expands 40 MB from ~1 kB (the zip member itself looks harmless)
    bomb = tmp_path / "communes.parquet"
    duckdb.connect().execute(f"COPY (SELECT 'X' AS code, repeat('a', 40000000) AS name) TO '{bomb}' "
                             "(FORMAT PARQUET, COMPRESSION ZSTD)")
    entries = members(original)
    entries["database/communes.parquet"] = bomb.read_bytes()
    code, _, err, new = restore(tmp_path, crafted(tmp_path / "pq.zip", entries), capsys)
    assert code == 2, err
    assert "mục «database/communes.parquet»: dữ liệu bảng «communes» nén quá mức" in err and "bom nén" in err
    assert_nothing_left(new)


def test_a_table_listed_by_the_manifest_must_be_there(tmp_path, original, capsys):
    entries = members(original)
    del entries["database/measurements.parquet"]
    code, _, err, new = restore(tmp_path, crafted(tmp_path / "missing.zip", entries), capsys)
    assert code == 2 and "thiếu mục «database/measurements.parquet»" in err
    assert_nothing_left(new)


def test_an_archive_from_before_the_table_list_restores(tmp_path, original, capsys):
    # the manifest without "tables"/"sequences" (archives made before): every table file of ours is read,
    # sequences continue after the largest id
    import json
    entries = members(original)
    manifest = json.loads(entries["manifest.json"])
    del manifest["tables"], manifest["sequences"]
    entries["manifest.json"] = json.dumps(manifest).encode()
    code, _, err, new = restore(tmp_path, crafted(tmp_path / "old.zip", entries), capsys)
    assert code == 0, err
    conn = duckdb.connect(str(new))
    for seq, (table, column) in SEQUENCES.items():
        largest = conn.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()[0]
        assert conn.execute(f"SELECT nextval('{seq}')").fetchone()[0] == largest + 1
    conn.close()


def test_sequences_continue_where_the_original_stood(tmp_path, original, capsys):
    code, _, err, new = restore(tmp_path, original, capsys)
    assert code == 0, err
    import json
    recorded = json.loads(members(original)["manifest.json"])["sequences"]
    assert set(recorded) == set(SEQUENCES)
    conn = duckdb.connect(str(new))
    assert {s: conn.execute(f"SELECT nextval('{s}')").fetchone()[0] for s in SEQUENCES} == recorded
    assert {r[0] for r in conn.execute("SELECT sequence_name FROM duckdb_sequences()").fetchall()} == set(SEQUENCES)
    conn.close()


def zip_r_copy(original: Path, tmp_path: Path) -> Path:
    """The archive unpacked and packed again with `zip -r` (folder entries), or its equivalent."""
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(original) as zf:
        zf.extractall(unpacked)
    again = tmp_path / "again.zip"
    if shutil.which("zip"):
        subprocess.run(["zip", "-qr", str(again), "."], cwd=unpacked, check=True)
    else:
        with zipfile.ZipFile(again, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(unpacked.rglob("*")):
                zf.write(path, path.relative_to(unpacked).as_posix() + ("/" if path.is_dir() else ""))
    with zipfile.ZipFile(again) as zf:
        assert any(i.is_dir() for i in zf.infolist())
    return again


def test_an_archive_packed_again_with_zip_r_restores_the_same(tmp_path, original, capsys):
    code, _, err, first = restore(tmp_path / "a", original, capsys)
    assert code == 0, err
    code, _, err, second = restore(tmp_path / "b", zip_r_copy(original, tmp_path), capsys)
    assert code == 0, err
    for db in (first, second):
        assert main(["--db", str(db), "verify"]) == 0
    capsys.readouterr()
    outs = []
    for db in (first, second):
        assert main(["--db", str(db), "score", "--quarter", "2026-Q3", "--json"]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and outs[0]


def test_members_are_bounded_before_anything_is_written(tmp_path, original, capsys, monkeypatch):
    entries = members(original)
    kept = next(n for n in entries if n.startswith("uploads/") and n.endswith(".xlsx"))
    # a member compressing too well (50 MB of zeros in ~50 kB)
    entries["evidence/" + "a" * 64] = bytes(50 << 20)
    code, _, err, new = restore(tmp_path, crafted(tmp_path / "ratio.zip", entries), capsys)
    assert code == 2 and f"mục «evidence/{'a' * 64}» nén quá mức" in err and "bom nén" in err
    assert_nothing_left(new)
    # one member too big, too many members, too much in all (bounds lowered to test them cheaply)
    monkeypatch.setattr(backup_usecase, "MAX_MEMBER_BYTES", 4096)
    code, _, err, new = restore(tmp_path, original, capsys)
    assert code == 2 and "quá giới hạn" in err and "cho một mục" in err
    assert_nothing_left(new)
    monkeypatch.undo()
    monkeypatch.setattr(backup_usecase, "MAX_MEMBERS", 5)
    code, _, err, new = restore(tmp_path, original, capsys)
    assert code == 2 and "quá giới hạn 5 mục" in err
    monkeypatch.undo()
    monkeypatch.setattr(backup_usecase, "MAX_TOTAL_BYTES", 10_000)
    code, _, err, new = restore(tmp_path, original, capsys)
    assert code == 2 and "tổng dung lượng giải nén quá giới hạn" in err
    assert_nothing_left(new)
    monkeypatch.undo()
    # the same member twice; an unknown member
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(tmp_path / "twice.zip", "w") as zf:
        for info in src.infolist():
            zf.writestr(info.filename, src.read(info))
        with pytest.warns(UserWarning):
            zf.writestr(kept, b"other")
    code, _, err, new = restore(tmp_path, tmp_path / "twice.zip", capsys)
    assert code == 2 and f"mục «{kept}» có hai lần" in err
    entries = members(original)
    entries["uploads/notes.txt"] = b"hi"
    code, _, err, new = restore(tmp_path, crafted(tmp_path / "odd.zip", entries), capsys)
    assert code == 2 and "mục «uploads/notes.txt» không phải tệp của một bản sao lưu" in err
    assert_nothing_left(new)


def test_the_member_count_is_read_from_the_end_record_first(tmp_path, original, capsys, monkeypatch):
    from kpi.usecases.backup import _declared_members
    assert _declared_members(original) == len(members(original))
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(70_000):                       # more than 65 535: the count is in the zip64 record
            zf.writestr(f"x{i}", b"")
    assert _declared_members(many) == 70_000
    monkeypatch.setattr(backup_usecase, "MAX_MEMBERS", 60_000)
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda *a, **k: opened.append(a))
    code, _, err, new = restore(tmp_path, many, capsys)
    assert code == 2 and "có 70.000 mục, quá giới hạn 60.000 mục" in err
    assert opened == [] and not new.parent.exists()


def test_a_failure_while_writing_files_leaves_nothing(tmp_path, original, capsys):
    # a kept file whose data is corrupt: found only while extracting, after the database was made
    buf = io.BytesIO(original.read_bytes())
    with zipfile.ZipFile(buf) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("uploads/") and i.filename.endswith(".xlsx"))
    raw = bytearray(buf.getvalue())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + 10:start + 60] = b"\xff" * 50
    bad = tmp_path / "corrupt.zip"
    bad.write_bytes(bytes(raw))
    code, _, err, new = restore(tmp_path, bad, capsys)
    assert code == 2, err
    assert f"mục «{info.filename}» hỏng" in err
    assert_nothing_left(new)


def test_a_full_disk_is_one_vietnamese_line_and_leaves_nothing(tmp_path, original, capsys, monkeypatch):
    import errno

    def full(*_):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(backup_usecase, "write_journal", full)
    code, _, err, new = restore(tmp_path, original, capsys)
    assert code == 2 and err.startswith("Lỗi: Ổ đĩa đã đầy: chưa khôi phục được bk.zip (không để lại tệp nào).")
    assert_nothing_left(new)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory, original) -> Path:
    """The real archive plus one kept file of 2 GB of zeros, streamed (the archive stays ~10 MB)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    shutil.copy(original, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("uploads/ab/" + "ab" + "0" * 62 + ".xlsx", "w", force_zip64=True) as member:
        zeros = bytes(1 << 20)
        for _ in range(2048):
            member.write(zeros)
    return path


def measured_restore(archive: Path, new: Path) -> tuple[dict[str, str], str]:
    run = subprocess.run([sys.executable, "-c", FROM_A_SMALL_PROCESS, sys.executable,
                          str(ROOT / "scripts" / "measure_restore.py"), str(archive), str(new)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    return dict(re.findall(r"(\w+)=([\d.]+)", run.stdout.splitlines()[-1])), run.stderr


def test_a_zip_bomb_is_refused_in_seconds_with_bounded_memory(tmp_path, bomb):
    assert bomb.stat().st_size < 20 << 20
    new = tmp_path / "target" / "kpi.duckdb"
    nums, err = measured_restore(bomb, new)
    assert nums["exit"] == "2", err
    assert "mục «uploads/ab/ab000" in err and "bom nén" in err and "Traceback" not in err
    assert float(nums["cpu_seconds"]) < SECONDS_BOUND
    assert float(nums["peak_rss_mb"]) < PEAK_RSS_BOUND_MB
    assert_nothing_left(new)


def test_a_real_restore_costs_little(tmp_path, original):
    nums, err = measured_restore(original, tmp_path / "target" / "kpi.duckdb")
    assert nums["exit"] == "0", err
    assert float(nums["cpu_seconds"]) < SECONDS_BOUND
    assert float(nums["peak_rss_mb"]) < PEAK_RSS_BOUND_MB


def test_every_sequence_of_the_schema_is_continued():
    mem = store.connect(":memory:")
    assert {r[0] for r in mem.execute("SELECT sequence_name FROM duckdb_sequences()").fetchall()} == set(SEQUENCES)
    for table, column in SEQUENCES.values():
        assert column in dict(schema_columns()[table])
    mem.close()
