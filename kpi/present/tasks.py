"""How the task register is written for people: lead units (short names on narrow lines), due days,
states, the tables of the «Nhiệm vụ» page and the projector's overdue lines."""
from __future__ import annotations

import pandas as pd

from kpi.domain.catalog import Catalog
from kpi.domain.periods import Month
from kpi.domain.tasks import OVERDUE, STATE_TEXT, STATUS_TEXT, Task, TaskState
from kpi.domain.vnformat import date
from kpi.present.texts import short_name, unit_short

# signs every text font has (as the evidence board's): a colour emoji shows as an empty box where the
# machine has no emoji font
STATE_ICON = {"overdue": "▲", "at_risk": "◷", "on_track": "●", "standing": "↻", "done_on_time": "✔",
              "done_late": "✔"}


def leads_text(catalog: Catalog, task: Task) -> str:
    if len(task.leads) == len(catalog.units) and len(catalog.units) > 2:
        return "Các phòng, đơn vị"
    return "; ".join(catalog.unit_name(u) for u in task.leads)


def leads_short(catalog: Catalog, task: Task) -> str:
    """`VP HĐND và UBND; Công an`; every unit: `Các phòng, đơn vị`."""
    if len(task.leads) == len(catalog.units) and len(catalog.units) > 2:
        return "Các phòng, đơn vị"
    return "; ".join(unit_short(catalog.unit_name(u)) for u in task.leads)


def supports_text(catalog: Catalog, task: Task) -> str:
    names = [catalog.unit_name(u) for u in task.supports] + list(task.supports_outside)
    if len(task.supports) + len(task.leads) >= len(catalog.units) and len(task.supports) > 2:
        names = ["Các phòng, đơn vị khác"] + list(task.supports_outside)
    return "; ".join(names)


def when_text(task: Task) -> str:
    if task.due is None:
        return task.rule.text
    return f"{date(task.due)} ({task.rule.text})" if task.rule.kind != "date" or "trước" in task.rule.text.lower() \
        else date(task.due)


def state_text(s: TaskState) -> str:
    text = STATE_TEXT[s.state]
    if s.state == OVERDUE and s.missing_report:
        return f"{text} {s.days_late} ngày (chưa báo cáo {Month.parse(s.missing_report).label.lower()})"
    if s.state in (OVERDUE, "done_late") and s.days_late:
        return f"{text} {s.days_late} ngày"
    if s.state in ("at_risk", "on_track") and s.days_left is not None:
        return f"{text} (còn {s.days_left} ngày)" if s.days_left else f"{text} (hạn hôm nay)"
    return text


def place(task: Task) -> str:
    """Where a task is in its document: «mục II.3»; without a section (a catalogue obligation: its id
    is its STT) «mục M_ATTT_CAP_DO»."""
    return f"mục {task.section}.{task.stt}" if task.section else f"mục {task.stt}"


def task_table(catalog: Catalog, states: list[TaskState], evidence: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per task: state first, then name, lead, due, progress, source (user text: escape it);
    with `evidence` (task id → «2 tài liệu · Chờ duyệt»), its evidence last («—»: none sent)."""
    table = pd.DataFrame({
        "Mã": [f"NV{s.task.id}" for s in states],
        "Tình trạng": [f"{STATE_ICON[s.state]} {state_text(s)}" for s in states],
        "Nhiệm vụ": [s.task.name for s in states],
        "Đơn vị chủ trì": [leads_text(catalog, s.task) for s in states],
        "Thời hạn": [when_text(s.task) for s in states],
        "Tiến độ": [STATUS_TEXT[s.status] + (f": {s.last_update.result}" if s.last_update and s.last_update.result
                                              else "") for s in states],
        "Văn bản": [f"{s.task.source.label if s.task.source else ''}, {place(s.task)}" for s in states],
    })
    if evidence is not None:
        table["Minh chứng"] = [evidence.get(s.task.id or 0, "—") for s in states]
    return table


def evidence_text(count: int, state_text: str) -> str:
    """«2 tài liệu · Chờ duyệt»."""
    return f"{count} tài liệu · {state_text}"


def overdue_lines(catalog: Catalog, states: list[TaskState], n: int) -> list[str]:
    """The projector's lines: «Quá hạn 12 ngày · Kế hoạch wifi 17 nhà văn hóa… · TT Dịch vụ sự nghiệp công»."""
    out = []
    for s in [x for x in states if x.state == OVERDUE][:n]:
        out.append(f"Quá hạn {s.days_late} ngày · {short_name(s.task.name, 48)} · {leads_short(catalog, s.task)}")
    return out


def overdue_parts(catalog: Catalog, s: TaskState) -> tuple[str, str, str]:
    """The projector's overdue task in its three parts: («Quá hạn 219 ngày», the name, the lead units
    by their short names)."""
    return f"Quá hạn {s.days_late} ngày", s.task.name, leads_short(catalog, s.task)


def counts_by_state(states: list[TaskState]) -> dict[str, int]:
    out = dict.fromkeys(STATE_TEXT, 0)
    for s in states:
        out[s.state] += 1
    return out
