"""The task register's rows (see schema migration 7): the documents, their tasks, the progress
records. Each write is one transaction, rights checked first through `authorize`, refusals and writes
audited. A re-import of a document replaces its tasks by (section, STT): a task kept keeps its id and
its progress; a task the new sheet drops is kept inactive (its history stays), never deleted."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from kpi.domain.figures import Actor
from kpi.domain.rights import PermissionDenied, authorize
from kpi.domain.tasks import COMPLETED, STATUS_TEXT, Progress, Source, Task, TimeRule
from kpi.store.connection import Conn, StoreError, first_row, lock_names, now, transaction
from kpi.store.schema import WRITE_LOCK
from kpi.store.writes import _audit, audit

_TASK_COLUMNS = ("t.id, t.source_id, t.section, t.section_title, t.stt, t.name, t.leader, t.leads, t.supports, "
                 "t.supports_outside, t.output, t.time_text, t.rule_kind, t.start_on, t.due_on, t.monthly, t.tags, "
                 "t.note, s.kind, s.number, s.issued, s.title, t.leads_text, t.supports_text, t.created_at")


def _join(codes: Sequence[str]) -> str:
    return ";".join(codes)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(p for p in (text or "").split(";") if p)


@dataclass(frozen=True)
class StoredTask:
    task: Task
    leads_text: str
    supports_text: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ImportPlan:
    """What a register import would change: added, changed (with the fields), dropped tasks."""
    source: Source
    source_id: int | None
    added: tuple[Task, ...]
    changed: tuple[tuple[int, Task, tuple[str, ...]], ...]
    dropped: tuple[Task, ...]
    unchanged: int
    version: str                        # the document's stored version the plan was made against

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.dropped)


COMPARED = {"name": "tên nhiệm vụ", "leader": "chủ trì chỉ đạo", "leads": "đơn vị chủ trì",
            "supports": "đơn vị phối hợp", "supports_outside": "đơn vị phối hợp", "output": "sản phẩm đầu ra",
            "rule": "thời gian", "tags": "nhóm", "note": "ghi chú", "section_title": "tên mục"}


def _row_task(r: tuple) -> StoredTask:
    (tid, source_id, section, section_title, stt, name, leader, leads, supports, outside, output, time_text,
     kind, start_on, due_on, monthly, tags, note, s_kind, s_number, s_issued, s_title, leads_text, supports_text,
     created_at) = r
    rule = TimeRule(kind, time_text, due=_date(due_on), start=_date(start_on), monthly=bool(monthly))
    task = Task(int(tid), name, rule, _split(leads), _split(supports), _split(outside), leader, output,
                _split(tags), note, section, section_title, stt,
                Source(s_kind, s_number, _date(s_issued), s_title), int(source_id))
    return StoredTask(task, leads_text, supports_text, created_at)


def _date(v: object) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def stored_tasks(conn: Conn, commune: str, *, source_id: int | None = None) -> list[StoredTask]:
    """The active tasks of the commune (of one document when given), by document and order."""
    sql = (f"SELECT {_TASK_COLUMNS} FROM tasks t JOIN task_sources s ON s.id = t.source_id "
           "WHERE t.commune = ? AND t.active")
    params: list = [commune]
    if source_id is not None:
        sql += " AND t.source_id = ?"
        params.append(source_id)
    return [_row_task(r) for r in conn.execute(sql + " ORDER BY t.source_id, t.id", params).fetchall()]


def task_by_id(conn: Conn, commune: str, task_id: int) -> StoredTask | None:
    rows = conn.execute(f"SELECT {_TASK_COLUMNS} FROM tasks t JOIN task_sources s ON s.id = t.source_id "
                        "WHERE t.commune = ? AND t.id = ? AND t.active", [commune, int(task_id)]).fetchall()
    return _row_task(rows[0]) if rows else None


def task_updates(conn: Conn, commune: str, task_id: int | None = None) -> dict[int, list[Progress]]:
    """task id → its progress records, oldest first."""
    sql = ("SELECT task_id, period, status, result, done_on, recorded_by, recorded_at FROM task_updates "
           "WHERE commune = ?")
    params: list = [commune]
    if task_id is not None:
        sql += " AND task_id = ?"
        params.append(int(task_id))
    out: dict[int, list[Progress]] = {}
    for tid, period, status, result, done_on, by, at in conn.execute(sql + " ORDER BY recorded_at, id",
                                                                      params).fetchall():
        out.setdefault(int(tid), []).append(Progress(int(tid), period, status, result, _date(done_on), by, at))
    return out


def task_sources(conn: Conn, commune: str) -> list[tuple[int, Source, int]]:
    """(id, document, active tasks) of every document of the commune's register."""
    rows = conn.execute("SELECT s.id, s.kind, s.number, s.issued, s.title, "
                        "(SELECT count(*) FROM tasks t WHERE t.source_id = s.id AND t.active) "
                        "FROM task_sources s WHERE s.commune = ? ORDER BY s.id", [commune]).fetchall()
    return [(int(i), Source(k, n, _date(d), t), int(c)) for i, k, n, d, t, c in rows]


