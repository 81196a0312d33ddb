"""How a number and a date are written in Vietnamese: `1.234,5`, `95,5 %`, `dd/mm/yyyy`.

The primitives only, one place for each: `kpi.present.texts` re-exports them and builds every
other wording on them (rounding, targets, points); `kpi.ingest` names what a coordinator typed
with them. Pure functions, no I/O.
"""
from __future__ import annotations

import datetime as dt
import math

MISSING = "—"


def number(x: float | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5' (dot for thousands, comma for decimals); None/NaN → '—'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def smart_number(x: float | None, max_decimals: int = 2) -> str:
    """Like `number` but drops trailing zero decimals: 17.0 → '17', 8.25 → '8,25'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    text = number(x, max_decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def percent(x: float | None, decimals: int = 1) -> str:
    """95.5 → '95,5 %' (the argument is already in percent)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    return f"{number(x, decimals)} %"


def date(d: dt.date | dt.datetime | None) -> str:
    if d is None:
        return MISSING
    return d.strftime("%d/%m/%Y")
