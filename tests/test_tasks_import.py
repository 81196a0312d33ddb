"""Importing a task register workbook: the shipped samples load, every bad cell is named (sheet,
cell, value) and nothing is written, a re-import shows the difference first."""
from __future__ import annotations

import datetime as dt

import pytest
from common import TESTER

from kpi.domain.figures import Actor
from kpi.domain.milestones import CATALOG_SOURCE, is_catalog_task
from kpi.domain.rights import PermissionDenied
from kpi.reports.tasks import Section, register_xlsx, template_xlsx
from kpi.store import tasks as store_tasks
from kpi.usecases import tasks as uc

pytestmark = pytest.mark.both_engines
VHXH = "Phòng Văn hóa - Xã hội"


def _documents(conn, catalog):
    """The register's tasks of documents (the catalogue sync also writes the catalogue's obligations)."""
    return [s for s in store_tasks.stored_tasks(conn, catalog.commune) if not is_catalog_task(s.task)]


def _sources(conn, catalog):
    return [x for x in store_tasks.task_sources(conn, catalog.commune) if x[1].key != CATALOG_SOURCE.key]


def _book(rows, *, kind="Thông báo", title="Kết luận hội nghị", issued=dt.date(2026, 6, 29), section="I"):
    full = [(*r, *[""] * (9 - len(r))) for r in rows]
    return register_xlsx(kind, "12/TB-UBND", issued, title, [Section(section, "Về chuyển đổi số", tuple(full))])


GOOD = [("1", "Cài Kaspersky cho 100% máy tính", "", VHXH, "", "Hợp đồng", "trước ngày 10/7/2026", "", "ATTT"),
        ("2", "Tường lửa mạng LAN", "", f"{VHXH}; Văn phòng HĐND và UBND xã", "Công an xã", "Biên bản",
         "trong tháng 07/2026")]


def test_the_shipped_samples_load_with_their_dates_and_units(conn, catalog):
    for path in sorted(uc.SAMPLES_DIR.glob("*.xlsx")):
        uc.import_register(conn, catalog, TESTER, path.read_bytes(), path.name, stamp=dt.datetime(2026, 6, 1, 8))
    reg = uc.register_on(conn, catalog, dt.date(2026, 7, 1))
    assert len(reg.states) == 41 + len(catalog.milestones)         # the catalogue's obligations are tasks too
    by_source = {label.split(" số")[0]: n for _, s, n in store_tasks.task_sources(conn, catalog.commune)
                 for label in [s.label]}
    assert by_source == {"Công văn": 11, "Kế hoạch": 20, "Thông báo": 10, "Danh mục chỉ tiêu": len(catalog.milestones)}
    plan = [s.task for s in reg.states if s.task.source.kind == "Kế hoạch"]
    assert sum(t.due is not None for t in plan) == 8               # the 8 dated tasks of the 004 appendix
    it_needs = next(s.task for s in reg.states if "nhu cầu đầu tư" in s.task.name)
    assert (it_needs.due, it_needs.leads, it_needs.supports) == (dt.date(2026, 7, 9), ("VHXH",), ("VP",))
    wifi = next(s.task for s in reg.states if "wifi" in s.task.name)
    assert (wifi.due, wifi.leads) == (dt.date(2026, 7, 3), ("TTDVSNC",))
    security = next(s.task for s in reg.states if "phê duyệt cấp độ" in s.task.name and not is_catalog_task(s.task))
    assert (security.due, security.leads, security.supports_outside) == (dt.date(2026, 4, 30), ("VP", "CA"),
                                                                        ("Công an thành phố",))


