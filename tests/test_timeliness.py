"""Reporting on time is measured from the submission log, not typed: hand-computed cases."""
import dataclasses
import datetime as dt

import pandas as pd
import pytest
from catalogs import catalog_of
from common import CONFIG, TODAY

from kpi import store
from kpi.domain.catalog import CatalogError, load_catalog, parse_catalog
from kpi.domain.figures import Figure, Submission
from kpi.domain.periods import Month
from kpi.domain.scoring import (
    MET,
    MISSED,
    NO_DATA,
    PENDING,
    Timeliness,
    empty_figures,
    on_time_figures,
    report_timeliness,
    score_quarter,
    with_computed,
)
from kpi.ingest import check_workbook
from kpi.reports.template import build_template
from kpi.usecases.period_result import period_result
from kpi.usecases.scores import scoring_figures
from tests.ingest_helpers import fill_sheet, load, row_of, save

UNITS = (("A", "Đơn vị A"), ("B", "Đơn vị B"), ("C", "Đơn vị C"))
CATALOG = catalog_of("""
    [[indicators]]
    id = "ON_TIME"
    group = "Báo cáo"
    name = "Tỷ lệ báo cáo tháng gửi trước ngày 18"
    kind = "ratio"
    computed = "on_time_reporting"
    target = 100
    points = 10
    units = ["A", "B", "C"]

    [[indicators]]
    id = "NEWS"
    group = "Tuyên truyền"
    name = "Tin bài"
    kind = "number"
    target = 4
    points = 5
    units = ["A"]
    """, units=UNITS)
Q3 = "2026-Q3"
JUL, AUG, SEP = Month(2026, 7), Month(2026, 8), Month(2026, 9)


def log(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"unit": u, "period": p, "first_submitted_at": pd.Timestamp(at), "versions": 1}
                         for u, p, at in rows], columns=["unit", "period", "first_submitted_at", "versions"])


# A on time every month (July at 23:59 on the 17th), B late by one day in July (the 18th, 00:00)
# and in August (the 19th), on time in September; C never sends.
LOG = log(("A", "2026-07", "2026-08-17 23:59"), ("A", "2026-08", "2026-09-10 08:00"),
          ("A", "2026-09", "2026-10-01 09:00"), ("B", "2026-07", "2026-08-18 00:00"),
          ("B", "2026-08", "2026-09-19 10:00"), ("B", "2026-09", "2026-10-05 14:00"))


def scored(first: pd.DataFrame, as_of: dt.date, figures: pd.DataFrame | None = None):
    figures = empty_figures() if figures is None else figures
    return score_quarter(CATALOG, with_computed(CATALOG, figures, first, as_of), Q3, as_of=as_of)


@pytest.mark.parametrize(("sent", "as_of", "expected"), [
    (dt.datetime(2026, 8, 17, 23, 59), dt.date(2026, 9, 1), Timeliness.ON_TIME),
    (dt.datetime(2026, 8, 18, 0, 0), dt.date(2026, 9, 1), Timeliness.LATE),     # late by one day
    (dt.datetime(2026, 7, 2, 9, 0), dt.date(2026, 7, 2), Timeliness.ON_TIME),   # early, long before due
    (None, dt.date(2026, 8, 17), Timeliness.NOT_DUE),                           # the day before the 18th
    (None, dt.date(2026, 8, 18), Timeliness.MISSING),                           # the 18th: due and missing
])
def test_one_unit_month_against_the_18th(sent, as_of, expected):
    assert report_timeliness(CATALOG, JUL, sent, as_of) == expected


# `due_day = 31`: October's figures may arrive through 30 November (November has no 31st)
CATALOG_31 = dataclasses.replace(CATALOG, due_day=31)
OCT = Month(2026, 10)


@pytest.mark.parametrize(("sent", "as_of", "expected"), [
    (None, dt.date(2026, 11, 29), Timeliness.NOT_DUE),
    (None, dt.date(2026, 11, 30), Timeliness.NOT_DUE),                          # its last day: still time
    (None, dt.date(2026, 12, 1), Timeliness.MISSING),                           # the day after: missing
    (dt.datetime(2026, 11, 30, 23, 59), dt.date(2026, 12, 5), Timeliness.ON_TIME),
    (dt.datetime(2026, 12, 1, 0, 0), dt.date(2026, 12, 5), Timeliness.LATE),
])
def test_a_due_day_past_the_month_end_is_its_last_day(sent, as_of, expected):
    assert report_timeliness(CATALOG_31, OCT, sent, as_of) == expected


