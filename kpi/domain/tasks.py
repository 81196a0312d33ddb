"""The task register (sổ theo dõi nhiệm vụ): what the plan's assignment table and each meeting's
conclusions ask of the units, and where each task stands on a day. Pure functions, no I/O, no clock:
the day (`as_of`) is always an argument.

**Time rules** — the «Thời gian thực hiện/hoàn thành» cell as the documents write it (`parse_time_rule`):
- «trước ngày 10/7/2026» → due 09/07/2026: *before* a day means the day before is the last one (the
  same reading as the monthly reports «trước ngày 18»: a report sent on the 18th is late);
- «đến ngày 10/7/2026», «hạn 10/7/2026», «ngày 10/7/2026», «10/07/2026» or a date cell → due that day;
- «Tháng 4/2026», «trong tháng 07/2026» → the month's last day (30/04/2026, 31/07/2026);
- «Quý II/2026» → the quarter's last day (30/06/2026); «Năm 2026» → 31/12/2026;
- «từ ngày 01/10/2025» → standing since that day; «từ ngày A đến ngày B» → starts A, due B (B before A
  is refused);
- «Thường xuyên» (also «Nhiệm vụ thường xuyên») → standing, no due date;
- «…; định kỳ hằng tháng (hàng tháng) báo cáo kết quả» → standing with a monthly report: the report of
  month M is due under the catalogue's `[reporting]` rule (before the 18th of M+1).

**Derived states** on day `as_of` (`task_state`), never typed:
- done on time / done late: the latest progress says «hoàn thành» with a completion day on or before
  `as_of`; on time when that day is on or before the due day;
- overdue: not done and `as_of` is after the due day (days late = `as_of` − due);
- at risk: not done, not yet due, and either the due day is at most `AT_RISK_DAYS` (7) days away — the
  due day itself included — or it is at most `NOT_STARTED_RISK_DAYS` (30) days away and the work has
  not started (no progress, or «chưa thực hiện»);
- on track: otherwise;
- standing («thường xuyên»): without a due day. With a monthly report it is judged by it: overdue when
  the report of the last month already due is missing (recorded on or after its due day counts late),
  else standing.

**Completion rate** (`completion`), as the review reports quote it («hoàn thành 23/45 nhiệm vụ, đạt
51,11 %»): over a period [from, to], the tasks counted are the dated tasks due within it and the
standing tasks with a monthly report of which at least one report was due within it (by `as_of`);
a dated task is done when completed on or before min(to, as_of) — on time or late against its due
day; a standing task is done when every monthly report due within the period was recorded, on time
when each was recorded before its due day. A task due before the period is not counted in it, a
standing task without a monthly report is never counted (it has no day it can be done by).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kpi.domain.periods import Month, Quarter

# progress status (what a unit records)
NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"
STATUS_TEXT = {NOT_STARTED: "Chưa thực hiện", IN_PROGRESS: "Đang thực hiện", COMPLETED: "Hoàn thành"}
STATUS_WORDS = {"chua thuc hien": NOT_STARTED, "dang thuc hien": IN_PROGRESS, "hoan thanh": COMPLETED,
                NOT_STARTED: NOT_STARTED, IN_PROGRESS: IN_PROGRESS, COMPLETED: COMPLETED,
                "not-started": NOT_STARTED, "in-progress": IN_PROGRESS, "done": COMPLETED}

# derived states (computed on a day)
OVERDUE, AT_RISK, ON_TRACK, DONE_ON_TIME, DONE_LATE, STANDING = (
    "overdue", "at_risk", "on_track", "done_on_time", "done_late", "standing")
STATE_ORDER = (OVERDUE, AT_RISK, ON_TRACK, STANDING, DONE_LATE, DONE_ON_TIME)   # what a meeting sees first
STATE_TEXT = {OVERDUE: "Quá hạn", AT_RISK: "Có nguy cơ chậm", ON_TRACK: "Đúng tiến độ",
              DONE_ON_TIME: "Hoàn thành đúng hạn", DONE_LATE: "Hoàn thành muộn", STANDING: "Thường xuyên"}
AT_RISK_DAYS = 7
NOT_STARTED_RISK_DAYS = 30

# time rule kinds
DATE, MONTH, QUARTER, YEAR, RANGE, SINCE, STANDING_RULE = "date", "month", "quarter", "year", "range", "since", "standing"

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
         "XI": 11, "XII": 12}


class TaskInputError(ValueError):
    """A cell the register cannot read; the message (Vietnamese) says why."""


@dataclass(frozen=True)
class TimeRule:
    kind: str
    text: str
    due: dt.date | None = None        # the last day it may be done on time (None: standing)
    start: dt.date | None = None
    monthly: bool = False             # «định kỳ hằng tháng báo cáo kết quả»

    @property
    def standing(self) -> bool:
        return self.due is None


def fold(text: str) -> str:
    """Lower case without diacritics, dashes unified, spaces collapsed: how cells are compared."""
    text = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    text = re.sub(r"[–—‐-]", "-", text)
    return re.sub(r"\s+", " ", text).strip(" .,;:")


_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
_MONTHLY = re.compile(r"hang thang")


def _day(m: re.Match, text: str, at: int = 1) -> dt.date:
    d, mo, y = (int(m.group(at + i)) for i in range(3))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise TaskInputError(f"«{text}»: ngày {d:02d}/{mo:02d}/{y} không có trong lịch.") from None


def _month_end(year: int, month: int, text: str) -> dt.date:
    if not 1 <= month <= 12:
        raise TaskInputError(f"«{text}»: tháng {month} không có (1–12).")
    return Month(year, month).add(1).first_day() - dt.timedelta(days=1)


def parse_time_rule(value: object) -> TimeRule:
    """The cell «Thời gian thực hiện/hoàn thành» as a rule (see the module's docstring), or
    TaskInputError naming what it could not read."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return TimeRule(DATE, value.strftime("%d/%m/%Y"), due=value)
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    if not text:
        raise TaskInputError("thời gian thực hiện/hoàn thành đang trống.")
    f = fold(text)
    monthly = bool(_MONTHLY.search(f))
    if m := re.search(r"tu (?:ngay )?" + _DATE + r"(?: (?:den|-) (?:ngay )?" + _DATE + ")?", f):
        start = _day(m, text)
        if m.group(4):
            due = _day(m, text, 4)
            if due < start:
                raise TaskInputError(f"«{text}»: ngày kết thúc {due:%d/%m/%Y} trước ngày bắt đầu {start:%d/%m/%Y}.")
            return TimeRule(RANGE, text, due=due, start=start, monthly=monthly)
        return TimeRule(SINCE, text, start=start, monthly=monthly)
    if m := re.search(r"truoc (?:ngay )?" + _DATE, f):
        return TimeRule(DATE, text, due=_day(m, text) - dt.timedelta(days=1), monthly=monthly)
    if m := re.search(_DATE, f):
        return TimeRule(DATE, text, due=_day(m, text), monthly=monthly)
    if m := re.search(r"quy ([ivx]+)\s*/\s*(\d{4})", f):
        q = ROMAN.get(m.group(1).upper())
        if q is None or q > 4:
            raise TaskInputError(f"«{text}»: quý «{m.group(1).upper()}» không có (I, II, III, IV).")
        return TimeRule(QUARTER, text, due=Quarter(int(m.group(2)), q).months[2].add(1).first_day()
                        - dt.timedelta(days=1), monthly=monthly)
    if m := re.search(r"thang (\d{1,2})\s*/\s*(\d{4})", f):
        return TimeRule(MONTH, text, due=_month_end(int(m.group(2)), int(m.group(1)), text), monthly=monthly)
    if m := re.fullmatch(r"(?:trong )?nam (\d{4})", f):
        return TimeRule(YEAR, text, due=dt.date(int(m.group(1)), 12, 31))
    if "thuong xuyen" in f or monthly:
        return TimeRule(STANDING_RULE, text, monthly=monthly)
    raise TaskInputError(f"«{text}» không phải thời hạn đọc được: ghi một ngày («trước ngày 10/7/2026», "
                         "«đến ngày 31/7/2026»), một tháng («Tháng 4/2026»), một quý («Quý II/2026») hoặc "
                         "«Thường xuyên» (có thể thêm «định kỳ hằng tháng báo cáo kết quả»).")


# ───────────────────────── units named in a cell ─────────────────────────
ALL_UNITS = "*"
# wordings of the documents that name every unit of the commune
GROUP_WORDS = ("cac co quan chuyen mon, don vi thuoc xa", "cac co quan chuyen mon, don vi thuoc phuong",
               "cac phong, don vi", "cac phong chuyen mon", "cac phong, don vi lien quan", "cac don vi lien quan",
               "cac bo phan chuyen mon", "cac phong, ban, don vi", "tat ca cac don vi", "tat ca don vi",
               "cac co quan, don vi", "cac phong chuyen mon, don vi")
SCHOOLS_WORDS = ("cac truong hoc", "cac truong")
SCHOOLS = ("MN", "TH", "THCS")
# bodies outside the commune a task may name as supporting (kept as written, never a unit)
OUTSIDE_WORDS = ("cong an thanh pho", "ban co yeu chinh phu", "so khoa hoc va cong nghe", "so tai chinh",
                 "co quan chuyen mon cap tren", "ubnd thanh pho", "doanh nghiep vien thong")


@dataclass(frozen=True)
class UnitMatch:
    codes: tuple[str, ...]
    all_units: bool = False           # «Các phòng, đơn vị»: every unit of the commune
    outside: tuple[str, ...] = ()     # bodies outside the commune, as written


def match_units(cell: object, units: Mapping[str, str], *, outside_allowed: bool = False) -> UnitMatch:
    """The unit codes a cell names: codes or names («Phòng Văn hóa - Xã hội; Phòng Kinh tế»), «;» or «,»
    between them; the documents' group wordings («Các phòng, đơn vị») as every unit, «Các trường học»
    as the schools; with `outside_allowed`, bodies outside the commune («Công an thành phố») kept as
    written. `units`: code → name. TaskInputError names the part that is no unit."""
    text = re.sub(r"\s+", " ", str(cell or "")).strip()
    if not text:
        return UnitMatch(())
    by_name = {fold(name): code for code, name in units.items()}
    by_name.update({fold(code): code for code in units})
    codes: list[str] = []
    outside: list[str] = []
    all_units = False
    unknown: list[str] = []

    def one(part: str) -> bool:
        nonlocal all_units
        f = fold(part)
        if not f:
            return True
        if f in GROUP_WORDS:
            all_units = True
        elif f in SCHOOLS_WORDS:
            codes.extend(c for c in SCHOOLS if c in units)
        elif f in by_name:
            codes.append(by_name[f])
        elif f.endswith(" xa") and f[:-3] in by_name:
            codes.append(by_name[f[:-3]])
        elif f + " xa" in by_name:
            codes.append(by_name[f + " xa"])
        elif outside_allowed and any(f.startswith(w) for w in OUTSIDE_WORDS):
            outside.append(part.strip(" ,;."))
        else:
            return False
        return True

    for part in re.split(r";|\n", text):
        if one(part):
            continue
        pieces = part.split(",")
        if not all(one(p) for p in pieces):
            unknown.extend(p.strip() for p in pieces if not _known(p, by_name, outside_allowed))
    if unknown:
        names = "; ".join(f"«{u}»" for u in unknown)
        raise TaskInputError(f"{names} không phải đơn vị của xã (ghi tên hoặc mã đơn vị như trong danh mục, "
                             "cách nhau bằng «;»).")
    return UnitMatch(tuple(dict.fromkeys(codes)), all_units, tuple(dict.fromkeys(outside)))


def _known(part: str, by_name: Mapping[str, str], outside_allowed: bool) -> bool:
    f = fold(part)
    return (not f or f in GROUP_WORDS or f in SCHOOLS_WORDS or f in by_name or f + " xa" in by_name
            or (f.endswith(" xa") and f[:-3] in by_name)
            or (outside_allowed and any(f.startswith(w) for w in OUTSIDE_WORDS)))


# ───────────────────────── tasks and their progress ─────────────────────────
@dataclass(frozen=True)
class Source:
    """The document a task comes from: «Kế hoạch số …/KH-UBND», «Thông báo số 294/TB-VP ngày 12/6/2026»."""
    kind: str
    number: str
    issued: dt.date | None
    title: str

    @property
    def key(self) -> str:
        """What makes two imports the same document (a re-import replaces its tasks)."""
        return "|".join((fold(self.kind), fold(self.number), self.issued.isoformat() if self.issued else "",
                         fold(self.title)[:120]))

    @property
    def label(self) -> str:
        number = f" số {self.number}" if self.number else ""
        issued = f" ngày {self.issued:%d/%m/%Y}" if self.issued else ""
        return f"{self.kind}{number}{issued}"


@dataclass(frozen=True)
class Task:
    id: int | None
    name: str
    rule: TimeRule
    leads: tuple[str, ...]               # lead unit codes (every unit: ALL_UNITS resolved to each code)
    supports: tuple[str, ...] = ()
    supports_outside: tuple[str, ...] = ()
    leader: str = ""
    output: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    section: str = ""                    # «II»
    section_title: str = ""
    stt: str = ""                        # «1»
    source: Source | None = None
    source_id: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.section, self.stt)

    @property
    def due(self) -> dt.date | None:
        return self.rule.due

    def has_tag(self, tag: str) -> bool:
        return fold(tag) in {fold(t) for t in self.tags}


