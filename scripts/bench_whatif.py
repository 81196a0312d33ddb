"""Measure a what-if recompute (goal < 50 ms) against a floor: one bare `score_totals` call.

A recompute is what the page does when an input changes: apply the scenario to the quarter's
totals and score them (`kpi.whatif.simulate`). The page also computes the quarter's totals
from the figures once per run (`quarter_totals`); that is measured too, and so is the whole
goal-seek of the quarter. Run: `.venv/bin/python scripts/bench_whatif.py [--quick]` (demo data, in
memory; `--quick`, for `make bench-smoke`: four months and a few repeats). It reports and never fails:
a missed goal is printed as MISSED, the exit status stays 0.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kpi import store  # noqa: E402
from kpi.domain.catalog import load_catalog  # noqa: E402
from kpi.domain.goalseek import what_it_takes_all  # noqa: E402
from kpi.domain.periods import Quarter  # noqa: E402
from kpi.domain.scoring import quarter_totals, score_totals  # noqa: E402
from kpi.domain.whatif import Adjustment, Scenario, simulate  # noqa: E402
from kpi.usecases.demo import load_demo  # noqa: E402

GOAL_MS = 50.0


def median_ms(fn, repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="four demo months, a few repeats (a smoke run)")
    args = parser.parse_args()
    months, scale = (4, 0.02) if args.quick else (18, 1.0)

    def times(n: int) -> int:
        return max(3, int(n * scale))

    catalog = load_catalog(ROOT / "config" / "indicators.toml")
    conn = store.connect(":memory:")
    load_demo(conn, catalog, months, today=dt.date(2026, 11, 23))
    figures = store.current_figures(conn, catalog.commune)
    quarter = Quarter(2026, 4)
    totals = quarter_totals(catalog, figures, quarter)
    scenario = Scenario("Bench", (
        Adjustment("DVC_HS_TRUC_TUYEN", extra_numerator=40, month="2026-12"),
        Adjustment("HT_WIFI_NVH", extra_value=3),
        Adjustment("DVC_QUA_HAN", set_rate=1.0),
        Adjustment("TT_TIN_BAI", extra_value=9),
        Adjustment("DA06_SO_SUC_KHOE", extra_numerator=5000, extra_denominator=6000)))
    label = str(quarter)

    floor = median_ms(lambda: score_totals(catalog, totals, label), times(2000))
    recompute = median_ms(lambda: simulate(catalog, totals, quarter, scenario), times(2000))
    with_totals = median_ms(lambda: simulate(catalog, quarter_totals(catalog, figures, quarter),
                                             quarter, scenario), times(200))
    goalseek = median_ms(lambda: what_it_takes_all(catalog, figures, quarter), times(50))

    print(f"figures: {len(figures)} rows, {len(catalog.indicators)} criteria, {quarter.label}")
    print(f"floor     score_totals (bare)                 median {floor:8.3f} ms")
    print(f"recompute simulate (scenario of {len(scenario.adjustments)})           median "
          f"{recompute:8.3f} ms   ratio to floor {recompute / floor:5.2f}×   goal < {GOAL_MS:g} ms: "
          f"{'OK' if recompute < GOAL_MS else 'MISSED'}")
    print(f"          + quarter_totals from figures       median {with_totals:8.3f} ms   "
          f"ratio to floor {with_totals / floor:5.1f}×   goal < {GOAL_MS:g} ms: "
          f"{'OK' if with_totals < GOAL_MS else 'MISSED'}")
    print(f"goal-seek what_it_takes_all (quarter)         median {goalseek:8.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
