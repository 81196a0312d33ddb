"""One result, every door: the official rounding of points (kpi.domain.scoring) and the rule that no
printed figure crosses a line it did not reach (kpi.present.texts), through the Biểu (.xlsx, also
recomputed by LibreOffice when installed), the PDF, the command line's table and JSON, and the city's
ranking workbook — on hand-made figures: a criterion at 94,995 % of a ≥ 95 % target and a quarter
whose official total is 89,99 of 100 (grade line 90)."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from catalogs import catalog_of
from common import CONFIG, TODAY
from pypdf import PdfReader

from kpi.cli.score import _table, finite
from kpi.domain.catalog import load_catalog
from kpi.domain.periods import Quarter
from kpi.domain.scoring import (
    MET,
    NEAR,
    Totals,
    official_points,
    points_sum,
    round_points,
    score_indicator,
    score_quarter,
)
from kpi.present import texts
from kpi.reports.city_xlsx import city_workbook
from kpi.reports.pdf import build_summary_pdf
from kpi.reports.xlsx import build_report_xlsx
from kpi.usecases.city import missed_criteria

Q3 = Quarter(2026, 3)

def report_xlsx(catalog, figures, quarter, unit=None, **kw):
    """The Biểu of the score the engine gives these figures on `today` (the app passes the one
    door's result; the report itself never scores)."""
    return build_report_xlsx(catalog, figures, quarter, unit,
                             score=score_quarter(catalog, figures, quarter, unit, as_of=kw["today"]), **kw)


def summary_pdf(catalog, figures, quarter, unit=None, **kw):
    """The summary of the score the engine gives these figures on `today` (the app passes the one
    door's result; the report itself never scores)."""
    return build_summary_pdf(catalog, figures, quarter, unit,
                             score=score_quarter(catalog, figures, quarter, unit, as_of=kw["today"]), **kw)


SHIPPED = load_catalog(CONFIG)
GRADES = tuple((g.min, g.label) for g in SHIPPED.grades)     # 90 Xuất sắc, 80 Tốt, 70 Khá, 50, 0

CATALOG = catalog_of("""
    [[indicators]]
    id = "RATE"
    group = "Dịch vụ công"
    name = "Tỷ lệ hồ sơ trực tuyến"
    kind = "ratio"
    target = 95
    points = 5
    units = ["A"]

    [[indicators]]
    id = "HOUSES"
    group = "Hạ tầng"
    name = "Nhà văn hóa có wifi"
    kind = "number"
    target = 10
    points = 85
    units = ["A"]
    measure = "nhà"

    [[indicators]]
    id = "STEP"
    group = "Hạ tầng"
    name = "Có kế hoạch năm"
    kind = "number"
    scoring = "threshold"
    target = 1
    points = 10
    units = ["A"]
    """, grades=GRADES, commune_name="Xã Thử")

# 18 999 of 20 000 = 94,995 % of a ≥ 95 % target: 5 × 94,995/95 = 4,99974 points, officially 4,99;
# HOUSES met: 85; STEP missed: 0. Official total 89,99 of 100 → 89,99 % → «Tốt» (not «Xuất sắc»).
FIGURES = pd.DataFrame([
    {"unit": "A", "period": "2026-07", "indicator_id": "RATE", "numerator": 18999.0, "denominator": 20000.0,
     "value": float("nan")},
    {"unit": "A", "period": "2026-09", "indicator_id": "HOUSES", "numerator": float("nan"),
     "denominator": float("nan"), "value": 10.0},
    {"unit": "A", "period": "2026-09", "indicator_id": "STEP", "numerator": float("nan"),
     "denominator": float("nan"), "value": 0.0},
])


@pytest.fixture(scope="module")
def score():
    return score_quarter(CATALOG, FIGURES, Q3, as_of=TODAY)


# ── the domain: one official rounding ────────────────────────────────────────

def test_a_criterion_just_under_its_target_is_never_rounded_up_to_its_full_points(score):
    r = score.result("RATE")
    assert r.achieved == pytest.approx(94.995)
    assert r.exact_points == pytest.approx(5 * 94.995 / 95)          # 4,99974
    assert r.points == 4.99 and r.status == NEAR                      # truncated, not 5
    assert r.points_lost == 0.01
    met = score_indicator(CATALOG.indicator("RATE"), Totals(numerator=19, denominator=20, months_reported=1))
    assert (met.points, met.status) == (5, MET)                       # exactly 95 %: full points


def test_official_points_truncate_with_a_tolerance_for_float_noise():
    assert official_points(4.99974, 5, met=False) == 4.99
    assert official_points(4.9999999999, 5, met=True) == 5            # noise under an exact 5, met
    assert official_points(4.9999999999, 5, met=False) == 4.99        # missed: never the full points
    assert official_points(5 - 1e-12, 5, met=False) == 4.99
    assert official_points(0.28999999999999998, 5, met=False) == 0.29  # 0,29 in binary keeps its cent
    assert official_points(2.345, 5, met=False) == 2.34
    assert official_points(0.0, 5, met=False) == 0 and official_points(5, 5, met=True) == 5
    assert round_points(8.796296) == 8.79


def test_totals_are_the_sum_of_official_points_and_grade_comes_from_it(score):
    assert [r.points for r in score.indicators] == [4.99, 85, 0]
    assert score.total_points == 89.99 and score.max_points == 100    # not 89,99974
    assert score.percent == pytest.approx(89.99) and score.grade == "Tốt"
    assert [(g.group, g.points, g.max_points) for g in score.by_group()] == [
        ("Dịch vụ công", 4.99, 5), ("Hạ tầng", 85, 95)]
    assert points_sum([0.1, 0.2]) == 0.3                              # no float drift (0,30000000000000004)


def test_json_total_is_the_sum_of_the_indicators_points(score):
    data = json.loads(json.dumps(finite(score.to_dict())))
    assert [i["points"] for i in data["indicators"]] == [4.99, 85, 0]
    assert data["total_points"] == 89.99 == points_sum(i["points"] for i in data["indicators"])
    assert data["grade"] == "Tốt"


# ── the presenter: never across a line (both sides of each) ──────────────────

def _shown(text: str) -> float:
    return float(text.rstrip(" %").replace(".", "").replace(",", "."))


@pytest.mark.parametrize("line", [g.min for g in SHIPPED.grades])
def test_score_percent_on_both_sides_of_every_grade_line(line):
    for value in (line - 0.05, line - 0.01, line - 0.001, line - 1e-6, line, line + 1e-12, line + 0.001,
                  line + 0.05):
        if value < 0:
            continue
        shown = _shown(texts.score_percent(value))
        assert SHIPPED.grade_for(shown) == SHIPPED.grade_for(value), (line, value, shown)
        assert shown <= value + 1e-9
    assert texts.score_percent(line) == f"{line:g},0 %"
    assert texts.score_percent(line - 1e-12) == f"{line:g},0 %"        # an exact line with float noise


def test_score_percent_examples_of_the_issue():
    assert texts.score_percent(89.991) == "89,9 %" and texts.score_percent(89.99) == "89,9 %"
    assert texts.score_percent(49.999) == "49,9 %" and texts.score_percent(90) == "90,0 %"


@pytest.mark.parametrize("target,higher", [(95.0, True), (5.0, False), (17.0, True), (90.0, True)])
def test_achieved_on_both_sides_of_the_target(target, higher):
    ind = CATALOG.indicator("RATE")
    ind = ind.__class__(**{**ind.__dict__, "target": target, "direction": "higher" if higher else "lower",
                           "zero_at": 0.0 if higher else 100.0})
    for delta in (-0.05, -0.005, -0.001, -1e-7, 0.0, 1e-7, 0.001, 0.005, 0.05):
        value = target + delta
        shown = _shown(texts.achieved(ind, value, noun=False))
        met = value >= target - 1e-9 if higher else value <= target + 1e-9
        shown_met = shown >= target if higher else shown <= target
        assert met == shown_met, (target, value, shown)
    assert texts.achieved(ind, target - 0.005 if higher else target + 0.005) != f"{target:g} %"


def test_points_on_both_sides_of_the_full_points():
    assert texts.points_of(4.99974, 5) == "4,99/5" and texts.points_of(4.99, 5) == "4,99/5"
    assert texts.points_of(5, 5) == "5/5" and texts.points_of(4.9999999999, 5) == "5/5"
    assert texts.score_headline(89.99, 100) == "89,99/100"


# ── every door prints the same result ───────────────────────────────────────

def _table_rows(ws):
    crit, groups, total = [], [], None
    for cells in ws.iter_rows(min_row=8):
        first, name = cells[0].value, cells[1].value
        if isinstance(first, int):
            crit.append(cells[0].row)
        elif isinstance(first, str) and first and set(first) <= set("IVX"):
            groups.append(cells[0].row)
        elif isinstance(name, str) and name.startswith("TỔNG ĐIỂM"):
            total = cells[0].row
    return crit, groups, total


def _sum(ws, formula: str) -> float:
    """A `=SUM(H9,H11:H12)` formula evaluated over the sheet's cells."""
    m = re.fullmatch(r"=SUM\(([^)]*)\)", formula)
    assert m, formula
    total = 0.0
    for part in m.group(1).split(","):
        a, _, b = part.partition(":")
        col, start = re.fullmatch(r"([A-Z]+)(\d+)", a).groups()
        end = re.fullmatch(r"[A-Z]+(\d+)", b).group(1) if b else start
        total += sum(ws[f"{col}{r}"].value for r in range(int(start), int(end) + 1))
    return round(total, 6)


def _letter(ws, title: str) -> str:
    """The column letter of the Biểu's column titled `title` (its columns come from the catalogue)."""
    from openpyxl.utils import get_column_letter
    header = next(r for r in ws.iter_rows(max_row=12) if any(c.value == "STT" for c in r))
    return get_column_letter(next(c.column for c in header if c.value == title))


def test_the_bieu_stores_official_points_and_sums_them_with_formulas(score):
    data = report_xlsx(CATALOG, FIGURES, Q3, today=TODAY)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    crit, groups, total = _table_rows(ws)
    top, mine, result = (_letter(ws, t) for t in ("Điểm tối đa", "Điểm tự chấm", "Kết quả"))
    assert [ws[f"{mine}{r}"].value for r in crit] == [4.99, 85, 0]         # the value itself, not 5
    assert ws[f"{result}{crit[0]}"].value.endswith("= 94,995\u00a0%")      # never «95 %»
    assert [_sum(ws, ws[f"{mine}{g}"].value) for g in groups] == [4.99, 85]
    assert _sum(ws, ws[f"{mine}{total}"].value) == score.total_points == 89.99
    assert _sum(ws, ws[f"{top}{total}"].value) == 100
    grade = next(r for r in ws.iter_rows(values_only=True) if r[1] == "XẾP LOẠI")
    assert grade[2] == "Tốt (89,99 % số điểm tối đa)"
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True).active
    assert cached[f"{mine}{total}"].value == 89.99