@pytest.mark.parametrize(("as_of", "status", "to_come"), [
    (dt.date(2026, 11, 29), PENDING, 9),
    (dt.date(2026, 11, 30), PENDING, 9),          # was judged on 30 November: no_data a day early
    (dt.date(2026, 12, 1), NO_DATA, 6),           # October due for A, B and C
])
def test_nothing_sent_for_october_is_pending_through_30_november(as_of, status, to_come):
    s = score_quarter(CATALOG_31, with_computed(CATALOG_31, empty_figures(), log(), as_of), "2026-Q4", as_of=as_of)
    assert (s.result("NEWS").status, s.result("ON_TIME").status, s.to_come) == (status, status, to_come)


@pytest.mark.parametrize(("year", "leap_day"), [(2026, None), (2028, 29)])
def test_january_with_due_day_31_is_due_on_1_march(year, leap_day):
    jan = Month(year, 1)
    last = dt.date(year, 2, leap_day or 28)
    assert report_timeliness(CATALOG_31, jan, None, last - dt.timedelta(days=1)) == Timeliness.NOT_DUE
    assert report_timeliness(CATALOG_31, jan, None, last) == Timeliness.NOT_DUE
    assert report_timeliness(CATALOG_31, jan, None, dt.date(year, 3, 1)) == Timeliness.MISSING
    assert report_timeliness(CATALOG_31, jan, dt.datetime(year, 2, last.day, 17, 0), dt.date(year, 3, 9)) == \
        Timeliness.ON_TIME


def test_figure_rows_one_per_unit_month_due_or_sent():
    rows = on_time_figures(CATALOG, LOG, [JUL], dt.date(2026, 8, 20))
    assert [(r.unit, r.period, r.numerator, r.denominator) for r in rows.itertuples()] == [
        ("A", "2026-07", 1.0, 1.0), ("B", "2026-07", 0.0, 1.0), ("C", "2026-07", 0.0, 1.0)]


def test_whole_quarter_due_counts_late_and_missing_as_not_on_time():
    # A 3 of 3, B 1 of 3 (September), C 0 of 3 → 4 / 9 = 44,44 % → 10 × 4/9 = 4,444 points, officially
    # truncated to 4,44
    r = scored(LOG, dt.date(2026, 10, 18)).result("ON_TIME")
    assert (r.totals.numerator, r.totals.denominator) == (4.0, 9.0)
    assert r.achieved == pytest.approx(400 / 9)
    assert r.exact_points == pytest.approx(40 / 9) and r.points == 4.44
    assert r.status == MISSED and not r.provisional


def test_month_not_yet_due_is_pending_never_a_loss():
    # 17 October: September is not due. A and B sent it (on time, counted); C has not: no row.
    s = scored(LOG, dt.date(2026, 10, 17))
    r = s.result("ON_TIME")
    assert (r.totals.numerator, r.totals.denominator) == (4.0, 8.0)
    assert r.achieved == 50.0 and r.points == 5.0 and r.provisional
    assert s.provisional and s.to_come == 1                 # C's September is still to come


def test_as_of_before_any_due_date_is_pending():
    s = scored(log(), dt.date(2026, 8, 17))
    r = s.result("ON_TIME")
    assert r.status == PENDING and (r.points, r.max_points) == (0.0, 0.0)
    assert s.to_come == 9


def test_every_unit_on_time_meets_the_target():
    first = log(*[(u, str(m), f"{m.add(1)}-05 08:00") for u in "ABC" for m in (JUL, AUG, SEP)])
    r = scored(first, dt.date(2026, 11, 1)).result("ON_TIME")
    assert (r.totals.numerator, r.totals.denominator, r.points, r.status) == (9.0, 9.0, 10.0, MET)


def test_a_typed_value_for_the_computed_criterion_never_counts():
    typed = pd.DataFrame([{"unit": "A", "period": "2026-07", "indicator_id": "ON_TIME", "numerator": 3.0,
                           "denominator": 3.0, "value": None},
                          {"unit": "A", "period": "2026-07", "indicator_id": "NEWS", "numerator": None,
                           "denominator": None, "value": 4.0}])
    s = scored(LOG, dt.date(2026, 10, 18), typed)
    assert (s.result("ON_TIME").totals.numerator, s.result("ON_TIME").totals.denominator) == (4.0, 9.0)
    assert s.result("NEWS").totals.value == 4.0


def test_one_unit_scored_on_its_own_months():
    figs = with_computed(CATALOG, empty_figures(), LOG, dt.date(2026, 10, 18))
    b = score_quarter(CATALOG, figs[figs["unit"] == "B"], Q3, "B", as_of=dt.date(2026, 10, 18))
    assert b.result("ON_TIME").achieved == pytest.approx(100 / 3)


def test_no_computed_rows_for_a_quarter_nobody_reported_in():
    figs = with_computed(CATALOG, empty_figures(), LOG, dt.date(2026, 12, 31))
    assert sorted(figs["period"].unique()) == ["2026-07", "2026-08", "2026-09"]