@pytest.mark.parametrize("row, cell, words", [
    (("1", "Kaspersky", "", VHXH, "", "", "trước ngày 32/7/2026"), "G9", "32/07/2026 không có trong lịch"),
    (("1", "Kaspersky", "", VHXH, "", "", "sớm"), "G9", "«sớm» không phải thời hạn"),
    (("1", "Kaspersky", "", "Phòng Tư pháp", "", "", "Tháng 7/2026"), "D9", "«Phòng Tư pháp» không phải đơn vị"),
    (("1", "Kaspersky", "", VHXH, "Ban Tuyên giáo", "", "Tháng 7/2026"), "E9", "«Ban Tuyên giáo» không phải đơn vị"),
    (("1", "", "", VHXH, "", "", "Tháng 7/2026"), "B9", "tên nhiệm vụ đang trống"),
    (("1", "Kaspersky", "", "", "", "", "Tháng 7/2026"), "D9", "đơn vị chủ trì đang trống"),
    (("1", "Kaspersky", "", VHXH, "", "", "từ ngày 10/7/2026 đến ngày 01/7/2026"), "G9", "trước ngày bắt đầu"),
    (("1a", "Kaspersky", "", VHXH, "", "", "Tháng 7/2026"), "A9", "STT «1a»"),
])
def test_each_bad_cell_is_named_and_nothing_is_written(conn, catalog, row, cell, words):
    before = store_tasks.register_version(conn, catalog.commune)
    data = _book([row, GOOD[1]])
    with pytest.raises(uc.RegisterRefused) as e:
        uc.import_register(conn, catalog, TESTER, data, "so.xlsx")
    p = e.value.problems[0]
    assert (p.sheet, p.cell) == ("Sổ nhiệm vụ", cell) and words in p.message, p.message
    assert p.message.startswith(f"Sổ nhiệm vụ!{cell}: ")
    assert store_tasks.register_version(conn, catalog.commune) == before
    assert _sources(conn, catalog) == []


def test_a_duplicate_stt_in_one_section_and_a_bad_document_date(conn, catalog):
    data = _book([GOOD[0], ("1", "Lặp STT", "", VHXH, "", "", "Tháng 8/2026")])
    with pytest.raises(uc.RegisterRefused) as e:
        uc.import_register(conn, catalog, TESTER, data, "so.xlsx")
    assert "Sổ nhiệm vụ!A10: STT 1 bị trùng trong mục I (đã có ở ô A9)" in str(e.value)
    # the same STT in another section is another task
    two = register_xlsx("Kế hoạch", "1/KH", None, "KH", [Section("I", "A", (GOOD[0],)), Section("II", "B", (GOOD[0],))])
    assert len(uc.import_register(conn, catalog, TESTER, two, "kh.xlsx").added) == 2
    with pytest.raises(uc.RegisterRefused, match=r"Sổ nhiệm vụ!B4: «31/02/2026» không phải ngày"):
        import io

        from openpyxl import load_workbook
        wb = load_workbook(io.BytesIO(_book(GOOD)))
        wb.active["B4"] = "31/02/2026"
        out = io.BytesIO()
        wb.save(out)
        uc.import_register(conn, catalog, TESTER, out.getvalue(), "so.xlsx")
    with pytest.raises(uc.RegisterRefused, match="«Loại văn bản» của văn bản nguồn đang trống"):
        uc.import_register(conn, catalog, TESTER, _book(GOOD, kind=""), "so.xlsx")


def test_not_a_register_and_not_a_workbook(conn, catalog):
    with pytest.raises(uc.RegisterRefused, match="không tìm thấy bảng nhiệm vụ"):
        import io

        from openpyxl import Workbook
        out = io.BytesIO()
        Workbook().save(out)
        uc.import_register(conn, catalog, TESTER, out.getvalue(), "trong.xlsx")
    with pytest.raises(uc.RegisterRefused):
        uc.import_register(conn, catalog, TESTER, b"not a zip", "x.xlsx")


def test_reimport_shows_the_difference_then_writes_it(conn, catalog):
    uc.import_register(conn, catalog, TESTER, _book(GOOD), "so.xlsx")
    changed = _book([GOOD[0], (*GOOD[1][:6], "đến ngày 15/8/2026"),
                     ("3", "Wifi nhà văn hóa", "", "Trung tâm Dịch vụ sự nghiệp công", "", "", "trước ngày 04/7/2026")])
    read, plan = uc.preview_import(conn, catalog, changed, "so.xlsx")
    assert read.ok and [t.stt for t in plan.added] == ["3"] and [c[2] for c in plan.changed] == [("thời gian",)]
    assert len(_documents(conn, catalog)) == 2      # a preview writes nothing
    uc.import_register(conn, catalog, TESTER, changed, "so.xlsx", plan=plan)
    assert len(_documents(conn, catalog)) == 3


def test_a_coordinator_cannot_import(conn, catalog):
    with pytest.raises(PermissionDenied):
        uc.import_register(conn, catalog, Actor("dv", role="coordinator", login="dv-vhxh", units=("VHXH",)),
                           _book(GOOD), "so.xlsx")
    assert _sources(conn, catalog) == []


def test_the_template_reads_back(catalog):
    from kpi.ingest.tasks import read_register
    read = read_register(template_xlsx(), "mau.xlsx", uc.units_of(catalog))
    assert read.ok and len(read.tasks) == 1 and read.tasks[0].due == dt.date(2026, 7, 9)
