"""A one-page meeting summary as PDF: the score, the points per group (bars drawn with fpdf2
primitives), the criteria losing points and what meeting them takes.

The vendored DejaVu Sans (kpi/fonts/) is embedded, so Vietnamese renders on a machine with no
system fonts. The page never overflows: long lists are cut with "… và N chỉ tiêu khác".
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from fpdf import FPDF

from kpi.domain.catalog import Catalog
from kpi.domain.goalseek import what_it_takes_all
from kpi.domain.periods import Quarter
from kpi.domain.scoring import QuarterScore, ranked_by_loss, round_points
from kpi.present import texts
from kpi.present.goal_texts import answer_text

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
INK = (26, 26, 26)
BAR = (0, 114, 178)        # the app's blue (Okabe-Ito), as in kpi.charts
MAX_BAR = (225, 225, 225)
LOSS = (213, 94, 0)
MUTED = (90, 90, 90)
MAX_LOSS_ROWS = 10


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Cut text to a width (mm) with an ellipsis."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _lines(pdf: FPDF, text: str, width: float, max_lines: int) -> list[str]:
    """Word-wrap into at most `max_lines` lines (the last one cut with an ellipsis)."""
    words, lines, cur = text.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if pdf.get_string_width(trial) <= width:
            cur = trial
            continue
        lines.append(cur)
        cur = w
    lines.append(cur)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit(pdf, lines[-1] + " …", width)
    return lines


def build_summary_pdf(catalog: Catalog, figures: pd.DataFrame, quarter: Quarter | str,
                      unit: str | None = None, *, score: QuarterScore, today: dt.date,
                      record_note: str | None = None) -> bytes:
    """The one-page meeting summary; `record_note` says where a closed quarter's frozen result
    comes from."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    # `score` comes from the one door (kpi.usecases.period_result): the report writes it, never scores
    answers = what_it_takes_all(catalog, figures, quarter, unit=unit)

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 14, 15)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"Tóm tắt chấm điểm chuyển đổi số {quarter.label}")
    pdf.set_author(catalog.commune_name)
    pdf.add_page()
    W = pdf.w - pdf.l_margin - pdf.r_margin
    who = catalog.commune_name if unit is None else f"{catalog.unit_name(unit)} — {catalog.commune_name}"

    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 15)
    pdf.cell(W, 8, "TÓM TẮT KẾT QUẢ CHẤM ĐIỂM CHUYỂN ĐỔI SỐ", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.cell(W, 6, f"{who} — {quarter.label}", align="C", new_x="LMARGIN", new_y="NEXT")
    if record_note:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(W, 5, record_note, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    # the score
    pdf.set_font(FONT, "B", 24)
    state = texts.score_state(score.provisional, frozen=record_note is not None)
    pdf.cell(W, 12, f"{texts.score_headline(score.total_points, score.max_points)} điểm{state}", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 12)
    if unit is None:
        standing = f"Xếp loại: {score.grade} ({texts.score_percent(score.percent)} số điểm tối đa)"
    else:      # a unit's score is its points; a grade only on a unit scale of the catalogue
        unit_grade = catalog.unit_grade_for(score.percent)
        standing = (f"Điểm của đơn vị ({texts.score_percent(score.percent)} số điểm tối đa của đơn vị)"
                    + (f" — xếp loại: {unit_grade}" if unit_grade else ""))
    pdf.cell(W, 7, standing, align="C", new_x="LMARGIN", new_y="NEXT")
    counts = {}
    for r in score.indicators:
        counts[r.status] = counts.get(r.status, 0) + 1
    from kpi.present.texts import STATUS_LABELS
    summary = " · ".join(f"{STATUS_LABELS[s]}: {n}" for s, n in counts.items())
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(W, 5, f"{len(score.indicators)} chỉ tiêu — {summary}", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(3)

    _group_chart(pdf, score, W)
    pdf.ln(4)
    disclaimer = texts.scale_disclaimer(catalog.official_scale)
    _losses(pdf, score, answers, W, bottom=pdf.h - (26 if disclaimer else 18))

    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    if disclaimer:   # two lines between the list (which stops above them) and the footer
        pdf.set_y(pdf.h - 23)
        pdf.multi_cell(W, 4, f"Ghi chú: {disclaimer}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(pdf.h - 14)
    pdf.cell(W, 5, f"Lập {texts.long_date(today)} — {catalog.name}", align="C")
    return bytes(pdf.output())


def _group_chart(pdf: FPDF, score, W: float) -> None:
    pdf.set_font(FONT, "B", 12)
    pdf.cell(W, 7, "Điểm theo nhóm chỉ tiêu", new_x="LMARGIN", new_y="NEXT")
    groups = score.by_group()
    label_w, value_w, bar_h, gap = 62.0, 24.0, 5.0, 2.2
    bar_w = W - label_w - value_w - 2
    scale = max((g.max_points for g in groups), default=1) or 1
    pdf.set_font(FONT, "", 9)
    y = pdf.get_y() + 1
    x0 = pdf.l_margin
    for g in groups:
        pdf.set_xy(x0, y)
        pdf.cell(label_w, bar_h, _fit(pdf, g.group, label_w - 2))
        bx = x0 + label_w
        pdf.set_fill_color(*MAX_BAR)
        pdf.rect(bx, y, bar_w * g.max_points / scale, bar_h, style="F")
        if g.points > 0:
            pdf.set_fill_color(*BAR)
            pdf.rect(bx, y, bar_w * g.points / scale, bar_h, style="F")
        pdf.set_xy(bx + bar_w + 2, y)
        pdf.cell(value_w, bar_h, texts.points_of(g.points, g.max_points))
        y += bar_h + gap
    # legend
    pdf.set_xy(x0 + label_w, y)
    pdf.set_fill_color(*BAR)
    pdf.rect(x0 + label_w, y + 1.2, 3, 3, style="F")
    pdf.set_x(x0 + label_w + 4)
    pdf.cell(30, 5, "Điểm đạt được")
    pdf.set_fill_color(*MAX_BAR)
    pdf.rect(x0 + label_w + 36, y + 1.2, 3, 3, style="F")
    pdf.set_x(x0 + label_w + 40)
    pdf.cell(30, 5, "Điểm tối đa")
    pdf.set_y(y + 6)


def _losses(pdf: FPDF, score, answers, W: float, bottom: float | None = None) -> None:
    bottom = pdf.h - 18 if bottom is None else bottom   # the list stops above this (mm)
    losing = [r for r in ranked_by_loss(score) if round_points(r.points_lost) > 0]
    pdf.set_font(FONT, "B", 12)
    pdf.cell(W, 7, f"Các chỉ tiêu bị trừ điểm ({len(losing)})", new_x="LMARGIN", new_y="NEXT")
    if not losing:
        pdf.set_font(FONT, "", 10)
        pdf.cell(W, 6, "Không có chỉ tiêu nào bị trừ điểm.", new_x="LMARGIN", new_y="NEXT")
        return
    cols = [("Chỉ tiêu", W - 18 - 20 - 16 - 16), ("Đạt được", 18), ("Mục tiêu", 20),
            ("Điểm", 16), ("Bị trừ", 16)]
    pdf.set_font(FONT, "B", 9)
    pdf.set_fill_color(237, 237, 237)
    for title, w in cols:
        pdf.cell(w, 6, title, border=1, fill=True, align="C" if title != "Chỉ tiêu" else "L")
    pdf.ln(6)
    shown = 0
    for r in losing[:MAX_LOSS_ROWS]:
        ind = r.indicator
        answer = answers.get(ind.id)
        pdf.set_font(FONT, "", 8)
        hint = _lines(pdf, answer_text(ind, answer), cols[0][1] - 4, 3) if answer else []
        row_h = 5 + 3.6 * len(hint)
        if pdf.get_y() + row_h > bottom - 6:
            break
        y = pdf.get_y()
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*INK)
        pdf.rect(pdf.l_margin, y, W, row_h)
        pdf.set_xy(pdf.l_margin + 1, y + 0.3)
        pdf.cell(cols[0][1] - 2, 4.6, _fit(pdf, ind.name, cols[0][1] - 3))
        vals = [texts.achieved(ind, r.achieved, noun=False), texts.target(ind, noun=False),
                texts.points_of(r.points, r.max_points), texts.points_change(-r.points_lost)]
        x = pdf.l_margin + cols[0][1]
        for (title, w), v in zip(cols[1:], vals):
            pdf.set_xy(x, y + 0.3)
            if title == "Bị trừ":
                pdf.set_text_color(*LOSS)
            pdf.cell(w, 4.6, _fit(pdf, v, w - 1), align="C")
            pdf.set_text_color(*INK)
            x += w
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*MUTED)
        for i, line in enumerate(hint):
            pdf.set_xy(pdf.l_margin + 3, y + 4.8 + 3.6 * i)
            pdf.cell(cols[0][1] - 4, 3.6, line)
        pdf.set_text_color(*INK)
        pdf.set_y(y + row_h)
        shown += 1
    if shown < len(losing):
        pdf.set_font(FONT, "", 9)
        pdf.cell(W, 6, f"… và {len(losing) - shown} chỉ tiêu khác bị trừ điểm (xem Biểu tự chấm điểm).",
                 new_x="LMARGIN", new_y="NEXT")
