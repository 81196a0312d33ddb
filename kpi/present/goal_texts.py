"""Goal-seek's answers and what-if's adjustments in Vietnamese sentences.

The engine (kpi.domain.goalseek, kpi.domain.whatif) computes answers as data; the sentences are
built here from those parts, with the presenter's way of writing each value (kpi.present.texts).
"""
from __future__ import annotations

import re

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.goalseek import EPS, GoalAnswer, GoalPlan, GradeGoal
from kpi.domain.periods import Month
from kpi.domain.whatif import Adjustment, IndicatorChange, Reach
from kpi.present import texts
from kpi.present.texts import smart_number

# ── nouns and months ─────────────────────────────────────────────────────────


def noun_of(label: str) -> str:
    """'Số hồ sơ xử lý hoàn toàn trực tuyến' → 'hồ sơ xử lý hoàn toàn trực tuyến'."""
    text = re.sub(r"\s*\(.*?\)", "", label or "").strip()
    text = re.sub(r"\s+trong quý$", "", text)
    for prefix in ("Tổng số ", "Số lượng ", "Số "):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _num_noun(ind: Indicator) -> str:
    n = noun_of(ind.numerator_label)
    return n if n and ind.numerator_label != "Tử số" else "đơn vị tử số"


def _den_noun(ind: Indicator) -> str:
    n = noun_of(ind.denominator_label)
    return n if n and ind.denominator_label != "Mẫu số" else "đơn vị mẫu số"


def _measure(ind: Indicator) -> str:
    return noun_of(ind.measure) if ind.measure else ""


def months_text(months: tuple[str, ...] | list[str]) -> str:
    """'Tháng 4/2026, Tháng 5/2026 và Tháng 6/2026'."""
    labels = [Month.parse(m).label for m in months]
    if not labels:
        return ""
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " và " + labels[-1]


def _level(ind: Indicator, value: float | None) -> str:
    """A level reached: '83,3 %', '17 nhà văn hóa' (the noun without its 'Số')."""
    if value is None:
        return texts.MISSING
    if ind.is_ratio:
        return texts.percent(value)
    return f"{smart_number(value)} {_measure(ind)}".strip()


def _goal_level(ind: Indicator, value: float) -> str:
    """A target or band level with its sign: '≥ 90 %', '≥ 17 nhà văn hóa'."""
    shown = f"{smart_number(value, 1)} %" if ind.is_ratio else f"{smart_number(value)} {_measure(ind)}".strip()
    return f"{ind.comparison} {shown}"


# ── one criterion ────────────────────────────────────────────────────────────

def answer_text(ind: Indicator, a: GoalAnswer) -> str:
    """What meeting one criterion takes, in one or two sentences."""
    if a.goal == "unknown":
        return (f"Chưa có số liệu để dự kiến số {_den_noun(ind)}: cần đạt {ind.comparison} "
                f"{texts.percent(ind.target)} trong {months_text(a.months_left)} "
                f"(nhập số dự kiến để tính cụ thể).")
    if a.goal == "best":
        return _best_text(ind, a)
    band = ""
    if a.goal == "band":
        band = (f"Không thể đạt mục tiêu {_goal_level(ind, ind.target)} trong {a.quarter.label}; mức gần "
                f"nhất còn đạt được: {_goal_level(ind, _band_reach(ind, a))} "
                f"({texts.points(a.goal_points)} điểm). ")
    return band + (_closed_text(ind, a) if a.closed else _open_text(ind, a))


def _band_reach(ind: Indicator, a: GoalAnswer) -> float:
    return next(r for r, p in ind.bands if abs(p - a.goal_points) < EPS)


def _aim(ind: Indicator, a: GoalAnswer) -> str:
    """Where the change takes the criterion: the target, a band, or (partial) some points."""
    if a.goal == "band":
        aim = f"để đạt mức {_goal_level(ind, _band_reach(ind, a))}"
    elif a.goal == "partial":
        return f"để đạt {texts.points_of(a.goal_points, ind.points)} điểm ({_level(ind, a.goal_achieved)})"
    else:
        return f"để cả quý đạt {_goal_level(ind, ind.target)}"
    # a band says where it lands
    return f"{aim} → {_level(ind, a.goal_achieved)}, {texts.points_of(a.goal_points, ind.points)} điểm"