def source_id_of(conn: Conn, commune: str, source: Source) -> int | None:
    row = first_row(conn.execute("SELECT min(id) FROM task_sources WHERE commune = ? AND source_key = ?",
                                 [commune, source.key]))
    return int(row[0]) if row[0] is not None else None


def communes_with_tasks(conn: Conn) -> set[str]:
    """The communes whose register holds a task (the city pass reads only those registers)."""
    return {r[0] for r in conn.execute("SELECT DISTINCT commune FROM tasks WHERE active").fetchall()}


def register_version(conn: Conn, commune: str) -> str:
    """Changes with every import, edit and progress record of the commune's register (cache key)."""
    a = first_row(conn.execute("SELECT count(*), max(updated_at) FROM tasks WHERE commune = ?", [commune]))
    b = first_row(conn.execute("SELECT count(*), max(id) FROM task_updates WHERE commune = ?", [commune]))
    return f"{a[0]}:{a[1]}:{b[0]}:{b[1]}"


def _source_version(conn: Conn, commune: str, source_id: int | None) -> str:
    if source_id is None:
        return "new"
    row = first_row(conn.execute("SELECT count(*), max(updated_at), max(id) FROM tasks WHERE commune = ? "
                                 "AND source_id = ?", [commune, source_id]))
    return f"{row[0]}:{row[1]}:{row[2]}"


def _fields(t: Task) -> dict[str, object]:
    return {"name": t.name, "leader": t.leader, "leads": t.leads, "supports": t.supports,
            "supports_outside": t.supports_outside, "output": t.output,
            "rule": (t.rule.kind, t.rule.text, t.rule.due, t.rule.start, t.rule.monthly), "tags": t.tags,
            "note": t.note, "section_title": t.section_title}


def plan_import(conn: Conn, commune: str, source: Source, tasks: Sequence[Task]) -> ImportPlan:
    """What importing `tasks` of `source` would change (nothing written)."""
    sid = source_id_of(conn, commune, source)
    old = {s.task.key: s.task for s in stored_tasks(conn, commune, source_id=sid)} if sid is not None else {}
    added, changed = [], []
    unchanged = 0
    for t in tasks:
        before = old.pop(t.key, None)
        if before is None:
            added.append(t)
            continue
        a, b = _fields(before), _fields(t)
        diff = tuple(dict.fromkeys(COMPARED[k] for k in a if a[k] != b[k]))
        if diff:
            changed.append((before.id or 0, t, diff))
        else:
            unchanged += 1
    return ImportPlan(source, sid, tuple(added), tuple(changed), tuple(old.values()), unchanged,
                      _source_version(conn, commune, sid))


def _guard(conn: Conn, actor: Actor, action: str, commune: str, unit: str | None, detail: dict) -> None:
    try:
        authorize(actor, action, commune, unit)
    except PermissionDenied as e:
        if actor.who.strip():
            audit(conn, actor, "refused_rights", commune, {"action": action, "reason": str(e), **detail}, unit=unit)
        raise


def _values(t: Task, leads_text: str, supports_text: str) -> list:
    return [t.section, t.section_title, t.stt, t.name, t.leader, _join(t.leads), leads_text, _join(t.supports),
            _join(t.supports_outside), supports_text, t.output, t.rule.text, t.rule.kind, t.rule.start,
            t.rule.due, t.rule.monthly, _join(t.tags), t.note]


_SET = ("section = ?, section_title = ?, stt = ?, name = ?, leader = ?, leads = ?, leads_text = ?, supports = ?, "
        "supports_outside = ?, supports_text = ?, output = ?, time_text = ?, rule_kind = ?, start_on = ?, "
        "due_on = ?, monthly = ?, tags = ?, note = ?")


