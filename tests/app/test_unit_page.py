"""«Đơn vị» through AppTest: the unit's monthly reporting and its upload history are static
tables (every column shows at 1366×768, see tests/e2e) whose user texts are escaped."""
from __future__ import annotations

import datetime as dt

import time_machine

from kpi.domain.periods import Month
from tests.app.test_pages import _app, _no_errors, filled_template

HOSTILE = "[bấm vào đây](http://evil.example) **x**.xlsx"


def test_unit_tables_show_every_column_and_escape_the_file_name(monkeypatch, tmp_path, catalog):
    db = tmp_path / "kpi.duckdb"
    numbers = {i.id: (9, 9) if i.is_ratio else (4,) for i in catalog.typed_indicators_of_unit("TTDVSNC")}
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0), tick=False):
        at = _app(monkeypatch, db, "dv-ttdvsnc")
        at.run()
        at.switch_page("pages/upload.py").run()
        at.file_uploader(key="upload_file").upload(
            HOSTILE, filled_template(catalog, "TTDVSNC", Month(2026, 10), numbers)).run()
        next(b for b in at.button if b.label == "Xác nhận nhập số liệu").click().run()
        _no_errors(at, "upload confirmed")
        at.switch_page("pages/unit.py").run()
        at.selectbox(key="unit_code").set_value("TTDVSNC").run()
    _no_errors(at, "unit TTDVSNC")
    assert not at.dataframe[1:], "the reporting and the history are static tables, not scroll boxes"
    # the third static table is the quarter's evidence board in the «Minh chứng của quý» expander
    assert len(at.table) == 3
    timely, history = (t.value for t in at.table[:2])
    assert list(timely.columns) == ["Tháng", "Hạn nộp (trước ngày)", "Nộp lần đầu", "Số phiên bản", "Tình trạng"]
    # sent on 10/11/2026, before the due date 18/11/2026 (cells are Markdown: «:» escaped, shown as is)
    assert timely.iloc[0].tolist() == ["Tháng 10/2026", "18/11/2026", r"10/11/2026 09\:00", "1", "✔ Đúng hạn"]
    assert list(history.columns) == ["Tháng", "Phiên bản", "Trạng thái", "Người nhập", "Thời điểm", "Tệp",
                                     "Số ô số liệu"]
    row = history.iloc[0].tolist()
    assert row[:5] == ["Tháng 10/2026", "1", "Đang dùng", "dv-ttdvsnc", r"10/11/2026 09\:00"]
    # the file name as typed, never a link or bold text
    assert row[5] == r"\[bấm vào đây\](http\://evil.example) \*\*x\*\*.xlsx"
