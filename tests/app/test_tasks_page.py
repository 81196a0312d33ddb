"""The «Nhiệm vụ» page through AppTest on the demo database (the shipped sample register): overdue
first with lead units, filters, a coordinator records progress only for their unit's tasks, the
office imports a register with the difference first."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.common import log_in

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def _app(monkeypatch, db: Path, login: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    return log_in(AppTest.from_file(APP, default_timeout=60), db, login)


@pytest.fixture
def demo_db(demo_db_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    return path


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(monkeypatch, db, login):
    at = _app(monkeypatch, db, login)
    at.run()
    at.switch_page("pages/tasks.py").run()
    _ok(at)
    return at


def test_the_register_overdue_first_and_filters(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "lanhdao")
    assert at.title[0].value == "Nhiệm vụ"
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Quá hạn"]) >= 2
    table = at.table[0].value
    assert len(table) == 41 + 8           # the documents' tasks and the catalogue's obligations
    assert r"Danh mục chỉ tiêu, mục M\_ATTT\_CAP\_DO" in set(table["Văn bản"])     # escaped for markdown
    assert table.iloc[0]["Tình trạng"].startswith("▲ Quá hạn")
    wifi = table[table["Nhiệm vụ"].str.contains("wifi")].iloc[0]
    assert wifi["Đơn vị chủ trì"] == "Trung tâm Dịch vụ sự nghiệp công" and wifi["Tình trạng"].startswith("▲ Quá hạn")
    at.selectbox(key="tasks_unit").set_value("TTDVSNC").run()
    _ok(at)
    assert all("Trung tâm Dịch vụ sự nghiệp công" in u or u == "Các phòng, đơn vị"
               for u in at.table[0].value["Đơn vị chủ trì"])
    at.selectbox(key="tasks_state").set_value("overdue").run()
    assert all(s.startswith("▲") for s in at.table[0].value["Tình trạng"])
    assert "task_progress" not in [f.proto.form_id for f in at.get("form")]   # a leader records nothing
    assert "hoàn thành" in at.markdown[[("hoàn thành" in m.value and "nhiệm vụ, đạt" in m.value)
                                        for m in at.markdown].index(True)].value


def test_a_coordinator_records_progress_only_for_their_units_tasks(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "dv-ttdvsnc")
    assert at.selectbox(key="tasks_unit").value == "TTDVSNC"       # a coordinator sees their unit first
    wifi = next(i for i in at.selectbox(key="tasks_pick").options if "wifi" in i)
    at.selectbox(key="tasks_pick").set_value(int(wifi.split(" ")[0].removeprefix("NV"))).run()
    at.text_input(key="task_result").input("Đã trình kế hoạch")
    at.selectbox(key="task_status").set_value("completed")
    at.button(key="FormSubmitter:task_progress-Ghi tiến độ").click().run()
    _ok(at)
    assert at.success[0].value.startswith("Đã ghi tiến độ NV")
    other = _open(monkeypatch, demo_db, "dv-ca")
    other.selectbox(key="tasks_unit").set_value("TTDVSNC").run()
    other.selectbox(key="tasks_pick").set_value(int(wifi.split(" ")[0].removeprefix("NV"))).run()
    _ok(other)
    assert not [f for f in other.get("form") if f.proto.form_id == "task_progress"]
    assert any("Chỉ đầu mối của đơn vị chủ trì" in c.value for c in other.caption)



def test_a_lead_units_coordinator_sends_evidence_for_a_task_and_its_row_shows_it(monkeypatch, demo_db):
    """The wifi task (lead TTDVSNC): its coordinator sends a link from «Nhiệm vụ» (kept under TASK:<id>
    in today's quarter); the row and the detail show one document awaiting review; another unit's
    coordinator gets no form; the office sees it on «Minh chứng» to review."""
    at = _open(monkeypatch, demo_db, "dv-ttdvsnc")
    wifi = int(next(i for i in at.selectbox(key="tasks_pick").options if "wifi" in i).split(" ")[0].removeprefix("NV"))
    at.selectbox(key="tasks_pick").set_value(wifi).run()
    assert any(m.value == "**Minh chứng của nhiệm vụ:** chưa có tài liệu nào." for m in at.markdown)
    at.text_input(key="task_evidence_link").input("https://example.org/ke-hoach-wifi")
    at.text_input(key="task_evidence_note").input("Kế hoạch lắp wifi")
    at.button(key="FormSubmitter:task_evidence-Gửi minh chứng").click().run()
    _ok(at)
    assert f"Đã gửi liên kết cho NV{wifi}." in [s.value for s in at.success]
    row = at.table[0].value.set_index("Mã").loc[f"NV{wifi}"]
    assert row["Minh chứng"] == "1 tài liệu · Chờ duyệt"
    assert any(m.value.startswith("**Minh chứng của nhiệm vụ:** 1 tài liệu · Chờ duyệt (gần nhất: Quý")
               for m in at.markdown)
    other = _open(monkeypatch, demo_db, "dv-ca")
    other.selectbox(key="tasks_unit").set_value("TTDVSNC").run()
    other.selectbox(key="tasks_pick").set_value(wifi).run()
    _ok(other)
    assert not [f for f in other.get("form") if f.proto.form_id == "task_evidence"]
    office = _open(monkeypatch, demo_db, "vanphong")
    office.switch_page("pages/evidence.py").run()
    _ok(office)
    assert any(f"TASK:{wifi}" in o for o in office.selectbox(key="review_slot").options)


def test_the_office_adds_and_edits_one_task(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "vanphong")
    doc = at.selectbox(key="task_form_doc_new")
    assert doc.options[-1] == "Văn bản mới…" and doc.value is not None
    f = "task_form_new"
    at.text_input(key=f"{f}_section").input("II")
    at.text_input(key=f"{f}_stt").input("99")
    at.text_area(key=f"{f}_name").input("Lắp camera giám sát tại bộ phận một cửa")
    at.multiselect(key=f"{f}_leads").set_value(["TTPVHCC"])
    at.text_input(key=f"{f}_supports").input("VP; Công an thành phố")
    at.text_input(key=f"{f}_time").input("sớm nhất có thể")
    at.text_input(key=f"{f}_tags").input("KHCN; CĐS")
    at.button(key=f"FormSubmitter:{f}-Ghi nhiệm vụ").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "không phải thời hạn đọc được" in at.error[0].value   # next to the time field
    at.text_input(key=f"{f}_time").input("trước ngày 10/7/2026")
    at.button(key=f"FormSubmitter:{f}-Ghi nhiệm vụ").click().run()
    _ok(at)
    assert at.success[0].value.startswith("Đã thêm nhiệm vụ NV")
    tid = int(at.success[0].value.removeprefix("Đã thêm nhiệm vụ NV").rstrip("."))
    table = at.table[0].value
    row = table[table["Mã"] == f"NV{tid}"].iloc[0]
    assert row["Đơn vị chủ trì"] == "Trung tâm Phục vụ hành chính công" and "09/07/2026" in row["Thời hạn"]
    # edit it: the task picked above, its fields filled in
    at.selectbox(key="tasks_pick").set_value(tid).run()
    at.radio(key="task_form_mode").set_value("edit").run()
    e = f"task_form_{tid}"
    assert at.text_area(key=f"{e}_name").value.startswith("Lắp camera")
    at.text_input(key=f"{e}_time").input("Tháng 8/2026")
    at.button(key=f"FormSubmitter:{e}-Ghi sửa đổi NV{tid}").click().run()
    _ok(at)
    assert at.success[0].value == f"Đã ghi sửa đổi NV{tid}."
    from kpi import store
    c = store.connect(demo_db)
    assert [r[0] for r in c.execute("SELECT action FROM audit_log WHERE action IN ('task_add', 'task_edit') "
                                    "ORDER BY id").fetchall()] == ["task_add", "task_edit"]
    c.close()


def test_a_leader_and_a_coordinator_see_no_task_form(monkeypatch, demo_db):
    for login in ("lanhdao", "dv-ca"):
        at = _open(monkeypatch, demo_db, login)
        assert "Thêm hoặc sửa một nhiệm vụ" not in [h.value for h in at.subheader], login
        assert not [b for b in at.button if str(b.key or "").startswith("FormSubmitter:task_form_")], login