def test_catalogue_checks_the_computed_key():
    with pytest.raises(CatalogError) as e:
        catalog_of("""
            [[indicators]]
            id = "X"
            group = "G"
            name = "N"
            kind = "number"
            computed = "typed_by_hand"
            target = 1
            points = 1
            units = ["A"]
            [[indicators]]
            id = "Y"
            group = "G"
            name = "N"
            kind = "number"
            computed = "on_time_reporting"
            target = 1
            points = 1
            units = ["A"]
            """)
    assert e.value.problems == [
        "Chỉ tiêu X, khóa `computed`: phải là một trong \"on_time_reporting\", \"task_progress\" (đang là 'typed_by_hand').",
        "Chỉ tiêu Y, khóa `computed`: chỉ tiêu tính tự động phải có kind = \"ratio\" (số tháng-đơn vị đúng "
        "hạn / số tháng-đơn vị đã đến hạn).",
    ]


def test_the_commune_catalogue_computes_on_time_reporting_for_every_unit():
    catalog = load_catalog(CONFIG)
    ind = catalog.indicator("CD_BAO_CAO_DUNG_HAN")
    assert ind.computed == "on_time_reporting"
    assert ind.units == tuple(u.code for u in catalog.units)
    for unit in catalog.units:
        assert ind not in catalog.typed_indicators_of_unit(unit.code)
        ws = load(build_template(catalog, "2026-10", unit.code))["Số liệu"]
        with pytest.raises(KeyError):
            row_of(ws, "CD_BAO_CAO_DUNG_HAN")


def test_an_old_template_row_for_it_is_ignored_with_a_warning():
    catalog = load_catalog(CONFIG)
    old = parse_catalog(CONFIG.read_text(encoding="utf-8").replace('computed = "on_time_reporting"\n', "")
                        .replace('units = ["VP", "VHXH", "KT", "TTPVHCC", "TTDVSNC", "CA", "QS", "TYT", "QLDA", '
                                 '"MN", "TH", "THCS"]\nlead = "VHXH"', 'units = ["VHXH"]\nlead = "VHXH"'))
    wb = load(build_template(old, "2026-10", "VHXH"))
    fill_sheet(wb["Số liệu"], {"CD_BAO_CAO_DUNG_HAN": (12, 12), "HT_MAY_TINH": (5, 6)})
    result = check_workbook(save(wb), "vhxh.xlsx", catalog, today=TODAY)
    assert result.ok
    [sub] = result.submissions
    assert [f.indicator_id for f in sub.figures] == ["HT_MAY_TINH"]
    r = row_of(wb["Số liệu"], "CD_BAO_CAO_DUNG_HAN")
    assert [str(w) for w in result.warnings if "CD_BAO_CAO_DUNG_HAN" in str(w)] == [
        f"Số liệu!B{r}: chỉ tiêu CD_BAO_CAO_DUNG_HAN do ứng dụng tự tính từ thời điểm gửi số liệu "
        "của các đơn vị; số liệu nhập ở dòng này được bỏ qua."]


def test_store_log_to_score(tmp_path):
    """Through the store: first upload times (a correction does not change them), the use case's score."""
    catalog = CATALOG
    conn = store.connect(tmp_path / "t.duckdb")
    store.sync_catalog(conn, catalog, store_actor())
    subs = [Submission("XA", "A", "2026-07", (Figure("NEWS", value=4.0),), submitted_at=dt.datetime(2026, 8, 3, 8)),
            Submission("XA", "A", "2026-07", (Figure("NEWS", value=5.0),), submitted_at=dt.datetime(2026, 8, 25, 8)),
            Submission("XA", "B", "2026-07", (), submitted_at=dt.datetime(2026, 8, 18, 7)),
            Submission("XA", "A", "2026-08", (Figure("NEWS", value=2.0),), submitted_at=dt.datetime(2026, 9, 1, 8))]
    store.record_submissions(conn, subs, store_actor())
    # 20 September: July due (A on time, B late, C missing), August due (A on time, B, C missing),
    # September not due (nobody sent): 2 / 6
    s = period_result(conn, catalog, Q3, as_of=dt.date(2026, 9, 20)).commune
    r = s.result("ON_TIME")
    assert (r.totals.numerator, r.totals.denominator) == (2.0, 6.0)
    assert s.result("NEWS").totals.value == 7.0              # the corrected July (5) and August (2)
    figs = scoring_figures(conn, catalog, ["2026-07"], "B", as_of=dt.date(2026, 9, 20))
    assert list(zip(figs["indicator_id"], figs["numerator"], figs["denominator"])) == [("ON_TIME", 0.0, 1.0)]
    conn.close()


def store_actor():
    from kpi.domain.figures import Actor
    return Actor("Hệ thống", role="system")
