"""Every commune's quarter score at once: one pass over all communes' figures, grouped by commune
and criterion (never two communes' units added together), then each commune scored by
`kpi.domain.scoring` (`score_totals`, `provisional_score`, `report_timeliness`) — the same rules as
`score_quarter`, which the tests check commune by commune. Pure: no I/O."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.city import City
from kpi.domain.periods import Month, Quarter
from kpi.domain.scoring import (
    QuarterScore,
    Timeliness,
    Totals,
    months_not_due,
    provisional_score,
    report_timeliness,
    score_totals,
)

_KEY = ["commune", "indicator_id"]


def city_quarter_scores(city: City, codes: list[str] | tuple[str, ...], figures: pd.DataFrame,
                        first_submissions: pd.DataFrame, quarter: Quarter,
                        as_of: dt.date | None = None) -> dict[str, QuarterScore | None]:
    """Commune code → its score of `quarter` (None: nothing sent or reported in that quarter).

    `figures`: the current typed figures with a `commune` column (the store's `city_figures`);
    `first_submissions`: commune, unit, period, first_submitted_at (`city_first_submissions`)."""
    base = city.base
    months = quarter.months
    periods = [str(m) for m in months]
    computed = {i.id for i in base.indicators if i.is_computed}
    figures = _plain(figures, ["commune", "unit", "period", "indicator_id"])
    first_submissions = _plain(first_submissions, ["commune", "unit", "period"])
    rows = figures[figures["period"].isin(periods) & ~figures["indicator_id"].isin(computed)
                   & figures["indicator_id"].isin([i.id for i in base.indicators])]
    log = first_submissions[first_submissions["period"].isin(periods)]
    ratio_ids = [i.id for i in base.indicators if i.is_ratio]
    is_ratio = rows["indicator_id"].isin(ratio_ids)
    reported = rows[(is_ratio & rows["numerator"].notna() & rows["denominator"].notna())
                    | (~is_ratio & rows["value"].notna())]
    totals = _typed_totals(city, codes, reported)
    sent = _first_sent(log)
    active = set(rows["commune"]) | set(log["commune"])
    not_due = months_not_due(base, months, as_of)
    pairs = _reported_pairs(reported) if not_due else {}
    out: dict[str, QuarterScore | None] = {}
    for code in codes:
        if code not in active:
            out[code] = None
            continue
        catalog = city.catalog_for(code)
        mine = totals.get(code, {})
        commune_pairs = pairs.get(code, {"*": set()}) if not_due else {}
        for ind in catalog.indicators:
            if ind.computed == "on_time_reporting":
                mine[ind.id], done = _on_time_totals(catalog, ind.units, months, sent.get(code, {}), as_of)
                if not_due:
                    commune_pairs.setdefault(ind.id, set()).update(done)
                    commune_pairs["*"].update(done)
        score = score_totals(catalog, mine, str(quarter))
        if not_due:
            score = provisional_score(catalog, score, months, not_due, commune_pairs)
        out[code] = score
    return out


def _typed_totals(city: City, codes: list[str] | tuple[str, ...], reported: pd.DataFrame) -> dict[str, dict[str, Totals]]:
    """Per commune and criterion the quarter's totals of the units that report it there: summed
    (sum), each unit's last reported month summed (last), each unit's mean summed (mean)."""
    allowed = pd.DataFrame([(code, ind.id, u) for code in codes for ind in city.catalog_for(code).indicators
                            if not ind.is_computed for u in ind.units], columns=["commune", "indicator_id", "unit"])
    rep = reported[["commune", "indicator_id", "unit", "period", "numerator", "denominator", "value"]]
    rep = rep.merge(allowed, on=["commune", "indicator_id", "unit"])
    if rep.empty:
        return {}
    aggregate = {i.id: i.aggregate for i in city.base.indicators}
    ratio = {i.id: i.is_ratio for i in city.base.indicators}
    counts = ["numerator", "denominator", "value"]
    months_reported = rep.groupby(_KEY)["period"].nunique()
    summed = _rows(rep.groupby(_KEY)[counts].sum())
    last = _rows(rep.sort_values("period").groupby(_KEY + ["unit"]).tail(1).groupby(_KEY)[counts].sum())
    mean = dict(zip(*_pairs(rep.groupby(_KEY + ["unit"])["value"].mean().groupby(level=[0, 1]).sum())))
    out: dict[str, dict[str, Totals]] = {}
    for (code, iid), n in zip(*_pairs(months_reported)):
        agg = aggregate[iid]
        num, den, value = (last if agg == "last" else summed)[(code, iid)]
        if ratio[iid]:
            t = Totals(numerator=float(num), denominator=float(den), months_reported=int(n))
        else:
            t = Totals(value=float(mean[(code, iid)] if agg == "mean" else value), months_reported=int(n))
        out.setdefault(code, {})[iid] = t
    return out


def _plain(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as plain Python objects (Arrow-backed text is slow to filter and group)."""
    return frame.astype({c: object for c in columns})


def _pairs(series: pd.Series) -> tuple[list, list]:
    return list(series.index), series.tolist()


def _rows(frame: pd.DataFrame) -> dict[tuple, tuple]:
    return dict(zip(frame.index, map(tuple, frame.to_numpy().tolist())))


def _first_sent(log: pd.DataFrame) -> dict[str, dict[tuple[str, str], dt.datetime]]:
    out: dict[str, dict[tuple[str, str], dt.datetime]] = {}
    stamps = pd.to_datetime(log["first_submitted_at"])
    for code, unit, period, sent in zip(log["commune"], log["unit"], log["period"], stamps):
        if not pd.isna(sent):
            out.setdefault(str(code), {})[(str(unit), str(period))] = sent.to_pydatetime()
    return out


def _on_time_totals(catalog: Catalog, units: tuple[str, ...], months: tuple[Month, ...],
                    sent: dict[tuple[str, str], dt.datetime], as_of: dt.date | None) -> tuple[Totals, set]:
    """The on-time criterion's totals (1 of 1 per unit-month first sent before its due date, 0 of 1
    late or missing after it, nothing while not due) and the unit-months that have a row."""
    on_time = due = 0
    done: set[tuple[str, str]] = set()
    for m in months:
        for unit in units:
            state = report_timeliness(catalog, m, sent.get((unit, str(m))), as_of)
            if state == Timeliness.NOT_DUE:
                continue
            due += 1
            on_time += state == Timeliness.ON_TIME
            done.add((unit, str(m)))
    if not due:
        return Totals(), done
    return Totals(numerator=float(on_time), denominator=float(due),
                  months_reported=len({p for _, p in done})), done


def _reported_pairs(reported: pd.DataFrame) -> dict[str, dict[str, set[tuple[str, str]]]]:
    """Per commune: (unit, month) pairs with a reported figure, per criterion and under "*"."""
    out: dict[str, dict[str, set[tuple[str, str]]]] = {}
    for code, iid, unit, period in zip(reported["commune"], reported["indicator_id"], reported["unit"],
                                       reported["period"]):
        mine = out.setdefault(str(code), {"*": set()})
        mine.setdefault(str(iid), set()).add((str(unit), str(period)))
        mine["*"].add((str(unit), str(period)))
    return out
