"""import_workbook: one transaction per file, versions, history, raw files, concurrency."""
import hashlib
import math
import threading

import pytest
from common import TODAY

from kpi import store
from kpi.domain.figures import Actor
from kpi.ingest import annotate_workbook, check_workbook
from kpi.reports.template import build_template
from kpi.usecases.importing import import_workbook, read_journal
from kpi.usecases.preview import preview_figures
from tests.ingest_helpers import (
    TTDVSNC_FIGURES,
    TTPVHCC_FIGURES,
    fill_sheet,
    filled,
    load,
    patch_part,
    save,
    set_cell_xml,
    snapshot,
)

pytestmark = pytest.mark.both_engines  # the importer's tests run on DuckDB and PostgreSQL

ANH = Actor("Nguyễn Thị Ánh", role="office")


def run(conn, catalog, data, tmp_path, actor=ANH, **kw):
    return import_workbook(conn, catalog, data, "ttpvhcc-10.xlsx", actor, tmp_path / "uploads",
                           today=TODAY, **kw)


def stored(conn, unit="TTPVHCC", period="2026-10"):
    df = store.current_figures(conn, "THAITAN", [period], unit)
    return {r.indicator_id: (r.numerator, r.denominator) for r in df.itertuples()}


def test_valid_file_is_stored_with_its_raw_bytes(conn, catalog, tmp_path):
    data = filled(catalog)
    result = run(conn, catalog, data, tmp_path)
    assert result.ok and result.check.warnings == []
    [o] = result.outcomes
    assert (o.unit, o.period, o.version, o.created, o.supersedes, o.figure_count) == \
        ("TTPVHCC", "2026-10", 1, True, None, 12)
    assert stored(conn) == {k: (float(a), float(b)) for k, (a, b) in TTPVHCC_FIGURES.items()}
    sha = hashlib.sha256(data).hexdigest()
    kept = tmp_path / "uploads" / sha[:2] / f"{sha}.xlsx"
    assert kept.read_bytes() == data
    h = store.upload_history(conn, "THAITAN", "TTPVHCC", "2026-10")
    row = h.iloc[0]
    assert (row.file_name, row.sha256, row["size"], row.source, row.submitted_by, row.figure_count) == \
        ("ttpvhcc-10.xlsx", sha, len(data), "excel", "Nguyễn Thị Ánh", 12)
    assert read_journal(tmp_path / "uploads")[0]["sha256"] == sha


def test_same_bytes_again_changes_nothing(conn, catalog, tmp_path):
    data = filled(catalog)
    run(conn, catalog, data, tmp_path)
    before = snapshot(conn)
    again = run(conn, catalog, data, tmp_path, actor=Actor("Người khác", role="office"))
    assert again.ok and again.identical
    [o] = again.outcomes
    assert (o.version, o.created) == (1, False)
    assert snapshot(conn) == before
    assert len(read_journal(tmp_path / "uploads")) == 1


def test_corrected_file_supersedes_and_history_keeps_both(conn, catalog, tmp_path):
    first = run(conn, catalog, filled(catalog), tmp_path)
    fixed = dict(TTPVHCC_FIGURES, DVC_SO_HOA=(366, 380))
    second = run(conn, catalog, filled(catalog, figures=fixed), tmp_path,
                 actor=Actor("Trần Văn Bình", role="office"))
    [o] = second.outcomes
    assert (o.version, o.created, o.supersedes) == (2, True, first.outcomes[0].upload_id)
    assert stored(conn)["DVC_SO_HOA"] == (366.0, 380.0)
    h = store.upload_history(conn, "THAITAN", "TTPVHCC", "2026-10").sort_values("version")
    assert list(h.version) == [1, 2]
    assert list(h.status) == ["superseded", "accepted"]
    assert list(h.submitted_by) == ["Nguyễn Thị Ánh", "Trần Văn Bình"]
    old = store.figures_of_upload(conn, int(h.iloc[0].id))
    assert old.set_index("indicator_id").loc["DVC_SO_HOA", "numerator"] == 361.0


def _edit(fn):
    return lambda catalog: filled(catalog, edit=fn)


