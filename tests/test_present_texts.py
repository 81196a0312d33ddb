"""Every way a value is written for people (kpi.present.texts), pinned in one table: Vietnamese
separators (1.234,5), the Unicode minus "−" in text and the ASCII "-" for st.metric deltas,
"—" for nothing, and rounding that never crosses the target line. Then ranking by lost points:
ties keep catalogue order, the same in the overview and in the PDF."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from kpi.domain.catalog import Indicator
from kpi.domain.scoring import IndicatorScore, QuarterScore, Totals, ranked_by_loss
from kpi.present import tables, texts
from kpi.reports import pdf

RATE = Indicator("R", "G", "Tỷ lệ hồ sơ trực tuyến", "ratio", 95.0, 2.0, ("A",))
OVERDUE = Indicator("Q", "G", "Tỷ lệ hồ sơ quá hạn", "ratio", 5.0, 1.5, ("A",), direction="lower")
HOUSES = Indicator("N", "G", "Số nhà văn hóa có wifi", "number", 17.0, 4.0, ("A",), measure="nhà văn hóa",
                   aggregate="last")
FEWER = Indicator("F", "G", "Số vụ sự cố", "number", 2.0, 1.0, ("A",), direction="lower", measure="vụ")
BANDS = Indicator("B", "G", "Mức hài lòng", "ratio", 95.0, 4.0, ("A",), scoring="bands",
                  bands=((95.0, 4.0), (90.0, 3.0)))
STEP = Indicator("S", "G", "Báo cáo đúng hạn", "ratio", 100.0, 1.0, ("A",), scoring="threshold")

CASES = [
    # (formatter, argument(s), expected)
    (texts.number, (1234.5, 1), "1.234,5"),
    (texts.number, (-1234567.0, 0), "-1.234.567"),
    (texts.number, (None,), "—"),
    (texts.smart_number, (17.0,), "17"),
    (texts.smart_number, (8.25,), "8,25"),
    (texts.smart_number, (float("nan"),), "—"),
    (texts.percent, (95.5,), "95,5 %"),
    (texts.percent, (None,), "—"),
    # achieved values: a ratio, a count with its noun, nothing
    (texts.achieved, (RATE, 86.25), "86,3 %"),
    (texts.achieved, (RATE, 100.0), "100,0 %"),
    (texts.achieved, (RATE, None), "—"),
    (texts.achieved, (HOUSES, 14.0), "14 nhà văn hóa"),
    (texts.achieved, (HOUSES, 1234.5), "1.234,5 nhà văn hóa"),
    (texts.achieved, (HOUSES, 14.0, False), "14"),
    # rounding never crosses the target line (≥ 95 %, ≤ 5 %, ≥ 17, ≤ 2)
    (texts.achieved, (RATE, 94.99), "94,99 %"),          # not 95,0 %
    (texts.achieved, (RATE, 94.9999), "94,9999 %"),
    (texts.achieved, (RATE, 94.96), "94,96 %"),
    (texts.achieved, (RATE, 94.94), "94,9 %"),           # rounds down: no need for more
    (texts.achieved, (RATE, 94.995), "94,995 %"),        # not 95 %
    (texts.achieved, (RATE, 94.9999999), "94,999999 %"),  # closer than 6 decimals: cut, not 95,000000
    (texts.achieved, (RATE, 94.99999999999999), "95,0 %"),  # met (within the scoring's tolerance)
    (texts.achieved, (OVERDUE, 5.0000001), "5,000001 %"),
    (texts.achieved, (RATE, 95.0), "95,0 %"),            # exactly met
    (texts.achieved, (RATE, 95.04), "95,0 %"),
    (texts.achieved, (OVERDUE, 5.01), "5,01 %"),         # not 5,0 % against ≤ 5 %
    (texts.achieved, (OVERDUE, 5.0), "5,0 %"),
    (texts.achieved, (OVERDUE, 4.96), "5,0 %"),          # met, shown as the line itself
    (texts.achieved, (HOUSES, 16.96), "16,96 nhà văn hóa"),
    (texts.achieved, (FEWER, 2.04), "2,04 vụ"),
    (texts.achieved, (FEWER, 1.96), "2 vụ"),
    # targets with their sign
    (texts.target, (RATE,), "≥ 95 %"),
    (texts.target, (OVERDUE,), "≤ 5 %"),
    (texts.target, (HOUSES,), "≥ 17 nhà văn hóa"),
    (texts.target, (HOUSES, False), "≥ 17"),
    # points, a change of points, the headline
    (texts.points, (8.8,), "8,8"),
    (texts.points, (7.405,), "7,4"),                     # truncated as official points are, never up
    (texts.points, (4.99974,), "4,99"),                  # not "5": 94,995 % of a ≥ 95 % target
    (texts.points, (0.29,), "0,29"),                     # 28,999…/100 in binary: no cent lost
    (texts.points, (4.9999999999,), "5"),                # float noise under a whole point
    (texts.points, (1234.5,), "1.234,5"),
    (texts.points, (None,), "—"),
    (texts.points_of, (7.405, 8.0), "7,4/8"),
    (texts.points_of, (4.99974, 5.0), "4,99/5"),
    # a score's percent: truncated, never across a grade line
    (texts.score_percent, (89.99,), "89,9 %"),
    (texts.score_percent, (89.991,), "89,9 %"),
    (texts.score_percent, (49.999,), "49,9 %"),
    (texts.score_percent, (90.0,), "90,0 %"),
    (texts.score_percent, (89.99999999999999,), "90,0 %"),   # 90 with float noise
    (texts.score_percent, (95.94, 2), "95,94 %"),
    (texts.score_percent, (99.6, 0), "99 %"),
    (texts.score_percent, (None,), "—"),
    (texts.score_headline, (78.5, 100.0), "78,5/100"),
    (texts.score_headline, (92.47103, 100.0), "92,47/100"),
    (texts.points_change, (1.5,), "+1,5"),
    (texts.points_change, (-3.29,), "−3,29"),            # Unicode minus in text
    (texts.points_change, (-0.001,), "0"),
    (texts.points_change, (None,), "—"),
    (texts.metric_delta, (-3.29,), "-3,29"),             # ASCII for st.metric: red
    (texts.metric_delta, (1.5,), "+1,5"),
    (texts.metric_delta, (None,), None),
    # status, due date, a rule in words
    (texts.status, ("met",), "✔ Đạt"),
    (texts.status, ("no_data",), "○ Chưa có số liệu"),
    (texts.due_rule, (dt.date(2026, 6, 18),), "Trước ngày 18 tháng 6 năm 2026 (18/06/2026)"),
    (texts.due_rule, (dt.date(2026, 2, 5),), "Trước ngày 05 tháng 02 năm 2026 (05/02/2026)"),
    (texts.date, (dt.date(2026, 6, 8),), "08/06/2026"),
    # Decree 30/2020/NĐ-CP: a zero before days below 10 and before months 1 and 2, nowhere else
    (texts.long_date, (dt.date(2026, 2, 5),), "ngày 05 tháng 02 năm 2026"),
    (texts.long_date, (dt.date(2026, 12, 5),), "ngày 05 tháng 12 năm 2026"),
    (texts.long_date, (dt.date(2026, 11, 15),), "ngày 15 tháng 11 năm 2026"),
    (texts.long_date, (dt.date(2026, 6, 15),), "ngày 15 tháng 6 năm 2026"),
    (texts.long_date, (dt.date(2026, 1, 31),), "ngày 31 tháng 01 năm 2026"),
    (texts.long_date, (dt.date(2026, 3, 9),), "ngày 09 tháng 3 năm 2026"),
    (texts.rule, (STEP,), "Đạt ≥ 100 %: 1 điểm; chưa đạt: 0 điểm."),
    (texts.rule, (BANDS,), "Theo mức: ≥ 95 %: 4 điểm; ≥ 90 %: 3 điểm; thấp hơn: 0 điểm."),
    (texts.rule, (OVERDUE,), "Đạt ≤ 5 %: 1,5 điểm; ≥ 0 %: 0 điểm; ở giữa tính theo tỷ lệ."),
    (texts.rule, (HOUSES,), "Đạt ≥ 17 nhà văn hóa: 4 điểm; ≤ 0 nhà văn hóa: 0 điểm; ở giữa tính theo tỷ lệ. "
                            "Số liệu quý: số của tháng cuối có báo cáo."),
]


@pytest.mark.parametrize("formatter,args,expected", CASES,
                         ids=[f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(CASES)])
def test_every_formatter(formatter, args, expected):
    assert formatter(*args) == expected


def test_rounding_never_crosses_the_target_line():
    """Walk values around each target: what is shown is on the same side as the value."""
    for ind in (RATE, OVERDUE, HOUSES, FEWER):
        for step in range(-2000, 2001):
            value = ind.target + step / 1000.0
            shown = float(texts.achieved(ind, value, noun=False).rstrip(" %").replace(".", "").replace(",", "."))
            met = value >= ind.target if ind.higher_is_better else value <= ind.target
            shown_met = shown >= ind.target if ind.higher_is_better else shown <= ind.target
            assert met == shown_met, (ind.id, value, shown)


# ── ranking by lost points ───────────────────────────────────────────────────

def _score(lost: list[tuple[Indicator, float]]) -> QuarterScore:
    results = tuple(IndicatorScore(ind, Totals(), 50.0, ind.points - p, ind.points, "missed" if p else "met")
                    for ind, p in lost)
    total = sum(r.points for r in results)
    top = sum(r.max_points for r in results)
    return QuarterScore("2026-Q2", None, results, total, top, 100 * total / top, "Khá")


TIED = [
    Indicator("A1", "G", "Chỉ tiêu một", "ratio", 90.0, 4.0, ("A",)),
    Indicator("A2", "G", "Chỉ tiêu hai", "ratio", 90.0, 4.0, ("A",)),
    Indicator("A3", "G", "Chỉ tiêu ba", "ratio", 90.0, 4.0, ("A",)),
    Indicator("A4", "G", "Chỉ tiêu bốn", "ratio", 90.0, 4.0, ("A",)),
]


def test_ties_keep_catalogue_order():
    # A2 and A4 lose the same (1,25 after rounding: 1.2500001 vs 1.249999), A3 loses more, A1 nothing
    score = _score([(TIED[0], 0.0), (TIED[1], 1.2500001), (TIED[2], 2.0), (TIED[3], 1.249999)])
    assert [r.id for r in ranked_by_loss(score)] == ["A3", "A2", "A4", "A1"]
    # the same criteria in another catalogue order: the tie follows that order
    swapped = _score([(TIED[3], 1.249999), (TIED[2], 2.0), (TIED[1], 1.2500001), (TIED[0], 0.0)])
    assert [r.id for r in ranked_by_loss(swapped)] == ["A3", "A4", "A2", "A1"]


def test_overview_and_pdf_order_ties_the_same():
    from kpi.domain.catalog import Catalog, Grade, Unit
    catalog = Catalog(name="Thử", commune="XA", commune_name="Xã Thử", grades=(Grade(0, "Khá"),),
                      due_day=18, due_month_offset=1, units=(Unit("A", "Đơn vị A"),), indicators=tuple(TIED))
    # A4 (catalogue last) loses a hair more than A2 before rounding; rounded they tie
    score = _score([(TIED[0], 0.0), (TIED[1], 1.249999), (TIED[2], 2.0), (TIED[3], 1.2500001)])
    overview = [r.id for r in tables.loss_rows(catalog, score, 10)]
    assert overview == ["A3", "A2", "A4"]
    doc = pdf.FPDF()
    doc.add_page()
    doc.add_font(pdf.FONT, "", str(pdf.FONT_DIR / "DejaVuSans.ttf"))
    doc.add_font(pdf.FONT, "B", str(pdf.FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf._losses(doc, score, {}, 180)
    text = PdfReader(io.BytesIO(bytes(doc.output()))).pages[0].extract_text()
    names = {i.id: i.name for i in TIED}
    positions = [text.index(names[k]) for k in overview]
    assert positions == sorted(positions)
