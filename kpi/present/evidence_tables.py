"""The «Minh chứng» page's tables: the quarter's evidence board and the milestone timeline."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.milestones import Milestone
from kpi.evidence.board import ACCEPTED, MISSING, NEEDS_MORE, PENDING, STATE_TEXT, Slot
from kpi.present import texts

STATE_ICONS = {MISSING: "○", PENDING: "◷", NEEDS_MORE: "▲", ACCEPTED: "✔"}
FILTERS = {"Tất cả": None, "Thiếu": (MISSING,), "Chờ duyệt": (PENDING,), "Cần bổ sung": (NEEDS_MORE,),
           "Đạt": (ACCEPTED,)}
MILESTONE_TEXT = {"missed": "✖ Không đạt đúng hạn", "overdue": "✖ Quá hạn", "at_risk": "▲ Có nguy cơ trễ",
                  "on_track": "● Đúng tiến độ", "done": "✔ Đã xong", "ongoing": "◆ Thường xuyên"}


def state_label(state: str) -> str:
    return f"{STATE_ICONS[state]} {STATE_TEXT[state]}"


def slot_label(catalog: Catalog, slot: Slot) -> str:
    where = f" — {catalog.unit_name(slot.unit)}" if slot.unit else ""
    return f"{slot.indicator.name}{where} · {slot.indicator.id}"     # the name first: people pick by it


def shown(slots: list[Slot], states: tuple[str, ...] | None, unit: str | None) -> list[Slot]:
    """The slots a filter keeps: by state, and for a unit its parts and the criteria it reports
    or leads (a unit's part of a criterion shows only when it has something or the unit is chosen)."""
    out = []
    for s in slots:
        if states is not None and s.state not in states:
            continue
        if unit is not None:
            if s.unit is not None and s.unit != unit:
                continue
            if s.unit is None and isinstance(s.indicator, Indicator) and unit not in s.indicator.units:
                continue
        elif s.unit is not None and not s.items and not s.reviews:
            continue
        out.append(s)
    return out


def slot_unit_text(catalog: Catalog, slot: Slot) -> str:
    """Whose evidence a slot is: a unit's part, the criterion as a whole, or an obligation of the
    commune with its lead unit."""
    if slot.unit:
        return catalog.unit_name(slot.unit)
    if isinstance(slot.indicator, Indicator):
        return "Cả chỉ tiêu"
    lead = slot.indicator.lead
    return f"Cả xã (chủ trì: {catalog.unit_name(lead)})" if lead else "Cả xã"


def board_table(catalog: Catalog, slots: list[Slot]) -> pd.DataFrame:
    rows = []
    for s in slots:
        review = s.review
        rows.append({
            "Mã": s.indicator.id, "Chỉ tiêu": s.indicator.name,
            "Đơn vị": slot_unit_text(catalog, s),
            "Trạng thái": state_label(s.state),
            "Cần có": s.indicator.evidence,
            "Đã gửi": "\n".join(f"{i.description} ({i.file_name or i.link}; {i.added_by}, "
                                f"{texts.datetime(i.added_at)})" for i in s.items),
            "Nhận xét": "" if review is None else f"{review.comment} ({review.reviewed_by}, "
                                                   f"{texts.datetime(review.reviewed_at)})".strip(),
            "Điểm tối đa": (texts.points(s.indicator.points) if isinstance(s.indicator, Indicator) else
                            "mốc, không tính điểm") if s.unit is None else "",
        })
    return pd.DataFrame(rows, columns=["Mã", "Chỉ tiêu", "Đơn vị", "Trạng thái", "Cần có", "Đã gửi", "Nhận xét",
                                       "Điểm tối đa"])


def days_text(days_left: int) -> str:
    """«còn 9 ngày», «hôm nay là hạn», «quá 3 ngày»."""
    return (f"còn {days_left} ngày" if days_left > 0 else "hôm nay là hạn" if days_left == 0
            else f"quá {-days_left} ngày")


def due_text(deadline: dt.date | None, start: dt.date | None, ongoing: str = "thường xuyên") -> str:
    """When a milestone is due: «30/06/2026»; «thường xuyên, từ 01/10/2025» for one ongoing since a
    start (never late); `ongoing` for one without either."""
    if deadline is not None:
        return texts.date(deadline)
    return f"thường xuyên, từ {texts.date(start)}" if start is not None else ongoing


def milestone_when(m: Milestone) -> str:
    """How far the deadline is: «còn 9 ngày», «hôm nay là hạn», «quá 3 ngày»; for one that is done
    the day its evidence was accepted; «không có hạn» for an ongoing one."""
    if m.status == "done":
        return f"minh chứng duyệt {texts.date(m.done_on)}" if m.done_on else "đã đạt chỉ tiêu"
    if m.days_left is None:
        return f"không có hạn (minh chứng duyệt {texts.date(m.done_on)})" if m.done_on else "không có hạn"
    return days_text(m.days_left)


def _value_and_quarter(catalog: Catalog, m: Milestone) -> tuple[str, str | None]:
    """A criterion's value in the quarter that judged it («90,8 %», «chưa có số liệu») and that
    quarter's label (None when no quarter had figures)."""
    label = m.quarter.label if m.quarter else None
    if m.achieved is None or not catalog.has_indicator(m.id):
        return "chưa có số liệu", label
    return texts.achieved(catalog.indicator(m.id), m.achieved), label


def milestone_value(catalog: Catalog, m: Milestone) -> str:
    """The «Đã đạt» cell: what a criterion reached in the quarter that judged it, «90,8 % (Quý II/2026)» —
    the quarter of its deadline, or before that quarter has figures the latest one before it (a
    forecast); «chưa có số liệu»; an obligation has no figures: «mốc (không tính điểm)»."""
    if m.kind != "criterion":
        return "mốc (không tính điểm)"
    value, label = _value_and_quarter(catalog, m)
    return f"{value} ({label})" if label else value


def milestone_reached(catalog: Catalog, m: Milestone) -> str:
    """The same in a sentence: «Quý II/2026 đạt 90,8 %», «Quý III/2026 chưa có số liệu»."""
    value, label = _value_and_quarter(catalog, m)
    if m.achieved is None:
        return f"{label} chưa có số liệu" if label else "chưa có số liệu"
    return f"{label} đạt {value}"


def milestone_line(catalog: Catalog, m: Milestone) -> str:
    """One line of `python -m kpi milestones`: «✖ Không đạt đúng hạn: HT_CHU_KY_SO — … (hạn 30/06/2026,
    quá 158 ngày; chủ trì …; Quý II/2026 đạt 90,8 %)»."""
    lead = f"chủ trì {catalog.unit_name(m.lead)}" if m.lead else "chưa giao đơn vị chủ trì"
    done = "" if not m.done_on else f", hoàn thành {texts.date(m.done_on)}" if m.done_by == "progress" \
        else f", minh chứng được duyệt {texts.date(m.done_on)}"
    if m.deadline is None:
        when = due_text(None, m.start, "không có hạn")
        what = "mốc theo dõi, không tính điểm" if m.kind != "criterion" else milestone_reached(catalog, m)
        facts = f"{when}; {lead}{done}; {what}"
    else:
        when = "" if m.status == "done" else f", {days_text(m.days_left or 0)}"
        if m.kind != "criterion":
            facts = f"hạn {texts.date(m.deadline)}{when}; {lead}{done}; mốc theo dõi, không tính điểm"
        else:
            facts = f"hạn {texts.date(m.deadline)}{when}; {lead}; {milestone_reached(catalog, m)}{done}"
    return f"{MILESTONE_TEXT[m.status]}: {m.id} — {m.name} ({facts})"


def milestone_table(catalog: Catalog, rows: list[Milestone]) -> pd.DataFrame:
    out = []
    for m in rows:
        out.append({"Tình trạng": MILESTONE_TEXT[m.status], "Chỉ tiêu": m.name,
                    "Hạn": due_text(m.deadline, m.start),
                    "Còn lại": milestone_when(m),
                    "Đã đạt": milestone_value(catalog, m),
                    "Đơn vị chủ trì": catalog.unit_name(m.lead) if m.lead else "chưa giao"})
    return pd.DataFrame(out, columns=["Tình trạng", "Chỉ tiêu", "Hạn", "Còn lại", "Đã đạt", "Đơn vị chủ trì"])


PROJECTOR_STATUS = {"missed": "✖ Không đạt đúng hạn", "overdue": "✖ Quá hạn", "at_risk": "▲ Có nguy cơ",
                    "on_track": "● Đúng tiến độ"}


def projector_when(catalog: Catalog, m: Milestone) -> str:
    """«✖ Không đạt đúng hạn · Quý II/2026 đạt 90,8 %», «✖ Quá hạn 207 ngày», «▲ Có nguy cơ · còn 9 ngày»,
    «● Đúng tiến độ · còn 40 ngày»."""
    days = m.days_left or 0
    if m.status == "missed":
        return f"{PROJECTOR_STATUS['missed']} · {milestone_reached(catalog, m)}"
    if m.status == "overdue":
        return f"✖ Quá hạn {-days} ngày"
    return f"{PROJECTOR_STATUS[m.status]} · {days_text(days)}"


SUMMARY_WORDS = (("missed", "không đạt đúng hạn"), ("overdue", "quá hạn"), ("at_risk", "có nguy cơ"),
                 ("on_track", "đúng tiến độ"), ("done", "đã xong"))


@dataclass(frozen=True)
class ProjectorFollowUp:
    """The projector's evidence and milestone lines (plain text; the page escapes them)."""
    evidence: str                                   # one short line
    heading: str                                    # «Mốc hạn: 2 quá hạn · 4 đã xong»
    rows: list[tuple[str, str, str]]                # (status and time, lead unit short, name short)
    urgent: int = 0                                 # the first `urgent` rows are missed, overdue or at risk


def projector_follow_up(catalog: Catalog, quarter_label: str, lacking: int, points: float,
                        rows: list[Milestone], limit: int = 5) -> ProjectorFollowUp:
    """What the projector shows under the headline: how many criteria still lack accepted evidence
    and the points they carry; the dated milestones not done yet, missed, overdue and at risk first
    (at most `limit`; the stylesheet shows three below full HD), each with its lead unit."""
    total = len(catalog.indicators)
    evidence = (f"Minh chứng {quarter_label}: {lacking}/{total} chỉ tiêu chưa được duyệt, {texts.points(points)} điểm"
                if lacking else f"Minh chứng {quarter_label}: mọi chỉ tiêu đã được duyệt")
    counts = {s: sum(m.status == s for m in rows) for s, _ in SUMMARY_WORDS}
    parts = [f"{counts[s]} {word}" for s, word in SUMMARY_WORDS if counts[s]]
    heading = "Mốc hạn: " + (" · ".join(parts) if parts else "không có mốc nào có hạn")
    pending = [m for m in rows if m.status in PROJECTOR_STATUS][:limit]
    lines = [(projector_when(catalog, m),
              texts.unit_short(catalog.unit_name(m.lead)) if m.lead else "chưa giao",
              texts.short_name(m.name, 60)) for m in pending]
    return ProjectorFollowUp(evidence, heading, lines, sum(m.urgent for m in pending))