def apply_import(conn: Conn, actor: Actor, commune: str, plan: ImportPlan, texts: dict[tuple[str, str], tuple[str, str]],
                 *, file_name: str | None = None, file_sha256: str | None = None,
                 stamp: dt.datetime | None = None, action: str = "tasks_import") -> int:
    """Write `plan` (from `plan_import`) in one transaction; refused (StoreError, nothing written)
    when the document changed since the plan was made. `texts`: task key → (lead cell, supporting
    cell) as written. `action`: the audit line's («catalog_tasks» for the catalogue sync). Returns
    the document's id."""
    detail = {"source": plan.source.label, "file_name": file_name}
    _guard(conn, actor, "manage_tasks", commune, None, detail)
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"tasks:{commune}"])
        sid = source_id_of(conn, commune, plan.source)
        if sid != plan.source_id or _source_version(conn, commune, sid) != plan.version:
            raise StoreError(f"Sổ nhiệm vụ của «{plan.source.label}» vừa được người khác thay đổi sau khi bạn xem "
                             "trước: hãy xem lại thay đổi rồi xác nhận.")
        stamp = stamp or now()     # the demo dates its sample register back
        s = plan.source
        if sid is None:
            sid = int(first_row(conn.execute("SELECT nextval('task_source_id_seq')"))[0])
            conn.execute("INSERT INTO task_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [sid, commune, s.key, s.kind, s.number, s.issued, s.title, file_name, file_sha256,
                          stamp, actor.who]).fetchall()
        else:
            conn.execute("UPDATE task_sources SET file_name = ?, file_sha256 = ?, imported_at = ?, imported_by = ? "
                         "WHERE id = ?", [file_name, file_sha256, stamp, actor.who, sid]).fetchall()
        for t in plan.added:
            tid = int(first_row(conn.execute("SELECT nextval('task_id_seq')"))[0])
            lt, st = texts.get(t.key, ("", ""))
            conn.execute("INSERT INTO tasks (id, commune, source_id, section, section_title, stt, name, leader, "
                         "leads, leads_text, supports, supports_outside, supports_text, output, time_text, "
                         "rule_kind, start_on, due_on, monthly, tags, note, active, created_at, created_by, "
                         "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                         "?, TRUE, ?, ?, ?, ?)",
                         [tid, commune, sid, *_values(t, lt, st), stamp, actor.who, stamp, actor.who]).fetchall()
        for tid, t, _diff in plan.changed:
            lt, st = texts.get(t.key, ("", ""))
            conn.execute(f"UPDATE tasks SET {_SET}, updated_at = ?, updated_by = ? WHERE id = ?",
                         [*_values(t, lt, st), stamp, actor.who, tid]).fetchall()
        for t in plan.dropped:
            conn.execute("UPDATE tasks SET active = FALSE, updated_at = ?, updated_by = ? WHERE id = ?",
                         [stamp, actor.who, t.id]).fetchall()
        _audit(conn, actor, action, commune,
               {**detail, "added": len(plan.added), "changed": len(plan.changed), "dropped": len(plan.dropped)},
               sha256=file_sha256)
    return sid


def save_task(conn: Conn, actor: Actor, commune: str, task: Task, leads_text: str, supports_text: str) -> int:
    """Add a task typed on the page (`task.id` None; its document is `task.source`, created when new)
    or edit one (`task.id` given): the office's work, audited."""
    _guard(conn, actor, "manage_tasks", commune, None, {"task": task.id, "name": task.name[:80]})
    if task.source is None:
        raise StoreError("Nhiệm vụ cần văn bản nguồn.")
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"tasks:{commune}"])
        stamp = now()
        s = task.source
        sid = source_id_of(conn, commune, s)
        if sid is None:
            sid = int(first_row(conn.execute("SELECT nextval('task_source_id_seq')"))[0])
            conn.execute("INSERT INTO task_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [sid, commune, s.key, s.kind, s.number, s.issued, s.title, None, None, stamp,
                          actor.who]).fetchall()
        clash = conn.execute("SELECT id FROM tasks WHERE commune = ? AND source_id = ? AND section = ? AND stt = ? "
                             "AND active AND id IS DISTINCT FROM ?",
                             [commune, sid, task.section, task.stt, task.id]).fetchall()
        if clash:
            raise StoreError(f"Mục {task.section or '(không mục)'}, STT {task.stt} của «{s.label}» đã có nhiệm vụ "
                             f"(mã NV{clash[0][0]}).")
        if task.id is None:
            tid = int(first_row(conn.execute("SELECT nextval('task_id_seq')"))[0])
            conn.execute("INSERT INTO tasks (id, commune, source_id, section, section_title, stt, name, leader, "
                         "leads, leads_text, supports, supports_outside, supports_text, output, time_text, "
                         "rule_kind, start_on, due_on, monthly, tags, note, active, created_at, created_by, "
                         "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                         "?, TRUE, ?, ?, ?, ?)",
                         [tid, commune, sid, *_values(task, leads_text, supports_text), stamp, actor.who, stamp,
                          actor.who]).fetchall()
            action = "task_add"
        else:
            tid = int(task.id)
            found = conn.execute("SELECT id FROM tasks WHERE commune = ? AND id = ? AND active",
                                 [commune, tid]).fetchall()
            if not found:
                raise StoreError(f"Không có nhiệm vụ mã NV{tid}.")
            conn.execute(f"UPDATE tasks SET source_id = ?, {_SET}, updated_at = ?, updated_by = ? WHERE id = ?",
                         [sid, *_values(task, leads_text, supports_text), stamp, actor.who, tid]).fetchall()
            action = "task_edit"
        _audit(conn, actor, action, commune, {"task": tid, "name": task.name[:200], "due": str(task.rule.due or ""),
                                              "leads": _join(task.leads)})
    return tid


