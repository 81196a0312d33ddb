"""What a check reports: one `Problem` per thing to fix, in Vietnamese, naming the place."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem (or warning) of a file. `message` is the full sentence, place first."""
    message: str
    sheet: str | None = None
    cell: str | None = None      # "E12"
    field: str | None = None     # e.g. "Tử số", "Kỳ báo cáo"
    value: str | None = None     # as typed
    expected: str | None = None

    def __str__(self) -> str:
        return self.message

    @property
    def where(self) -> str:
        return place(self.sheet, self.cell)


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
            expected: str | None = None) -> Problem:
    """Build a Problem whose message reads `Số liệu!E12: <detail>`."""
    shown = None if value is None else str(value)
    return Problem(f"{place(sheet, cell, row)}: {detail}", sheet, cell, field, shown, expected)


class FileRefused(ValueError):
    """The file cannot be read at all (not a workbook, unsafe…); carries one Problem."""

    def __init__(self, detail: str, expected: str | None = None):
        self.problem = problem(detail, expected=expected)
        super().__init__(self.problem.message)
