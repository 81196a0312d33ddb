"""The vectorised scoring pass gives exactly what the per-criterion path gave: every quarter of the
demo database, at commune level and for every unit, provisional or not, a quarter or one month.

The reference below is the engine's former per-criterion code (boolean filtering per criterion and
per unit), kept here as the oracle; equality is exact (==, no tolerance)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from common import TODAY

from kpi import store
from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.periods import Month, Quarter
from kpi.domain.scoring import (
    QuarterScore,
    Totals,
    _provisional_result,
    _units_of,
    monthly_totals,
    months_not_due,
    points_sum,
    quarter_figures,
    reported_rows,
    score_criterion,
    score_quarter,
    score_quarter_all,
    score_totals,
    totals_of,
)
from kpi.present import tables
from kpi.usecases.scores import scoring_figures

# ── the former per-criterion path (reference) ────────────────────────────────

def ref_totals_of(ind: Indicator, rows: pd.DataFrame) -> Totals:
    if rows.empty:
        return Totals()
    rep = reported_rows(ind, rows)
    if rep.empty:
        return Totals()
    if ind.is_ratio:
        months = int(rep["period"].nunique())
        if ind.aggregate == "last":
            rep = rep.sort_values("period").groupby("unit", sort=False)[["numerator", "denominator"]].last()
        return Totals(numerator=float(rep["numerator"].sum()), denominator=float(rep["denominator"].sum()),
                      months_reported=months)
    if ind.aggregate == "sum":
        value = float(rep["value"].sum())
    elif ind.aggregate == "last":
        value = float(rep.sort_values("period").groupby("unit", sort=False)["value"].last().sum())
    else:
        value = float(rep.groupby("unit", sort=False)["value"].mean().sum())
    return Totals(value=value, months_reported=int(rep["period"].nunique()))


def ref_quarter_totals(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter, unit: str | None):
    rows = quarter_figures(figures, quarter, unit)
    by_id = {k: g for k, g in rows.groupby("indicator_id", sort=False)}
    return {ind.id: ref_totals_of(ind, by_id[ind.id][by_id[ind.id]["unit"].isin(ind.units)])
            if ind.id in by_id else Totals() for ind in catalog.indicators}


def ref_reported(catalog: Catalog, rows: pd.DataFrame) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {"*": set()}
    for ind in catalog.indicators:
        rep = reported_rows(ind, rows[rows["indicator_id"] == ind.id])
        out[ind.id] = set(zip(rep["unit"], rep["period"]))
        out["*"] |= out[ind.id]
    return out


def ref_score_quarter(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter, unit: str | None,
                      as_of: dt.date, months: tuple[Month, ...] | None = None,
                      totals: dict[str, Totals] | None = None) -> QuarterScore:
    """`totals`: `ref_quarter_totals(catalog, figures, quarter, unit)` if already worked out (it does
    not depend on `as_of`)."""
    if totals is None:
        totals = ref_quarter_totals(catalog, figures, quarter, unit)
    score = score_totals(catalog, totals, str(quarter), unit)
    months = quarter.months if months is None else months
    not_due = months_not_due(catalog, months, as_of)
    if not not_due:
        return score
    reported = ref_reported(catalog, quarter_figures(figures, quarter, unit))
    nothing_due = len(not_due) == len(months)
    results = tuple(_provisional_result(r, not_due, nothing_due, reported, unit) for r in score.indicators)
    # a total is the sum of the official points in whole hundredths (the rounding rule, not a path)
    total = points_sum(r.points for r in results)
    max_points = points_sum(r.max_points for r in results)
    percent = 100.0 * total / max_points if max_points > 0 else None
    units = {u for r in results for u in _units_of(r.indicator, unit)}
    to_come = sum(1 for u in units for m in not_due if (u, str(m)) not in reported["*"])
    return dataclasses.replace(score, indicators=results, total_points=total, max_points=max_points,
                               percent=percent, grade=catalog.grade_for(percent), provisional=True,
                               to_come=to_come)


# ── the comparison ───────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def demo_figures(demo_db_file, catalog):
    conn = store.connect(demo_db_file, read_only=True)
    try:
        return scoring_figures(conn, catalog, as_of=TODAY)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def ref_demo(catalog, demo_figures):
    """The reference's score of the whole demo's `quarter` for `unit` (None: the commune) on `as_of`.
    Its totals do not depend on `as_of`: they are worked out once per (quarter, unit) for the module."""
    totals: dict[tuple[str, str | None], dict[str, Totals]] = {}

    def score(quarter: Quarter, unit: str | None, as_of: dt.date) -> QuarterScore:
        key = (str(quarter), unit)
        if key not in totals:
            totals[key] = ref_quarter_totals(catalog, demo_figures, quarter, unit)
        return ref_score_quarter(catalog, demo_figures, quarter, unit, as_of, totals=totals[key])
    return score


# the demo's last month is 10/2026: on TODAY its quarter is provisional; a year later nothing is
AS_OF = [TODAY, dt.date(2027, 12, 31), dt.date(2026, 10, 1)]


def test_every_quarter_every_unit_equals_the_per_criterion_path(catalog, demo_figures, ref_demo):
    """On each date of AS_OF (one test rather than one per date: the reference's totals are shared)."""
    quarters = tables.data_quarters(demo_figures)
    assert len(quarters) == 7                      # 2025-Q2 … 2026-Q4
    for as_of in AS_OF:
        provisional = 0
        for q in quarters:
            everything = score_quarter_all(catalog, demo_figures, q, as_of=as_of)
            for unit in [None, *(u.code for u in catalog.units)]:
                expected = ref_demo(q, unit, as_of)
                assert score_quarter(catalog, demo_figures, q, unit, as_of=as_of) == expected, (as_of, q, unit)
                assert everything.of(unit) == expected, (as_of, q, unit)
            commune = everything.commune
            provisional += commune.provisional
            for ind in catalog.indicators:
                assert score_criterion(catalog, demo_figures, q, ind.id, as_of=as_of) == (
                    commune.result(ind.id), commune.provisional), (as_of, q, ind.id)
        # the comparison covers provisional quarters too (not on a date after every due date)
        assert provisional == {TODAY: 1, dt.date(2027, 12, 31): 0, dt.date(2026, 10, 1): 2}[as_of], as_of


def test_one_month_of_a_quarter_equals_the_per_criterion_path(catalog, demo_figures):
    for q in tables.data_quarters(demo_figures):
        for m in q.months:
            rows = demo_figures[demo_figures["period"] == str(m)]
            for unit in [None, "VHXH"]:
                expected = ref_score_quarter(catalog, rows, q, unit, TODAY, months=(m,))
                assert score_quarter(catalog, rows, q, unit, as_of=TODAY, months=(m,)) == expected
                assert score_quarter_all(catalog, rows, q, as_of=TODAY, months=(m,)).of(unit) == expected


def test_monthly_totals_equal_each_month_aggregated_alone(catalog, demo_figures):
    months = sorted(demo_figures["period"].unique())
    for ind in catalog.indicators:
        rows = demo_figures[(demo_figures["indicator_id"] == ind.id) & demo_figures["unit"].isin(ind.units)]
        by_month = monthly_totals(ind, rows)
        for m in months:
            alone = ref_totals_of(ind, rows[rows["period"] == m])
            assert by_month.get(m, Totals()) == alone, (ind.id, m)
            assert totals_of(ind, rows[rows["period"] == m]) == alone, (ind.id, m)


def test_the_demo_scores_are_not_trivial(catalog, demo_figures):
    """The equality above is worth something: the demo has ratio, stock and count criteria with
    data, units scoring differently, and points lost."""
    s = score_quarter_all(catalog, demo_figures, "2026-Q3", as_of=TODAY)
    assert {r.indicator.kind for r in s.commune.indicators if r.totals.months_reported} >= {"ratio", "number"}
    assert any(r.indicator.aggregate == "last" and r.totals.months_reported for r in s.commune.indicators)
    assert 0 < s.commune.total_points < s.commune.max_points
    assert len({round(u.total_points, 6) for u in s.units.values()}) > 3


@pytest.mark.parametrize("unit", [None, "VHXH"])
def test_the_cli_score_output_is_that_of_the_per_criterion_path(demo_db, catalog, demo_figures, ref_demo, unit):
    """`python -m kpi score --json` (in-process) prints exactly the former path's numbers."""
    import io
    import json
    from contextlib import redirect_stdout

    from kpi.cli.main import main
    from kpi.cli.score import finite
    for q in tables.data_quarters(demo_figures):
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["--db", str(demo_db), "score", "--quarter", str(q), "--json", "--as-of", str(TODAY)]
                        + (["--unit", unit] if unit else [])) == 0
        if unit is None:
            expected = finite(ref_demo(q, None, TODAY).to_dict())
        else:
            figures = demo_figures[demo_figures["unit"] == unit]
            expected = finite(ref_score_quarter(catalog, figures, q, unit, TODAY).to_dict())
        printed = json.loads(out.getvalue())
        assert (printed.pop("closed"), printed.pop("catalog_version")) == (False, 1)   # what the CLI adds
        assert printed == json.loads(json.dumps(expected)), q