def _best_text(ind: Indicator, a: GoalAnswer) -> str:
    goal_level = _goal_level(ind, ind.target)
    quarter = a.quarter.label
    if a.closed:
        return (f"{quarter} đã đủ số liệu đến tháng cuối quý, không còn tháng nào để "
                f"cải thiện; kể cả khi điều chỉnh số liệu của quý cũng không đạt {goal_level}.")
    best = (f"mức tốt nhất còn đạt được: {_level(ind, a.best_achieved)} "
            f"({texts.points_of(a.best_points, ind.points)} điểm)")
    if ind.is_ratio:
        all_word = "100 %" if ind.higher_is_better else "0"
        return (f"Không thể đạt {goal_level} trong {quarter}: kể cả khi {all_word} "
                f"{_den_noun(ind)} trong {months_text(a.months_left)} "
                f"(dự kiến {smart_number(a.projected_total_denominator)}) đạt yêu cầu; {best}.")
    return f"Không thể đạt {goal_level} trong {quarter}; {best}."


def _closed_text(ind: Indicator, a: GoalAnswer) -> str:
    head = f"{a.quarter.label} đã kết thúc (đủ số liệu đến tháng cuối quý): lẽ ra "
    if ind.is_ratio:
        verb = "cần thêm" if ind.higher_is_better else "cần bớt"
        return (head + f"{verb} {smart_number(a.needed_numerator)} {_num_noun(ind)} "
                f"(trên {smart_number(a.base.denominator)} {_den_noun(ind)}) {_aim(ind, a)}.")
    verb = "cần thêm" if ind.higher_is_better else "cần giảm"
    return head + _join(verb, smart_number(a.needed_value), _measure(ind), _aim(ind, a)) + "."


def _open_text(ind: Indicator, a: GoalAnswer) -> str:
    when, aim = months_text(a.months_left), _aim(ind, a)
    if ind.is_ratio:
        total = a.projected_total_denominator
        share = (texts.percent(100.0 * a.needed_numerator / total)
                 if total and a.needed_numerator is not None else texts.MISSING)
        head = "Cần ít nhất" if ind.higher_is_better else "Chỉ được tối đa"
        return (f"{head} {smart_number(a.needed_numerator)} {_num_noun(ind)} trong {when} "
                f"(dự kiến {smart_number(total)} {_den_noun(ind)}, tức {share}) {aim}.")
    m, needed = _measure(ind), a.needed_value or 0.0
    if ind.aggregate == "mean":
        return _join("Cần bình quân", smart_number(needed), m, f"mỗi tháng trong {when}", aim) + "."
    if ind.aggregate == "last":
        final = (a.base.value or 0.0) + (needed if ind.higher_is_better else -needed)
        verb = "Cần thêm" if ind.higher_is_better else "Cần giảm"
        return _join(verb, smart_number(needed), m, f"(đạt {smart_number(final)}) trước hết "
                     f"{Month.parse(a.months_left[-1]).label}", aim) + "."
    verb = "Cần thêm" if ind.higher_is_better else "Chỉ được thêm tối đa"
    pace = ""
    if a.base.months_reported and ind.higher_is_better:
        pace = _join(f"(nhịp hiện tại {smart_number((a.base.value or 0) / a.base.months_reported, 1)}",
                     m, "mỗi tháng)")
    return _join(verb, smart_number(needed), m, f"trong {when}", pace, aim) + "."


def _join(*parts: str) -> str:
    """Words joined by one space, empty parts (a count without a noun) left out."""
    return " ".join(p for p in parts if p)


def answer_texts(catalog: Catalog, answers: dict[str, GoalAnswer]) -> dict[str, str]:
    """Criterion id → its answer in words."""
    return {k: answer_text(catalog.indicator(k), a) for k, a in answers.items()}


# ── a total ──────────────────────────────────────────────────────────────────

def plan_text(plan: GoalPlan) -> str:
    """What reaching a total takes, in one sentence (the steps are listed with `answer_text`)."""
    if plan.current_points >= plan.goal_points - EPS:
        return f"Đã đạt {texts.points(plan.current_points)} điểm, không cần cải thiện thêm."
    if plan.reached:
        return (f"Cần cải thiện {len(plan.steps)} chỉ tiêu để đạt {texts.points(plan.goal_points)} điểm "
                f"(dự kiến {texts.points(plan.total_after)} điểm).")
    return (f"Không thể đạt {texts.points(plan.goal_points)} điểm trong {plan.quarter.label}: cải thiện "
            f"hết mức còn có thể chỉ đạt khoảng {texts.points(plan.total_after)} điểm.")


def grade_goal_text(goal: GradeGoal) -> str:
    """'giữ Xuất sắc (từ 90 điểm)', 'đạt Tốt (từ 80 điểm)'."""
    return f"{'giữ' if goal.keep else 'đạt'} {goal.grade} (từ {smart_number(goal.points, 2)} điểm)"


