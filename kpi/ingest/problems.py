"""What a check reports: one `Problem` per thing to fix, in Vietnamese, naming the place."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem (or warning) of a file. `message` is the full sentence, place first (for the
    command line and the annotated copy); the parts let a page name the table row (STT) and the
    criterion first and the cell second."""
    message: str
    sheet: str | None = None
    cell: str | None = None      # "E12"
    field: str | None = None     # e.g. "Tử số", "Kỳ báo cáo"
    value: str | None = None     # as typed
    expected: str | None = None
    detail: str | None = None    # the message without its place
    row: int | None = None       # the worksheet row of a table row
    row_no: str | None = None    # the row's STT as typed in the template
    criterion: str | None = None  # the criterion's name (catalogue), or the row's "Tên chỉ tiêu"

    def __str__(self) -> str:
        return self.message

    @property
    def where(self) -> str:
        return place(self.sheet, self.cell)

    @property
    def headline(self) -> str:
        """What the coordinator looks for first: `STT 3 · Tỷ lệ hồ sơ quá hạn`, else the field."""
        parts = []
        if self.row_no:
            parts.append(f"STT {self.row_no}")
        elif self.row:
            parts.append(f"Dòng {self.row}")
        if self.criterion:
            parts.append(self.criterion)
        if not parts:
            parts.append(self.field or ("Trang tính «" + self.sheet + "»" if self.sheet else "Tệp"))
        return " · ".join(parts)

    @property
    def cell_text(self) -> str:
        """The cell second: `ô E18, trang «Số liệu»`."""
        if self.sheet and self.cell:
            return f"ô {self.cell}, trang «{self.sheet}»"
        if self.sheet and self.row:
            return f"dòng {self.row}, trang «{self.sheet}»"
        if self.sheet:
            return f"trang «{self.sheet}»"
        return "cả tệp"


def place(sheet: str | None, cell: str | None = None, row: int | None = None) -> str:
    if sheet and cell:
        return f"{sheet}!{cell}"
    if sheet and row:
        return f"{sheet}, dòng {row}"
    if sheet:
        return f"Trang tính «{sheet}»"
    return "Tệp"


def problem(detail: str, sheet: str | None = None, cell: str | None = None, *,
            row: int | None = None, field: str | None = None, value=None,
            expected: str | None = None, table_row: int | None = None, row_no: str | None = None,
            criterion: str | None = None) -> Problem:
    """Build a Problem whose message reads `Số liệu!E12: <detail>`. `row` places a problem
    without a cell; `table_row`, `row_no` and `criterion` name the table row it belongs to."""
    shown = None if value is None else str(value)
    return Problem(f"{place(sheet, cell, row)}: {detail}", sheet, cell, field, shown, expected,
                   detail=detail, row=table_row or row, row_no=row_no, criterion=criterion)


class FileRefused(ValueError):
    """The file cannot be read at all (not a workbook, unsafe…); carries one Problem."""

    def __init__(self, detail: str, expected: str | None = None):
        self.problem = problem(detail, expected=expected)
        super().__init__(self.problem.message)