@dataclass(frozen=True)
class Progress:
    """One progress record of a task: for a period (a month «2026-07»), the status, a short result,
    the completion day, who and when."""
    task_id: int
    period: str
    status: str
    result: str = ""
    done_on: dt.date | None = None
    recorded_by: str = ""
    recorded_at: dt.datetime | None = None


@dataclass(frozen=True)
class TaskState:
    task: Task
    state: str
    status: str                       # the latest progress status (NOT_STARTED without any)
    days_late: int | None = None      # overdue: days after the due day; done late: days after it
    days_left: int | None = None      # not done and not yet due: days to the due day
    done_on: dt.date | None = None
    last_update: Progress | None = None
    missing_report: str | None = None  # a standing task: the month whose due report is missing

    @property
    def urgent(self) -> bool:
        return self.state in (OVERDUE, AT_RISK)

    @property
    def done(self) -> bool:
        return self.state in (DONE_ON_TIME, DONE_LATE)


def visible(updates: Iterable[Progress], as_of: dt.date) -> list[Progress]:
    """The progress recorded by the end of `as_of`, oldest first."""
    return sorted((u for u in updates if u.recorded_at is None or u.recorded_at.date() <= as_of),
                  key=lambda u: (u.recorded_at or dt.datetime.min, u.period))


