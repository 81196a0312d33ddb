"""PostgreSQL when one process is not enough: several processes write and read one database at once.

Runs against the throwaway cluster of `tests/pg_server.py` (skipped without PostgreSQL, failed in CI)."""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile

import pytest
import time_machine
from common import CONFIG, ROOT, SYSTEM, TESTER
from ingest_helpers import filled
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.figures import Figure, Submission
from kpi.settings import resolve
from kpi.store.postgres import translate
from kpi.usecases.backup import make_backup, restore_backup
from tests.common import ensure_demo_account, log_in

pytest_plugins = ["pytester"]        # a pytest session inside this one

WRITER = """
import sys, time
from kpi import store
from kpi.domain.figures import Actor, Figure, Submission
url, who, start, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
conn = store.connect(url)
while time.time() < start:
    time.sleep(0.001)
for k in range(n):
    sub = Submission("THAITAN", "TTPVHCC", "2026-05",
                     (Figure("DVC_HS_TRUC_TUYEN", float(1000 * int(who[-1]) + k), 412.0),),
                     file_name=f"{who}-{k}.xlsx", size=1)
    out = store.record_submission(conn, sub, Actor(who, role="office"))
    print(out.version, flush=True)
"""


def test_placeholders_and_types_are_translated():
    assert translate("SELECT ? , '?%' FROM t WHERE a LIKE 'x%' AND b = ?") == \
        "SELECT %s , '?%%' FROM t WHERE a LIKE 'x%%' AND b = %s"
    assert translate("numerator DOUBLE, v DOUBLE PRECISION") == "numerator DOUBLE PRECISION, v DOUBLE PRECISION"


def test_settings_take_a_server_url(monkeypatch, tmp_path):
    monkeypatch.setenv("KPI_FILES_DIR", str(tmp_path / "files"))
    s = resolve("postgresql://kpi:bí-mật@db.local:5433/haiphong")
    assert s.on_server and s.db == "postgresql://kpi:bí-mật@db.local:5433/haiphong"
    assert s.db_label == "postgresql://kpi@db.local:5433/haiphong"       # no password in messages
    assert s.uploads_dir == tmp_path / "files" / "haiphong.postgres.uploads"
    assert s.evidence_dir == tmp_path / "files" / "haiphong.postgres.evidence"
    assert not resolve(str(tmp_path / "kpi.duckdb")).on_server


def test_an_unreachable_server_is_a_clear_message():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(store.StoreError, match=r"Không kết nối được cơ sở dữ liệu PostgreSQL "
                                               rf"postgresql://kpi@127.0.0.1:{port}/x"):
        store.connect(f"postgresql://kpi:secret@127.0.0.1:{port}/x")


