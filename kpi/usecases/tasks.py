"""The task register as the web and the CLI use it: import a register workbook (all-or-nothing, the
difference shown before confirming), the register on a day (derived states), progress updates
(rights in the store), the completion rate of a period, a unit's reminder lines, the sample register
the demo loads. `as_of` is always an argument: the caller reads the clock, once."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.milestones import is_catalog_task
from kpi.domain.periods import Month, PeriodError
from kpi.domain.tasks import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    STATE_TEXT,
    STATUS_WORDS,
    Completion,
    Progress,
    Source,
    Task,
    TaskInputError,
    TaskState,
    UnitMatch,
    completion,
    due_within,
    fold,
    match_units,
    monthly_update_counts,
    parse_time_rule,
    report_months,
    sort_states,
    task_state,
)
from kpi.domain.vnformat import percent
from kpi.store import StoreError
from kpi.store import tasks as store_tasks
from kpi.store.tasks import ImportPlan, StoredTask

if TYPE_CHECKING:
    from kpi.ingest.problems import Problem
    from kpi.ingest.tasks import RegisterRead
    from kpi.reports.tasks import RateRow

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "data" / "samples" / "nhiem-vu"

__all__ = ["RegisterRefused", "ImportPlan", "preview_import", "import_register", "register_on", "update_task",
           "completion_report", "template_xlsx", "reminder_lines", "load_sample_register", "parse_status",
           "TaskForm", "TaskFormRefused", "check_task_form", "save_task_form", "source_choices"]


class RegisterRefused(StoreError):
    """A register workbook with problems: nothing was written; `problems` names each cell."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(f"Sổ nhiệm vụ có {len(self.problems)} lỗi, không ghi gì:\n"
                         + "\n".join(f"- {p.message}" for p in self.problems))


def units_of(catalog: Catalog) -> dict[str, str]:
    return {u.code: u.name for u in catalog.units}


def preview_import(conn, catalog: Catalog, data: bytes, file_name: str) -> tuple[RegisterRead, ImportPlan | None]:
    from kpi.ingest.tasks import read_register  # the workbook reader: only when a register is read
    """Read the workbook and, when it is clean, what importing it would change (nothing written)."""
    read = read_register(data, file_name, units_of(catalog))
    if not read.ok or read.source is None:
        return read, None
    return read, store_tasks.plan_import(conn, catalog.commune, read.source, read.tasks)


def import_register(conn, catalog: Catalog, actor: Actor, data: bytes, file_name: str, *,
                    plan: ImportPlan | None = None, stamp: dt.datetime | None = None) -> ImportPlan:
    """Import a register workbook: refused whole (RegisterRefused) on any problem; with `plan` (the
    preview the user confirmed) refused when the stored register changed since."""
    read, fresh = preview_import(conn, catalog, data, file_name)
    if fresh is None:
        raise RegisterRefused(read.problems)
    chosen = plan if plan is not None else fresh
    store_tasks.apply_import(conn, actor, catalog.commune, chosen, read.texts, file_name=Path(file_name).name,
                             file_sha256=hashlib.sha256(data).hexdigest(), stamp=stamp)
    return chosen


@dataclass(frozen=True)
class Register:
    """The register on a day: every active task's state, sorted (overdue and at risk first)."""
    as_of: dt.date
    states: tuple[TaskState, ...]
    texts: dict[int, tuple[str, str]]          # task id → (lead cell, supporting cell) as written
    updates: dict[int, list[Progress]]
    tracked_since: dict[int, dt.date]

    def of_unit(self, unit: str, role: str = "lead") -> list[TaskState]:
        if role == "support":
            return [s for s in self.states if unit in s.task.supports]
        if role == "any":
            return [s for s in self.states if unit in s.task.leads or unit in s.task.supports]
        return [s for s in self.states if unit in s.task.leads]

    def task(self, task_id: int) -> TaskState | None:
        return next((s for s in self.states if s.task.id == task_id), None)

    @property
    def overdue(self) -> list[TaskState]:
        return [s for s in self.states if s.state == OVERDUE]


def _stored(conn, catalog: Catalog) -> tuple[list[StoredTask], dict[int, list[Progress]]]:
    return store_tasks.stored_tasks(conn, catalog.commune), store_tasks.task_updates(conn, catalog.commune)