def report_months(rule: TimeRule, up_to: dt.date, due_day: int, due_month_offset: int,
                  since: dt.date | None = None) -> list[Month]:
    """The months whose monthly report is due on or before `up_to` (a standing task with a monthly
    report), from the month of `since` (or the rule's start) on."""
    if not rule.monthly:
        return []
    first = since or rule.start
    if first is None:
        return []
    out = []
    m = Month.of(first)
    while m.due_date(due_day, due_month_offset) <= up_to:
        out.append(m)
        m = m.add(1)
    return out


def report_on_time(month: Month, updates: Sequence[Progress], due_day: int, due_month_offset: int) -> bool | None:
    """Whether the report of `month` was recorded before its due day (None: not recorded)."""
    sent = [u.recorded_at for u in updates if u.period == str(month) and u.recorded_at is not None]
    if not sent:
        return None
    return min(sent).date() < month.due_date(due_day, due_month_offset)


def task_state(task: Task, updates: Iterable[Progress], as_of: dt.date, *, due_day: int = 18,
               due_month_offset: int = 1, tracked_since: dt.date | None = None) -> TaskState:
    """Where `task` stands at the end of `as_of` (see the module's docstring). `tracked_since`: the day
    a standing task's monthly reports are asked from when its rule has no start (its import)."""
    seen = visible(updates, as_of)
    last = seen[-1] if seen else None
    status = last.status if last else NOT_STARTED
    done_on = last.done_on if last is not None and last.status == COMPLETED else None
    if done_on is not None and done_on > as_of:
        done_on = None
    due = task.rule.due
    if due is None:
        missing = None
        months = report_months(task.rule, as_of, due_day, due_month_offset, task.rule.start or tracked_since)
        if months and report_on_time(months[-1], seen, due_day, due_month_offset) is None:
            missing = str(months[-1])
            late = (as_of - months[-1].due_date(due_day, due_month_offset)).days + 1
            return TaskState(task, OVERDUE, status, days_late=late, last_update=last, missing_report=missing)
        return TaskState(task, STANDING, status, last_update=last)
    if done_on is not None:
        late = (done_on - due).days
        return TaskState(task, DONE_ON_TIME if late <= 0 else DONE_LATE, status, days_late=max(late, 0) or None,
                         done_on=done_on, last_update=last)
    left = (due - as_of).days
    if left < 0:
        return TaskState(task, OVERDUE, status, days_late=-left, last_update=last)
    started = status != NOT_STARTED
    risky = left <= AT_RISK_DAYS or (left <= NOT_STARTED_RISK_DAYS and not started)
    return TaskState(task, AT_RISK if risky else ON_TRACK, status, days_left=left, last_update=last)


