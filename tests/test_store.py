"""The store: schema versions, versioned uploads, one transaction per write, commune on rows."""
import dataclasses
import threading

import duckdb
import pytest
from common import TESTER

from kpi import store
from kpi.domain.figures import Actor, Figure, Submission
from kpi.domain.rights import PermissionDenied
from kpi.store.schema import MIGRATIONS

pytestmark = pytest.mark.both_engines


def sub(unit="TTPVHCC", period="2026-05", num=370.0, den=412.0, sha=None, note=None):
    return Submission("THAITAN", unit, period,
                      (Figure("DVC_HS_TRUC_TUYEN", num, den, None, note),
                       Figure("DVC_SO_HOA", 300.0, 380.0)),
                      file_name=f"{unit}-{period}.xlsx", sha256=sha, size=1234)


def snapshot(conn):
    return (store.content_counts(conn),
            conn.execute("SELECT * FROM uploads ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM measurements ORDER BY upload_id, indicator_id").fetchall())


def test_schema_is_versioned_and_migration_is_idempotent(db_target):
    c = store.connect(db_target)
    assert store.schema_version(c) == store.SCHEMA_VERSION == max(MIGRATIONS)
    c.close()
    c = store.connect(db_target)           # reopening applies nothing twice
    assert c.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    c.close()


def test_a_migration_numbered_below_the_applied_ones_is_still_applied(db_target, monkeypatch):
    """Migrations written in parallel leave a gap that is filled later: a database migrated past the
    gap gets the filling migration on its next opening, once."""
    from kpi.store import connection
    c = store.connect(db_target)
    gap = next(v for v in range(1, max(MIGRATIONS)) if v not in MIGRATIONS) if len(MIGRATIONS) < max(MIGRATIONS) \
        else max(MIGRATIONS) + 1
    later = {**MIGRATIONS, gap: ["CREATE TABLE gap_filled (x INTEGER)"]}
    monkeypatch.setattr(connection, "MIGRATIONS", later)
    monkeypatch.setattr(connection, "SCHEMA_VERSION", max(later))
    store.migrate(c)
    store.migrate(c)
    assert c.execute("SELECT count(*) FROM gap_filled").fetchone()[0] == 0
    assert sorted(r[0] for r in c.execute("SELECT version FROM schema_version").fetchall()) == sorted(later)
    c.close()


def _tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                       "WHERE table_schema IN ('main', 'public')").fetchall()}


def test_migration_6_drops_the_kept_scores_of_a_version_5_database(db_target):
    """A database at version 5 whose `score` kept answers (`kept_scores` with rows) loses the table
    and nothing else when it opens: its uploads stay."""
    from kpi.store.schema import MIGRATIONS
    c = store.connect(db_target)
    store.record_submission(c, sub(), TESTER)
    for stmt in MIGRATIONS[5]:                       # back to version 5, as a database of 24/11 left it
        c.execute(stmt)
    c.execute("DELETE FROM schema_version WHERE version = 6")
    c.execute("INSERT INTO kept_scores VALUES ('THAITAN', '2026-Q3', '', '2026-11-23', false, '1:1:1', "
              "'0:0:0', 'abc', '{}', 'bảng', now())")
    c.close()
    c = store.connect(db_target)
    try:
        assert store.schema_version(c) == store.SCHEMA_VERSION
        assert "kept_scores" not in _tables(c)
        assert c.execute("SELECT count(*) FROM uploads").fetchone()[0] == 1
        assert [r[0] for r in c.execute("SELECT version FROM schema_version ORDER BY version").fetchall()] == \
            sorted(MIGRATIONS)
    finally:
        c.close()


def test_newer_database_is_refused(db_target):
    c = store.connect(db_target)
    c.execute("INSERT INTO schema_version VALUES (99, now())")
    with pytest.raises(store.StoreError, match="phiên bản 99"):
        store.migrate(c)


def test_a_later_upload_supersedes_and_history_is_kept(conn):
    first = store.record_submission(conn, sub(num=300, sha="a" * 64), TESTER)
    second = store.record_submission(conn, sub(num=372, sha="b" * 64), Actor("Chị Lan", role="office"))
    assert (first.version, first.created, first.supersedes) == (1, True, None)
    assert (second.version, second.created, second.supersedes) == (2, True, first.upload_id)
    figs = store.current_figures(conn, "THAITAN")
    assert len(figs) == 2
    assert figs.set_index("indicator_id").loc["DVC_HS_TRUC_TUYEN", "numerator"] == 372
    hist = store.upload_history(conn, "THAITAN", "TTPVHCC", "2026-05")
    assert list(hist["version"]) == [2, 1]
    assert list(hist["status"]) == ["accepted", "superseded"]
    assert list(hist["submitted_by"]) == ["Chị Lan", "Người kiểm thử"]
    assert list(hist["figure_count"]) == [2, 2]
    # the old figures are still there
    assert store.figures_of_upload(conn, first.upload_id)["numerator"].tolist() == [300, 300]


def test_same_file_or_same_figures_again_changes_nothing(conn):
    a = store.record_submission(conn, sub(sha="c" * 64), TESTER)
    before = snapshot(conn)
    again = store.record_submission(conn, sub(sha="c" * 64), TESTER)
    same_figures = store.record_submission(conn, sub(sha="d" * 64), TESTER)
    assert (again.created, again.upload_id, again.version) == (False, a.upload_id, 1)
    assert same_figures.created is False
    assert snapshot(conn) == before


