"""`computed = "task_progress"`: the KHCN tasks of the register updated each month, computed by hand —
9 of 10 tasks updated in a month is 90 %; a progress record counts from the day it was recorded
(`as_of` the day before: not yet), and for its month only when recorded before that month's report
is due; the scoring figures carry the rows the way they carry reporting on time; a catalogue that
keeps the criterion typed scores the typed figure as before."""
from __future__ import annotations

import datetime as dt

import pytest
from catalogs import catalog_of

from kpi import store
from kpi.domain import tasks as T
from kpi.domain.catalog import CatalogError
from kpi.domain.figures import Actor, Figure, Submission
from kpi.domain.periods import Month
from kpi.store import tasks as ts
from kpi.usecases.period_result import period_result
from kpi.usecases.scores import scoring_figures
from kpi.usecases.tasks import task_progress_figures

D = dt.date
JULY = Month(2026, 7)
SYSTEM = Actor("Hệ thống", role="system")
UNITS = (("VHXH", "Phòng Văn hóa - Xã hội"), ("VP", "Văn phòng HĐND và UBND xã"))
COMPUTED = '''
    [[indicators]]
    id = "KHCN_TIEN_DO"
    group = "Chỉ đạo"
    name = "Nhiệm vụ KHCN cập nhật tiến độ hằng tháng"
    kind = "ratio"
    computed = "task_progress"
    target = 90
    points = 3
    units = ["VHXH"]

    [[indicators]]
    id = "NEWS"
    group = "Tuyên truyền"
    name = "Tin bài"
    kind = "number"
    target = 4
    points = 2
    units = ["VP"]
'''
TYPED = COMPUTED.replace('    computed = "task_progress"\n', "")


def _task(n: int, tags=("KHCN",), time="Tháng 12/2026") -> T.Task:
    return T.Task(n, f"Nhiệm vụ {n}", T.parse_time_rule(time), ("VHXH",), tags=tags, section="I", stt=str(n))


def _p(n: int, period: str, at: dt.datetime, status=T.IN_PROGRESS, done_on=None) -> T.Progress:
    return T.Progress(n, period, status, "", done_on, recorded_at=at)


def test_nine_of_ten_khcn_tasks_updated_in_a_month_is_90_percent():
    tasks = [_task(n) for n in range(1, 11)] + [_task(11, tags=("ATTT",))]     # 11: not KHCN, not counted
    ups = {n: [_p(n, "2026-07", dt.datetime(2026, 7, 20, 9))] for n in range(1, 10)}
    ups[11] = [_p(11, "2026-07", dt.datetime(2026, 7, 20, 9))]
    assert T.monthly_update_counts(tasks, ups, JULY, D(2026, 8, 31)) == (9, 10)


def test_the_as_of_day_cuts_a_progress_record():
    tasks = [_task(1)]
    ups = {1: [_p(1, "2026-07", dt.datetime(2026, 7, 31, 16, 30))]}
    assert T.monthly_update_counts(tasks, ups, JULY, D(2026, 7, 30)) == (0, 1)   # the day before: not yet
    assert T.monthly_update_counts(tasks, ups, JULY, D(2026, 7, 31)) == (1, 1)   # recorded that day: counts


def test_a_month_counts_the_records_sent_before_its_report_is_due():
    """July's update may be recorded up to 17/08 («trước ngày 18»); on the 18th it is late."""
    tasks = [_task(1), _task(2)]
    ups = {1: [_p(1, "2026-07", dt.datetime(2026, 8, 17, 16))], 2: [_p(2, "2026-07", dt.datetime(2026, 8, 18, 8))]}
    assert T.monthly_update_counts(tasks, ups, JULY, D(2026, 8, 16)) == (0, 2)
    assert T.monthly_update_counts(tasks, ups, JULY, D(2026, 9, 30)) == (1, 2)
    # an August record does not count for July
    assert T.monthly_update_counts([_task(3)], {3: [_p(3, "2026-08", dt.datetime(2026, 8, 5))]}, JULY,
                                   D(2026, 9, 30)) == (0, 1)


def test_who_is_followed_in_a_month():
    done_june = _task(1)
    starts_august = _task(2, time="từ ngày 01/8/2026 đến ngày 30/11/2026")
    done_in_july = _task(3)
    imported_august = _task(4)
    ups = {1: [_p(1, "2026-06", dt.datetime(2026, 6, 20), T.COMPLETED, D(2026, 6, 20))],
           3: [_p(3, "2026-07", dt.datetime(2026, 7, 10), T.COMPLETED, D(2026, 7, 10))]}
    counts = T.monthly_update_counts([done_june, starts_august, done_in_july, imported_august], ups, JULY,
                                     D(2026, 9, 1), first_seen={4: D(2026, 8, 2)})
    assert counts == (1, 1)          # only task 3: done within July (its completion is July's update)


def test_the_catalogue_accepts_task_progress_only_as_a_summed_ratio():
    assert catalog_of(COMPUTED, units=UNITS).indicator("KHCN_TIEN_DO").computed == "task_progress"
    with pytest.raises(CatalogError, match="nhiệm vụ KHCN"):
        catalog_of(COMPUTED.replace('kind = "ratio"', 'kind = "number"', 1), units=UNITS)
    with pytest.raises(CatalogError, match="computed"):
        catalog_of(COMPUTED.replace('"task_progress"', '"task_progres"'), units=UNITS)