def sort_states(states: Iterable[TaskState]) -> list[TaskState]:
    """Overdue (most days late first) and at risk first, then on track by due day, standing, done."""
    return sorted(states, key=lambda s: (STATE_ORDER.index(s.state), -(s.days_late or 0) if s.state == OVERDUE else 0,
                                         s.task.due or dt.date.max, s.task.section, _stt_key(s.task.stt),
                                         s.task.id or 0))


def _stt_key(stt: str) -> tuple[int, str]:
    m = re.match(r"\d+", stt or "")
    return (int(m.group()) if m else 10**6, stt or "")


def due_within(states: Iterable[TaskState], as_of: dt.date, days: int = 7) -> list[TaskState]:
    """Not done, due from `as_of` to `days` days later (the reminder's «sắp đến hạn»)."""
    return [s for s in states if s.task.due is not None and not s.done and s.state != OVERDUE
            and 0 <= (s.task.due - as_of).days <= days]


# ───────────────────────── completion rate ─────────────────────────
@dataclass(frozen=True)
class Completion:
    counted: int = 0
    done: int = 0
    on_time: int = 0
    late: int = 0
    task_ids: tuple[int, ...] = field(default=(), repr=False)

    @property
    def rate(self) -> float | None:
        """Percent done (None when nothing is counted)."""
        return 100.0 * self.done / self.counted if self.counted else None

    def plus(self, other: Completion) -> Completion:
        return Completion(self.counted + other.counted, self.done + other.done, self.on_time + other.on_time,
                          self.late + other.late, self.task_ids + other.task_ids)