# ── what-if adjustments ──────────────────────────────────────────────────────

def _signed(x: float) -> str:
    """A change of a count: '+40', '−3' (Unicode minus in text)."""
    return ("+" if x > 0 else texts.MINUS) + smart_number(abs(x))


def adjustment_text(catalog: Catalog, adj: Adjustment) -> str:
    """'Tỷ lệ …: +40 hồ sơ xử lý hoàn toàn trực tuyến (Tháng 12/2026)'."""
    ind = catalog.indicator(adj.indicator_id)
    when = f" ({Month.parse(adj.month).label})" if adj.month else ""
    parts = []
    if ind.is_ratio:
        if adj.extra_numerator:
            parts.append(f"{_signed(adj.extra_numerator)} {noun_of(ind.numerator_label)}")
        if adj.extra_denominator:
            parts.append(f"{_signed(adj.extra_denominator)} {noun_of(ind.denominator_label)}")
        if adj.set_rate is not None:
            parts.append(f"tỷ lệ quý {texts.percent(adj.set_rate)}")
    else:
        m = _measure(ind)
        if adj.extra_value:
            parts.append(_join(_signed(adj.extra_value), m))
        if adj.set_value is not None:
            parts.append(_join("đặt bằng", smart_number(adj.set_value), m))
    return f"{ind.name}: " + ", ".join(parts) + when if parts else ind.name


UNREACHABLE = "không còn đạt được trong quý"


def beyond_reach_text(change: IndicatorChange, reach: Reach) -> str:
    """'Tỷ lệ …: mô phỏng 98 % — không còn đạt được trong quý (tối đa còn đạt 93,2 %)'."""
    ind = change.indicator
    if not reach.months_left:
        why = "không còn tháng nào chưa đến hạn báo cáo"
    else:
        why = f"{'tối đa' if ind.higher_is_better else 'tối thiểu'} còn đạt {_level(ind, reach.best)}"
    return f"{ind.name}: mô phỏng {_level(ind, change.simulated.achieved)} — {UNREACHABLE} ({why})"


# ── one criterion, short (the projector) ─────────────────────────────────────

SHORT_WORDS = 12


def _short(head: str, noun: str, tail: str = "") -> str:
    """`head noun tail` in at most SHORT_WORDS words: a long noun is cut (…), never the
    numbers; the full sentence is `answer_text`."""
    fixed = len(head.split()) + len(tail.split())
    words = noun.split()
    room = max(1, SHORT_WORDS - fixed)
    if len(words) > room:
        words = words[:room - 1] + [words[room - 1] + "…"] if room > 1 else [words[0] + "…"]
    return _join(head, " ".join(words), tail)


def short_action(ind: Indicator, a: GoalAnswer) -> str:
    """What one criterion needs, in ≤ 12 words: `Cần ≥ 40 hồ sơ trực tuyến trong 2 tháng`, or
    for a finished quarter `Thiếu 12 hồ sơ…` (the numbers of `answer_text`, without the why; the
    page says once that the quarter is finished)."""
    left = f"trong {len(a.months_left)} tháng" if a.months_left else ""
    if a.goal == "unknown":
        return f"Cần đạt {ind.comparison} {texts.percent(ind.target)}; nhập số dự kiến để tính"
    if a.goal == "best":
        if a.closed:
            return "Không còn tháng nào để đạt mục tiêu"
        return f"Không thể đạt mục tiêu; tốt nhất {_level(ind, a.best_achieved)}"
    if ind.is_ratio:
        n = smart_number(a.needed_numerator)
        if a.closed:
            return _short(f"{'Thiếu' if ind.higher_is_better else 'Thừa'} {n}", _num_noun(ind))
        head = f"Cần ≥ {n}" if ind.higher_is_better else f"Tối đa {n}"
        return _short(head, _num_noun(ind), left)
    n = smart_number(a.needed_value or 0.0)
    if a.closed:
        return _short(f"{'Thiếu' if ind.higher_is_better else 'Thừa'} {n}", _measure(ind))
    if ind.aggregate == "mean":
        return _short(f"Bình quân {n}", _measure(ind), "mỗi tháng " + left)
    verb = "Thêm" if ind.higher_is_better else "Giảm" if ind.aggregate == "last" else "Chỉ thêm tối đa"
    return _short(f"{verb} {n}", _measure(ind), left)


def short_actions(catalog: Catalog, answers: dict[str, GoalAnswer]) -> dict[str, str]:
    """Criterion id → its short action."""
    return {k: short_action(catalog.indicator(k), a) for k, a in answers.items()}