BAD_FILES = {
    "text number": _edit(lambda wb, ws: ws.__setitem__("E15", "ba trăm")),
    "future period": _edit(lambda wb, ws: ws.__setitem__("C6", "2027-01")),
    "merged cells": _edit(lambda wb, ws: ws.merge_cells("E12:F12")),
    "unknown unit": _edit(lambda wb, ws: ws.__setitem__("C5", "ZZ")),
    "uncached formula": _edit(lambda wb, ws: ws.__setitem__("F15", "=400+12")),
    "numerator > denominator": _edit(lambda wb, ws: ws.__setitem__("E18", 381)),
    "not this unit": _edit(lambda wb, ws: (ws.__setitem__("B21", "DA06_VNEID"))),
    "infinite count": lambda catalog: patch_part(filled(catalog), "xl/worksheets/sheet1.xml",
                                                 lambda x: set_cell_xml(x, "E15", '<c r="E15"><v>inf</v></c>')),
    "nan count": lambda catalog: patch_part(filled(catalog), "xl/worksheets/sheet1.xml",
                                            lambda x: set_cell_xml(x, "F15", '<c r="F15"><v>nan</v></c>')),
    "huge count": lambda catalog: patch_part(filled(catalog), "xl/worksheets/sheet1.xml",
                                             lambda x: set_cell_xml(x, "F15", '<c r="F15"><v>1E300</v></c>')),
    "year 1": _edit(lambda wb, ws: ws.__setitem__("C6", "0001-01")),
    "empty file": lambda catalog: b"",
    "csv": lambda catalog: b"a;b\n1;2\n",
    "truncated": lambda catalog: filled(catalog)[:3000],
}


@pytest.mark.parametrize("bad", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_rejected_file_leaves_database_and_uploads_untouched(demo_conn, catalog, tmp_path, bad):
    run(demo_conn, catalog, filled(catalog, figures={"DVC_SO_HOA": (1, 2)}), tmp_path)
    before = snapshot(demo_conn)
    kept_before = sorted((tmp_path / "uploads").rglob("*"))
    result = run(demo_conn, catalog, bad(catalog), tmp_path)
    assert not result.ok and result.outcomes == []
    assert snapshot(demo_conn) == before
    assert sorted((tmp_path / "uploads").rglob("*")) == kept_before


def test_dry_run_touches_nothing(conn, catalog, tmp_path):
    before = snapshot(conn)
    result = run(conn, catalog, filled(catalog), tmp_path, dry_run=True)
    assert result.ok and result.outcomes == [] and len(result.check.submissions) == 1
    assert snapshot(conn) == before
    assert not (tmp_path / "uploads").exists()


def test_all_units_workbook_is_all_or_nothing(conn, catalog, tmp_path):
    wb = load(build_template(catalog, "2026-10", None))
    fill_sheet(wb["Số liệu TTPVHCC"], TTPVHCC_FIGURES)
    fill_sheet(wb["Số liệu TTDVSNC"], TTDVSNC_FIGURES)
    wb["Số liệu TTDVSNC"]["G12"] = -2              # one bad cell on the second sheet
    before = snapshot(conn)
    bad = run(conn, catalog, save(wb), tmp_path)
    assert [str(p) for p in bad.check.problems] == [
        "Số liệu TTDVSNC!G12: Giá trị của chỉ tiêu HT_WIFI_NVH là số âm «-2»."]
    assert snapshot(conn) == before
    wb["Số liệu TTDVSNC"]["G12"] = 12
    good = run(conn, catalog, save(wb), tmp_path)
    assert [(o.unit, o.version, o.figure_count) for o in good.outcomes] == \
        [("TTPVHCC", 1, 12), ("TTDVSNC", 1, 8)]
    assert store.content_counts(conn)["uploads"] == 2


def test_two_imports_at_once_give_two_ordered_versions(conn, catalog, tmp_path):
    files = [filled(catalog, figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(n, 380)))
             for n in (300, 350)]
    barrier = threading.Barrier(2)
    results = [None, None]

    def worker(i):
        cur = conn.cursor()
        barrier.wait()
        results[i] = run(cur, catalog, files[i], tmp_path)
        cur.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.ok for r in results)
    (o1, i1), (o2, i2) = sorted(((r.outcomes[0], i) for i, r in enumerate(results)),
                                key=lambda x: x[0].version)
    assert (o1.version, o2.version) == (1, 2) and o2.supersedes == o1.upload_id
    for o, i in ((o1, i1), (o2, i2)):
        figs = store.figures_of_upload(conn, o.upload_id).set_index("indicator_id")
        assert len(figs) == 12
        assert figs.loc["DVC_SO_HOA", "numerator"] == (300.0, 350.0)[i]   # never a mix
    assert stored(conn)["DVC_SO_HOA"] == ((300.0, 350.0)[i2], 380.0)