def task_completion(task: Task, updates: Sequence[Progress], start: dt.date, end: dt.date, as_of: dt.date, *,
                    due_day: int = 18, due_month_offset: int = 1,
                    tracked_since: dt.date | None = None) -> Completion:
    """One task's part of the completion rate over [start, end] judged at the end of `as_of`."""
    until = min(end, as_of)
    seen = visible(updates, as_of)
    if task.rule.due is None:
        months = [m for m in report_months(task.rule, until, due_day, due_month_offset,
                                           task.rule.start or tracked_since)
                  if m.due_date(due_day, due_month_offset) >= start]
        if not months:
            return Completion()
        sent = [report_on_time(m, seen, due_day, due_month_offset) for m in months]
        if any(s is None for s in sent):
            return Completion(1, task_ids=(task.id or 0,))
        on_time = all(sent)
        return Completion(1, 1, int(on_time), int(not on_time), (task.id or 0,))
    if not start <= task.rule.due <= end:
        return Completion()
    last = seen[-1] if seen else None
    if last is None or last.status != COMPLETED or last.done_on is None or last.done_on > until:
        return Completion(1, task_ids=(task.id or 0,))
    on_time = last.done_on <= task.rule.due
    return Completion(1, 1, int(on_time), int(not on_time), (task.id or 0,))