def test_two_processes_confirming_one_unit_month_keep_every_version_in_order(pg_url, catalog):
    conn = store.connect(pg_url)
    store.sync_catalog(conn, catalog, SYSTEM, CONFIG.read_text(encoding="utf-8"))
    start, n = time.time() + 4, 8
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, pg_url, f"writer{i}", str(start), str(n)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in (1, 2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    seen = sorted(int(v) for out, _ in outs for v in out.split())
    assert seen == list(range(1, 2 * n + 1))           # each confirm got its own version, none twice
    hist = store.upload_history(conn, "THAITAN", "TTPVHCC", "2026-05")
    assert sorted(hist["version"]) == list(range(1, 2 * n + 1))
    assert (hist["status"] == "accepted").sum() == 1
    assert hist.sort_values("version")["status"].iloc[-1] == "accepted"
    # each process's own versions are in the order it sent them, and every figure is kept
    for who in ("writer1", "writer2"):
        mine = hist[hist["submitted_by"] == who].sort_values("version")
        assert list(mine["file_name"]) == [f"{who}-{k}.xlsx" for k in range(n)]
    numerators = {store.figures_of_upload(conn, int(u))["numerator"].iloc[0] for u in hist["id"]}
    assert numerators == {float(1000 * w + k) for w in (1, 2) for k in range(n)}
    # superseded chain: every version but the first supersedes the one before it
    chain = hist.sort_values("version")
    assert list(chain["supersedes"].iloc[1:]) == list(chain["id"].iloc[:-1])
    conn.close()


def test_a_closed_quarter_refuses_an_upload_from_another_process(pg_url, catalog):
    from kpi.domain.rights import PermissionDenied
    from kpi.store.accounts import close_quarter
    a = store.connect(pg_url)
    store.sync_catalog(a, catalog, SYSTEM, CONFIG.read_text(encoding="utf-8"))
    b = store.connect(pg_url)                              # another process's connection
    close_quarter(a, TESTER, "THAITAN", "2026-Q2", store.current_figures(a, "THAITAN"), {"total": 0})
    sub = Submission("THAITAN", "TTPVHCC", "2026-05", (Figure("DVC_HS_TRUC_TUYEN", 1.0, 2.0),))
    with pytest.raises(PermissionDenied, match="khoá sổ"):
        store.record_submission(b, sub, TESTER)
    a.close()
    b.close()


def test_a_backup_while_the_server_is_written_copies_exactly_its_snapshots_files(pg_url, catalog, tmp_path,
                                                                                 monkeypatch):
    # an import commits (another connection, another thread) while the backup runs, between the
    # export's transaction and the copying of kept files: the archive must not take its file
    import threading

    from kpi.domain.figures import Actor
    from kpi.store import backup as store_backup
    from kpi.usecases import backup as backup_usecase
    from kpi.usecases.importing import import_workbook
    from kpi.usecases.record import verify
    monkeypatch.setenv("KPI_FILES_DIR", str(tmp_path / "files"))
    uploads = resolve(pg_url).uploads_dir
    admin = Actor("Ánh", role="admin")
    conn = store.connect(pg_url)
    store.sync_catalog(conn, catalog, SYSTEM)
    assert import_workbook(conn, catalog, filled(catalog, period="2024-06"), "a.xlsx", admin, uploads).created
    real = store_backup.export_database

    def write_meanwhile(*args, **kwargs):
        exported = real(*args, **kwargs)

        def other_writer():
            other = store.connect(pg_url)
            try:
                assert import_workbook(other, catalog, filled(catalog, period="2024-07"), "b.xlsx", admin,
                                       uploads).created
            finally:
                other.close()
        writer = threading.Thread(target=other_writer)
        writer.start()
        writer.join()
        return exported
    monkeypatch.setattr(backup_usecase, "export_database", write_meanwhile)
    archive = make_backup(conn, TESTER, uploads, tmp_path / "b.zip")
    assert len(list(uploads.glob("??/*.xlsx"))) == 2             # the write did land
    assert len([n for n in zipfile.ZipFile(archive).namelist() if n.endswith(".xlsx")]) == 1
    new = tmp_path / "r" / "kpi.duckdb"
    restored = restore_backup(archive, new, resolve(str(new)).uploads_dir)
    assert verify(restored, resolve(str(new)).uploads_dir) == []
    restored.close()
    conn.close()


def test_backup_of_a_server_database_restores_into_a_file(pg_url, catalog, tmp_path):
    conn = store.connect(pg_url)
    store.sync_catalog(conn, catalog, SYSTEM, CONFIG.read_text(encoding="utf-8"))
    for k in range(3):
        store.record_submission(conn, Submission("THAITAN", "TTPVHCC", "2026-05", (
            Figure("DVC_HS_TRUC_TUYEN", 300.0 + k, 412.0, None, "ghi chú"),)), TESTER)
    archive = make_backup(conn, TESTER, tmp_path / "files" / "kpi.uploads", tmp_path / "b.zip")
    assert "database/schema.sql" in zipfile.ZipFile(archive).namelist()
    restored = restore_backup(archive, tmp_path / "restored.duckdb", tmp_path / "restored.uploads")
    for table in ("uploads", "measurements", "audit_log", "units", "catalog_versions"):
        ours = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        theirs = restored.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        assert theirs == ours, table
    # sequences continue: the next upload in the copy gets the next id
    nxt = store.record_submission(restored, Submission("THAITAN", "TTPVHCC", "2026-05", (
        Figure("DVC_HS_TRUC_TUYEN", 1.0, 412.0),)), TESTER)
    assert (nxt.upload_id, nxt.version) == (4, 4)
    restored.close()
    conn.close()


def test_restore_into_a_server_is_refused_with_directions(pg_url, tmp_path, capsys):
    from kpi.cli.main import main
    archive = tmp_path / "x.zip"
    archive.write_bytes(b"PK")
    assert main(["--db", pg_url, "restore", str(archive)]) != 0
    err = capsys.readouterr()
    assert "pg_restore" in err.out + err.err and "Traceback" not in err.out + err.err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _board(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", url)
    monkeypatch.setenv("KPI_CONFIG", str(CONFIG))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90), url, "xem")
    at.query_params["period"] = "2026-Q4"
    at.run()
    at.switch_page("pages/submissions.py").run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    return at


