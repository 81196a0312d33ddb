"""The record: database, kept files and journal agree; verify names differences; rebuild is exact."""
import datetime as dt
import json

import pytest

from kpi import store
from kpi.cli.main import main
from kpi.domain.figures import Actor
from kpi.settings import resolve
from kpi.usecases import importing as importer_module
from kpi.usecases.importing import import_workbook
from tests.common import CONFIG, add_user
from tests.ingest_helpers import TTPVHCC_FIGURES, filled

pytestmark = pytest.mark.both_engines  # tests on a `live` database run on DuckDB and PostgreSQL

PERIOD = "2024-06"
ANH = Actor("Nguyễn Thị Ánh", role="admin")
AT1 = dt.datetime(2024, 7, 3, 9, 15, 42, 123456)
AT2 = dt.datetime(2024, 7, 5, 16, 0, 59, 999999)


def cli(db, *args):
    return main(["--db", str(db), *args])


@pytest.fixture
def live(tmp_path, catalog, engine, request, monkeypatch):
    """A database with two imports of the same unit-month (v1, v2) at exact times (a DuckDB file,
    or a PostgreSQL database whose kept files are in tmp_path/db)."""
    db = tmp_path / "db" / "kpi.duckdb"
    if engine == "postgres":
        monkeypatch.setenv("KPI_FILES_DIR", str(tmp_path / "db"))
        db = request.getfixturevalue("pg_url")
    settings = resolve(str(db))
    conn = store.connect(db)
    store.sync_catalog(conn, catalog, ANH)
    first = filled(catalog, period=PERIOD)
    second = filled(catalog, period=PERIOD, figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(366, 380)))
    for data, at, name in ((first, AT1, "a.xlsx"), (second, AT2, "b.xlsx")):
        assert import_workbook(conn, catalog, data, name, ANH, settings.uploads_dir,
                               submitted_at=at).created
    conn.close()
    return db, settings.uploads_dir, first, second


def test_uploads_dir_is_per_database(tmp_path):
    a, b = resolve(str(tmp_path / "a.duckdb")), resolve(str(tmp_path / "b.duckdb"))
    assert (a.uploads_dir, b.uploads_dir) == (tmp_path / "a.duckdb.uploads", tmp_path / "b.duckdb.uploads")


def test_verify_agrees_then_names_each_difference(live, capsys):
    db, uploads, first, second = live
    assert cli(db, "verify") == 0
    assert capsys.readouterr().out.startswith("Khớp:")
    stray = uploads / "ff" / ("f" * 64 + ".xlsx")
    stray.parent.mkdir()
    stray.write_bytes(b"x")
    (uploads / "journal.jsonl").write_text("{broken\n", encoding="utf-8")
    assert cli(db, "verify") == 1
    out = capsys.readouterr().out
    assert f"tệp {stray} không thuộc lần gửi nào trong cơ sở dữ liệu" in out
    assert "hỏng ở dòng 1" in out
    assert out.startswith("✖ 2 chỗ không khớp")


def test_crash_between_commit_and_journal_is_seen_and_settled(tmp_path, catalog, capsys, monkeypatch):
    db = tmp_path / "kpi.duckdb"
    uploads = resolve(str(db)).uploads_dir
    conn = store.connect(db)
    store.sync_catalog(conn, catalog, ANH)
    import_workbook(conn, catalog, filled(catalog, period=PERIOD), "a.xlsx", ANH, uploads, submitted_at=AT1)

    def crash(conn, uploads_dir):
        raise SystemExit("killed after commit")
    monkeypatch.setattr(importer_module, "write_journal", crash)
    second = filled(catalog, period=PERIOD, figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(366, 380)))
    with pytest.raises(SystemExit):
        import_workbook(conn, catalog, second, "b.xlsx", ANH, uploads, submitted_at=AT2)
    monkeypatch.undo()
    conn.close()
    assert cli(db, "verify") == 1
    out = capsys.readouterr().out
    assert "nhật ký thiếu lần nhập thứ 2: b.xlsx lúc 2024-07-05T16:00:59.999999 (TTPVHCC 2024-06 v2)" in out
    # a rebuild from the lagging journal refuses: the second kept file is not listed
    assert cli(tmp_path / "new" / "kpi.duckdb", "rebuild", "--from", str(uploads)) == 1
    out = capsys.readouterr().out
    assert "không có trong nhật ký" in out and "không ghi gì" in out
    assert not (tmp_path / "new" / "kpi.duckdb").exists()
    assert cli(db, "verify", "--fix") == 0
    capsys.readouterr()
    assert cli(tmp_path / "new" / "kpi.duckdb", "rebuild", "--from", str(uploads)) == 0


def test_rebuild_restores_exact_times_and_versions(live, tmp_path, capsys):
    db, uploads, *_ = live
    new = tmp_path / "new" / "kpi.duckdb"
    assert cli(new, "rebuild", "--from", str(uploads)) == 0
    assert capsys.readouterr().out == f"Đã dựng lại {new}: 2 tệp, 2 lần gửi số liệu, khớp nhật ký.\n"
    c = store.connect(new)
    rows = c.execute("SELECT version, status, file_name, submitted_at FROM uploads ORDER BY id").fetchall()
    assert rows == [(1, "superseded", "a.xlsx", AT1), (2, "accepted", "b.xlsx", AT2)]
    c.close()
    assert cli(new, "verify") == 0


