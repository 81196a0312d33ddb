"""One result, every door: for the demo database and a closed quarter, the overview, the unit page,
Mô phỏng, `score --json`, `score`, the Biểu (.xlsx), the summary (.pdf) and the evidence pack's Biểu
tell the same total, grade, per-criterion points and statuses as `period_result` — after the
catalogue was edited, so a door that re-scored on today's catalogue would show it.

Each door's output is read as its user reads it: cells of the workbooks (a `=SUM` total evaluated
over the cells it names), the PDF's text, the JSON, the page's metrics."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from contextlib import redirect_stderr, redirect_stdout

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.cli.main import main
from kpi.domain.catalog import load_catalog
from kpi.domain.figures import Actor
from kpi.present import texts
from kpi.usecases.closing import close
from kpi.usecases.period_result import period_result
from tests.common import CONFIG, ROOT, TODAY, log_in

QUARTER = "2026-Q3"
UNIT = "TTPVHCC"
NOON = dt.datetime.combine(TODAY, dt.time(12, 0))


@pytest.fixture(scope="module")
def closed(tmp_path_factory, demo_db_file):
    """The demo with Quý III/2026 closed, and a catalogue edited after the closing (a criterion's
    target and points changed): the doors must all tell the frozen result."""
    folder = tmp_path_factory.mktemp("doors")
    db = folder / "kpi.duckdb"
    db.write_bytes(demo_db_file.read_bytes())
    catalog = load_catalog(CONFIG)
    conn = store.connect(db)
    close(conn, catalog, Actor("Văn phòng", "office", "vanphong"), QUARTER, as_of=TODAY)
    expected = period_result(conn, catalog, QUARTER, as_of=TODAY)
    unit = period_result(conn, catalog, QUARTER, as_of=TODAY, unit=UNIT).score
    conn.close()
    text = CONFIG.read_text(encoding="utf-8")
    assert "target = 100\npoints = 2" in text
    edited = folder / "edited.toml"
    edited.write_text(text.replace("target = 100\npoints = 2", "target = 50\npoints = 7", 1), encoding="utf-8")
    return {"db": db, "config": edited, "result": expected, "unit": unit, "folder": folder}


def kpi(closed, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(NOON, tick=True), redirect_stdout(out), redirect_stderr(err):
        code = main(["--db", str(closed["db"]), "--config", str(closed["config"]), *args])
    assert code == 0, err.getvalue()
    return out.getvalue()


def test_the_result_is_frozen_and_says_so(closed):
    r = closed["result"]
    assert r.frozen and r.state == "frozen" and not r.provisional
    assert r.commune.max_points == pytest.approx(100.0)        # the frozen catalogue, not the edited one


def test_score_json_and_table(closed):
    score = closed["result"].commune
    data = json.loads(kpi(closed, "score", "--quarter", QUARTER, "--json"))
    assert data["closed"] is True
    assert data["total_points"] == pytest.approx(score.total_points)
    assert data["grade"] == score.grade
    assert {i["id"]: (pytest.approx(i["points"]), i["status"]) for i in data["indicators"]} == \
        {r.id: (pytest.approx(r.points), str(r.status)) for r in score.indicators}
    table = kpi(closed, "score", "--quarter", QUARTER)
    assert f"Tổng điểm: {texts.score_headline(score.total_points, score.max_points)}" in table
    assert f"Xếp loại: {score.grade}" in table


def _criterion_rows(ws) -> tuple[dict[str, float], float]:
    """(criterion name → «Điểm tự chấm», the «TỔNG ĐIỂM» row's value) as the sheet gives them; a
    formula total is evaluated over the cells it names."""
    header = next(r for r in ws.iter_rows(min_row=1, max_row=12) if any(c.value == "Điểm tự chấm" for c in r))
    col = next(c.column for c in header if c.value == "Điểm tự chấm")
    name_col = next(c.column for c in header if c.value == "Chỉ tiêu")
    points, total = {}, None
    for row in ws.iter_rows(min_row=header[0].row + 1):
        first, name, value = row[0].value, ws.cell(row[0].row, name_col).value, ws.cell(row[0].row, col).value
        if isinstance(first, int):
            points[name] = _value(ws, value)
        elif isinstance(name, str) and name.startswith("TỔNG ĐIỂM"):
            total = _value(ws, value)
    return points, total


def _value(ws, value) -> float:
    if isinstance(value, str) and value.startswith("="):
        m = re.fullmatch(r"=SUM\((.*)\)", value)
        assert m, value
        out = 0.0
        for part in m.group(1).split(","):
            cells = ws[part] if ":" in part else ((ws[part],),)
            for line in cells if isinstance(cells, tuple) else ((cells,),):
                for c in line if isinstance(line, tuple) else (line,):
                    out += _value(ws, c.value) if c.value is not None else 0.0
        return out
    return float(value)


def _check_bieu(xlsx: bytes, score) -> None:
    points, total = _criterion_rows(load_workbook(io.BytesIO(xlsx)).active)
    assert points == {r.indicator.name: pytest.approx(r.points, abs=0.005) for r in score.indicators}
    assert total == pytest.approx(score.total_points, abs=0.005)


def test_the_bieu_the_pdf_and_the_pack(closed):
    score = closed["result"].commune
    out = closed["folder"]
    kpi(closed, "report", "--quarter", QUARTER, "-o", str(out / "bieu.xlsx"))
    _check_bieu((out / "bieu.xlsx").read_bytes(), score)
    kpi(closed, "report", "--quarter", QUARTER, "-o", str(out / "tom-tat.pdf"))
    pdf = " ".join(p.extract_text() for p in PdfReader(out / "tom-tat.pdf").pages)
    assert texts.score_headline(score.total_points, score.max_points) in pdf
    assert score.grade in pdf and "đã khoá sổ" in pdf
    kpi(closed, "evidence", "export", "--quarter", QUARTER, "-o", str(out / "ho-so.zip"), "--by", "lanhdao")
    with zipfile.ZipFile(out / "ho-so.zip") as zf:
        name = next(n for n in zf.namelist() if n.startswith("Biểu tự chấm điểm"))
        _check_bieu(zf.read(name), score)


def _app(closed, page: str | None = None, **params) -> AppTest:
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90), closed["db"])
    at.query_params["period"] = QUARTER
    for k, v in params.items():
        at.query_params[k] = v
    with time_machine.travel(NOON, tick=True):
        at.run()
        if page:     # through the menu, as a user goes there from the overview
            at.switch_page(page).run()
    assert not at.exception and not at.error
    return at


@pytest.fixture
def app_env(monkeypatch, closed):
    monkeypatch.setenv("KPI_DB", str(closed["db"]))
    monkeypatch.setenv("KPI_CONFIG", str(closed["config"]))


def test_the_pages(closed, app_env):
    score, unit = closed["result"].commune, closed["unit"]
    at = _app(closed)
    assert at.metric[0].label == "Tổng điểm Quý III/2026 (đã khoá sổ)"
    assert at.metric[0].value == texts.score_headline(score.total_points, score.max_points)
    assert at.metric[1].value == score.grade
    at = _app(closed, "pages/unit.py", unit=UNIT)
    assert at.metric[0].label.endswith("(đã khoá sổ)")
    assert at.metric[0].value == texts.score_headline(unit.total_points, unit.max_points)
    at = _app(closed, "pages/whatif.py")
    actual = next(m for m in at.metric if m.label == "Tổng điểm thực tế")
    assert actual.value == texts.score_headline(score.total_points, score.max_points)
