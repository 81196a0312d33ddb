"""`python -m kpi score` keeps each answer in the store (`kpi.store.kept_scores`): asking again prints
exactly what scoring prints, without scoring (and, as a process, without importing pandas); an
import, a closing or a reopening changes the answer at once. On DuckDB and on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest
import time_machine
from common import CONFIG, ROOT, SYSTEM, TODAY

import kpi.usecases.closing as closing
from kpi import store
from kpi.cli.main import main
from kpi.domain.catalog import load_catalog
from kpi.domain.figures import Actor
from kpi.usecases.demo import load_demo

pytestmark = pytest.mark.both_engines

ADMIN = Actor("admin", role="admin")
NOON = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0)

# every way of asking; 2026-Q3 is closed (frozen) in `demo`, 2026-Q4 open and provisional on TODAY
VARIANTS = [
    ["--quarter", "2026-Q4"],
    ["--quarter", "2026-Q4", "--json"],
    ["--quarter", "2026-Q3"],
    ["--quarter", "2026-Q3", "--json"],
    ["--quarter", "2026-Q3", "--recompute"],
    ["--quarter", "2026-Q3", "--recompute", "--json"],
    ["--quarter", "2026-Q3", "--unit", " ca "],
    ["--quarter", "2026-Q3", "--unit", "CA", "--json"],
    ["--quarter", "2026-Q4", "--unit", "TTPVHCC", "--as-of", "2026-10-20"],
    ["--quarter", "2026-Q4", "--as-of", "2026-10-20", "--json"],
    ["--quarter", "2026-Q4", "--commune", "thaitan"],
    ["--quarter", "2026-Q4", "--commune", "THAITAN", "--json"],
    ["--quarter", "2020-Q1"],
]


def score(db, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(NOON, tick=False), redirect_stdout(out), redirect_stderr(err):
        code = main(["--db", str(db), "--config", str(CONFIG), "score", *args])
    assert code == 0, err.getvalue()
    return out.getvalue()


def kept_rows(db) -> int:
    conn = store.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM kept_scores").fetchall()[0][0]
    finally:
        conn.close()


def forget_kept(db) -> None:
    conn = store.connect(db)
    try:
        conn.execute("DELETE FROM kept_scores").fetchall()
    finally:
        conn.close()


def _build_demo(target) -> None:
    """Nine demo months up to TODAY with 2026-Q3 closed, into the database `target`."""
    catalog = load_catalog(CONFIG)
    conn = store.connect(target)
    try:
        store.sync_catalog(conn, catalog, SYSTEM, CONFIG.read_text(encoding="utf-8"))
        load_demo(conn, catalog, 9, today=TODAY)
        closing.close(conn, catalog, ADMIN, "2026-Q3", as_of=TODAY)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def built_demo():
    """The demo of `demo` built once per engine for the module: {"duckdb": file, "postgres": database}."""
    built: dict[str, object] = {}
    yield built
    if "postgres" in built:
        built["pg_server"].drop_database(built["postgres"])


@pytest.fixture
def demo(engine, built_demo, tmp_path, tmp_path_factory, request):
    """A fresh copy of the nine demo months up to TODAY with 2026-Q3 closed (built once per engine)."""
    if engine == "postgres":
        server = request.getfixturevalue("pg_server")
        if "postgres" not in built_demo:
            name = server.new_database()
            _build_demo(server.url(name))
            built_demo.update(postgres=name, pg_server=server)
        name = server.new_database(template=built_demo["postgres"])
        request.addfinalizer(lambda: server.drop_database(name))
        return server.url(name)
    if "duckdb" not in built_demo:
        built_demo["duckdb"] = tmp_path_factory.mktemp("kept-demo") / "kpi.duckdb"
        _build_demo(built_demo["duckdb"])
    path = tmp_path / "kpi.duckdb"
    path.write_bytes(built_demo["duckdb"].read_bytes())
    return path


def test_kept_answer_prints_exactly_what_scoring_prints(demo, monkeypatch):
    computed = [score(demo, *v) for v in VARIANTS]
    assert kept_rows(demo) == 7   # one row per question: --json and the table, a commune named or not, share it
    assert "Quý đã khoá sổ (admin" in computed[2] and "tính lại" in computed[4]
    assert '"closed": true' in computed[3] and '"provisional": true' in computed[1]

    def no_scoring(*_a, **_k):
        raise AssertionError("a kept answer must not score again")

    with monkeypatch.context() as m:
        m.setattr(closing, "quarter_result", no_scoring)
        kept = [score(demo, *v) for v in VARIANTS]
    for variant, one, other in zip(VARIANTS, computed, kept, strict=True):
        assert other == one, variant
    forget_kept(demo)
    assert [score(demo, *v) for v in VARIANTS] == computed   # scored again from nothing: the same


def test_an_import_changes_the_answer_at_once(demo, tmp_path):
    from kpi.usecases.importing import import_workbook
    from tests.ingest_helpers import TTPVHCC_FIGURES, filled
    before = score(demo, "--quarter", "2026-Q4", "--json")
    assert score(demo, "--quarter", "2026-Q4", "--json") == before          # kept
    catalog = load_catalog(CONFIG)
    conn = store.connect(demo)
    try:
        result = import_workbook(conn, catalog, filled(catalog, "TTPVHCC", "2026-10", TTPVHCC_FIGURES),
                                 "ttpvhcc-10.xlsx", SYSTEM, tmp_path / "uploads", today=TODAY)
        assert result.ok
    finally:
        conn.close()
    after = score(demo, "--quarter", "2026-Q4", "--json")
    assert after != before
    forget_kept(demo)
    assert score(demo, "--quarter", "2026-Q4", "--json") == after             # what scoring gives now


def test_closing_and_reopening_change_the_answer_at_once(demo):
    catalog = load_catalog(CONFIG)
    open_table = score(demo, "--quarter", "2026-Q2")
    assert "khoá sổ" not in open_table and score(demo, "--quarter", "2026-Q2") == open_table
    conn = store.connect(demo)
    try:
        closing.close(conn, catalog, ADMIN, "2026-Q2", as_of=TODAY)
    finally:
        conn.close()
    closed_table = score(demo, "--quarter", "2026-Q2")
    assert "Quý đã khoá sổ (admin" in closed_table
    conn = store.connect(demo)
    try:
        closing.reopen(conn, catalog, ADMIN, "2026-Q2", "sửa số liệu")
    finally:
        conn.close()
    assert score(demo, "--quarter", "2026-Q2") == open_table
    forget_kept(demo)
    assert score(demo, "--quarter", "2026-Q2") == open_table


def test_a_new_day_or_catalogue_is_a_new_question(demo, tmp_path):
    today = score(demo, "--quarter", "2026-Q4", "--json")
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2027, 1, 20, 12, 0), tick=False), redirect_stdout(out):
        assert main(["--db", str(demo), "--config", str(CONFIG), "score", "--quarter", "2026-Q4", "--json"]) == 0
    assert out.getvalue() != today and '"provisional": false' in out.getvalue()
    changed = tmp_path / "indicators.toml"
    changed.write_text(CONFIG.read_text(encoding="utf-8").replace("Xã Thái Tân", "Xã Thái Tân mới", 1),
                       encoding="utf-8")
    with time_machine.travel(NOON, tick=False), redirect_stdout(io.StringIO()) as table:
        assert main(["--db", str(demo), "--config", str(changed), "score", "--quarter", "2026-Q4"]) == 0
    assert "Xã Thái Tân mới — Quý IV/2026" in table.getvalue()


def test_a_kept_answer_needs_no_pandas(demo):
    args = ["--db", str(demo), "--config", str(CONFIG), "score", "--quarter", "2026-Q4", "--as-of", "2026-11-23"]
    probe = ("import sys, runpy; sys.argv = ['kpi', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('kpi', run_name='__main__')\n"
             "except SystemExit as e:\n    assert e.code == 0, e.code\n"
             "print('PANDAS' if 'pandas' in sys.modules else 'NO PANDAS')\n")
    first = subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.endswith("PANDAS\n") and not first.stdout.endswith("NO PANDAS\n")   # a miss scores
    assert second.stdout.endswith("NO PANDAS\n")
    assert second.stdout.removesuffix("NO PANDAS\n") == first.stdout.removesuffix("PANDAS\n")