def test_rebuild_refuses_missing_and_broken_journal_and_missing_file(live, tmp_path, capsys):
    db, uploads, first, second = live
    journal = uploads / "journal.jsonl"
    lines = journal.read_text(encoding="utf-8").splitlines()
    new = tmp_path / "new" / "kpi.duckdb"
    journal.write_text(lines[0] + "\n" + lines[1][:20] + "\n", encoding="utf-8")
    assert cli(new, "rebuild", "--from", str(uploads)) == 1
    assert f"Nhật ký {journal} hỏng ở dòng 2." in capsys.readouterr().out
    journal.unlink()
    assert cli(new, "rebuild", "--from", str(uploads)) == 1
    assert f"Không có nhật ký {journal}." in capsys.readouterr().out
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kept = uploads / json.loads(lines[0])["sha256"][:2] / (json.loads(lines[0])["sha256"] + ".xlsx")
    kept.unlink()
    assert cli(new, "rebuild", "--from", str(uploads)) == 1
    assert f"thiếu tệp {kept} (a.xlsx)" in capsys.readouterr().out
    assert not new.exists()


def test_two_databases_in_one_folder_keep_apart(tmp_path, catalog, capsys):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    files = tmp_path / "in"
    files.mkdir()
    (files / "x.xlsx").write_bytes(filled(catalog, period=PERIOD))
    (files / "y.xlsx").write_bytes(filled(catalog, period=PERIOD,
                                          figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(366, 380))))
    add_user(a, "ana", "office")
    add_user(b, "binh", "office")
    assert cli(a, "import", str(files / "x.xlsx"), "--by", "ana") == 0
    assert cli(b, "import", str(files / "y.xlsx"), "--by", "binh") == 0
    assert cli(a, "verify") == 0 and cli(b, "verify") == 0
    capsys.readouterr()
    new = tmp_path / "r" / "a.duckdb"
    assert cli(new, "rebuild", "--from", str(tmp_path / "a.duckdb.uploads")) == 0
    c = store.connect(new)
    assert c.execute("SELECT submitted_by, file_name FROM uploads").fetchall() == [("ana", "x.xlsx")]
    c.close()


def test_demo_refuses_real_data_unless_forced(live, catalog, capsys):
    db, *_ = live
    c = store.connect(db)
    # the catalogue version kept first, as any writing command keeps it (`score` only reads)
    store.sync_catalog(c, catalog, ANH, CONFIG.read_text(encoding="utf-8"))
    before = store.content_counts(c)
    c.close()
    assert cli(db, "demo", "--months", "3") == 2
    assert capsys.readouterr().err == (f"Lỗi: Cơ sở dữ liệu đã có 2 lần gửi số liệu thật; không tạo dữ liệu "
                                       f"mẫu lên trên (dùng --force nếu thật sự muốn). Cơ sở dữ liệu: {db}.\n")
    c = store.connect(db)
    assert store.content_counts(c) == before
    c.close()
    assert cli(db, "demo", "--months", "3", "--force") == 0


def test_demo_into_an_empty_or_demo_database_still_works(tmp_path, capsys):
    db = tmp_path / "d.duckdb"
    assert cli(db, "demo", "--months", "2") == 0
    assert cli(db, "demo", "--months", "2") == 0   # demo over demo: identical, allowed


def test_a_resumed_batch_adds_no_versions(tmp_path, catalog, capsys):
    db = tmp_path / "kpi.duckdb"
    files = tmp_path / "in"
    files.mkdir()
    # one unit-month sent twice in the batch: the second file corrects the first
    (files / "1.xlsx").write_bytes(filled(catalog, period=PERIOD))
    (files / "2.xlsx").write_bytes(filled(catalog, period=PERIOD,
                                          figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(366, 380))))
    add_user(db, "ana", "office")
    assert cli(db, "import", str(files), "--by", "ana") == 0
    capsys.readouterr()
    assert cli(db, "import", str(files), "--by", "ana") == 0     # the batch run again after a crash
    out = capsys.readouterr().out
    assert out.endswith("Tổng kết: 2 tệp — 0 đã nhập, 2 không đổi, 0 bị từ chối.\n")
    assert f"= {files / '1.xlsx'}: tệp này đã được nhập trước đây (cùng nội dung); bỏ qua." in out
    c = store.connect(db)
    assert c.execute("SELECT version, status FROM uploads ORDER BY id").fetchall() == \
        [(1, "superseded"), (2, "accepted")]
    c.close()
    # a single file re-sent on its own is a roll-back: refused unless asked for deliberately
    assert cli(db, "import", str(files / "1.xlsx"), "--by", "ana") == 1
    assert "--allow-rollback" in capsys.readouterr().out
    assert cli(db, "import", str(files / "1.xlsx"), "--by", "ana", "--allow-rollback") == 0
    c = store.connect(db)
    assert c.execute("SELECT max(version) FROM uploads").fetchall() == [(3,)]
    c.close()


def test_a_crash_before_the_commit_leaves_a_file_that_verify_fix_sets_aside(live, capsys):
    db, uploads, *_ = live
    orphan = uploads / "ab" / ("ab" + "0" * 62 + ".xlsx")
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"kept, never committed")
    assert cli(db, "verify") == 1
    capsys.readouterr()
    assert cli(db, "verify", "--fix") == 0
    assert not orphan.exists() and (uploads / "khong-thuoc-lan-gui" / orphan.name).exists()
    assert capsys.readouterr().out.splitlines()[-1].startswith("Khớp:")