def test_every_row_carries_its_commune(conn):
    store.record_submission(conn, sub(), TESTER)
    for table in ("units", "uploads", "measurements", "audit_log"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE commune IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT DISTINCT commune FROM measurements").fetchall() == [("THAITAN",)]


def test_a_failing_write_leaves_nothing(conn):
    store.record_submission(conn, sub(period="2026-04"), TESTER)
    before = snapshot(conn)
    broken = Submission("THAITAN", "CA", "2026-05",
                        (Figure("DVC_HS_TRUC_TUYEN", "không phải số", 80.0),))
    with pytest.raises(Exception):  # noqa: B017 — any failure of the engine must roll back
        store.record_submissions(conn, [sub(period="2026-05"), broken], TESTER)
    assert snapshot(conn) == before
    with pytest.raises(PermissionDenied):
        store.record_submissions(conn, [sub(period="2026-06")], Actor("  "))
    assert snapshot(conn) == before


def test_the_audit_log_says_who_did_what(conn):
    store.record_submission(conn, sub(), Actor("Anh Minh", role="office"))
    log = store.audit_log(conn, "THAITAN")
    assert log.iloc[0]["actor"] == "Anh Minh" and log.iloc[0]["action"] == "record_submission"
    assert '"unit": "TTPVHCC"' in log.iloc[0]["detail"]


def test_concurrent_writes_of_one_unit_month_give_ordered_versions(conn):
    barrier = threading.Barrier(4)
    errors = []

    def write(k):
        try:
            barrier.wait()
            store.record_submission(conn.cursor(), sub(num=300 + k, sha=str(k) * 64), TESTER)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    hist = store.upload_history(conn, "THAITAN", "TTPVHCC", "2026-05")
    assert sorted(hist["version"]) == [1, 2, 3, 4]
    assert (hist["status"] == "accepted").sum() == 1
    # each version's figures are whole: every upload has exactly its two figures
    assert set(hist["figure_count"]) == {2}
    current = hist[hist["status"] == "accepted"].iloc[0]
    assert current["version"] == 4


def test_data_version_changes_with_every_upload(conn):
    v0 = store.data_version(conn, "THAITAN")
    store.record_submission(conn, sub(), TESTER)
    v1 = store.data_version(conn, "THAITAN")
    store.record_submission(conn, sub(num=1), TESTER)
    assert len({v0, v1, store.data_version(conn, "THAITAN")}) == 3


def test_raw_files_are_kept_content_addressed(tmp_path):
    sha, path = store.keep_raw_file(tmp_path / "uploads", b"PK\x03\x04 workbook bytes")
    assert path == tmp_path / "uploads" / sha[:2] / f"{sha}.xlsx"
    assert path.read_bytes() == b"PK\x03\x04 workbook bytes"
    assert store.keep_raw_file(tmp_path / "uploads", b"PK\x03\x04 workbook bytes") == (sha, path)


def test_locked_database_gives_a_clear_message(db_path):
    holder = duckdb.connect(str(db_path))
    try:
        import subprocess
        import sys  # a second process cannot open a file held for writing
        code = ("from kpi import store\n"
                f"try:\n    store.connect({str(db_path)!r})\n"
                "except store.StoreError as e:\n    print(e)\n")
        from common import ROOT
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        assert "đang được một chương trình khác mở" in out.stdout
    finally:
        holder.close()


def test_demo_is_deterministic_and_realistic(demo_conn, catalog):
    from common import TODAY
    periods = store.reported_periods(demo_conn, catalog.commune)
    assert periods[0] == "2025-05" and periods[-1] == "2026-10" and len(periods) == 18
    firsts = store.first_submissions(demo_conn, catalog.commune)
    # QS misses one month; TYT is late (after the 18th of the next month) in some months
    assert (firsts["unit"] == "QS").sum() == 17
    tyt = firsts[firsts["unit"] == "TYT"]
    late = [r for r in tyt.itertuples()
            if r.first_submitted_at.date() >= store_due(r.period, catalog)]
    assert len(late) >= 3
    # a corrected version exists
    assert (firsts["versions"] > 1).sum() == 1
    # and it is the same every time
    from kpi.usecases.demo import build_demo
    a = build_demo(catalog, 18, TODAY)
    b = build_demo(catalog, 18, TODAY)
    assert a == b


def store_due(period, catalog):
    from kpi.domain.periods import Month
    return Month.parse(period).due_date(catalog.due_day, catalog.due_month_offset)


def test_an_unchanged_catalogue_is_not_written_again(conn, catalog, monkeypatch):
    """Opening the store for any command syncs the catalogue: when the database already holds it, no
    transaction is opened and nothing is written; a new text is a new version, new units a units sync."""
    from common import CONFIG, SYSTEM

    import kpi.store.writes as writes
    text = CONFIG.read_text(encoding="utf-8")
    before = store.content_counts(conn), conn.execute("SELECT count(*) FROM catalog_versions").fetchone()[0]
    assert store.catalog_changes(conn, catalog, text) == set()
    opened = []
    with monkeypatch.context() as m:
        m.setattr(writes, "transaction", lambda c: opened.append(c))
        store.sync_catalog(conn, catalog, SYSTEM, text)
        store.sync_catalog(conn, catalog, SYSTEM)
    assert opened == []
    assert (store.content_counts(conn), conn.execute("SELECT count(*) FROM catalog_versions").fetchone()[0]) == before
    assert store.catalog_changes(conn, catalog, text + "\n# sửa\n") == {"version"}
    renamed = dataclasses.replace(catalog, commune_name="Xã khác")
    assert store.catalog_changes(conn, renamed) == {"units"}
    store.sync_catalog(conn, catalog, SYSTEM, text + "\n# sửa\n")
    assert conn.execute("SELECT count(*) FROM catalog_versions").fetchone()[0] == before[1] + 1
    assert store.catalog_changes(conn, catalog, text + "\n# sửa\n") == set()