def _register(conn, catalog, n_tasks: int, updated: int, recorded: dt.datetime) -> None:
    source = T.Source("Kế hoạch", "15/KH-UBND", D(2026, 1, 20), "Chuyển đổi số năm 2026")
    tasks = [_task(n) for n in range(1, n_tasks + 1)]
    tasks = [T.Task(None, t.name, t.rule, t.leads, tags=t.tags, section=t.section, stt=t.stt, source=source)
             for t in tasks]
    plan = ts.plan_import(conn, catalog.commune, source, tasks)
    ts.apply_import(conn, SYSTEM, catalog.commune, plan, {}, stamp=dt.datetime(2026, 6, 1, 8))
    for s in ts.stored_tasks(conn, catalog.commune)[:updated]:
        ts.record_progress(conn, SYSTEM, catalog.commune, s.task,
                           T.Progress(s.task.id or 0, "2026-07", T.IN_PROGRESS, "Đang làm", recorded_at=recorded))


def _news(conn, catalog):
    store.record_submissions(conn, [Submission(catalog.commune, "VP", "2026-07", (Figure("NEWS", value=5.0),),
                                               submitted_at=dt.datetime(2026, 8, 3, 8))], SYSTEM)


def test_scoring_figures_carry_the_register_rows(tmp_path):
    catalog = catalog_of(COMPUTED, units=UNITS)
    conn = store.connect(tmp_path / "t.duckdb")
    store.sync_catalog(conn, catalog, SYSTEM)
    _news(conn, catalog)
    _register(conn, catalog, 10, 9, dt.datetime(2026, 7, 25, 16))
    figs = scoring_figures(conn, catalog, as_of=D(2026, 9, 30))
    rows = figs[figs["indicator_id"] == "KHCN_TIEN_DO"]
    # July 9/10; August and September: nobody updated, 0/10 each (the quarter is touched by July's upload)
    assert list(zip(rows["period"], rows["unit"], rows["numerator"], rows["denominator"])) == [
        ("2026-07", "VHXH", 9.0, 10.0), ("2026-08", "VHXH", 0.0, 10.0), ("2026-09", "VHXH", 0.0, 10.0)]
    july = period_result(conn, catalog, "2026-07", as_of=D(2026, 9, 30)).commune.result("KHCN_TIEN_DO")
    assert (july.totals.numerator, july.totals.denominator, july.achieved, july.points) == (9.0, 10.0, 90.0, 3.0)
    quarter = period_result(conn, catalog, "2026-Q3", as_of=D(2026, 9, 30)).commune.result("KHCN_TIEN_DO")
    assert (quarter.totals.numerator, quarter.totals.denominator) == (9.0, 30.0)
    # 31 July: July has ended, a row; 30 July: no month has, no row (pending, never a loss)
    assert task_progress_figures(conn, catalog, [JULY], D(2026, 7, 31)) == [("VHXH", "2026-07", "KHCN_TIEN_DO",
                                                                             9.0, 10.0)]
    assert task_progress_figures(conn, catalog, [JULY], D(2026, 7, 30)) == []
    conn.close()


def test_a_record_after_as_of_does_not_count(tmp_path):
    catalog = catalog_of(COMPUTED, units=UNITS)
    conn = store.connect(tmp_path / "t.duckdb")
    store.sync_catalog(conn, catalog, SYSTEM)
    _register(conn, catalog, 10, 10, dt.datetime(2026, 8, 10, 9))     # July's update, sent on 10 August
    assert task_progress_figures(conn, catalog, [JULY], D(2026, 8, 9)) == [("VHXH", "2026-07", "KHCN_TIEN_DO",
                                                                             0.0, 10.0)]
    assert task_progress_figures(conn, catalog, [JULY], D(2026, 8, 10)) == [("VHXH", "2026-07", "KHCN_TIEN_DO",
                                                                              10.0, 10.0)]
    conn.close()


def test_a_typed_criterion_scores_the_typed_figure_as_before(tmp_path):
    catalog = catalog_of(TYPED, units=UNITS)
    conn = store.connect(tmp_path / "t.duckdb")
    store.sync_catalog(conn, catalog, SYSTEM)
    _register(conn, catalog, 10, 9, dt.datetime(2026, 7, 25, 16))     # the register is not read
    store.record_submissions(conn, [Submission(catalog.commune, "VHXH", "2026-07",
                                               (Figure("KHCN_TIEN_DO", numerator=4.0, denominator=5.0),),
                                               submitted_at=dt.datetime(2026, 8, 3, 8))], SYSTEM)
    figs = scoring_figures(conn, catalog, as_of=D(2026, 9, 30))
    rows = figs[figs["indicator_id"] == "KHCN_TIEN_DO"]
    assert list(zip(rows["period"], rows["numerator"], rows["denominator"])) == [("2026-07", 4.0, 5.0)]
    conn.close()


def test_the_shipped_catalogue_measures_it_and_the_demo_quarter_is_realistic(demo_conn, catalog):
    assert catalog.indicator("CD_CAP_NHAT_TIEN_DO").computed == "task_progress"
    from common import TODAY
    r = period_result(demo_conn, catalog, "2026-Q3", as_of=TODAY).commune.result("CD_CAP_NHAT_TIEN_DO")
    assert r.totals.denominator > 10 and 80 <= r.achieved < 100
