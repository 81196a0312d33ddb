"""Months and quarters: parsing (`2026-05`, `2026-Q2`), Vietnamese labels, due dates."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER_RE = re.compile(r"^\s*(\d{4})-?[Qq]([1-4])\s*$")


class PeriodError(ValueError):
    """A period text that is not `YYYY-MM` / `YYYY-Qn`; the message is Vietnamese."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        m = _MONTH_RE.match(str(text))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise PeriodError(f"Kỳ báo cáo «{text}» không đúng dạng năm-tháng (ví dụ 2026-05).")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def add(self, n: int) -> Month:
        i = self.year * 12 + (self.month - 1) + n
        return Month(i // 12, i % 12 + 1)

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.year, (self.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"Tháng {self.month}/{self.year}"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def due_date(self, due_day: int = 18, due_month_offset: int = 1) -> dt.date:
        """Figures of this month must arrive *before* this date (the 18th of the next month): on it
        they are late, and a month not sent is missing from it on.

        A due day past the month's end (31 in November, 29–31 in February of a common year, 30–31 in
        a leap February) means that month's last day: the figures may arrive through it, so they are
        due from the next day, the 1st of the month after (October with due day 31: through
        30 November, late or missing from 1 December)."""
        target = self.add(due_month_offset)
        following = target.add(1).first_day()
        if due_day > (following - dt.timedelta(days=1)).day:
            return following
        return dt.date(target.year, target.month, due_day)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _QUARTER_RE.match(str(text))
        if not m:
            raise PeriodError(f"Quý «{text}» không đúng dạng năm-quý (ví dụ 2026-Q2).")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return Month.of(day).quarter

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.q}"

    @property
    def label(self) -> str:
        return f"Quý {ROMAN[self.q]}/{self.year}"

    @property
    def months(self) -> tuple[Month, Month, Month]:
        first = Month(self.year, 3 * (self.q - 1) + 1)
        return (first, first.add(1), first.add(2))

    def add(self, n: int) -> Quarter:
        i = self.year * 4 + (self.q - 1) + n
        return Quarter(i // 4, i % 4 + 1)

    def previous(self) -> Quarter:
        return self.add(-1)


@dataclass(frozen=True)
class Period:
    """What the pages show: a whole quarter, or a single month scored on its own figures."""
    quarter: Quarter
    month: Month | None = None

    @property
    def is_month(self) -> bool:
        return self.month is not None

    @property
    def label(self) -> str:
        return self.month.label if self.month else self.quarter.label

    @property
    def key(self) -> str:
        """The text used in the URL: `2026-Q2` or `2026-05`."""
        return str(self.month) if self.month else str(self.quarter)

    @property
    def months(self) -> tuple[Month, ...]:
        return (self.month,) if self.month else self.quarter.months

    def previous(self) -> Period:
        if self.month:
            m = self.month.add(-1)
            return Period(m.quarter, m)
        return Period(self.quarter.previous())

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2026-Q2` → the quarter, `2026-05` → the month; PeriodError otherwise."""
        try:
            return cls(Quarter.parse(text))
        except PeriodError:
            m = Month.parse(text)
            return cls(m.quarter, m)
