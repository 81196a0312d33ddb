"""The report to the city (kpi.reports.cover) as a Word document, laid out as Decree 30/2020/NĐ-CP
sets an administrative document: A4, margins 20/20/30/15 mm, Times New Roman 13–14; the agency and
the motto side by side, the number under the agency, place and date under the motto; «Nơi nhận» on
the left and the signer on the right at the end. Made with python-docx only."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from kpi.reports.cover import GROUP_HEADER, NO_SHORTFALL, SECTION_TITLES, CoverContent, paragraphs, shortfall_lines

FONT = "Times New Roman"
CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT


def _para(where, text: str = "", *, size: float = 14, bold: bool = False, italic: bool = False,
          align=JUSTIFY, indent: bool = False, after: float = 6) -> Paragraph:
    p = where.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(after), 1.1
    if indent:
        fmt.first_line_indent = Mm(10)
    if text:
        _run(p, text, size=size, bold=bold, italic=italic)
    return p


def _run(p: Paragraph, text: str, *, size: float = 14, bold: bool = False, italic: bool = False):
    run = p.add_run(text)
    run.font.name, run.font.size, run.bold, run.italic = FONT, Pt(size), bold, italic
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    return run


def _cell(table: Table, row: int, col: int):
    cell = table.cell(row, col)
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)   # no empty first line
    return cell


def _fixed(table: Table, widths: tuple[float, ...]) -> Table:
    """Columns of these widths (mm) in every reader: the grid, each cell, a fixed layout."""
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, w in zip(table.columns, widths):
        col.width = Mm(w)
        for cell in col.cells:
            cell.width = Mm(w)
    return table


def _two_columns(doc, widths: tuple[float, float]) -> Table:
    return _fixed(doc.add_table(rows=1, cols=2), widths)


def build_cover_docx(content: CoverContent) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.core_properties.title = content.file_title
    doc.core_properties.author = content.agency[1].title()

    # the agency and the number | the motto, place and date
    head = _two_columns(doc, (56, 109))
    left, right = _cell(head, 0, 0), _cell(head, 0, 1)
    _para(left, content.agency[0], size=13, align=CENTER, after=0)
    _para(left, content.agency[1], size=13, bold=True, align=CENTER, after=0)
    _para(left, "———", size=10, align=CENTER, after=4)
    _para(left, content.number, size=13, align=CENTER, after=0)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align=CENTER, after=0)
    _para(right, "Độc lập - Tự do - Hạnh phúc", size=14, bold=True, align=CENTER, after=0)
    _para(right, "———————————", size=10, align=CENTER, after=4)
    _para(right, content.place_date, size=14, italic=True, align=CENTER, after=0)

    _para(doc, "", after=6)
    _para(doc, content.title, bold=True, align=CENTER, after=0)
    _para(doc, content.subject, bold=True, align=CENTER, after=12)
    _para(doc, content.recipient, align=CENTER, after=12)
    _para(doc, content.intro, indent=True)

    # I. results, with the points per group
    _para(doc, SECTION_TITLES[0], bold=True, after=4)
    for line in content.results:
        _para(doc, line, indent=True, size=14 if not line.startswith("Ghi chú") else 12, italic=line.startswith("Ghi chú"))
    _group_table(doc, content)

    # II. the criteria that lost points, their lead units and their giải trình
    _para(doc, SECTION_TITLES[1], bold=True, after=4)
    if not content.shortfalls:
        _para(doc, NO_SHORTFALL, indent=True)
    for s in content.shortfalls:
        head_line, facts, explanation = shortfall_lines(s)
        _para(doc, head_line, bold=True, indent=True, after=0)
        _para(doc, facts, indent=True, after=0 if explanation else 6)
        if explanation:
            p = _para(doc, indent=True)
            _run(p, "Giải trình: ", italic=True)
            _run(p, explanation[len("Giải trình: "):])

    # III. causes, IV. proposals: as the office typed them (or lines to write by hand)
    for title, text in ((SECTION_TITLES[2], content.causes), (SECTION_TITLES[3], content.proposals)):
        _para(doc, title, bold=True, after=4)
        for line in paragraphs(text):
            _para(doc, line, indent=True)

    _para(doc, "", after=6)
    foot = _two_columns(doc, (80, 85))
    left, right = _cell(foot, 0, 0), _cell(foot, 0, 1)
    _para(left, "Nơi nhận:", size=12, bold=True, italic=True, align=LEFT, after=0)
    for r in content.receivers:
        _para(left, f"- {r}", size=11, align=LEFT, after=0)
    for line in content.signer:
        _para(right, line, size=14, bold=True, align=CENTER, after=0)
    for _ in range(4):
        _para(right, "", after=0)
    _para(right, content.signer_name, size=14, bold=True, align=CENTER, after=0)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _group_table(doc, content: CoverContent) -> None:
    table = doc.add_table(rows=1 + len(content.groups), cols=4)
    table.style = "Table Grid"
    _fixed(table, (80, 27, 32, 24))
    for r, values in enumerate([GROUP_HEADER, *content.groups]):
        last = r == len(content.groups)
        for c, value in enumerate(values):
            cell = _cell(table, r, c)
            _para(cell, value, size=12, bold=r == 0 or last, align=LEFT if c == 0 else CENTER, after=2)
    _para(doc, "", after=4)