def completion(tasks: Sequence[Task], updates: Mapping[int, Sequence[Progress]], start: dt.date, end: dt.date,
               as_of: dt.date, *, due_day: int = 18, due_month_offset: int = 1,
               tracked_since: Mapping[int, dt.date] | None = None) -> Completion:
    total = Completion()
    for t in tasks:
        total = total.plus(task_completion(t, updates.get(t.id or 0, ()), start, end, as_of, due_day=due_day,
                                           due_month_offset=due_month_offset,
                                           tracked_since=(tracked_since or {}).get(t.id or 0)))
    return total


def period_bounds(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date, str]:
    """A reporting period as the reviews name it: «quarter» n (Quý II/2026), «months» n from January
    (6, 9 or 12 tháng đầu năm), «year»: (first day, last day, label)."""
    if kind == "quarter":
        q = Quarter(year, number)
        return q.months[0].first_day(), q.months[2].add(1).first_day() - dt.timedelta(days=1), q.label
    if kind == "months":
        if not 1 <= number <= 12:
            raise TaskInputError(f"số tháng đầu năm phải từ 1 đến 12, không phải {number}.")
        return dt.date(year, 1, 1), Month(year, number).add(1).first_day() - dt.timedelta(days=1), \
            f"{number} tháng đầu năm {year}"
    return dt.date(year, 1, 1), dt.date(year, 12, 31), f"Năm {year}"


def rate_text(c: Completion) -> str:
    """«hoàn thành 23/45 nhiệm vụ, đạt 51,11 %» (two decimals, the reports' way)."""
    if not c.counted:
        return "chưa có nhiệm vụ nào đến hạn trong kỳ"
    from kpi.domain.vnformat import percent
    return f"hoàn thành {c.done}/{c.counted} nhiệm vụ, đạt {percent(c.rate, 2)}"


def monthly_update_counts(tasks: Sequence[Task], updates: Mapping[int, Sequence[Progress]], month: Month,
                          as_of: dt.date, *, tag: str = "KHCN", first_seen: Mapping[int, dt.date] | None = None,
                          due_day: int = 18, due_month_offset: int = 1) -> tuple[int, int]:
    """(tasks tagged `tag` updated for `month`, tasks tagged `tag` followed in `month`), judged at the
    end of `as_of` (progress recorded after it does not count).

    Followed in a month: in the register by the month's end (`first_seen`: the day of its import),
    started by then (a «từ ngày …» rule starting after the month is not yet followed) and not done
    before the month began (its last progress recorded before the month says «hoàn thành» with a day
    before it). Updated for the month: a progress record for that month or recorded within it, recorded
    before the month's report is due (the catalogue's `[reporting]` rule, «trước ngày 18» of the next
    month, the same day as the monthly reports)."""
    first = month.first_day()
    last = month.add(1).first_day() - dt.timedelta(days=1)
    cut = min(as_of, month.due_date(due_day, due_month_offset) - dt.timedelta(days=1))
    followed = updated = 0
    for t in tasks:
        if not t.has_tag(tag):
            continue
        since = (first_seen or {}).get(t.id or 0)
        if since is not None and since > last:
            continue
        if t.rule.start is not None and t.rule.start > last:
            continue
        mine = updates.get(t.id or 0, ())
        before = [u for u in visible(mine, as_of) if u.recorded_at is not None and u.recorded_at.date() < first]
        if before and before[-1].status == COMPLETED and before[-1].done_on is not None and before[-1].done_on < first:
            continue
        followed += 1
        if any(u.period == str(month) or (u.recorded_at is not None and first <= u.recorded_at.date() <= last)
               for u in visible(mine, cut)):
            updated += 1
    return updated, followed