def test_preview_against_the_stored_version(conn, catalog, tmp_path):
    run(conn, catalog, filled(catalog), tmp_path)
    fixed = dict(TTPVHCC_FIGURES, DVC_SO_HOA=(366, 380))
    del fixed["DVC_HAI_LONG"]
    sub = check_workbook(filled(catalog, figures=fixed), "x.xlsx", catalog,
                         today=TODAY).submissions[0]
    df = preview_figures(conn, catalog, sub).set_index("indicator_id")
    assert len(df) == 12
    row = df.loc["DVC_SO_HOA"]
    assert (row.kind, row.numerator, row.denominator, row.previous_numerator) == \
        ("ratio", 366.0, 380.0, 361.0)
    assert row.achieved == pytest.approx(100 * 366 / 380)
    assert row.previous_achieved == pytest.approx(95.0)
    assert bool(row.changed) is True
    gone = df.loc["DVC_HAI_LONG"]
    assert math.isnan(gone.numerator) and gone.previous_numerator == 209.0 and bool(gone.changed)
    assert bool(df.loc["DVC_QUA_HAN"].changed) is False
    assert list(df[df.changed].index) == ["DVC_SO_HOA", "DVC_HAI_LONG"]


def test_preview_without_stored_version(conn, catalog):
    sub = check_workbook(filled(catalog, "TTDVSNC", figures=TTDVSNC_FIGURES), "x.xlsx", catalog,
                         today=TODAY).submissions[0]
    df = preview_figures(conn, catalog, sub).set_index("indicator_id")
    assert df.loc["HT_WIFI_NVH", "value"] == 12.0 and df.loc["HT_WIFI_NVH", "achieved"] == 12.0
    assert math.isnan(df.loc["HT_WIFI_NVH", "previous_value"])
    assert df.changed.all()


def test_annotated_copy_marks_every_bad_cell(catalog):
    def bad(wb, ws):
        ws["E15"] = "ba trăm"
        ws["F18"] = -1
        ws["C6"] = "2027-01"
    data = filled(catalog, edit=bad)
    problems = check_workbook(data, "x.xlsx", catalog, today=TODAY).problems
    assert [p.cell for p in problems] == ["C6", "E15", "F18"]
    wb = load(annotate_workbook(data, problems))
    assert wb.sheetnames[0] == "Lỗi cần sửa"
    ws = wb["Số liệu"]
    for p in problems:
        cell = ws[p.cell]
        assert cell.fill.fgColor.rgb.endswith("FFC7CE")
        assert cell.comment.text == p.message
    assert ws["E16"].comment is None and not ws["E16"].fill.fgColor.rgb.endswith("FFC7CE")
    summary = wb["Lỗi cần sửa"]
    assert summary["A1"].value.startswith("Tệp có 3 lỗi cần sửa")
    assert [(summary.cell(r, 1).value, summary.cell(r, 2).value) for r in range(3, 6)] == \
        [(f"Số liệu!{p.cell}", p.message) for p in problems]


# ── input that cannot silently lose data ─────────────────────────────────────

