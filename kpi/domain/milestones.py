"""Milestones: criteria with a `deadline` in the catalogue (one-off tasks: antivirus on every
computer by 10/07/2026, the firewall by 31/07/2026 …), and where each stands on a day.

Pure functions. The rules, on day `as_of`:
- done: the evidence of the criterion (as a whole, any quarter) was accepted on or before
  `as_of`, or its latest figures up to `as_of` meet the target (share done = 1);
- overdue: not done and `as_of` is after the deadline;
- at risk: not done, the deadline not passed, and the days left are fewer than the share still
  missing times `FULL_TASK_DAYS` (a whole task from nothing takes about a quarter): 100 % missing
  is at risk from 89 days before the deadline, 40 % missing from 35 days before, and on the
  deadline day itself anything missing is at risk;
- on track: otherwise.
The share done is the achieved value over the target for a higher-is-better criterion (0 … 1);
a lower-is-better one is 1 when it meets its target, else 0; no figures is 0.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.scoring import meets_target

DONE, ON_TRACK, AT_RISK, OVERDUE = "done", "on_track", "at_risk", "overdue"
STATUS_ORDER = (OVERDUE, AT_RISK, ON_TRACK, DONE)     # what a meeting needs to see first
FULL_TASK_DAYS = 90


@dataclass(frozen=True)
class Milestone:
    id: str
    name: str
    deadline: dt.date
    status: str
    lead: str
    share_done: float
    days_left: int                  # negative once the deadline has passed
    done_on: dt.date | None = None  # the day the evidence was accepted (done by evidence)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "deadline": self.deadline.isoformat(), "status": self.status,
                "lead": self.lead, "done_on": self.done_on.isoformat() if self.done_on else None,
                "share_done": round(self.share_done, 4), "days_left": self.days_left}


def share_done(ind: Indicator, achieved: float | None) -> float:
    if achieved is None:
        return 0.0
    if meets_target(ind, achieved):
        return 1.0
    if not ind.higher_is_better or ind.target <= 0:
        return 0.0
    return max(0.0, min(1.0, achieved / ind.target))


def status_on(deadline: dt.date, as_of: dt.date, share: float, done: bool) -> str:
    if done or share >= 1.0:
        return DONE
    days_left = (deadline - as_of).days
    if days_left < 0:
        return OVERDUE
    if days_left < (1.0 - share) * FULL_TASK_DAYS:
        return AT_RISK
    return ON_TRACK


def milestones(catalog: Catalog, as_of: dt.date, achieved: dict[str, float | None],
               accepted: dict[str, dt.date]) -> list[Milestone]:
    """Every criterion with a deadline, overdue first, then at risk, on track, done; by deadline.
    `achieved`: criterion → its latest achieved value up to `as_of` (None: no figures);
    `accepted`: criterion → the day its evidence was accepted (on or before `as_of`)."""
    out = []
    for ind in catalog.indicators:
        if ind.deadline is None:
            continue
        share = share_done(ind, achieved.get(ind.id))
        done_on = accepted.get(ind.id)
        status = status_on(ind.deadline, as_of, share, done_on is not None)
        out.append(Milestone(ind.id, ind.name, ind.deadline, status, ind.lead_unit, share,
                             (ind.deadline - as_of).days, done_on))
    return sorted(out, key=lambda m: (STATUS_ORDER.index(m.status), m.deadline, m.id))