def register_on(conn, catalog: Catalog, as_of: dt.date) -> Register:
    stored, updates = _stored(conn, catalog)
    since = {s.task.id or 0: s.created_at.date() for s in stored}
    # the catalogue's obligations are in it whatever the day the sync wrote them: the catalogue held them
    states = [task_state(s.task, updates.get(s.task.id or 0, ()), as_of, due_day=catalog.due_day,
                         due_month_offset=catalog.due_month_offset, tracked_since=since[s.task.id or 0])
              for s in stored if s.created_at.date() <= as_of or is_catalog_task(s.task)]
    return Register(as_of, tuple(sort_states(states)), {s.task.id or 0: (s.leads_text, s.supports_text) for s in stored},
                    updates, since)


def parse_status(text: str) -> str:
    status = STATUS_WORDS.get(fold(text or "").replace("_", " ")) or STATUS_WORDS.get((text or "").strip())
    if status is None:
        raise StoreError(f"Trạng thái «{text}» không hợp lệ: «chưa thực hiện», «đang thực hiện» hoặc «hoàn thành».")
    return status


def update_task(conn, catalog: Catalog, actor: Actor, task_id: int, status: str, result: str, as_of: dt.date, *,
                done_on: dt.date | None = None, period: str | None = None) -> Progress:
    """Record a progress update of task `task_id` for `period` (default: `as_of`'s month). Rights: the
    office, or the coordinator of one of its lead units (checked in the store, refusals audited)."""
    stored = store_tasks.task_by_id(conn, catalog.commune, int(task_id))
    if stored is None:
        raise StoreError(f"Không có nhiệm vụ mã NV{task_id}.")
    status = parse_status(status)
    if status == COMPLETED and done_on is None:
        done_on = as_of
    if done_on is not None and done_on > as_of:
        raise StoreError(f"Ngày hoàn thành {done_on:%d/%m/%Y} sau ngày hôm nay ({as_of:%d/%m/%Y}).")
    try:
        month = str(Month.parse(period)) if period else str(Month.of(as_of))
    except PeriodError as e:
        raise StoreError(f"Kỳ báo cáo «{period}» không đúng dạng năm-tháng (2026-07): {e}") from None
    if len((result or "").strip()) > 2000:
        raise StoreError("Kết quả quá dài (tối đa 2.000 ký tự): ghi ngắn gọn, chi tiết để ở tài liệu kiểm chứng.")
    return store_tasks.record_progress(conn, actor, catalog.commune, stored.task,
                                       Progress(stored.task.id or 0, month, status, result or "",
                                                done_on if status == COMPLETED else None))


# ───────────────────────── one task typed on the page ─────────────────────────
class TaskFormRefused(StoreError):
    """A task typed on the page with fields that cannot be read: nothing was written; `fields` maps a
    field («time», «supports», «name», «stt», «leads», «source») to its message (Vietnamese)."""

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__("Nhiệm vụ chưa ghi được:\n" + "\n".join(f"- {m}" for m in fields.values()))


@dataclass(frozen=True)
class TaskForm:
    """The register's fields as typed on the page (`time` read by the same parser as the workbook)."""
    source: Source | None
    section: str
    stt: str
    name: str
    leader: str
    leads: tuple[str, ...]
    supports: str
    output: str
    time: str
    tags: str
    note: str
    section_title: str = ""