def test_the_pdf_prints_the_official_total_and_rows_that_add_up_to_it():
    reader = PdfReader(io.BytesIO(summary_pdf(CATALOG, FIGURES, Q3, today=TODAY)))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "89,99/100 điểm" in text and "Xếp loại: Tốt (89,9 % số điểm tối đa)" in text
    assert "90,0 %" not in text and "Xuất sắc" not in text
    assert "Dịch vụ công 4,99/5" in text and "Hạ tầng 85/95" in text   # 4,99 + 85 = 89,99
    row = next(line for line in text.splitlines() if "4,99/5" in line and "94,995 %" in line)
    assert "−0,01" in row                                              # what it lost, as printed


def test_the_command_line_table_prints_the_official_result(score):
    result = SimpleNamespace(score=score, closed=False)
    table = _table(CATALOG, Q3, None, False, result)
    assert "Tổng điểm: 89,99/100 (89,9 %) — Xếp loại: Tốt" in table
    row = next(line for line in table.splitlines() if line.startswith("RATE "))
    assert row.split()[:5] == ["RATE", "94,995", "%", "≥", "95"] and row.split()[6:8] == ["4,99", "5"]


def test_the_city_ranking_workbook_never_reads_past_a_grade_line(score):
    commune = SimpleNamespace(code="XA", name="Xã Thử", score=score, closed=False, change=None, on_time=3,
                              due=3, on_time_percent=100.0)
    data = city_workbook("Thành phố Thử", Q3.label, [commune], missed_criteria([commune]))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[3]]
    row = [c.value for c in ws[4]]
    got = dict(zip(header, row, strict=True))
    assert got["Điểm"] == "89,99/100" and got["Tỷ lệ"] == "89,9 %" and got["Xếp loại"] == "Tốt"
    assert got["Điểm (số)"] == 89.99 and got["Tỷ lệ (%)"] == 89.99


