"""Vietnamese number and date formats: `1.234,5`, `95,5 %`, `dd/mm/yyyy`."""
from __future__ import annotations

import datetime as dt
import math

from kpi.domain.catalog import AGGREGATE_LABELS, Indicator
from kpi.domain.scoring import TOLERANCE, Status, reaches

# The primitives (`1.234,5`, `95,5 %`, `dd/mm/yyyy`, `—`) are written in kpi.domain.vnformat, which
# ingest uses too; re-exported here so pages, reports and the CLI keep one module for wording.
from kpi.domain.vnformat import MISSING as MISSING
from kpi.domain.vnformat import date as date
from kpi.domain.vnformat import number as number
from kpi.domain.vnformat import percent as percent
from kpi.domain.vnformat import smart_number as smart_number

# Read without colour: an icon and a word (the colours are in kpi.present.charts).
STATUS_LABELS = {Status.MET: "Đạt", Status.NEAR: "Gần đạt", Status.MISSED: "Chưa đạt",
                 Status.NO_DATA: "Chưa có số liệu", Status.NA: "Không áp dụng",
                 Status.PENDING: "Chưa đến hạn báo cáo"}
STATUS_ICONS = {Status.MET: "✔", Status.NEAR: "▲", Status.MISSED: "✖", Status.NO_DATA: "○",
                Status.NA: "–", Status.PENDING: "◷"}


def truncate(x: float, decimals: int) -> float:
    """`x` cut toward zero to `decimals` (89,99 → 89,9 with 1): what is written never reaches a
    line the value did not; float noise within `TOLERANCE` of the next step stays on it (an exact
    90 computed as 89,99999999999999 is 90,0)."""
    scale = 10 ** decimals
    cut = math.floor((abs(x) + TOLERANCE) * scale) / scale
    return cut if x >= 0 or cut == 0 else -cut     # never "−0"


def score_percent(x: float | None, decimals: int = 1) -> str:
    """A share of points earned (a score's percent of its maximum), truncated, never rounded:
    89,99 → '89,9 %' and 49,999 → '49,9 %' (a grade line the score did not reach is never
    written), 90 → '90,0 %'; with 0 decimals 99,6 → '99 %' (not the full points)."""
    if _missing(x):
        return MISSING
    assert x is not None
    return f"{number(truncate(x, decimals), decimals)} %"


