"""`python -m kpi score` computes its answer every time and never writes the database: a closed
quarter prints its frozen result, `--recompute` today's, an import shows at once, and the database
stays row for row (and, on DuckDB, byte for byte) what it was — also when the catalogue file differs
from the version the database keeps (scored with the file's catalogue, no version recorded).
On DuckDB and on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import time_machine
from common import CONFIG, SYSTEM, TODAY

import kpi.usecases.closing as closing
from kpi import store
from kpi.cli.main import main
from kpi.domain.catalog import load_catalog
from kpi.domain.figures import Actor
from kpi.usecases.demo import load_demo
from kpi.usecases.period_result import period_result

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
    ["--quarter", "2026-Q4", "--unit", "TTPVHCC", "--as-of", "2026-10-20"],
    ["--quarter", "2026-Q4", "--commune", "THAITAN", "--json"],
    ["--quarter", "2026-Q4", "--all-communes", "--json"],
    ["--quarter", "2020-Q1"],
]


def run_score(db, *args: str, config: Path = CONFIG) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(NOON, tick=False), redirect_stdout(out), redirect_stderr(err):
        code = main(["--db", str(db), "--config", str(config), "score", *args])
    assert code == 0, err.getvalue()
    return out.getvalue(), err.getvalue()


def score(db, *args: str, config: Path = CONFIG) -> str:
    return run_score(db, *args, config=config)[0]


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
        built_demo["duckdb"] = tmp_path_factory.mktemp("score-demo") / "kpi.duckdb"
        _build_demo(built_demo["duckdb"])
    path = tmp_path / "kpi.duckdb"
    path.write_bytes(built_demo["duckdb"].read_bytes())
    return path


def changed_catalog(tmp_path: Path) -> Path:
    """The shipped catalogue with another commune name and HT_MAY_TINH's target halved."""
    text = CONFIG.read_text(encoding="utf-8")
    head, sep, tail = text.partition('id = "HT_MAY_TINH"')
    assert sep and "target = 100" in tail
    changed = tmp_path / "indicators.toml"
    changed.write_text(head.replace("Xã Thái Tân", "Xã Thái Tân mới", 1) + sep + tail.replace("target = 100", "target = 50", 1),
                       encoding="utf-8")
    return changed


