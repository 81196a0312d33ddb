"""What the commune sends to the city with its self-scoring table: the report «BÁO CÁO Kết quả tự
chấm điểm … Quý …/…» in the form of Decree 30/2020/NĐ-CP (the national motto, the commune's header,
«Số: …/BC-UBND», place and date, «Kính gửi», the sections, «Nơi nhận», the signer).

The content is made once here, from a result of the one door (its score, never scored again), and
written by `cover_docx` (Word) and `cover_pdf` (PDF): both say the same words."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi.domain.catalog import Catalog
from kpi.domain.periods import Quarter
from kpi.domain.scoring import QuarterScore, ranked_by_loss, round_points
from kpi.present import texts
from kpi.reports.xlsx import date_line

DEFAULT_RECIPIENT = "Ủy ban nhân dân thành phố"
SUFFIX = "/BC-UBND"
BLANK = "…" * 40          # a line left for the office to write by hand
RECEIVERS = ("Như trên;", "CT, các PCT UBND xã;", "Lưu: VT, VHXH.")


@dataclass(frozen=True)
class Shortfall:
    """A criterion that lost points, as section II lists it."""
    number: int
    name: str
    result: str          # «đạt 80 % / mục tiêu ≥ 95 %»
    points: str          # «3,2/5»
    lost: str            # «−1,8»
    lead: str            # the lead unit's name
    explanation: str     # the giải trình given (empty: none)


@dataclass(frozen=True)
class CoverContent:
    agency: tuple[str, str]          # «ỦY BAN NHÂN DÂN», «XÃ THÁI TÂN»
    number: str                      # «Số: 12/BC-UBND»
    place_date: str                  # «Thái Tân, ngày 05 tháng 10 năm 2026»
    title: str                       # «BÁO CÁO»
    subject: str                     # «Kết quả tự chấm điểm … Quý III/2026»
    recipient: str                   # «Kính gửi: …»
    intro: str
    results: tuple[str, ...]         # section I's paragraphs
    groups: tuple[tuple[str, str, str, str], ...]   # (group, max, points, percent) and the total last
    shortfalls: tuple[Shortfall, ...]
    causes: str
    proposals: str
    receivers: tuple[str, ...]
    signer: tuple[str, ...]          # the authority and title lines
    signer_name: str                 # empty: written by hand
    file_title: str


def number_line(number: str) -> str:
    """«Số: 12/BC-UBND» from «12» or «12/BC-UBND»; empty: the space the clerk fills at registration."""
    number = " ".join((number or "").split())
    if not number:
        return f"Số:       {SUFFIX}"
    return f"Số: {number}" if "/" in number else f"Số: {number}{SUFFIX}"


def cover_content(catalog: Catalog, score: QuarterScore, quarter: Quarter, *, as_of: dt.date,
                  number: str = "", recipient: str = "", causes: str = "", proposals: str = "",
                  explanations: dict[str, str] | None = None, record_note: str | None = None,
                  frozen: bool = False) -> CoverContent:
    """The report's words for the commune's `score` of `quarter` (from `period_result`);
    `explanations`: criterion id → its giải trình; `record_note`: where a closed quarter's result
    comes from."""
    explanations = explanations or {}
    commune = catalog.commune_name
    state = texts.score_state(score.provisional, frozen=frozen)
    subject = f"Kết quả tự chấm điểm ứng dụng công nghệ thông tin, chuyển đổi số cấp xã {quarter.label}"
    total = (f"Tổng điểm tự chấm {quarter.label}{state}: {texts.score_headline(score.total_points, score.max_points)} "
             f"điểm, đạt {texts.score_percent(score.percent)} số điểm tối đa; xếp loại: {score.grade}.")
    counts: dict[str, int] = {}
    for r in score.indicators:
        counts[r.status] = counts.get(r.status, 0) + 1
    tally = (f"Số chỉ tiêu chấm điểm: {len(score.indicators)} ("
             + "; ".join(f"{texts.STATUS_LABELS[s].lower()}: {n}" for s, n in counts.items()) + ").")
    results = [total, tally]
    if score.provisional:
        results.append("Kết quả tạm tính: quý còn tháng chưa đến hạn báo cáo.")
    if record_note:
        results.append(record_note)
    disclaimer = texts.scale_disclaimer(catalog.official_scale)
    if disclaimer:
        results.append(f"Ghi chú: {disclaimer}")
    groups = [(g.group, texts.points(g.max_points), texts.points(g.points),
               texts.score_percent(100 * g.points / g.max_points if g.max_points else None))
              for g in score.by_group()]
    groups.append(("Tổng cộng", texts.points(score.max_points), texts.points(score.total_points),
                   texts.score_percent(score.percent)))
    shortfalls = []
    for r in ranked_by_loss(score):
        if round_points(r.points_lost) <= 0:
            continue
        ind = r.indicator
        shortfalls.append(Shortfall(
            len(shortfalls) + 1, ind.name,
            f"đạt {texts.achieved(ind, r.achieved)} / mục tiêu {texts.target(ind)}",
            texts.points_of(r.points, r.max_points), texts.points_change(-r.points_lost),
            catalog.unit_name(ind.lead_unit), " ".join((explanations.get(ind.id) or "").split())))
    name = commune if commune.lower().startswith(("xã", "phường", "thị trấn")) else f"xã {commune}"
    intro = (f"Thực hiện {catalog.name}, Ủy ban nhân dân {name[0].lower() + name[1:]} báo cáo kết quả tự chấm "
             f"điểm {quarter.label} như sau:")
    return CoverContent(
        agency=("ỦY BAN NHÂN DÂN", commune.upper()), number=number_line(number),
        place_date=date_line(catalog, as_of), title="BÁO CÁO", subject=subject,
        recipient=f"Kính gửi: {' '.join((recipient or DEFAULT_RECIPIENT).split())}.".replace("..", "."),
        intro=intro, results=tuple(results), groups=tuple(groups), shortfalls=tuple(shortfalls),
        causes=(causes or "").strip(), proposals=(proposals or "").strip(), receivers=RECEIVERS,
        signer=tuple(texts.signer_lines(catalog.signer)), signer_name=catalog.signer.name,
        file_title=f"Báo cáo kết quả tự chấm điểm {quarter.label} — {commune}")


def paragraphs(text: str) -> list[str]:
    """Typed text as paragraphs (one per line); empty: a line left to write by hand."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    return [line for line in lines if line] or [BLANK]


SECTION_TITLES = ("I. KẾT QUẢ TỰ CHẤM ĐIỂM", "II. TỒN TẠI, HẠN CHẾ", "III. NGUYÊN NHÂN",
                  "IV. ĐỀ XUẤT, KIẾN NGHỊ")
GROUP_HEADER = ("Nhóm chỉ tiêu", "Điểm tối đa", "Điểm tự chấm", "Tỷ lệ")
NO_SHORTFALL = "Không có chỉ tiêu nào bị trừ điểm."


def shortfall_lines(s: Shortfall) -> tuple[str, str, str | None]:
    """A shortfall as (its head in bold, the facts, its giải trình or None)."""
    return (f"{s.number}. {s.name}",
            f"Kết quả: {s.result}; điểm: {s.points} (bị trừ {s.lost}); đơn vị chủ trì: {s.lead}.",
            f"Giải trình: {s.explanation}" if s.explanation else None)