def long_date(d: dt.date) -> str:
    """A date in words as an administrative document writes it (Decree 30/2020/NĐ-CP, Appendix I):
    a leading zero for days below 10 and for months 1 and 2 — `ngày 05 tháng 02 năm 2026`,
    `ngày 05 tháng 12 năm 2026`, `ngày 15 tháng 6 năm 2026`. Every report's date goes through here."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def signer_lines(signer) -> list[str]:
    """The authority and title above a signature (Decree 30/2020/NĐ-CP) for a `[signer]` of the
    catalogue: «TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH» (a vice-chairman in the
    chairman's place), «TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH», «TL. CHỦ TỊCH / CHÁNH VĂN PHÒNG»."""
    title = signer.title.upper()
    if signer.mode == "TL.":
        return ["TL. CHỦ TỊCH", title]
    if signer.mode == "TM.":
        return ["TM. ỦY BAN NHÂN DÂN", title]
    return ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", title]


def unit_score_line(points: float, max_points: float, grade: str | None) -> str:
    """A unit's score in a report: its points, «điểm của đơn vị»; a grade only when the catalogue
    has a unit scale (the commune's grades are for the commune's total)."""
    line = f"Điểm của đơn vị: {score_headline(points, max_points)}"
    return f"{line} — xếp loại: {grade}" if grade else line


def scale_disclaimer(official: bool) -> str | None:
    """What a report says of its points and grades while they are the commune's own defaults."""
    if official:
        return None
    return ("Điểm và xếp loại tính theo mức mặc định của xã (danh mục chỉ tiêu của ứng dụng), không phải "
            "thang điểm chính thức của thành phố; xã cập nhật khi thành phố ban hành thang điểm chính thức.")


# a document's review state on the self-scoring table (kpi.evidence.board's states)
EVIDENCE_ITEM_STATES = {"accepted": "đã duyệt: Đạt", "needs_more": "cần bổ sung", "pending": "chờ duyệt"}


def evidence_item(description: str, sent: dt.date | dt.datetime | None, state: str, unit: str | None = None, *,
                  doc_number: str | None = None, doc_date: dt.date | None = None, summary: str | None = None,
                  link: str | None = None) -> str:
    """One attached document as the self-scoring table lists it: `Số 12/QĐ-UBND ngày 05/10/2026 —
    Quyết định … — V/v … — https://… (CA) — gửi 05/10/2026 — chờ duyệt` (the document's number and
    date when given, its description as typed, its summary, its link, its unit for a unit's part)."""
    where = f" ({unit})" if unit else ""
    parts = []
    ident = " ".join(p for p in ((f"Số {doc_number}" if doc_number else ""),
                                 (f"ngày {date(doc_date)}" if doc_date else "")) if p)
    if ident:
        parts.append(ident[0].upper() + ident[1:])
    if description and description not in (summary, link):
        parts.append(description)
    if summary:
        parts.append(f"Trích yếu: {summary}")
    if link:
        parts.append(link)
    return f"{' — '.join(parts)}{where} — gửi {date(sent)} — {EVIDENCE_ITEM_STATES[state]}"


def datetime(d: dt.datetime | None) -> str:
    if d is None:
        return MISSING
    return d.strftime("%d/%m/%Y %H:%M")


def score_state(provisional: bool, frozen: bool) -> str:
    """The word after a score's title: which kind of result it is (empty for a final live one)."""
    if frozen:
        return " (đã khoá sổ)"
    return " (tạm tính)" if provisional else ""


def result_state_short(provisional: bool, frozen: bool, recomputed: bool = False,
                       past_day: dt.date | None = None) -> str | None:
    """The projector's one line on what kind of result is shown (None: a live result of today,
    whose provisional line the caller writes)."""
    if frozen:
        return "Kết quả đã khoá sổ"
    if recomputed:
        return "Tính lại theo danh mục hiện nay (quý đã khoá sổ)"
    if past_day is not None:
        return f"Tính đến ngày {date(past_day)}" + (" · tạm tính" if provisional else "")
    return None


def frozen_note(closed_by: str, closed_at: dt.datetime | None, catalog_version: int | None) -> str:
    """Where a closed quarter's result comes from, for pages and reports."""
    version = f", theo danh mục phiên bản {catalog_version}" if catalog_version is not None else ""
    return (f"Kết quả đã khoá sổ lúc {datetime(closed_at)} ({closed_by}){version}: số liệu và cách "
            "chấm được giữ nguyên như khi khoá sổ.")


# ── how a value of the scoring is written for people (one place) ─────────────

MINUS = "−"  # U+2212: the minus sign in text (st.metric deltas use `metric_delta`, ASCII)
_MAX_DECIMALS = 6


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def round_half_up(x: float, decimals: int) -> float:
    scale = 10 ** decimals
    return math.floor(abs(x) * scale + 0.5 + 1e-9) / scale * (1 if x >= 0 else -1)


def decimals_for(value: float, decimals: int, target: float | None = None, higher: bool = True) -> int:
    """How many decimals `value` needs so that rounding never crosses the target line.

    A value missing the target is never written equal to or past it (94,99 % not 95,0 % for
    ≥ 95 %; 5,01 not 5 for ≤ 5); a value meeting it (as the scoring decides, `reaches`) is never
    written short of it."""
    if target is None:
        return decimals
    met = reaches(value, target, higher)
    for k in range(decimals, _MAX_DECIMALS + 1):
        if reaches(round_half_up(value, k), target, higher) == met:
            return k
    return _MAX_DECIMALS


def against_line(value: float, decimals: int, target: float | None = None,
                 higher: bool = True) -> tuple[float, int]:
    """(the value as written, its decimals): rounded half up to `decimals`, more when that would
    cross the target line (`decimals_for`); a value missing it by less than the last decimal shows
    is cut away from the line (94,9999999 → 94,999999 for ≥ 95), so it is never written as met."""
    k = decimals_for(value, decimals, target, higher)
    shown = round_half_up(value, k)
    if target is not None and reaches(shown, target, higher) != reaches(value, target, higher):
        scale = 10 ** k
        shown = (math.floor(value * scale) if higher else math.ceil(value * scale)) / scale
    return shown, k


def _num(x: float, decimals: int, target: float | None = None, higher: bool = True, trim: bool = False) -> str:
    shown, k = against_line(x, decimals, target, higher)
    text = number(shown, k)
    if trim and "," in text:
        text = text.rstrip("0").rstrip(",")
    return text.replace("-", MINUS)


def achieved(ind: Indicator, value: float | None, noun: bool = True) -> str:
    """An achieved value: `95,5 %` for a ratio, `14 nhà` for a count (its unit noun; `noun=False`
    for a narrow column); a value just under the target keeps the decimals that show it."""
    if _missing(value):
        return MISSING
    assert value is not None
    if ind.is_ratio:
        return f"{_num(value, 1, ind.target, ind.higher_is_better)} %"
    text = _num(value, 1, ind.target, ind.higher_is_better, trim=True)
    return f"{text} {ind.measure if noun else ''}".strip()


def level(ind: Indicator, value: float, noun: bool = True) -> str:
    """A target or band level without its sign: `95 %`, `17 nhà văn hóa`."""
    unit = "%" if ind.is_ratio else (ind.measure if noun else "")
    return f"{smart_number(value, 2)} {unit}".strip()


def target(ind: Indicator, noun: bool = True) -> str:
    """A target with its sign: `≥ 95 %`, `≤ 5 %`, `≥ 17 nhà văn hóa`."""
    return f"{ind.comparison} {level(ind, ind.target, noun)}"


def points(x: float | None) -> str:
    """Points as users read them: truncated to 2 decimals as the official points are, never rounded
    up (4,99974 of 5 is '4,99', not '5'), no needless zeros ('8,8')."""
    if _missing(x):
        return MISSING
    assert x is not None
    text = number(truncate(x, 2) or 0.0, 2)     # never "−0"
    text = text.rstrip("0").rstrip(",") if "," in text else text
    return text.replace("-", MINUS)


def points_of(x: float | None, max_points: float) -> str:
    """`8,8/10`."""
    return f"{points(x)}/{points(max_points)}"


def score_headline(total: float, max_points: float) -> str:
    """The score headline: `78,5/100`."""
    return points_of(total, max_points)


def points_change(x: float | None) -> str:
    """A signed change of points in text: `+1,5`, `−3,29`, `0`."""
    if _missing(x):
        return MISSING
    assert x is not None
    shown = round_half_up(x, 2)
    if shown == 0:
        return "0"
    return ("+" if shown > 0 else MINUS) + points(abs(shown))


def metric_delta(x: float | None) -> str | None:
    """A change of points for `st.metric`'s delta: ASCII sign so Streamlit colours a loss red
    (`-3,29`, `+1,5`); None when there is nothing to compare."""
    if _missing(x):
        return None
    return points_change(x).replace(MINUS, "-")


def status(code: str) -> str:
    """A status read without colour: icon and word (`✔ Đạt`)."""
    return f"{STATUS_ICONS[code]} {STATUS_LABELS[code]}"


def indicator_choice(ind: Indicator) -> str:
    """A criterion in a picker: `Nhóm — Tên chỉ tiêu`."""
    return f"{ind.group} — {ind.name}"


def short_name(text: str, limit: int = 38) -> str:
    """A name cut at a word boundary to at most `limit` characters (`…` when cut), for chart
    axes; the full name stays in the hover text."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:-– ")
    return cut + "…"


def wrap_words(text: str, width: int = 12) -> str:
    """A short label over lines of about `width` characters (`<br>`), for a chart axis."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def due_rule(due: dt.date) -> str:
    """A due date as a rule: `Trước ngày 18 tháng 8 năm 2026 (18/08/2026)` (the words of `long_date`)."""
    return f"Trước {long_date(due)} ({date(due)})"


def rule(ind: Indicator) -> str:
    """The scoring rule of a criterion in words (catalogue page, indicator page, reports)."""
    unit = " %" if ind.is_ratio else (f" {ind.measure}" if ind.measure else "")
    n = smart_number
    cmp = ind.comparison
    if ind.scoring == "threshold":
        text = f"Đạt {cmp} {n(ind.target)}{unit}: {n(ind.points)} điểm; chưa đạt: 0 điểm."
    elif ind.scoring == "bands":
        parts = [f"{cmp} {n(a)}{unit}: {n(p)} điểm" for a, p in ind.bands]
        text = "Theo mức: " + "; ".join(parts) + "; thấp hơn: 0 điểm."
    else:
        zero_cmp = "≤" if ind.higher_is_better else "≥"
        text = (f"Đạt {cmp} {n(ind.target)}{unit}: {n(ind.points)} điểm; {zero_cmp} {n(ind.zero_at)}{unit}: "
                f"0 điểm; ở giữa tính theo tỷ lệ.")
    if not ind.is_ratio or ind.aggregate != "sum":
        text += f" Số liệu quý: {AGGREGATE_LABELS[ind.aggregate]}."
    return text


# ── the projector's headline ────────────────────────────────────────────────

def grade_margins(total: float, max_points: float, grades) -> tuple[str | None, str | None]:
    """How far the total is from the grade boundaries, in points: (up, down).

    up: `Thiếu 2,5 điểm để lên Xuất sắc` (None at the top grade); down: `Mất quá 1,25 điểm sẽ
    xuống Khá` (None at the lowest grade). Grades are by percent of the maximum (catalog.grades);
    the points needed are rounded up to 0,01 and the margin down rounded down, so neither is
    written more comfortable than it is."""
    if not max_points or not grades:
        return None, None
    ranked = sorted(grades, key=lambda g: g.min)
    percent = 100.0 * total / max_points
    below = [g for g in ranked if percent >= g.min - 1e-9]
    current = below[-1] if below else None
    above = [g for g in ranked if current is None or g.min > current.min]
    up = None
    if above:
        need = math.ceil(round((above[0].min * max_points / 100.0 - total) * 100, 6)) / 100
        up = f"Thiếu {points(max(need, 0.01))} điểm để lên {above[0].label}"
    down = None
    lower = [g for g in ranked if current is not None and g.min < current.min]
    if current is not None and lower:
        margin = math.floor(round((total - current.min * max_points / 100.0) * 100, 6)) / 100
        down = (f"Mất quá {points(margin)} điểm sẽ xuống {lower[-1].label}" if margin > 0
                else f"Mất thêm bất kỳ điểm nào sẽ xuống {lower[-1].label}")
    return up, down


_UNIT_WORDS = (("Văn phòng ", "VP "), ("Phòng ", "P. "), ("Trung tâm ", "TT "), ("Ban Chỉ huy ", "BCH "),
               ("Trường ", "Tr. "))


def unit_short(name: str) -> str:
    """A unit's name for a narrow line (the projector): `Văn phòng HĐND và UBND xã` → `VP HĐND và
    UBND`, `Trung tâm Phục vụ hành chính công` → `TT Phục vụ hành chính công`, `Công an xã` →
    `Công an`."""
    for word, short in _UNIT_WORDS:
        if name.startswith(word):
            name = short + name[len(word):]
            break
    return name[:-3] if name.endswith(" xã") and len(name) > 6 else name
