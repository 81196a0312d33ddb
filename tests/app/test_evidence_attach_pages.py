"""«Minh chứng của quý» on the Chỉ tiêu and Đơn vị pages (AppTest, demo database): the same attach
form as «Minh chứng», a unit picker only when there is a choice, shown only to accounts that may
attach for the unit, never in projector mode."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.common import log_in

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
EXPANDER = "Minh chứng của quý · Quý IV/2026"
UNITS = ["Văn phòng HĐND và UBND xã", "Phòng Văn hóa - Xã hội", "Phòng Kinh tế", "Trung tâm Phục vụ hành chính công",
         "Trung tâm Dịch vụ sự nghiệp công"]        # HT_MAY_TINH's units


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


def _criterion(at, indicator_id: str):
    at.switch_page("pages/indicator.py").run()
    at.selectbox(key="indicator_id").set_value(indicator_id).run()
    _ok(at)
    return at


def _box(at):
    boxes = [e for e in at.expander if e.label == EXPANDER]
    return boxes[0] if boxes else None


def test_a_units_coordinator_attaches_its_part_from_the_criterion_page(monkeypatch, demo_db):
    # HT_MAY_TINH is reported by five units and led by VHXH: VP's coordinator attaches VP's part only
    at = _app(monkeypatch, demo_db, "dv-vp")
    at.run()
    _criterion(at, "HT_MAY_TINH")
    box = _box(at)
    assert box is not None
    assert "criterion_attach_slot" not in [s.key for s in at.selectbox]       # one choice: no picker
    assert "Đơn vị: Văn phòng HĐND và UBND xã" in [c.value for c in box.caption]
    assert ("Cần có: Danh sách rà soát máy tính theo phòng, đơn vị; biên bản bàn giao thiết bị"
            in [c.value for c in box.caption])
    table = box.table[0].value
    assert list(table.columns) == ["Đơn vị", "Trạng thái", "Đã gửi", "Nhận xét"]
    # the criterion as a whole (the office reviews it) and each unit's part
    assert list(table["Đơn vị"]) == ["Cả chỉ tiêu", *UNITS]
    assert list(table["Trạng thái"]) == ["○ Thiếu"] * 6
    at.text_input(key="criterion_attach_link").input("https://vp.example.vn/danh-sach-may-tinh")
    at.text_input(key="criterion_attach_note").input("Danh sách máy tính số 3/DS-VP ngày 01/10/2026")
    at.button(key="FormSubmitter:criterion_attach_evidence-Gửi").click().run()
    _ok(at)
    assert at.success[0].value == "Đã gửi liên kết."
    table = _box(at).table[0].value
    assert list(table["Trạng thái"]) == ["○ Thiếu", "◷ Chờ duyệt"] + ["○ Thiếu"] * 4
    assert table["Đã gửi"].iloc[1].startswith("Danh sách máy tính số 3/DS-VP ngày 01/10/2026 "
                                              "(https\\://vp.example.vn/danh-sach-may-tinh; dv-vp,")


def test_the_lead_units_coordinator_picks_the_whole_criterion_or_its_part(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "dv-vhxh")
    at.run()
    _criterion(at, "HT_MAY_TINH")
    assert at.selectbox(key="criterion_attach_slot").options == [
        "Cả chỉ tiêu (chủ trì: Phòng Văn hóa - Xã hội)", "Phòng Văn hóa - Xã hội"]
    at.selectbox(key="criterion_attach_slot").set_value("HT_MAY_TINH|")
    at.text_input(key="criterion_attach_link").input("https://vhxh.example.vn/tong-hop")
    at.text_input(key="criterion_attach_note").input("Tổng hợp máy tính toàn xã")
    at.button(key="FormSubmitter:criterion_attach_evidence-Gửi").click().run()
    _ok(at)
    assert list(_box(at).table[0].value["Trạng thái"])[0] == "◷ Chờ duyệt"
    # a single-unit criterion of another unit (DA06_VNEID, CA): nothing for VHXH's coordinator
    _criterion(at, "DA06_VNEID")
    assert _box(at) is None


@pytest.mark.parametrize("login", ["xem", "lanhdao"])
def test_no_expander_without_the_right(monkeypatch, demo_db, login):
    at = _app(monkeypatch, demo_db, login)
    at.run()
    _criterion(at, "HT_MAY_TINH")
    assert _box(at) is None
    at.switch_page("pages/unit.py").run()
    _ok(at)
    assert _box(at) is None


def test_not_in_projector_mode(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "admin")
    at.run()
    _criterion(at, "HT_MAY_TINH")
    assert _box(at) is not None                                   # the office and admin may attach
    at.session_state["projector"] = True
    at.run()
    _ok(at)
    assert _box(at) is None


def test_unit_page_picks_among_the_units_criteria_and_obligations(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "dv-ca")
    at.run()
    at.switch_page("pages/unit.py").run()
    at.selectbox(key="unit_code").set_value("CA").run()
    _ok(at)
    box = _box(at)
    assert box is not None
    keys = at.selectbox(key="unit_attach_slot").options
    # CA's part of the criteria it shares, the criteria it alone reports, the obligation it leads
    assert any(k.endswith(" · DA06_VNEID") for k in keys), keys
    assert any(k.endswith(" — Công an xã · DVC_HS_TRUC_TUYEN") for k in keys), keys
    assert any(k.endswith(" · M_DVC_25_THIET_YEU") for k in keys), keys
    assert not any(k.startswith("DVC_HS_TRUC_TUYEN · ") and "—" not in k for k in keys)   # TTPVHCC leads it
    at.selectbox(key="unit_attach_slot").set_value("M_DVC_25_THIET_YEU|")
    at.text_input(key="unit_attach_link").input("https://ca.example.vn/bao-cao-ct24")
    at.text_input(key="unit_attach_note").input("Báo cáo 20/BC-CAX ngày 03/10/2026")
    at.button(key="FormSubmitter:unit_attach_evidence-Gửi").click().run()
    _ok(at)
    table = _box(at).table[0].value
    row = table[table["Mã"] == "M\\_DVC\\_25\\_THIET\\_YEU"].iloc[0]
    assert row["Trạng thái"] == "◷ Chờ duyệt"
    # another unit's page: CA's coordinator may not attach there, so no expander
    at.selectbox(key="unit_code").set_value("VP").run()
    _ok(at)
    assert _box(at) is None


def test_overview_names_the_overdue_milestones(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "lanhdao")
    at.run()
    _ok(at)
    line = [m.value for m in at.markdown if m.value.startswith("Mốc hạn:")]
    assert len(line) == 1, line
    # on the demo: the signature target missed in Quý II/2026 (its deadline quarter, 90,8 %), though later
    # quarters reach 100 %; the security level overdue (30/04/2026); the 25 essential services are ongoing
    # «từ 01/10/2025», never overdue; three dated criteria done
    assert line[0].startswith("Mốc hạn: 1 không đạt đúng hạn · 1 quá hạn · 3 đã xong: ✖ Không đạt đúng hạn · "
                              "Quý II/2026 đạt 90,8 % — Tỷ lệ cán bộ, công chức có chữ ký số cá nhân "
                              "(P. Văn hóa - Xã hội); ✖ Quá hạn "), line
    assert "25 dịch" not in line[0], line
    # names cut at a word to 60 characters (the full ones are on «Minh chứng»), lead units short
    assert line[0].endswith(" ngày — Thẩm định, phê duyệt cấp độ an toàn thông tin của các hệ… (VP HĐND và UBND)"), line