def check_task_form(catalog: Catalog, form: TaskForm, task_id: int | None = None) -> tuple[Task, str, str]:
    """The task a form describes, with its lead and supporting cells as written; TaskFormRefused
    naming each field it cannot read."""
    errors: dict[str, str] = {}
    if form.source is None or not (form.source.kind.strip() and (form.source.number.strip() or form.source.title.strip())):
        errors["source"] = "Chọn văn bản nguồn, hoặc ghi loại văn bản và số hiệu (hay trích yếu) của văn bản mới."
    name = " ".join(form.name.split())
    if not name:
        errors["name"] = "Tên nhiệm vụ đang trống."
    elif len(name) > 1000:
        errors["name"] = "Tên nhiệm vụ quá dài (tối đa 1.000 ký tự)."
    stt = form.stt.strip()
    if not stt:
        errors["stt"] = "STT đang trống (số thứ tự của nhiệm vụ trong mục)."
    codes = {u.code for u in catalog.units}
    leads = tuple(u for u in form.leads if u in codes)
    if not leads:
        errors["leads"] = "Chọn ít nhất một đơn vị chủ trì."
    rule = None
    try:
        rule = parse_time_rule(form.time)
    except TaskInputError as e:
        errors["time"] = str(e)
    supports = UnitMatch(())
    try:
        supports = match_units(form.supports, units_of(catalog), outside_allowed=True)
    except TaskInputError as e:
        errors["supports"] = str(e)
    if errors or rule is None or form.source is None:
        raise TaskFormRefused(errors)
    support_codes = tuple(c for c in (tuple(u.code for u in catalog.units) if supports.all_units else supports.codes)
                          if c not in leads)
    tags = tuple(dict.fromkeys(t.strip() for t in form.tags.replace(",", ";").split(";") if t.strip()))
    task = Task(task_id, name, rule, leads, support_codes, supports.outside, form.leader.strip(), form.output.strip(),
                tags, form.note.strip(), form.section.strip(), form.section_title.strip(), stt, form.source)
    every = len(leads) == len(catalog.units) and len(catalog.units) > 2
    leads_cell = "Các phòng, đơn vị" if every else "; ".join(catalog.unit_name(u) for u in leads)
    return task, leads_cell, " ".join(form.supports.split())


def save_task_form(conn, catalog: Catalog, actor: Actor, form: TaskForm, task_id: int | None = None) -> int:
    """Add (`task_id` None) or edit one task typed on the page: every field checked first
    (TaskFormRefused, nothing written), then the store's rights check (`manage_tasks`) and audit."""
    if task_id is not None and store_tasks.task_by_id(conn, catalog.commune, int(task_id)) is None:
        raise StoreError(f"Không có nhiệm vụ mã NV{task_id}.")
    task, leads_cell, supports_cell = check_task_form(catalog, form, task_id)
    return store_tasks.save_task(conn, actor, catalog.commune, task, leads_cell, supports_cell)


def source_choices(conn, catalog: Catalog) -> list[Source]:
    """The documents of the register, for the page's picker (oldest first)."""
    return [s for _i, s, _n in store_tasks.task_sources(conn, catalog.commune)]


# ───────────────────────── completion rate ─────────────────────────
@dataclass(frozen=True)
class CompletionReport:
    start: dt.date
    end: dt.date
    as_of: dt.date
    label: str
    overall: Completion
    by_unit: list[tuple[str, Completion]]        # unit code → its lead tasks
    by_source: list[tuple[str, Completion]]      # document label
    not_done: list[TaskState]


def completion_report(conn, catalog: Catalog, start: dt.date, end: dt.date, as_of: dt.date,
                      label: str | None = None) -> CompletionReport:
    if end < start:
        raise StoreError(f"Ngày kết thúc {end:%d/%m/%Y} trước ngày bắt đầu {start:%d/%m/%Y}.")
    stored, updates = _stored(conn, catalog)
    tasks = [s.task for s in stored]
    since = {s.task.id or 0: s.created_at.date() for s in stored}
    args = {"due_day": catalog.due_day, "due_month_offset": catalog.due_month_offset, "tracked_since": since}
    overall = completion(tasks, updates, start, end, as_of, **args)
    by_unit = [(u.code, completion([t for t in tasks if u.code in t.leads], updates, start, end, as_of, **args))
               for u in catalog.units]
    labels: dict[str, list[Task]] = {}
    for t in tasks:
        labels.setdefault(t.source.label if t.source else "—", []).append(t)
    by_source = [(k, completion(v, updates, start, end, as_of, **args)) for k, v in labels.items()]
    counted = set(overall.task_ids)
    reg = register_on(conn, catalog, min(as_of, end))
    done_ids = {i for i in counted if completion([t for t in tasks if t.id == i], updates, start, end, as_of,
                                                 **args).done}
    not_done = [s for s in reg.states if (s.task.id or 0) in counted and (s.task.id or 0) not in done_ids]
    return CompletionReport(start, end, as_of, label or f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}", overall,
                            [(u, c) for u, c in by_unit if c.counted], [(k, c) for k, c in by_source if c.counted],
                            not_done)


def template_xlsx() -> bytes:
    """The register's Excel template (openpyxl imported only when it is asked for)."""
    from kpi.reports.tasks import template_xlsx as build
    return build()


def rate_row(label: str, c: Completion) -> RateRow:
    from kpi.reports.tasks import RateRow
    return RateRow(label, c.counted, c.done, c.on_time, c.late, percent(c.rate, 2) if c.counted else "—")