def test_the_cli_imports_while_an_app_process_serves_and_the_app_sees_it(pg_url, catalog, tmp_path, monkeypatch):
    files = tmp_path / "files"
    monkeypatch.setenv("KPI_FILES_DIR", str(files))
    port = _free_port()
    env = dict(os.environ, KPI_DB=pg_url, KPI_CONFIG=str(CONFIG), KPI_FILES_DIR=str(files))
    server = subprocess.Popen(
        [sys.executable, "-m", "kpi.web.serve", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.5)
        with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0), tick=False):
            at = _board(monkeypatch, pg_url)
            before = at.table[0].value.set_index("Đơn vị").loc["Trung tâm Phục vụ hành chính công", "Tháng 10/2026"]
        assert before == "✖ Chưa nộp"
        workbook = tmp_path / "TTPVHCC-2026-10.xlsx"
        workbook.write_bytes(filled(catalog, "TTPVHCC", "2026-10"))
        ensure_demo_account(pg_url, "dv-ttpvhcc")
        done = subprocess.run([sys.executable, "-m", "kpi", "--db", pg_url, "import", str(workbook),
                               "--by", "dv-ttpvhcc"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert server.poll() is None                          # the app process is still serving
        # the CLI stamps the upload with the real clock: look at the board after it
        later = max(dt.datetime.now(), dt.datetime(2026, 11, 23, 9, 5)) + dt.timedelta(hours=1)
        with time_machine.travel(later, tick=False):
            log_in(at, pg_url, "xem").run()                   # the same session, its sign-in renewed
            assert not at.exception, [e.value for e in at.exception]
        after = at.table[0].value.set_index("Đơn vị").loc["Trung tâm Phục vụ hành chính công", "Tháng 10/2026"]
        assert after != before and after.startswith(("✔", "▲"))
        assert len(list(files.glob("*.uploads/*/*.xlsx"))) == 1     # the kept file, in the shared folder
    finally:
        server.terminate()
        server.wait(timeout=30)


READER = """
import sys, time
from pathlib import Path
from streamlit.testing.v1 import AppTest
from tests.common import log_in
url, go = sys.argv[1], Path(sys.argv[2])
at = log_in(AppTest.from_file("app.py", default_timeout=120), url, "xem")
at.query_params["period"] = "2026-Q4"
at.run()
at.switch_page("pages/submissions.py").run()
def cell():
    assert not at.exception, [e.value for e in at.exception]
    return at.table[0].value.set_index("Đơn vị").loc["Trung tâm Phục vụ hành chính công", "Tháng 10/2026"]
print("BEFORE", cell(), flush=True)
while not go.exists():
    time.sleep(0.1)
log_in(at, url, "xem").run()          # the next rerun of the same session
print("AFTER", cell(), flush=True)
"""


def test_an_upload_through_one_app_process_is_seen_by_another_at_once(pg_url, catalog, tmp_path, monkeypatch):
    """Two app processes on one PostgreSQL database: this test's process (the coordinator uploads
    through the page) and another one (the office watches the submissions board)."""
    files = tmp_path / "files"
    monkeypatch.setenv("KPI_FILES_DIR", str(files))
    monkeypatch.setenv("KPI_DB", pg_url)
    monkeypatch.setenv("KPI_CONFIG", str(CONFIG))
    ensure_demo_account(pg_url, "xem")
    go = tmp_path / "go"
    reader = subprocess.Popen([sys.executable, "-c", READER, pg_url, str(go)], cwd=ROOT,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        first = reader.stdout.readline()
        assert first.startswith("BEFORE"), first + reader.stderr.read()
        assert first.split(" ", 1)[1].strip() == "✖ Chưa nộp"
        at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), pg_url, "dv-ttpvhcc")
        at.run()
        at.switch_page("pages/upload.py").run()
        at.file_uploader(key="upload_file").upload("ttpvhcc-10.xlsx", filled(catalog, "TTPVHCC", "2026-10")).run()
        assert not at.exception and not at.error, [e.value for e in at.exception]
        next(b for b in at.button if b.label == "Xác nhận nhập số liệu").click().run()
        assert not at.exception and not at.error
        go.touch()
        out, err = reader.communicate(timeout=180)
        assert reader.returncode == 0, err
        after = out.split("AFTER", 1)[1].strip()
        assert after.startswith(("✔", "▲")), after            # sent: on time or late, no longer missing
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()


def test_processes_starting_at_once_on_an_empty_database_apply_each_migration_once(pg_server):
    from kpi.store.connection import lock_names, transaction
    from kpi.store.postgres import connect_postgres
    name = pg_server.new_database(template="template0")            # empty: no schema yet
    url = pg_server.url(name)
    code = ("import sys\nfrom kpi import store\n"
            "print(store.schema_version(store.connect(sys.argv[1])))\n")
    holder = connect_postgres(url)
    with transaction(holder):
        lock_names(holder, ["schema"])                 # as if another process were migrating
        procs = [subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
        deadline = time.monotonic() + 90
        while True:                                    # all three wait for the schema lock
            waiting = connect_postgres(url)
            n = waiting.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                "AND NOT granted").fetchone()[0]
            waiting.close()
            if n == 3:
                break
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), \
                [p.communicate() for p in procs if p.poll() is not None]
            time.sleep(0.2)
    outs = [p.communicate(timeout=120) for p in procs]
    assert [o[0].strip() for o in outs] == [str(store.SCHEMA_VERSION)] * 3, [o[1] for o in outs]
    holder.close()
    conn = store.connect(url)
    assert conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall() == \
        [(v,) for v in sorted(store.schema.MIGRATIONS)]
    conn.close()
    pg_server.drop_database(name)


@pytest.mark.parametrize("required", [False, True])
def test_without_postgresql_the_tests_skip_and_say_why_unless_required(required, tmp_path, pytester, monkeypatch):
    """A whole pytest session of its own, run in this process (pytester): its output and exit code."""
    monkeypatch.setenv("KPI_POSTGRES_BIN", str(tmp_path / "nowhere"))
    monkeypatch.delenv("KPI_REQUIRE_POSTGRES", raising=False)
    if required:
        monkeypatch.setenv("KPI_REQUIRE_POSTGRES", "1")
    done = pytester.runpytest_inprocess(
        "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), "-p", "no:cacheprovider", "-rsE",
        "-p", "no:xdist", str(ROOT / "tests" / "test_postgres.py") + "::"
        "test_a_closed_quarter_refuses_an_upload_from_another_process")
    stdout = done.stdout.str()
    if required:
        assert done.ret == 1, stdout
        assert "PostgreSQL required (KPI_REQUIRE_POSTGRES=1) but PostgreSQL is not installed" in stdout
    else:
        assert done.ret == 0, stdout
        assert "SKIPPED" in stdout and "PostgreSQL tests skipped: PostgreSQL is not installed" in stdout
