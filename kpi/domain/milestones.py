"""Milestones: what the commune must have done by a date, and where each stands on a day.

Two sources in the catalogue, tracked the same way:
- criteria (`[[indicators]]`) with a `deadline` — one-off tasks that are also scored (antivirus on
  every computer by 10/07/2026, the firewall by 31/07/2026 …); kind "criterion";
- obligations (`[[milestones]]`) — followed without points and without monthly figures (the
  security level approved by 30/04/2026 …); kind "obligation". Their only proof is their evidence:
  it is attached to the obligation's id (as to a criterion's: same files, same checks, same rights,
  the lead unit's coordinator or the office) and reviewed by the office.
A `start` instead of a `deadline` («từ ngày 01/10/2025», the 25 essential services fully online)
is an obligation ongoing since that day: it is never late, whatever the day.

A criterion is judged with the result of the quarter that holds its deadline (the quarter's
result as the closing gives it: frozen when closed, else current on `as_of`) — never with a later
quarter's figures, which would make a missed deadline look met. Until that quarter has figures,
the latest quarter before it (up to `as_of`'s, a year back at most) with figures stands in as a
forecast: on track or at risk, done only when it already meets the target.

Pure functions. The rules, on day `as_of`:
- done: the evidence (of the criterion as a whole or of the obligation, any quarter) was accepted
  on or before `as_of`, or — for a criterion — the judging quarter's result meets the target
  (share done = 1);
- missed («không đạt đúng hạn»): a criterion not done, `as_of` after the deadline, and the result
  of the deadline's quarter is final (the quarter closed, or every monthly report of it due) —
  it did not reach the target in time, and the value it reached there is shown;
- overdue: not done and `as_of` is after the deadline (a criterion whose deadline quarter is
  still open: late reports may still change its result);
- at risk: not done, the deadline not passed, and the days left are fewer than the share still
  missing times `FULL_TASK_DAYS` (a whole task from nothing takes about a quarter): 100 % missing
  is at risk from 89 days before the deadline, 40 % missing from 35 days before, and on the
  deadline day itself anything missing is at risk;
- on track: otherwise;
- ongoing («thường xuyên»): without a deadline — an obligation (report every incident within 24
  hours …) or anything with a `start`: there is no day it can be late, so it is listed after the
  dated ones with the day its evidence was last accepted, if ever.
The share done of a criterion is the judging quarter's achieved value over the target for a
higher-is-better one (0 … 1); a lower-is-better one is 1 when it meets its target, else 0; no
figures is 0. An obligation has no figures: its share is 0 until its evidence is accepted (so an
obligation with nothing accepted is at risk from 89 days before its deadline).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.periods import Quarter
from kpi.domain.scoring import meets_target

DONE, ON_TRACK, AT_RISK, OVERDUE, MISSED, ONGOING = "done", "on_track", "at_risk", "overdue", "missed", "ongoing"
STATUS_ORDER = (MISSED, OVERDUE, AT_RISK, ON_TRACK, DONE, ONGOING)   # what a meeting needs to see first
FULL_TASK_DAYS = 90
LOOK_BACK_QUARTERS = 4
CRITERION, OBLIGATION = "criterion", "obligation"


@dataclass(frozen=True)
class QuarterReading:
    """What one quarter's result says of the criteria: criterion → achieved value (None: no
    figures); `final` when it will not change (closed, or every monthly report of it due)."""
    quarter: Quarter
    achieved: Mapping[str, float | None]
    final: bool = True


@dataclass(frozen=True)
class Milestone:
    id: str
    name: str
    deadline: dt.date | None        # None: ongoing («thường xuyên»)
    status: str
    lead: str | None
    share_done: float
    days_left: int | None           # negative once the deadline has passed; None without a deadline
    done_on: dt.date | None = None  # the day the evidence was accepted (done by evidence)
    kind: str = CRITERION
    start: dt.date | None = None    # ongoing since that day («thường xuyên, từ 01/10/2025»)
    quarter: Quarter | None = None  # a criterion: the quarter whose result judged it (None: no figures)
    achieved: float | None = None   # a criterion: its achieved value in that quarter

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "deadline": self.deadline.isoformat() if self.deadline else None,
                "start": self.start.isoformat() if self.start else None,
                "status": self.status, "lead": self.lead, "kind": self.kind,
                "done_on": self.done_on.isoformat() if self.done_on else None,
                "share_done": round(self.share_done, 4), "days_left": self.days_left,
                "quarter": str(self.quarter) if self.quarter else None, "achieved": self.achieved}

    @property
    def urgent(self) -> bool:
        """Missed, overdue or at risk: what the projector lists first."""
        return self.status in (MISSED, OVERDUE, AT_RISK)


def share_done(ind: Indicator, achieved: float | None) -> float:
    if achieved is None:
        return 0.0
    if meets_target(ind, achieved):
        return 1.0
    if not ind.higher_is_better or ind.target <= 0:
        return 0.0
    return max(0.0, min(1.0, achieved / ind.target))


def status_on(deadline: dt.date | None, as_of: dt.date, share: float, done: bool) -> str:
    if deadline is None:
        return ONGOING
    if done or share >= 1.0:
        return DONE
    days_left = (deadline - as_of).days
    if days_left < 0:
        return OVERDUE
    if days_left < (1.0 - share) * FULL_TASK_DAYS:
        return AT_RISK
    return ON_TRACK


def quarters_to_judge(ind: Indicator, as_of: dt.date) -> list[Quarter]:
    """The quarters whose result may judge `ind` on `as_of`, first choice first: the quarter that
    holds its deadline once it has begun, else `as_of`'s; then the ones before, a year back at
    most. Never a quarter after the deadline's nor after `as_of`'s."""
    last = Quarter.of(as_of)
    if ind.deadline is not None:
        last = min(last, Quarter.of(ind.deadline))
    return [last.add(-n) for n in range(LOOK_BACK_QUARTERS)]


def judging_reading(ind: Indicator, as_of: dt.date,
                    readings: Mapping[Quarter, QuarterReading]) -> QuarterReading | None:
    """The first of `quarters_to_judge` with figures for `ind` (None: none in that year)."""
    for q in quarters_to_judge(ind, as_of):
        r = readings.get(q)
        if r is not None and r.achieved.get(ind.id) is not None:
            return r
    return None


def _criterion(ind: Indicator, as_of: dt.date, readings: Mapping[Quarter, QuarterReading],
               done_on: dt.date | None) -> Milestone:
    reading = judging_reading(ind, as_of, readings)
    over = readings.get(Quarter.of(ind.deadline)) if ind.deadline is not None and as_of > ind.deadline else None
    if over is not None and over.final:
        reading = over      # the deadline's quarter is over and final: it alone says whether it was met
    achieved = reading.achieved.get(ind.id) if reading else None
    share = share_done(ind, achieved)
    status = status_on(ind.deadline, as_of, share, done_on is not None)
    if status == OVERDUE and over is not None and over.final:
        status = MISSED
    days_left = (ind.deadline - as_of).days if ind.deadline else None
    return Milestone(ind.id, ind.name, ind.deadline, status, ind.lead_unit, share, days_left, done_on,
                     start=ind.start, quarter=reading.quarter if reading else None, achieved=achieved)


def milestones(catalog: Catalog, as_of: dt.date, readings: Mapping[Quarter, QuarterReading],
               accepted: dict[str, dt.date]) -> list[Milestone]:
    """Every criterion with a deadline or a start and every obligation of `[[milestones]]`: missed
    first, then overdue, at risk, on track, done, ongoing; by deadline, then id.
    `readings`: quarter → what its result says of the criteria (the quarters of
    `quarters_to_judge`; a quarter left out counts as without figures);
    `accepted`: criterion or obligation → the day its evidence was accepted (on or before `as_of`)."""
    out = [_criterion(ind, as_of, readings, accepted.get(ind.id))
           for ind in catalog.indicators if ind.deadline is not None or ind.start is not None]
    for m in catalog.milestones:
        done_on = accepted.get(m.id)
        share = 1.0 if done_on is not None and m.deadline is not None else 0.0
        status = status_on(m.deadline, as_of, share, done_on is not None)
        days_left = (m.deadline - as_of).days if m.deadline else None
        out.append(Milestone(m.id, m.name, m.deadline, status, m.lead, share, days_left, done_on, OBLIGATION,
                             start=m.start))
    return sorted(out, key=lambda m: (STATUS_ORDER.index(m.status), m.deadline or dt.date.max, m.id))
