"""What an upload would change: its figures next to the stored current version."""
from __future__ import annotations

import math

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Submission
from kpi.domain.scoring import Totals, achieved_of
from kpi.store import current_figures

COLUMNS = ["indicator_id", "name", "kind", "numerator", "denominator", "value", "achieved",
           "previous_numerator", "previous_denominator", "previous_value", "previous_achieved",
           "changed"]


def _num(x) -> float:
    return float("nan") if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _achieved(ind, num, den, value) -> float:
    if ind.is_ratio:
        if math.isnan(num) or math.isnan(den):
            return float("nan")
        got = achieved_of(ind, Totals(numerator=num, denominator=den, months_reported=1))
    else:
        if math.isnan(value):
            return float("nan")
        got = achieved_of(ind, Totals(value=value, months_reported=1))
    return float("nan") if got is None else got


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def preview_figures(conn, catalog: Catalog, submission: Submission) -> pd.DataFrame:
    """One row per criterion of the submission (and per criterion only stored before)."""
    stored = current_figures(conn, submission.commune, [submission.period], submission.unit)
    before = {r.indicator_id: r for r in stored.itertuples(index=False)}
    new = {f.indicator_id: f for f in submission.figures}
    rows = []
    for ind in catalog.indicators:
        if ind.id not in new and ind.id not in before:
            continue
        f, p = new.get(ind.id), before.get(ind.id)
        cur = [_num(getattr(f, k, None)) for k in ("numerator", "denominator", "value")]
        prev = [_num(getattr(p, k, None)) for k in ("numerator", "denominator", "value")]
        rows.append({
            "indicator_id": ind.id, "name": ind.name, "kind": ind.kind,
            "numerator": cur[0], "denominator": cur[1], "value": cur[2],
            "achieved": _achieved(ind, *cur),
            "previous_numerator": prev[0], "previous_denominator": prev[1],
            "previous_value": prev[2], "previous_achieved": _achieved(ind, *prev),
            "changed": not all(_same(a, b) for a, b in zip(cur, prev)),
        })
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.astype({c: "float64" for c in COLUMNS if c not in ("indicator_id", "name", "kind",
                                                                  "changed")} | {"changed": "bool"})