# ── the Biểu computed by LibreOffice ─────────────────────────────────────────

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _calc_csv(path, tmp_path) -> list[list[str]]:
    """The workbook as LibreOffice Calc computes and writes it (csv, values as formatted)."""
    profile = tmp_path / "lo-profile"
    env = {**os.environ, "HOME": str(tmp_path)}
    # comma-separated, quoted with ", UTF-8 (76)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1",
                    "--outdir", str(tmp_path / "out"), str(path)], check=True, capture_output=True, timeout=180,
                   env=env)
    with open(tmp_path / "out" / (path.stem + ".csv"), encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: the Biểu's formulas are "
                                            "checked with openpyxl only (apt-get install libreoffice-calc)")
def test_libreoffice_computes_the_bieu_total_as_the_app(score, tmp_path):
    data = report_xlsx(CATALOG, FIGURES, Q3, today=TODAY)
    # without the cached results, so LibreOffice must compute every SUM itself
    src = io.BytesIO(data)
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body, n = re.subn(rb"(</f>)<v>[^<]*</v>", rb"\1<v />", body)
                assert n == 6                       # two groups and the total, each G and H
            zout.writestr(info, body)
    path = tmp_path / "bieu.xlsx"
    path.write_bytes(out.getvalue())
    rows = _calc_csv(path, tmp_path)
    header = next(r for r in rows if r and r[0] == "STT")
    top, mine = header.index("Điểm tối đa"), header.index("Điểm tự chấm")
    total = next(r for r in rows if len(r) > mine and r[1].startswith("TỔNG ĐIỂM"))
    assert (float(total[top]), float(total[mine])) == (100, 89.99) and float(total[mine]) == score.total_points
    groups = [r for r in rows if r and r[0] in ("I", "II")]
    assert [float(g[mine]) for g in groups] == [4.99, 85]
    assert [float(r[mine]) for r in rows if r and r[0] in ("1", "2", "3")] == [4.99, 85, 0]
    grade = next(r for r in rows if len(r) > 2 and r[1] == "XẾP LOẠI")
    assert grade[2] == "Tốt (89,99 % số điểm tối đa)"