def state(db) -> tuple:
    """Every table's rows (sorted, as text) and `content_counts`; for a DuckDB file, also its bytes."""
    conn = store.connect(db)
    try:
        tables = sorted(r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema IN ('main', 'public') "
            "AND table_type = 'BASE TABLE'").fetchall())
        rows = {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
        counts = store.content_counts(conn)
    finally:
        conn.close()
    digest = None if isinstance(db, str) else hashlib.sha256(Path(db).read_bytes()).hexdigest()
    return counts, rows, digest


def test_score_leaves_the_database_unchanged(demo, tmp_path):
    before = state(demo)
    assert "kept_scores" not in before[1]
    outputs = [score(demo, *v) for v in VARIANTS]
    assert state(demo) == before
    assert [score(demo, *v) for v in VARIANTS] == outputs     # asked again: computed again, the same
    # a catalogue file that differs from the version kept: scored with the file's, nothing recorded
    out, err = run_score(demo, "--quarter", "2026-Q4", config=changed_catalog(tmp_path))
    assert "Xã Thái Tân mới — Quý IV/2026" in out and "không ghi phiên bản danh mục mới" in err
    assert state(demo) == before
    if isinstance(demo, Path):
        assert not demo.with_name(demo.name + ".wal").exists()


def test_a_differing_catalogue_scores_open_quarters_by_the_file_and_leaves_the_frozen_result(demo, tmp_path):
    changed = changed_catalog(tmp_path)
    open_now = json.loads(score(demo, "--quarter", "2026-Q4", "--json"))
    open_file = json.loads(score(demo, "--quarter", "2026-Q4", "--json", config=changed))
    assert open_now["catalog_version"] == 1 and open_file["catalog_version"] is None   # the file's is not recorded
    target = {r["id"]: r["target"] for r in open_file["indicators"]}
    assert target["HT_MAY_TINH"] == 50
    frozen = json.loads(score(demo, "--quarter", "2026-Q3", "--json"))
    assert json.loads(score(demo, "--quarter", "2026-Q3", "--json", config=changed)) == frozen
    recomputed = json.loads(score(demo, "--quarter", "2026-Q3", "--json", "--recompute", config=changed))
    assert recomputed["catalog_version"] is None and recomputed["closed"] is True
    assert {r["id"]: r["target"] for r in recomputed["indicators"]}["HT_MAY_TINH"] == 50


def test_a_closed_quarter_prints_its_frozen_answer_and_recompute_todays(demo):
    frozen_table = score(demo, "--quarter", "2026-Q3")
    assert "Quý đã khoá sổ (admin" in frozen_table and "theo danh mục phiên bản 1" in frozen_table
    frozen = json.loads(score(demo, "--quarter", "2026-Q3", "--json"))
    assert frozen["closed"] is True and frozen["catalog_version"] == 1 and frozen["provisional"] is False
    recomputed_table = score(demo, "--quarter", "2026-Q3", "--recompute")
    assert "tính lại theo danh mục hiện nay" in recomputed_table and "Quý đã khoá sổ (" not in recomputed_table
    catalog = load_catalog(CONFIG)
    conn = store.connect(demo)
    try:
        expected = period_result(conn, catalog, "2026-Q3", as_of=TODAY).score.to_dict()
        recomputed = period_result(conn, catalog, "2026-Q3", recompute=True, as_of=TODAY).score.to_dict()
    finally:
        conn.close()
    assert {k: v for k, v in frozen.items() if k not in ("closed", "catalog_version")} == json.loads(json.dumps(expected))
    assert json.loads(score(demo, "--quarter", "2026-Q3", "--recompute", "--json"))["total_points"] == \
        pytest.approx(recomputed["total_points"])


def test_an_import_shows_at_once_and_the_answer_is_what_scoring_gives(demo, tmp_path):
    from kpi.usecases.importing import import_workbook
    from tests.ingest_helpers import TTPVHCC_FIGURES, filled
    before = score(demo, "--quarter", "2026-Q4", "--json")
    catalog = load_catalog(CONFIG)
    conn = store.connect(demo)
    try:
        with time_machine.travel(NOON, tick=False):    # sent on the day the commands below ask about
            result = import_workbook(conn, catalog, filled(catalog, "TTPVHCC", "2026-10", TTPVHCC_FIGURES),
                                     "ttpvhcc-10.xlsx", SYSTEM, tmp_path / "uploads", today=TODAY)
            assert result.ok
            now = period_result(conn, catalog, "2026-Q4", as_of=TODAY)
    finally:
        conn.close()
    after = json.loads(score(demo, "--quarter", "2026-Q4", "--json"))
    assert after != json.loads(before)
    assert after["total_points"] == pytest.approx(now.score.total_points)
    assert after == json.loads(score(demo, "--quarter", "2026-Q4", "--json"))


def test_closing_and_reopening_show_at_once(demo):
    catalog = load_catalog(CONFIG)
    open_table = score(demo, "--quarter", "2026-Q2")
    assert "khoá sổ" not in open_table
    conn = store.connect(demo)
    try:
        closing.close(conn, catalog, ADMIN, "2026-Q2", as_of=TODAY)
    finally:
        conn.close()
    assert "Quý đã khoá sổ (admin" in score(demo, "--quarter", "2026-Q2")
    conn = store.connect(demo)
    try:
        closing.reopen(conn, catalog, ADMIN, "2026-Q2", "sửa số liệu")
    finally:
        conn.close()
    assert score(demo, "--quarter", "2026-Q2") == open_table
