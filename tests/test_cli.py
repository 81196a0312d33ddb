"""`python -m kpi` demo / score: JSON shape and numbers equal to the engine's, clear errors.

The commands run in-process through `kpi.cli.main.main(argv)` (what `python -m kpi` calls);
one smoke test starts the real `python -m kpi --help`."""
import datetime as dt
import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import pytest
import time_machine
from common import ROOT

from kpi import store
from kpi.cli.main import main
from kpi.usecases.period_result import period_result


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def kpi(*args, env_db=None) -> Run:
    """`python -m kpi *args` in this process (KPI_DB from `env_db` when given)."""
    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("KPI_DB")
    if env_db:
        os.environ["KPI_DB"] = str(env_db)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        if env_db:
            if saved is None:
                os.environ.pop("KPI_DB", None)
            else:
                os.environ["KPI_DB"] = saved
    return Run(code, out.getvalue(), err.getvalue())


def test_python_m_kpi_help_runs():
    """The one real process: the entry point, its imports and the command list."""
    out = subprocess.run([sys.executable, "-m", "kpi", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "python -m kpi" in out.stdout and "check-config" in out.stdout and "score" in out.stdout


# the demo holds the months that ended by the day it is made, and only what was sent by then: the
# clock is pinned so the record (and every answer below) is the same whatever day the tests run
DEMO_MADE_AT = dt.datetime(2026, 11, 24, 12, 0)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "kpi.duckdb"
    with time_machine.travel(DEMO_MADE_AT, tick=False):
        out = kpi("--db", str(path), "demo", "--months", "6")
    assert out.returncode == 0, out.stderr
    assert "Đã tạo dữ liệu mẫu" in out.stdout
    return path


def test_demo_if_missing_leaves_existing_data(demo_file):
    out = kpi("--db", str(demo_file), "demo", "--if-missing")
    assert out.returncode == 0 and "đã có số liệu" in out.stdout


def test_score_json_matches_the_engine(demo_file, catalog):
    c = store.connect(demo_file)
    periods = store.reported_periods(c, catalog.commune)
    from kpi.domain.periods import Month
    quarter = Month.parse(periods[-1]).quarter
    day = DEMO_MADE_AT.date()
    expected = period_result(c, catalog, quarter, as_of=day).commune
    c.close()
    out = kpi("score", "--quarter", str(quarter), "--json", "--as-of", day.isoformat(), env_db=demo_file)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["quarter"] == str(quarter) and data["unit"] is None
    assert data["total_points"] == expected.total_points
    assert data["max_points"] == expected.max_points
    assert data["grade"] == expected.grade
    # the total is the sum of the indicators' points as printed (whole hundredths, no drift)
    cents = [round(i["points"] * 100, 6) for i in data["indicators"]]
    assert all(c == int(c) for c in cents) and sum(cents) == round(data["total_points"] * 100, 6)
    assert data["percent"] == pytest.approx(100 * data["total_points"] / data["max_points"])
    assert [i["id"] for i in data["indicators"]] == [i.id for i in catalog.indicators]
    assert {i["status"] for i in data["indicators"]} <= {"met", "near", "missed", "no_data", "na"}


def test_score_unit_json_and_table(demo_file):
    out = kpi("--db", str(demo_file), "score", "--quarter", "2026-Q3", "--unit", " ca ", "--json")
    data = json.loads(out.stdout)
    assert data["unit"] == "CA"
    assert [i["id"] for i in data["indicators"]] == ["HT_CHU_KY_SO", "CQ_KY_SO_VB",
                                                     "DVC_HS_TRUC_TUYEN", "DVC_QUA_HAN", "DA06_VNEID",
                                                     "NL_KY_NANG_SO", "CD_BAO_CAO_DUNG_HAN"]
    # reporting on time is measured for every unit: CA sent each month of the quarter before the 18th
    on_time = next(i for i in data["indicators"] if i["id"] == "CD_BAO_CAO_DUNG_HAN")
    assert (on_time["achieved"], on_time["points"], on_time["status"]) == (100.0, 2.0, "met")
    table = kpi("--db", str(demo_file), "score", "--quarter", "2026-Q3")
    assert "Quý III/2026" in table.stdout and "Tổng điểm:" in table.stdout and "Xếp loại:" in table.stdout
    # a target is written with its sign, as everywhere (kpi.present.texts)
    row = next(line for line in table.stdout.splitlines() if line.startswith("DVC_QUA_HAN "))
    assert "≤ 1 %" in row


def test_quarter_without_data_is_no_data_not_an_error(demo_file):
    data = json.loads(kpi("--db", str(demo_file), "score", "--quarter", "2020-Q1", "--json").stdout)
    assert data["total_points"] == 0 and {i["status"] for i in data["indicators"]} == {"no_data"}


@pytest.mark.parametrize("args, message", [
    (["score", "--quarter", "2026-5"], "không đúng dạng năm-quý"),
    (["score", "--quarter", "2026-Q2", "--unit", "XYZ"], "Không có đơn vị mã «XYZ»"),
    (["--config", "/nonexistent.toml", "score", "--quarter", "2026-Q2"], "Không tìm thấy tệp danh mục"),
])
def test_errors_are_one_clear_message(demo_file, args, message):
    out = kpi("--db", str(demo_file), *args)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_score_json_is_valid_even_with_absurd_stored_figures(tmp_path, catalog):
    """Figures stored before values were bounded (1e308 twice, inf) never make invalid JSON."""
    from common import SYSTEM, TESTER

    from kpi.domain.figures import Figure, Submission
    path = tmp_path / "kpi.duckdb"
    c = store.connect(path)
    store.sync_catalog(c, catalog, SYSTEM)
    store.record_submissions(c, [
        Submission(catalog.commune, "TTDVSNC", "2026-07", (Figure("TT_PHAT_THANH", value=1e308),)),
        Submission(catalog.commune, "TTDVSNC", "2026-08", (Figure("TT_PHAT_THANH", value=1e308),
                                                            Figure("NL_TO_CNS", value=float("inf")))),
    ], TESTER)
    c.close()
    out = kpi("--db", str(path), "score", "--quarter", "2026-Q3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"invalid JSON constant {c}"))
    got = {i["id"]: i for i in data["indicators"]}
    # 1e308 + 1e308 overflows to Infinity: no value, no points, and the total stays a number
    assert (got["TT_PHAT_THANH"]["achieved"], got["TT_PHAT_THANH"]["points"]) == (None, 0.0)
    assert (got["NL_TO_CNS"]["achieved"], got["NL_TO_CNS"]["points"]) == (None, 0.0)
    assert data["total_points"] == 0.0


@pytest.mark.parametrize("as_of, provisional, to_come", [
    # before 18/11 not even October is due: 12 units × Nov, Dec, and the health station's October,
    # which it sent late, on 21/11 — not yet in the record of 17/11
    ("2026-11-17", True, 25),
    ("2026-11-18", True, 24),     # October is due (late or in); November and December are not
    ("2027-01-18", False, 0),     # December is due: the quarter is final
])
def test_score_as_of_marks_provisional_quarters(demo_file, as_of, provisional, to_come):
    out = kpi("--db", str(demo_file), "score", "--quarter", "2026-Q4", "--json", "--as-of", as_of)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["provisional"], data["unit_months_to_come"]) == (provisional, to_come)
    assert all(i["provisional"] is provisional for i in data["indicators"])
    # the demo has October figures for every criterion, so none is pending — except on 17/11 the
    # e-health-record criterion, which only the health station reports (its October came on 21/11)
    pending = [i["id"] for i in data["indicators"] if i["status"] == "pending"]
    assert pending == (["DA06_SO_SUC_KHOE"] if as_of == "2026-11-17" else [])
    table = kpi("--db", str(demo_file), "score", "--quarter", "2026-Q4", "--as-of", as_of).stdout
    assert (f"Tạm tính: còn {to_come} lượt báo cáo tháng" in table) is provisional


def test_score_as_of_must_be_a_date(demo_file):
    out = kpi("--db", str(demo_file), "score", "--quarter", "2026-Q4", "--as-of", "23/11/2026")
    assert out.returncode != 0
    assert "không phải ngày dạng năm-tháng-ngày" in out.stderr + out.stdout


def test_demo_never_writes_an_upload_after_now_nor_a_month_not_ended(tmp_path):
    """Made on 05/12/2026 at 10:00: November's reports are due 18/12 and the demo's units send them
    between 06/12 and 16/12 (or late), so none has sent yet; nothing is dated after 10:00 today and
    no December figure exists."""
    path = tmp_path / "kpi.duckdb"
    made_at = dt.datetime(2026, 12, 5, 10, 0)
    with time_machine.travel(made_at, tick=False):
        assert kpi("--db", str(path), "demo", "--months", "3").returncode == 0
    c = store.connect(path)
    try:
        latest, periods = c.execute("SELECT max(submitted_at), list(DISTINCT period ORDER BY period) "
                                    "FROM uploads").fetchall()[0]
    finally:
        c.close()
    assert latest <= made_at
    assert periods == ["2026-09", "2026-10"]


def test_as_of_is_the_record_at_the_end_of_that_day(demo_file, tmp_path):
    """`score --as-of D` is the score as it stood on D: a correction sent on 25/11 changes the
    answer from 25/11 on, and the answer of 24/11 (what a meeting that day saw) stays what it was."""
    import shutil

    from kpi.domain.figures import Actor, Figure, Submission
    path = tmp_path / "kpi.duckdb"
    shutil.copy(demo_file, path)
    before = json.loads(kpi("--db", str(path), "score", "--quarter", "2026-Q4", "--json",
                            "--as-of", "2026-11-24").stdout)
    c = store.connect(path)
    fix = Submission("THAITAN", "TTPVHCC", "2026-10", (Figure("DVC_HS_TRUC_TUYEN", 0.0, 412.0),),
                     source="excel", submitted_at=dt.datetime(2026, 11, 25, 9, 30))
    store.record_submission(c, fix, Actor("Văn phòng", "office", "vanphong"))
    c.close()

    def online(day: str) -> dict:
        out = json.loads(kpi("--db", str(path), "score", "--quarter", "2026-Q4", "--json", "--as-of", day).stdout)
        return {"total": out["total_points"], "criterion": next(i for i in out["indicators"]
                                                                if i["id"] == "DVC_HS_TRUC_TUYEN")["achieved"]}

    assert online("2026-11-24") == {"total": before["total_points"], "criterion": next(
        i for i in before["indicators"] if i["id"] == "DVC_HS_TRUC_TUYEN")["achieved"]}
    after = online("2026-11-25")
    assert after["criterion"] < online("2026-11-24")["criterion"]
    assert after["total"] < before["total_points"]