def completion_report_xlsx(catalog: Catalog, report: CompletionReport) -> bytes:
    def units_text(t: Task) -> str:
        return "; ".join(catalog.unit_name(u) for u in t.leads) if len(t.leads) < len(catalog.units) \
            else "Các phòng, đơn vị"
    from kpi.reports.tasks import completion_xlsx  # openpyxl: only when the table is asked for
    return completion_xlsx(
        catalog.commune_name, report.label, report.start, report.end, report.as_of,
        rate_row("Toàn xã", report.overall),
        [rate_row(catalog.unit_name(u), c) for u, c in report.by_unit],
        [rate_row(k, c) for k, c in report.by_source],
        [(s.task.name, units_text(s.task), s.task.due.strftime("%d/%m/%Y") if s.task.due else "Thường xuyên",
          STATE_TEXT[s.state], s.task.source.label if s.task.source else "") for s in report.not_done])


# ───────────────────────── reminders and the computed criterion ─────────────────────────
def reminder_lines(register: Register, unit: str, days: int = 7) -> list[str]:
    """A unit's lines for its reminder: its lead tasks overdue, then due in the next `days` days."""
    mine = register.of_unit(unit)
    lines = []
    for s in mine:
        if s.state == OVERDUE:
            what = f"báo cáo {Month.parse(s.missing_report).label.lower()}" if s.missing_report else \
                f"hạn {s.task.due:%d/%m/%Y}" if s.task.due else ""
            lines.append(f"- Quá hạn {s.days_late} ngày: {s.task.name} ({what}).")
    for s in due_within(mine, register.as_of, days):
        left = "hôm nay" if s.days_left == 0 else f"còn {s.days_left} ngày"
        lines.append(f"- Sắp đến hạn ({left}, hạn {s.task.due:%d/%m/%Y}): {s.task.name}.")
    return lines


def task_progress_figures(conn, catalog: Catalog, months: Sequence[Month], as_of: dt.date | None,
                          tag: str = "KHCN") -> list[tuple[str, str, str, float, float]]:
    """(unit, period, criterion id, numerator, denominator) of the `computed = "task_progress"`
    criteria: per month, the tasks tagged `tag` updated for that month over those followed in it
    (`monthly_update_counts`), under the criterion's first unit, as the register stood at the end of
    `as_of`; a month not yet ended on `as_of`, or with no task followed, gives no row (not a loss).
    Without `as_of`: every month judged after its report's due day."""
    inds = [i for i in catalog.indicators if i.computed == "task_progress"]
    if not inds or not months:
        return []
    stored, updates = _stored(conn, catalog)
    tasks = [s.task for s in stored]
    since = {s.task.id or 0: s.created_at.date() for s in stored}
    rows = []
    for m in months:
        end = m.add(1).first_day() - dt.timedelta(days=1)
        day = m.due_date(catalog.due_day, catalog.due_month_offset) if as_of is None else as_of
        if day < end:
            continue
        done, followed = monthly_update_counts(tasks, updates, m, day, tag=tag, first_seen=since,
                                               due_day=catalog.due_day, due_month_offset=catalog.due_month_offset)
        if followed:
            for ind in inds:
                rows.append((ind.units[0], str(m), ind.id, float(done), float(followed)))
    return rows


# ───────────────────────── the sample register of the demo ─────────────────────────
DEMO_DONE_LATE_EVERY, DEMO_OPEN_EVERY = 3, 4


