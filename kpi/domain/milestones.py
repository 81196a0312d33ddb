"""Milestones: what the commune must have done by a date, and where each stands on a day.

Two sources in the catalogue, tracked the same way:
- criteria (`[[indicators]]`) with a `deadline` — one-off tasks that are also scored (antivirus on
  every computer by 10/07/2026, the firewall by 31/07/2026 …); kind "criterion";
- obligations (`[[milestones]]`) — followed without points and without monthly figures (the
  security level approved by 30/04/2026, the 25 essential online services from 01/10/2025 …);
  kind "obligation". Their only proof is their evidence: it is attached to the obligation's id
  (as to a criterion's: same files, same checks, same rights, the lead unit's coordinator or the
  office) and reviewed by the office.

Pure functions. The rules, on day `as_of`:
- done: the evidence (of the criterion as a whole or of the obligation, any quarter) was accepted
  on or before `as_of`, or — for a criterion — its latest figures up to `as_of` meet the target
  (share done = 1);
- overdue: not done and `as_of` is after the deadline;
- at risk: not done, the deadline not passed, and the days left are fewer than the share still
  missing times `FULL_TASK_DAYS` (a whole task from nothing takes about a quarter): 100 % missing
  is at risk from 89 days before the deadline, 40 % missing from 35 days before, and on the
  deadline day itself anything missing is at risk;
- on track: otherwise;
- ongoing («thường xuyên»): an obligation without a deadline (report every incident within 24
  hours, digitise health records along the sector's roadmap …): there is no day it can be late,
  so it is listed after the dated ones with the day its evidence was last accepted, if ever.
The share done of a criterion is the achieved value over the target for a higher-is-better one
(0 … 1); a lower-is-better one is 1 when it meets its target, else 0; no figures is 0. An
obligation has no figures: its share is 0 until its evidence is accepted (so an obligation with
nothing accepted is at risk from 89 days before its deadline).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.scoring import meets_target

DONE, ON_TRACK, AT_RISK, OVERDUE, ONGOING = "done", "on_track", "at_risk", "overdue", "ongoing"
STATUS_ORDER = (OVERDUE, AT_RISK, ON_TRACK, DONE, ONGOING)     # what a meeting needs to see first
FULL_TASK_DAYS = 90
CRITERION, OBLIGATION = "criterion", "obligation"


@dataclass(frozen=True)
class Milestone:
    id: str
    name: str
    deadline: dt.date | None        # None: an ongoing obligation («thường xuyên»)
    status: str
    lead: str | None
    share_done: float
    days_left: int | None           # negative once the deadline has passed; None without a deadline
    done_on: dt.date | None = None  # the day the evidence was accepted (done by evidence)
    kind: str = CRITERION

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "deadline": self.deadline.isoformat() if self.deadline else None,
                "status": self.status, "lead": self.lead, "kind": self.kind,
                "done_on": self.done_on.isoformat() if self.done_on else None,
                "share_done": round(self.share_done, 4), "days_left": self.days_left}

    @property
    def urgent(self) -> bool:
        """Overdue or at risk: what the projector lists."""
        return self.status in (OVERDUE, AT_RISK)


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


def milestones(catalog: Catalog, as_of: dt.date, achieved: dict[str, float | None],
               accepted: dict[str, dt.date]) -> list[Milestone]:
    """Every criterion with a deadline and every obligation of `[[milestones]]`: overdue first,
    then at risk, on track, done, ongoing; by deadline, then id.
    `achieved`: criterion → its latest achieved value up to `as_of` (None: no figures);
    `accepted`: criterion or obligation → the day its evidence was accepted (on or before `as_of`)."""
    out = []
    for ind in catalog.indicators:
        if ind.deadline is None:
            continue
        share = share_done(ind, achieved.get(ind.id))
        done_on = accepted.get(ind.id)
        status = status_on(ind.deadline, as_of, share, done_on is not None)
        out.append(Milestone(ind.id, ind.name, ind.deadline, status, ind.lead_unit, share,
                             (ind.deadline - as_of).days, done_on))
    for m in catalog.milestones:
        done_on = accepted.get(m.id)
        share = 1.0 if done_on is not None and m.deadline is not None else 0.0
        status = status_on(m.deadline, as_of, share, done_on is not None)
        days_left = (m.deadline - as_of).days if m.deadline else None
        out.append(Milestone(m.id, m.name, m.deadline, status, m.lead, share, days_left, done_on, OBLIGATION))
    return sorted(out, key=lambda m: (STATUS_ORDER.index(m.status), m.deadline or dt.date.max, m.id))
