"""Milestones: what the commune must have done by a date, and where each stands on a day.

Two kinds, tracked the same way:
- criteria (`[[indicators]]`) with a `deadline` — one-off tasks that are also scored (antivirus on
  every computer by 10/07/2026, the firewall by 31/07/2026 …); kind "criterion";
- obligations (`[[milestones]]`) — followed without points and without monthly figures (the
  security level approved by 30/04/2026 …); kind "obligation". They are tasks of the register (one
  concept): the catalogue sync writes each as a task of the document «Danh mục chỉ tiêu»
  (`CATALOG_SOURCE`, STT = the obligation's id, its lead unit, «đến ngày …» / «từ ngày …» /
  «Thường xuyên» as the time rule: `catalog_tasks`), and the board reads them back from the
  register (`obligation_rows`). Their proof is their evidence: it is attached to the obligation's
  id (as to a criterion's: same files, same checks, same rights, the lead unit's coordinator or the
  office) and reviewed by the office; a completion recorded in the register also makes one done.
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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.catalog import Milestone as Obligation
from kpi.domain.periods import Quarter
from kpi.domain.scoring import meets_target
from kpi.domain.tasks import DATE, SINCE, STANDING_RULE, Source, Task, TaskState, TimeRule, fold

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
    done_by: str = "evidence"       # done_on is the day its evidence was accepted, or ("progress") the
    #                                 completion day the register records
    task_id: int | None = None      # an obligation: its task in the register

    def to_dict(self) -> dict[str, object]:
        """An obligation adds its task of the register («task»: its id)."""
        task = {"task": self.task_id} if self.kind == OBLIGATION else {}
        return {**task, "id": self.id, "name": self.name, "deadline": self.deadline.isoformat() if self.deadline else None,
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
               accepted: Mapping[str, dt.date], obligations: Sequence[Task] | None = None,
               completed: Mapping[str, dt.date] | None = None) -> list[Milestone]:
    """Every criterion with a deadline or a start and every obligation: missed first, then
    overdue, at risk, on track, done, ongoing; by deadline, then id.
    `readings`: quarter → what its result says of the criteria (the quarters of
    `quarters_to_judge`; a quarter left out counts as without figures);
    `accepted`: criterion or obligation → the day its evidence was accepted (on or before `as_of`);
    `obligations`: the register's tasks of `CATALOG_SOURCE` (None: as the catalogue would write
    them, `catalog_tasks`); `completed`: obligation → the completion day its task records (on or
    before `as_of`)."""
    out = [_criterion(ind, as_of, readings, accepted.get(ind.id))
           for ind in catalog.indicators if ind.deadline is not None or ind.start is not None]
    tasks = catalog_tasks(catalog)[0] if obligations is None else obligations
    for t in tasks:
        mid = t.stt
        by_evidence, by_progress = accepted.get(mid), (completed or {}).get(mid)
        done_on = min((d for d in (by_evidence, by_progress) if d is not None), default=None)
        done_by = "evidence" if by_evidence is not None and done_on == by_evidence else "progress"
        deadline = t.rule.due
        share = 1.0 if done_on is not None and deadline is not None else 0.0
        status = status_on(deadline, as_of, share, done_on is not None)
        days_left = (deadline - as_of).days if deadline else None
        out.append(Milestone(mid, t.name, deadline, status, t.leads[0] if t.leads else None, share, days_left,
                             done_on, OBLIGATION, start=t.rule.start, done_by=done_by, task_id=t.id))
    return sorted(out, key=lambda m: (STATUS_ORDER.index(m.status), m.deadline or dt.date.max, m.id))


# ───────────────────────── the obligations as tasks of the register ─────────────────────────
CATALOG_SOURCE = Source("Danh mục chỉ tiêu", "", None, "Mốc, nhiệm vụ theo dõi (không tính điểm) của danh mục")


def is_catalog_task(task: Task) -> bool:
    """A task the catalogue sync writes (an obligation of `[[milestones]]`)."""
    return task.source is not None and task.source.key == CATALOG_SOURCE.key


def obligation_rule(m: Obligation) -> TimeRule:
    """«đến ngày 30/04/2026» (a deadline), «từ ngày 01/10/2025» (a start), else «Thường xuyên» —
    the wordings `parse_time_rule` reads back the same way."""
    if m.deadline is not None:
        return TimeRule(DATE, f"đến ngày {m.deadline:%d/%m/%Y}", due=m.deadline)
    if m.start is not None:
        return TimeRule(SINCE, f"từ ngày {m.start:%d/%m/%Y}", start=m.start)
    return TimeRule(STANDING_RULE, "Thường xuyên")


def obligation_task(catalog: Catalog, m: Obligation) -> Task:
    """An obligation as a task of the register: STT its id (what keeps it the same task when its
    text changes), its group as the section's title, what proves it as the output, the requirement,
    the note and the catalogue's source in the note."""
    note = "; ".join(p for p in (f"Yêu cầu: {m.target}" if m.target else "", m.note,
                                 f"Nguồn: {m.source}" if m.source else "") if p)
    return Task(None, m.name, obligation_rule(m), (m.lead,) if m.lead else (), output=m.evidence, note=note,
                section="", section_title=m.group, stt=m.id, source=CATALOG_SOURCE)


def catalog_tasks(catalog: Catalog) -> tuple[list[Task], dict[tuple[str, str], tuple[str, str]]]:
    """The catalogue's obligations as tasks (catalogue order) and their lead cells as written."""
    tasks = [obligation_task(catalog, m) for m in catalog.milestones]
    texts = {t.key: (catalog.unit_name(t.leads[0]) if t.leads else "", "") for t in tasks}
    return tasks, texts


# ───────────────────────── one obligation, not two lines ─────────────────────────
_WORD = re.compile(r"[a-z0-9]+")
SAME_NAME_SHARE = 0.7


def same_obligation(task: Task, m: Milestone) -> bool:
    """Whether a task of a document is the obligation `m` of the board under another wording: the
    same deadline, a lead unit in common, and most words of the shorter name in the other (the
    plan's «Tổ chức thẩm định, phê duyệt cấp độ an toàn thông tin …» and the catalogue's «Thẩm định,
    phê duyệt cấp độ an toàn thông tin …», both due 30/04/2026 and led by the office). Its own task
    (`m.task_id`) is always the same."""
    if m.task_id is not None and task.id == m.task_id:
        return True
    if m.deadline is None or task.due != m.deadline or m.lead is None or m.lead not in task.leads:
        return False
    a, b = set(_WORD.findall(fold(task.name))), set(_WORD.findall(fold(m.name)))
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= SAME_NAME_SHARE


def beside_board(states: Sequence[TaskState], rows: Sequence[Milestone]) -> list[TaskState]:
    """The tasks the board does not already show: neither an obligation's own task nor the same
    obligation in a document's wording (`same_obligation`). The projector lists the board's
    milestones and, under them, the overdue tasks of this list only."""
    return [s for s in states if not is_catalog_task(s.task)
            and not any(same_obligation(s.task, m) for m in rows if m.kind == OBLIGATION)]
