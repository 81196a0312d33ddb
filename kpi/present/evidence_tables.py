"""The «Minh chứng» page's tables: the quarter's evidence board and the milestone timeline."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.milestones import Milestone
from kpi.evidence.board import ACCEPTED, MISSING, NEEDS_MORE, PENDING, STATE_TEXT, Slot
from kpi.present import texts

STATE_ICONS = {MISSING: "○", PENDING: "◷", NEEDS_MORE: "▲", ACCEPTED: "✔"}
FILTERS = {"Tất cả": None, "Thiếu": (MISSING,), "Chờ duyệt": (PENDING,), "Cần bổ sung": (NEEDS_MORE,),
           "Đạt": (ACCEPTED,)}
MILESTONE_TEXT = {"overdue": "✖ Quá hạn", "at_risk": "▲ Có nguy cơ trễ", "on_track": "● Đúng tiến độ",
                  "done": "✔ Đã xong", "ongoing": "◆ Thường xuyên"}


def state_label(state: str) -> str:
    return f"{STATE_ICONS[state]} {STATE_TEXT[state]}"


def slot_label(catalog: Catalog, slot: Slot) -> str:
    where = f" — {catalog.unit_name(slot.unit)}" if slot.unit else ""
    return f"{slot.indicator.id} · {slot.indicator.name}{where}"


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


def milestone_when(m: Milestone) -> str:
    """How far the deadline is: «còn 9 ngày», «hôm nay là hạn», «quá 3 ngày»; for one that is done
    the day its evidence was accepted; «không có hạn» for an ongoing obligation."""
    if m.status == "done":
        return f"minh chứng duyệt {texts.date(m.done_on)}" if m.done_on else "đã đạt chỉ tiêu"
    if m.days_left is None:
        return f"không có hạn (minh chứng duyệt {texts.date(m.done_on)})" if m.done_on else "không có hạn"
    return days_text(m.days_left)


def milestone_table(catalog: Catalog, rows: list[Milestone]) -> pd.DataFrame:
    out = []
    for m in rows:
        out.append({"Tình trạng": MILESTONE_TEXT[m.status], "Chỉ tiêu": m.name,
                    "Hạn": texts.date(m.deadline) if m.deadline else "thường xuyên",
                    "Còn lại": milestone_when(m),
                    "Đã đạt": texts.percent(m.share_done * 100, 0) if m.kind == "criterion" else "mốc (không tính điểm)",
                    "Đơn vị chủ trì": catalog.unit_name(m.lead) if m.lead else "chưa giao"})
    return pd.DataFrame(out, columns=["Tình trạng", "Chỉ tiêu", "Hạn", "Còn lại", "Đã đạt", "Đơn vị chủ trì"])


PROJECTOR_STATUS = {"overdue": "✖ Quá hạn", "at_risk": "▲ Có nguy cơ", "on_track": "● Đúng tiến độ"}


def projector_when(m: Milestone) -> str:
    """«✖ Quá hạn 207 ngày», «▲ Có nguy cơ · còn 9 ngày», «● Đúng tiến độ · còn 40 ngày»."""
    days = m.days_left or 0
    if m.status == "overdue":
        return f"✖ Quá hạn {-days} ngày"
    return f"{PROJECTOR_STATUS[m.status]} · {days_text(days)}"
SUMMARY_WORDS = (("overdue", "quá hạn"), ("at_risk", "có nguy cơ"), ("on_track", "đúng tiến độ"),
                 ("done", "đã xong"))


@dataclass(frozen=True)
class ProjectorFollowUp:
    """The projector's evidence and milestone lines (plain text; the page escapes them)."""
    evidence: str                                   # one short line
    heading: str                                    # «Mốc hạn: 2 quá hạn · 4 đã xong»
    rows: list[tuple[str, str, str]]                # (status and time, lead unit short, name short)
    urgent: int = 0                                 # the first `urgent` rows are overdue or at risk


def projector_follow_up(catalog: Catalog, quarter_label: str, lacking: int, points: float,
                        rows: list[Milestone], limit: int = 5) -> ProjectorFollowUp:
    """What the projector shows under the headline: how many criteria still lack accepted evidence
    and the points they carry; the dated milestones not done yet, overdue and at risk first
    (at most `limit`; the stylesheet shows three below full HD), each with its lead unit."""
    total = len(catalog.indicators)
    evidence = (f"Minh chứng {quarter_label}: {lacking}/{total} chỉ tiêu chưa được duyệt, {texts.points(points)} điểm"
                if lacking else f"Minh chứng {quarter_label}: mọi chỉ tiêu đã được duyệt")
    counts = {s: sum(m.status == s for m in rows) for s, _ in SUMMARY_WORDS}
    parts = [f"{counts[s]} {word}" for s, word in SUMMARY_WORDS if counts[s]]
    heading = "Mốc hạn: " + (" · ".join(parts) if parts else "không có mốc nào có hạn")
    pending = [m for m in rows if m.status in PROJECTOR_STATUS][:limit]
    lines = [(projector_when(m),
              texts.unit_short(catalog.unit_name(m.lead)) if m.lead else "chưa giao",
              texts.short_name(m.name, 60)) for m in pending]
    return ProjectorFollowUp(evidence, heading, lines, sum(m.urgent for m in pending))
