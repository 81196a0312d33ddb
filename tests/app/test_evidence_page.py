"""The «Minh chứng» page through AppTest on the demo database: a coordinator attaches a link for
their unit only, the office reviews, the counts on the page and the overview follow."""
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


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_coordinator_attaches_for_own_unit_office_reviews(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "dv-ca")
    at.run()
    at.switch_page("pages/evidence.py").run()
    _ok(at)
    assert at.title[0].value == "Minh chứng · Quý IV/2026"
    assert _metrics(at)["Chỉ tiêu chưa có minh chứng được duyệt"] == "25/25"
    assert _metrics(at)["Điểm của các chỉ tiêu đó"] == "100"
    assert at.selectbox(key="evidence_unit").value == "CA"       # a coordinator sees their unit first
    slots = at.selectbox(key="attach_slot").options
    # only CA's parts, the criteria CA leads (DA06_VNEID) and the obligation of [[milestones]] CA leads
    # the name first, the code after it
    assert all("— Công an xã · " in o or o.endswith((" · DA06_VNEID", " · M_DVC_25_THIET_YEU")) for o in slots), slots
    assert slots[-1].startswith("Người dân nộp hồ sơ trực tuyến") and slots[-1].endswith(" · M_DVC_25_THIET_YEU")
    assert slots[[o.endswith(" · DA06_VNEID") for o in slots].index(True)].startswith("Tỷ lệ")
    at.selectbox(key="attach_slot").set_value("DA06_VNEID|")
    at.text_input(key="attach_link").input("https://vneid.example.vn/bao-cao")
    at.text_input(key="attach_note").input("Báo cáo số 15/BC-CAX ngày 05/10/2026")
    at.button(key="FormSubmitter:attach_evidence-Gửi").click().run()
    _ok(at)
    assert at.success[0].value == "Đã gửi liên kết."
    table = at.table[-1].value           # a static table (it wraps at 1366); its cells are escaped Markdown
    row = table[table["Mã"] == "DA06\\_VNEID"].iloc[0]
    assert row["Trạng thái"] == "◷ Chờ duyệt"
    assert row["Đã gửi"].startswith("Báo cáo số 15/BC-CAX ngày 05/10/2026 (https\\://vneid.example.vn/bao-cao; dv-ca,")
    assert "review_slot" not in [s.key for s in at.selectbox]        # no review form for a coordinator
    assert _metrics(at)["Chờ duyệt"] == "1"

    office = _app(monkeypatch, demo_db, "vanphong")
    office.run()
    office.switch_page("pages/evidence.py").run()
    _ok(office)
    office.selectbox(key="review_slot").set_value("DA06_VNEID|")
    office.radio(key="review_state").set_value("accepted")
    office.button(key="FormSubmitter:review_evidence-Ghi kết quả duyệt").click().run()
    _ok(office)
    assert office.success[0].value == "Đã ghi kết quả duyệt DA06\\_VNEID."
    points = 5   # DA06_VNEID carries 5 of the 100 points
    assert _metrics(office)["Chỉ tiêu chưa có minh chứng được duyệt"] == "24/25"
    assert _metrics(office)["Điểm của các chỉ tiêu đó"] == str(100 - points)
    office.switch_page("pages/overview.py").run()
    _ok(office)
    block = [m.value for m in office.markdown if "Minh chứng Quý IV/2026" in m.value]
    assert block == [f"**Minh chứng Quý IV/2026:** 24/25 chỉ tiêu chưa có minh chứng được duyệt — mang "
                     f"{100 - points} điểm."]


def test_refusals_are_messages(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "vanphong")
    at.run()
    at.switch_page("pages/evidence.py").run()
    at.selectbox(key="attach_slot").set_value("ATTT_MA_DOC|")
    at.text_input(key="attach_link").input("ftp://khong-hop-le")
    at.button(key="FormSubmitter:attach_evidence-Gửi").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("Liên kết «ftp\\://khong-hop-le» không hợp lệ")   # escaped user text
    assert "review_slot" not in [s.key for s in at.selectbox]        # nothing to review yet
    assert "Chưa có minh chứng nào để duyệt trong quý này." in [c.value for c in at.caption]