def load_sample_register(conn, catalog: Catalog, actor: Actor, today: dt.date) -> int:
    """Import the shipped sample registers (the 004 appendix, the 000 and 002 conclusions) as of
    `DEMO_IMPORTED_DAYS` before `today`, and record a deterministic progress: of the dated tasks already
    due, most done on time, every third done a few days late, every fourth still open (overdue); the
    tasks due within 30 days every other one started; the standing tasks with a monthly report report
    each month on the 10th, except the last month of every other one (an overdue report); the tasks
    tagged KHCN record their progress on the 25th of each month they are followed in, one update in
    `DEMO_KHCN_SKIP_EVERY` missed (the «cập nhật tiến độ hằng tháng» criterion). Returns the number of
    tasks imported."""
    imported = dt.datetime.combine(today - dt.timedelta(days=DEMO_IMPORTED_DAYS), dt.time(8))
    count = 0
    for path in sorted(SAMPLES_DIR.glob("*.xlsx")):
        plan = import_register(conn, catalog, actor, path.read_bytes(), path.name, stamp=imported)
        count += len(plan.added)
    # the documents' tasks only: the catalogue's obligations keep what their evidence says
    stored = [x for x in store_tasks.stored_tasks(conn, catalog.commune) if not is_catalog_task(x.task)]
    for n, s in enumerate(x for x in stored if x.task.due is not None):
        _demo_dated(conn, catalog, actor, s.task, n, today)
    for n, s in enumerate(x for x in stored if x.task.due is None and x.task.rule.monthly):
        months = report_months(s.task.rule, today, catalog.due_day, catalog.due_month_offset, imported.date())
        for m in months[:-1] if n % 2 else months:
            day = m.add(1).first_day() + dt.timedelta(days=9)
            _record(conn, catalog, actor, s.task, Progress(s.task.id or 0, str(m), IN_PROGRESS,
                                                           f"Báo cáo kết quả {m.label}", None), day)
    _demo_khcn_monthly(conn, catalog, actor, imported.date(), today)
    return count


DEMO_KHCN_SKIP_EVERY = 11


def _demo_khcn_monthly(conn, catalog: Catalog, actor: Actor, imported: dt.date, today: dt.date) -> None:
    """A monthly progress line of every KHCN task on the 25th of each ended month since the import,
    never after the task's completion (or a «chưa thực hiện» the demo wants kept), one in
    `DEMO_KHCN_SKIP_EVERY` missed; a month already holding a record for it is left as it is."""
    stored = store_tasks.stored_tasks(conn, catalog.commune)
    updates = store_tasks.task_updates(conn, catalog.commune)
    months: list[Month] = []
    m = Month.of(imported)
    while m < Month.of(today):
        months.append(m)
        m = m.add(1)
    k = 0
    for s in stored:
        t = s.task
        if not t.has_tag("KHCN"):
            continue
        mine = updates.get(t.id or 0, [])
        stops = [u.recorded_at.date() for u in mine if u.recorded_at is not None and u.status != IN_PROGRESS]
        stop = min(stops) if stops else dt.date.max
        for m in months:
            day = m.first_day() + dt.timedelta(days=24)
            if day >= stop or (t.rule.start is not None and t.rule.start > day):
                continue
            if any(u.period == str(m) or (u.recorded_at is not None and Month.of(u.recorded_at.date()) == m)
                   for u in mine):
                continue
            k += 1
            if k % DEMO_KHCN_SKIP_EVERY == 0:
                continue
            _record(conn, catalog, actor, t, Progress(t.id or 0, str(m), IN_PROGRESS,
                                                      f"Cập nhật tiến độ {m.label.lower()}"), day)


DEMO_IMPORTED_DAYS = 240


def _record(conn, catalog: Catalog, actor: Actor, task: Task, p: Progress, day: dt.date) -> None:
    store_tasks.record_progress(conn, actor, catalog.commune, task, Progress(
        p.task_id, p.period, p.status, p.result, p.done_on, recorded_at=dt.datetime.combine(day, dt.time(16, 30))))


def _demo_dated(conn, catalog: Catalog, actor: Actor, t: Task, n: int, today: dt.date) -> None:
    due = t.due
    assert due is not None
    if due >= today:
        if (due - today).days <= 30 and n % 2 == 0:
            _record(conn, catalog, actor, t, Progress(t.id or 0, str(Month.of(today)), IN_PROGRESS,
                                                      "Đang triển khai"), today)
        return
    if n % DEMO_OPEN_EVERY == DEMO_OPEN_EVERY - 1:
        started = max(due - dt.timedelta(days=10), today - dt.timedelta(days=DEMO_IMPORTED_DAYS))
        _record(conn, catalog, actor, t, Progress(t.id or 0, str(Month.of(started)), IN_PROGRESS if n % 2 else NOT_STARTED,
                                                  "Đang hoàn thiện hồ sơ" if n % 2 else ""), started)
        return
    done = min(due + dt.timedelta(days=5) if n % DEMO_DONE_LATE_EVERY == 1 else due - dt.timedelta(days=2), today)
    _record(conn, catalog, actor, t, Progress(t.id or 0, str(Month.of(done)), COMPLETED,
                                              "Đã hoàn thành, có văn bản báo cáo", done), done)
