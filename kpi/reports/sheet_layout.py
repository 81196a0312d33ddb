"""How a workbook the product writes prints: A4 landscape, one page wide (as many pages tall as it
takes), the table's header rows repeated on every page, and rows tall enough for their wrapped
text — Excel and LibreOffice do not grow a row for wrapped text written by a program, so a long
name would print on top of the next row or be cut."""
from __future__ import annotations

import math

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

POINTS_PER_LINE = 15.0        # an 11–12 pt line with its leading
CHARS_PER_WIDTH = 1.0         # characters of an average Vietnamese word per unit of column width
DEFAULT_WIDTH = 8.43          # a column whose width was never set


def print_setup(ws, header_rows: tuple[int, int] | None = None, *, margins: float = 0.4) -> None:
    """A4 landscape, fitted to one page wide, `header_rows` (first, last) repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    ws.page_margins.left = ws.page_margins.right = margins
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True


def _lines(text: str, width: float, size: float) -> int:
    """How many lines `text` takes in a column `width` wide at font `size` (pt), words kept whole."""
    per_line = max(1, int(width * CHARS_PER_WIDTH * 11.0 / max(size, 6.0)) - 1)
    lines = 0
    for paragraph in str(text).split("\n"):
        count, used = 1, 0
        for word in paragraph.split():
            need = len(word) + (1 if used else 0)
            if used and used + need > per_line:
                count, used = count + 1, len(word)
            else:
                used += need
            while used > per_line:            # a word longer than the column breaks
                count, used = count + 1, used - per_line
        lines += count
    return max(lines, 1)


def fit_rows(ws, first_row: int = 1, last_row: int | None = None, *, minimum: float = POINTS_PER_LINE) -> None:
    """Give every row from `first_row` an explicit height for its longest wrapped cell (merged
    cells measured on their merged width); rows of one-line text keep `minimum`."""
    last_row = last_row or ws.max_row
    merged = {}
    for rng in ws.merged_cells.ranges:
        width = sum(ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH
                    for c in range(rng.min_col, rng.max_col + 1))
        merged[(rng.min_row, rng.min_col)] = width
    for row in ws.iter_rows(min_row=first_row, max_row=last_row):
        lines, size = 1, 11.0
        for cell in row:
            if cell.value is None or cell.value == "":
                continue
            width = merged.get((cell.row, cell.column)) or ws.column_dimensions[cell.column_letter].width or DEFAULT_WIDTH
            cell_size = float(cell.font.sz or 11) if cell.font is not None else 11.0
            n = _lines(str(cell.value), width, cell_size) if (cell.alignment and cell.alignment.wrap_text) else 1
            if n * cell_size >= lines * size:
                lines, size = n, cell_size
        ws.row_dimensions[row[0].row].height = max(minimum, math.ceil(lines * size * POINTS_PER_LINE / 11.0))
