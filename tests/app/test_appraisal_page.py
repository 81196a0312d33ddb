"""What the commune sends to the city and what comes back, on the pages: the overview shows the
appraised total beside the self-score and the criteria where they differ with the city's comment,
and the criteria that lost points with their explanation or «chưa có giải trình»; the criterion
page lets the office write the explanation, and shows it frozen once the quarter is closed."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.figures import Actor
from kpi.present import texts
from kpi.usecases.appraisal import import_appraisal
from kpi.usecases.closing import close
from kpi.usecases.explanations import explain
from kpi.usecases.period_result import period_result
from kpi.usecases.reports import quarter_report
from tests.common import TODAY, log_in

ROOT = Path(__file__).resolve().parents[2]
OFFICE = Actor("Văn phòng", "office", "vanphong")
HEADER = 7


def _returned(conn, catalog, scores: dict[int, tuple[float, str]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(quarter_report(conn, catalog, "2026-Q3", "xlsx", as_of=TODAY)))
    ws = wb.active
    col = next(c.column for c in ws[HEADER] if c.value == "Điểm thẩm định")
    ws.cell(HEADER, ws.max_column + 1, "Ý kiến thẩm định")
    note = ws.max_column
    for r in ws.iter_rows(min_row=HEADER + 1):
        if r[0].value in scores:
            ws.cell(r[0].row, col, scores[r[0].value][0])
            ws.cell(r[0].row, note, scores[r[0].value][1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _app(monkeypatch, db, login="admin"):
    monkeypatch.setenv("KPI_DB", str(db))
    return log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), db, login)


def test_the_overview_shows_the_appraisal_and_the_explanations(monkeypatch, demo_db, catalog):
    conn = store.connect(demo_db)
    explain(conn, catalog, OFFICE, "2026-Q3", "HT_WIFI_NVH", "Còn 3 nhà văn hóa chưa kéo được cáp quang.")
    import_appraisal(conn, catalog, OFFICE, "2026-Q3", _returned(conn, catalog, {1: (1.0, "Thiếu biên bản bàn giao")}),
                     "tham-dinh.xlsx", as_of=TODAY)
    score = period_result(conn, catalog, "2026-Q3", as_of=TODAY).commune
    conn.close()
    at = _app(monkeypatch, demo_db)
    at.query_params["period"] = "2026-Q3"
    at.run()
    assert not at.exception and not at.error
    appraised = next(m for m in at.metric if m.label == "Điểm thẩm định Quý III/2026")
    assert appraised.value == texts.score_headline(1.0, score.max_points)
    diffs = next(d for d in at.dataframe if "Ý kiến thẩm định" in d.value.columns).value
    assert list(diffs["Chỉ tiêu"]) == [catalog.indicator("HT_MAY_TINH").name]
    assert list(diffs["Thẩm định"]) == ["1"] and list(diffs["Ý kiến thẩm định"]) == ["Thiếu biên bản bàn giao"]
    explained = next(d for d in at.dataframe if "Giải trình" in d.value.columns).value
    by_name = dict(zip(explained["Chỉ tiêu"], explained["Giải trình"], strict=True))
    assert by_name[catalog.indicator("HT_WIFI_NVH").name] == "Còn 3 nhà văn hóa chưa kéo được cáp quang."
    assert "chưa có giải trình" in by_name.values()
    assert len(by_name) == sum(r.points_lost > 0 for r in score.indicators)
    assert any(e.label == "Nhập Biểu thành phố đã thẩm định" for e in at.expander)


def test_the_office_writes_an_explanation_on_the_criterion_page(monkeypatch, demo_db, catalog):
    at = _app(monkeypatch, demo_db)
    at.query_params["period"] = "2026-Q3"
    at.run()
    at.switch_page("pages/indicator.py").run()
    at.selectbox(key="indicator_id").set_value("HT_WIFI_NVH").run()
    assert not at.exception
    area = next(t for t in at.text_area if t.label.startswith("Giải trình"))
    area.input("Còn 3 nhà văn hóa chưa có cáp quang.")
    next(b for b in at.button if b.label == "Lưu giải trình").click()
    at.run()
    assert not at.exception
    assert any(s.value == "Đã lưu giải trình." for s in at.success)
    conn = store.connect(demo_db)
    from kpi.usecases.explanations import quarter_explanations
    assert quarter_explanations(conn, catalog, "2026-Q3")["HT_WIFI_NVH"].text == "Còn 3 nhà văn hóa chưa có cáp quang."
    close(conn, catalog, OFFICE, "2026-Q3", as_of=TODAY)
    conn.close()
    at.run()
    assert not at.exception
    assert not [t for t in at.text_area if t.label.startswith("Giải trình")]      # frozen with the quarter
    assert any("Còn 3 nhà văn hóa chưa có cáp quang." in m.value for m in at.markdown)