def rights_unit(actor: Actor, task: Task) -> str | None:
    """The unit a progress record is checked against: a coordinator's own lead unit of the task when
    they have one, else the task's first lead (which `authorize` refuses for another unit's
    coordinator); None for the office (any task)."""
    if actor.role != "coordinator":
        return None
    own = [u for u in task.leads if u in actor.units]
    return own[0] if own else (task.leads[0] if task.leads else "—")


def record_progress(conn: Conn, actor: Actor, commune: str, task: Task, update: Progress) -> Progress:
    """Record one progress update (rights: the office, or a coordinator of one of the task's lead
    units); audited, refusals too."""
    unit = rights_unit(actor, task)
    _guard(conn, actor, "update_task", commune, unit, {"task": task.id, "status": update.status})
    if update.status not in STATUS_TEXT:
        raise StoreError(f"Trạng thái «{update.status}» không hợp lệ: chưa thực hiện, đang thực hiện, hoàn thành.")
    if update.status == COMPLETED and update.done_on is None:
        raise StoreError("Nhiệm vụ hoàn thành cần ngày hoàn thành.")
    if update.status != COMPLETED and update.done_on is not None:
        raise StoreError("Chỉ ghi ngày hoàn thành khi trạng thái là «Hoàn thành».")
    with WRITE_LOCK, transaction(conn):
        found = conn.execute("SELECT id FROM tasks WHERE commune = ? AND id = ? AND active",
                             [commune, task.id]).fetchall()
        if not found:
            raise StoreError(f"Không có nhiệm vụ mã NV{task.id}.")
        uid = int(first_row(conn.execute("SELECT nextval('task_update_id_seq')"))[0])
        stamp = update.recorded_at or now()
        conn.execute("INSERT INTO task_updates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [uid, commune, task.id, update.period, update.status, update.result.strip(), update.done_on,
                      actor.who, stamp]).fetchall()
        _audit(conn, actor, "task_progress", commune,
               {"task": task.id, "status": update.status, "result": update.result.strip()[:300],
                "done_on": str(update.done_on or "")}, unit=unit, period=update.period)
    return Progress(int(task.id or 0), update.period, update.status, update.result.strip(), update.done_on,
                    actor.who, stamp)


def catalog_tasks_plan(conn: Conn, commune: str, source: Source, tasks: Sequence[Task]) -> ImportPlan | None:
    """What writing the catalogue's obligations (`tasks` of `source`) into the register would change;
    None when the register already holds them as they are (nothing to write), or when the register has
    no such document yet and the catalogue no obligation."""
    if not tasks and source_id_of(conn, commune, source) is None:
        return None
    plan = plan_import(conn, commune, source, tasks)
    return None if plan.empty else plan


def sync_catalog_tasks(conn: Conn, actor: Actor, commune: str, source: Source, tasks: Sequence[Task],
                       texts: dict[tuple[str, str], tuple[str, str]]) -> ImportPlan | None:
    """Upsert the catalogue's obligations as the tasks of `source` (by STT, the obligation's id): a
    new one added, a changed text updated (its id and progress kept), one the catalogue dropped kept
    inactive; nothing written when nothing differs. Rights `manage_tasks` (the catalogue sync runs as
    the system); audited as «catalog_tasks». Returns the plan written (None: nothing to write)."""
    plan = catalog_tasks_plan(conn, commune, source, tasks)
    if plan is None:
        return None
    apply_import(conn, actor, commune, plan, texts, action="catalog_tasks")
    return plan
