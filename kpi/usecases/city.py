"""The city: every commune's quarter score together (one read of all figures, grouped by commune),
the ranking with change, who reports on time, which criteria are missed most; and reading one
commune, which an account of another commune may not. Web, CLI and the city workbook use these."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.city import City
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import authorize
from kpi.domain.scoring import MISSED, NEAR, QuarterScore, score_totals
from kpi.store.reads import stored_communes
from kpi.usecases.period_result import communes_results


@dataclass(frozen=True)
class CommuneResult:
    code: str
    name: str
    score: QuarterScore
    previous: QuarterScore | None      # the quarter before (None: nothing reported then)
    on_time: int                       # unit-months of the quarter first sent before their due date
    due: int                           # unit-months of the quarter whose due date has passed
    closed: bool = False               # the commune closed the quarter: `score` is the one kept then

    @property
    def change(self) -> float | None:
        """Percentage points against the quarter before (None without both)."""
        if self.previous is None or self.previous.percent is None or self.score.percent is None:
            return None
        return self.score.percent - self.previous.percent

    @property
    def on_time_percent(self) -> float | None:
        return 100.0 * self.on_time / self.due if self.due else None


def city_with_stored(conn, city: City) -> City:
    """The city of the catalogue file plus the communes the database holds that it does not list."""
    return city.with_communes(stored_communes(conn))


def commune_catalog(city: City, actor: Actor, code: str) -> Catalog:
    """The catalogue of commune `code` for `actor`: an account of another commune is refused."""
    authorize(actor, "read_commune", code)
    return city.catalog_for(code)


def several_communes(conn, city: City) -> bool:
    return len(city_with_stored(conn, city).communes) > 1


def city_scores(conn, city: City, actor: Actor, quarter: Quarter | str, *, as_of: dt.date,
                with_previous: bool = True) -> list[CommuneResult]:
    """Every commune's score of `quarter` (and of the quarter before) as the record stood at the end
    of `as_of`, best first, from `communes_results` (the one door's batch for many communes)."""
    authorize(actor, "read_city", "")
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    city = city_with_stored(conn, city)
    quarters = [quarter.previous(), quarter] if with_previous else [quarter]
    by_quarter = [communes_results(conn, city, q, as_of=as_of) for q in quarters]
    results = []
    for spec in city.communes:
        now = by_quarter[-1][spec.code]
        score = now.score or score_totals(city.catalog_for(spec.code), {}, str(quarter))
        previous = by_quarter[0][spec.code].score if with_previous else None
        on_time, due = _timeliness(score)
        results.append(CommuneResult(spec.code, spec.name, score, previous, on_time, due, closed=now.closed))
    return ranked(results)


def _timeliness(score: QuarterScore) -> tuple[int, int]:
    """(on time, due) unit-months from the computed on-time criterion's totals of the score."""
    for r in score.indicators:
        if r.indicator.computed == "on_time_reporting":
            return int(r.totals.numerator or 0), int(r.totals.denominator or 0)
    return 0, 0


def ranked(results: list[CommuneResult]) -> list[CommuneResult]:
    """Best score first; communes without a score last, then by name."""
    return sorted(results, key=lambda r: (r.score.percent is None, -(r.score.percent or 0.0), r.name))


def missed_criteria(results: list[CommuneResult]) -> pd.DataFrame:
    """Per criterion: in how many communes it is missed (or near), and the points lost in all,
    most often missed first."""
    rows: dict[str, dict] = {}
    for res in results:
        for r in res.score.indicators:
            row = rows.setdefault(r.id, {"indicator_id": r.id, "name": r.indicator.name,
                                         "group": r.indicator.group, "missed": 0, "near": 0,
                                         "points_lost": 0.0, "communes": 0})
            row["communes"] += 1
            row["missed"] += r.status == MISSED
            row["near"] += r.status == NEAR
            row["points_lost"] += r.points_lost
    frame = pd.DataFrame(list(rows.values()), columns=["indicator_id", "name", "group", "missed", "near",
                                                       "points_lost", "communes"])
    return frame.sort_values(["missed", "points_lost"], ascending=[False, False], kind="stable").reset_index(drop=True)


def group_matrix(results: list[CommuneResult]) -> pd.DataFrame:
    """Communes × groups: the share of the group's points each commune earned (percent)."""
    data = {}
    for res in results:
        data[res.code] = {g.group: (100.0 * g.points / g.max_points if g.max_points else None)
                          for g in res.score.by_group()}
    return pd.DataFrame.from_dict(data, orient="index")


def to_json(results: list[CommuneResult]) -> list[dict]:
    """One object per commune, ranked: what `score --all-communes --json` prints."""
    out = []
    for rank, res in enumerate(results, 1):
        out.append({"rank": rank, "commune": res.code, "commune_name": res.name, "closed": res.closed,
                    **{k: v for k, v in res.score.to_dict().items() if k != "indicators"},
                    "previous_percent": res.previous.percent if res.previous else None,
                    "change": res.change, "on_time": res.on_time, "due": res.due,
                    "groups": [{"group": g.group, "points": g.points, "max_points": g.max_points}
                               for g in res.score.by_group()],
                    "indicators": res.score.to_dict()["indicators"]})
    return out
