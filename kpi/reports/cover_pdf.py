"""The report to the city (kpi.reports.cover) as PDF with fpdf2 and the shipped DejaVu fonts, so it
is made without LibreOffice or system fonts: the same words and order as the Word document, on A4
with the margins of Decree 30/2020/NĐ-CP (20/20/30/15 mm); pages break between lines, never inside
the signer block."""
from __future__ import annotations

from fpdf import FPDF

from kpi.reports.cover import GROUP_HEADER, NO_SHORTFALL, SECTION_TITLES, CoverContent, paragraphs, shortfall_lines
from kpi.reports.pdf import FONT, FONT_DIR, INK, _fit

LINE = 5.6          # mm per line of body text (12 pt)


class _Doc(FPDF):
    def footer(self) -> None:
        if self.page_no() > 1:
            self.set_y(-12)
            self.set_font(FONT, "", 9)
            self.cell(0, 5, str(self.page_no()), align="C")


def build_cover_pdf(content: CoverContent) -> bytes:
    pdf = _Doc(orientation="P", unit="mm", format="A4")
    pdf.set_margins(30, 20, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(content.file_title)
    pdf.set_author(content.agency[1].title())
    pdf.set_text_color(*INK)
    pdf.add_page()
    W = pdf.w - pdf.l_margin - pdf.r_margin
    left_w, right_w = 62.0, W - 62.0

    # the agency and the number | the motto, place and date
    top = pdf.get_y()
    x_right = pdf.l_margin + left_w
    rows_left = [(content.agency[0], "", 10.5), (content.agency[1], "B", 10.5)]
    rows_right = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 10.5), ("Độc lập - Tự do - Hạnh phúc", "B", 11)]
    for k, (text, style, size) in enumerate(rows_left):
        pdf.set_font(FONT, style, size)
        pdf.set_xy(pdf.l_margin, top + 5 * k)
        pdf.cell(left_w, 5, text, align="C")
    for k, (text, style, size) in enumerate(rows_right):
        pdf.set_font(FONT, style, size)
        pdf.set_xy(x_right, top + 5 * k)
        pdf.cell(right_w, 5, text, align="C")
    pdf.set_draw_color(*INK)
    mid_l, mid_r = pdf.l_margin + left_w / 2, x_right + right_w / 2
    pdf.line(mid_l - 10, top + 10.8, mid_l + 10, top + 10.8)
    motto_w = pdf.get_string_width("Độc lập - Tự do - Hạnh phúc")
    pdf.line(mid_r - motto_w / 2, top + 10.8, mid_r + motto_w / 2, top + 10.8)
    pdf.set_font(FONT, "", 10.5)
    pdf.set_xy(pdf.l_margin, top + 13)
    pdf.cell(left_w, 5, content.number, align="C")
    pdf.set_font(FONT, "", 10.5)
    pdf.set_xy(x_right, top + 13)
    pdf.cell(right_w, 5, content.place_date, align="C")
    pdf.set_y(top + 26)

    pdf.set_font(FONT, "B", 13)
    pdf.cell(W, 7, content.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(W, 5.6, content.subject, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(W, 5.6, content.recipient, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _text(pdf, content.intro, W)

    _heading(pdf, SECTION_TITLES[0], W)
    for line in content.results:
        note = line.startswith("Ghi chú")
        _text(pdf, line, W, size=9.5 if note else 11)
    _group_table(pdf, content, W)

    _heading(pdf, SECTION_TITLES[1], W)
    if not content.shortfalls:
        _text(pdf, NO_SHORTFALL, W)
    for s in content.shortfalls:
        head_line, facts, explanation = shortfall_lines(s)
        if pdf.get_y() + (5 if explanation else 4) * LINE > pdf.page_break_trigger:
            pdf.add_page()     # a criterion's lines stay together
        _text(pdf, head_line, W, style="B", after=0)
        _text(pdf, facts, W, after=0 if explanation else 1.5)
        if explanation:
            _text(pdf, explanation, W)

    for title, text in ((SECTION_TITLES[2], content.causes), (SECTION_TITLES[3], content.proposals)):
        _heading(pdf, title, W)
        for line in paragraphs(text):
            _text(pdf, line, W)

    _signature_block(pdf, content, W)
    return bytes(pdf.output())


def _heading(pdf: FPDF, title: str, W: float) -> None:
    if pdf.get_y() + 3 * LINE > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(W, LINE + 0.4, title, new_x="LMARGIN", new_y="NEXT")


def _text(pdf: FPDF, text: str, W: float, *, size: float = 11, style: str = "", after: float = 1.5) -> None:
    """A paragraph, justified."""
    pdf.set_font(FONT, style, size)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(W, LINE if size >= 11 else 4.6, text, align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(after)


def _group_table(pdf: FPDF, content: CoverContent, W: float) -> None:
    widths = (W - 24 - 31 - 18, 24.0, 31.0, 18.0)
    rows = [GROUP_HEADER, *content.groups]
    if pdf.get_y() + 6.5 * len(rows) > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(1)
    for r, values in enumerate(rows):
        bold = r == 0 or r == len(rows) - 1
        pdf.set_font(FONT, "B" if bold else "", 9.5)
        if r == 0:
            pdf.set_fill_color(237, 237, 237)
        for c, (value, w) in enumerate(zip(values, widths)):
            pdf.cell(w, 6.5, _fit(pdf, value, w - 2), border=1, align="L" if c == 0 else "C", fill=r == 0)
        pdf.ln(6.5)
    pdf.ln(2)


def _signature_block(pdf: FPDF, content: CoverContent, W: float) -> None:
    height = 5 * max(len(content.receivers) + 1, len(content.signer) + 6) + 6
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    left_w = 72.0
    x_right, right_w = pdf.l_margin + left_w, W - left_w
    pdf.set_font(FONT, "B", 9.5)
    pdf.set_xy(pdf.l_margin, top)
    pdf.cell(left_w, 5, "Nơi nhận:")
    pdf.set_font(FONT, "", 9)
    for k, r in enumerate(content.receivers, 1):
        pdf.set_xy(pdf.l_margin, top + 4.6 * k)
        pdf.cell(left_w, 4.6, f"- {r}")
    pdf.set_font(FONT, "B", 11)
    for k, line in enumerate(content.signer):
        pdf.set_xy(x_right, top + 5.6 * k)
        pdf.cell(right_w, 5.6, line, align="C")
    if content.signer_name:
        pdf.set_xy(x_right, top + 5.6 * (len(content.signer) + 5))
        pdf.cell(right_w, 5.6, content.signer_name, align="C")
    pdf.set_y(top + height)
