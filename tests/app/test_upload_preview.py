"""The upload page's preview through AppTest: «Mới» on every row of a month not stored yet,
old → new once a version is stored (the coordinator of TTDVSNC, October 2026, empty database)."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi.domain.periods import Month
from tests.app.test_pages import filled_template
from tests.common import log_in

ROOT = Path(__file__).resolve().parents[2]


def _upload(monkeypatch, db: Path, name: str, data: bytes) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), db, "dv-ttdvsnc")
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").upload(name, data).run()
    assert not at.exception and not at.error
    return at


def _changes(at: AppTest) -> dict[str, str]:
    table = at.table[0].value
    return dict(zip(table["Chỉ tiêu"], table["Thay đổi (đang lưu → mới)"]))


def test_preview_says_new_then_old_to_new(monkeypatch, tmp_path, catalog):
    db = tmp_path / "kpi.duckdb"
    month = Month(2026, 10)
    numbers = {i.id: ((9, 9) if i.is_ratio else (17,) if i.id == "HT_WIFI_NVH" else (4,))
               for i in catalog.indicators_of_unit("TTDVSNC")}
    at = _upload(monkeypatch, db, "a.xlsx", filled_template(catalog, "TTDVSNC", month, numbers))
    wifi = catalog.indicator("HT_WIFI_NVH")
    computers = catalog.indicator("HT_MAY_TINH")
    changes = _changes(at)
    assert len(changes) == 8 and all(v.startswith("● Mới: ") for v in changes.values())
    assert changes[wifi.name] == f"● Mới: 17 {wifi.measure}".strip()
    assert changes[computers.name] == "● Mới: 9/9 (100,0 %)"
    assert "Tháng mới: chưa có số liệu đang lưu; 8 chỉ tiêu đều là số liệu mới." in [c.value for c in at.caption]
    next(b for b in at.button if b.label == "Xác nhận nhập số liệu").click().run()
    assert not at.exception

    numbers.update(HT_WIFI_NVH=(15,), HT_MAY_TINH=(8, 9))
    at = _upload(monkeypatch, db, "b.xlsx", filled_template(catalog, "TTDVSNC", month, numbers))
    changes = _changes(at)
    assert changes[wifi.name] == f"17 {wifi.measure} → 15 {wifi.measure}".replace("  ", " ")
    assert changes[computers.name] == "9/9 (100,0 %) → 8/9 (88,9 %)"
    assert sum(v.startswith("Không đổi: ") for v in changes.values()) == 6
    assert "Thay bản đang lưu: 2/8 chỉ tiêu thay đổi." in [c.value for c in at.caption]


def test_half_pair_that_would_replace_a_stored_pair_is_refused_on_the_page(monkeypatch, tmp_path, catalog):
    """Stored 9/9, then a file with Tử số 8 and Mẫu số empty: an error naming the cell, no preview,
    no confirm button, nothing written."""
    from kpi import store
    db = tmp_path / "kpi.duckdb"
    month = Month(2026, 10)
    numbers = {i.id: ((9, 9) if i.is_ratio else (4,)) for i in catalog.indicators_of_unit("TTDVSNC")}
    at = _upload(monkeypatch, db, "a.xlsx", filled_template(catalog, "TTDVSNC", month, numbers))
    next(b for b in at.button if b.label == "Xác nhận nhập số liệu").click().run()
    assert not at.exception
    with store.connect(db) as conn:
        counts = store.content_counts(conn)

    numbers["HT_MAY_TINH"] = (8, None)
    monkeypatch.setenv("KPI_DB", str(db))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), db, "dv-ttdvsnc")
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").upload("b.xlsx", filled_template(catalog, "TTDVSNC", month, numbers)).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Tệp «b.xlsx» có 1 lỗi; chưa nhập gì vào cơ sở dữ liệu. Hãy sửa các ô dưới đây rồi gửi lại."]
    shown = " ".join(m.value for m in at.markdown)
    assert "thiếu Mẫu số" in shown and "đã lưu Tử số/Mẫu số 9/9" in shown and "ô F10, trang «Số liệu»" in shown
    assert not at.table and not [b for b in at.button if b.label == "Xác nhận nhập số liệu"]
    with store.connect(db) as conn:
        assert store.content_counts(conn) == counts