def test_count_value_that_reads_two_ways_leaves_the_database_unchanged(conn, catalog, tmp_path):
    ok = run(conn, catalog, filled(catalog, "TTDVSNC", figures=TTDVSNC_FIGURES), tmp_path)
    assert ok.ok and ok.created
    before, kept = snapshot(conn), sorted((tmp_path / "uploads").rglob("*"))
    counts = store.content_counts(conn)
    bad = filled(catalog, "TTDVSNC", figures=dict(TTDVSNC_FIGURES, NL_TO_CNS="1,080"))
    result = run(conn, catalog, bad, tmp_path)
    assert not result.ok and result.outcomes == []
    [p] = result.check.problems
    assert (p.cell, p.field, p.value) == ("G16", "Giá trị", "1,080")
    assert store.content_counts(conn) == counts
    assert snapshot(conn) == before and sorted((tmp_path / "uploads").rglob("*")) == kept
    assert stored(conn, "TTDVSNC") and store.current_figures(conn, "THAITAN", ["2026-10"], "TTDVSNC") \
        .set_index("indicator_id").loc["NL_TO_CNS", "value"] == 15.0


@pytest.mark.parametrize("half, cell, field, now", [
    ({"E": 361}, "F16", "Mẫu số", "361/—"),        # Mẫu số left empty
    ({"F": 380}, "E16", "Tử số", "—/380"),         # Tử số left empty
])
def test_half_pair_never_replaces_a_stored_pair(conn, catalog, tmp_path, half, cell, field, now):
    run(conn, catalog, filled(catalog), tmp_path)                      # stored 361/380
    before, kept = snapshot(conn), sorted((tmp_path / "uploads").rglob("*"))
    counts = store.content_counts(conn)
    data = filled(catalog, figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=half))
    for dry_run in (True, False):
        result = run(conn, catalog, data, tmp_path, dry_run=dry_run)
        assert not result.ok and result.outcomes == []
        [p] = result.check.problems
        assert (p.sheet, p.cell, p.field, p.value) == ("Số liệu", cell, field, "")
        assert str(p) == (
            f"Số liệu!{cell}: chỉ tiêu DVC_SO_HOA thiếu {field}, trong khi Tháng 10/2026 của đơn vị TTPVHCC "
            "đã lưu Tử số/Mẫu số 361/380 (Số hồ sơ được số hóa hồ sơ, kết quả / Tổng số hồ sơ đã giải quyết). "
            f"Nhập tệp này sẽ thay cặp số đã lưu bằng «{now}» và tỷ lệ của tháng không còn tính được. "
            "Hãy nhập đủ Tử số và Mẫu số rồi gửi lại; chưa ghi gì.")
        assert p.criterion and p.row_no            # the page names the row first
        assert result.check.warnings == []          # the yellow note became the error
        assert store.content_counts(conn) == counts
        assert snapshot(conn) == before and sorted((tmp_path / "uploads").rglob("*")) == kept
    assert stored(conn)["DVC_SO_HOA"] == (361.0, 380.0)


def test_half_pair_with_nothing_full_stored_is_kept_with_its_warning(conn, catalog, tmp_path):
    """Nothing to lose: no version yet, or the stored figure is itself a half pair."""
    data = filled(catalog, figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA={"E": 361}))
    first = run(conn, catalog, data, tmp_path)
    assert first.ok and first.created
    assert [w.cell for w in first.check.warnings] == ["F16"]
    assert stored(conn)["DVC_SO_HOA"][0] == 361.0 and math.isnan(stored(conn)["DVC_SO_HOA"][1])
    again = run(conn, catalog, filled(catalog, figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA={"E": 362},
                                                            DVC_QUA_HAN=(8, 380))), tmp_path)
    assert again.ok and [o.version for o in again.created] == [2]
    assert stored(conn)["DVC_SO_HOA"][0] == 362.0


def test_full_pair_may_replace_a_stored_pair_and_rebuild_replays_old_half_pairs(conn, catalog, tmp_path):
    run(conn, catalog, filled(catalog), tmp_path)
    fixed = run(conn, catalog, filled(catalog, figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(300, 380))), tmp_path)
    assert fixed.ok and stored(conn)["DVC_SO_HOA"] == (300.0, 380.0)
    # a file accepted before the rule is replayed as it was (rebuild turns the guard off)
    half = filled(catalog, figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA={"E": 300}))
    replayed = run(conn, catalog, half, tmp_path, keep_pairs=False)
    assert replayed.ok and replayed.created
