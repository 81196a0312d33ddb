"""Numbers as coordinators type them: `1.080`, `1.234,5`, `90%`, `1 080`, non-breaking spaces.

Vietnamese convention: the dot groups thousands and the comma is the decimal mark, so `1.080`
is one thousand and eighty. A dot followed by other than groups of three digits (`1.5`) can
only be a decimal point typed on an English keyboard and is read as such.

One separator followed by exactly three digits (`1,080`, `1.080`, `2,500`) reads one way on a
Vietnamese keyboard and the other way on an English one: `ambiguous_readings` names both. A
field that may hold decimals refuses such text (the count cells, whole numbers only, keep their
own rule: `1.080` is the only whole reading, `1,080` is refused as not whole).
"""
from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009\u200b]+")
_INT = re.compile(r"^\d+$")
_VN_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")   # 1.080   1.234,5
_VN_DECIMAL = re.compile(r"^\d+,\d+$")                          # 1234,5  0,9
_DOT_DECIMAL = re.compile(r"^\d*\.\d+$")                        # 1.5     .5
_ONE_GROUP = re.compile(r"^(\d{1,3})([.,])(\d{3})$")              # 1,080   1.080   2,500


def normalize_text(text) -> str:
    """NFC, non-breaking spaces → spaces, trimmed, inner runs of spaces collapsed."""
    t = unicodedata.normalize("NFC", str(text))
    return _SPACES.sub(" ", t).strip()


@functools.lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return normalize_text(text).casefold()


def fold(text) -> str:
    """The key texts and codes are compared on: normalised and case-folded."""
    return _fold(text if isinstance(text, str) else str(text))


def parse_number_text(text: str) -> tuple[float, bool] | None:
    """`'1.234,5'` → (1234.5, False); `'90 %'` → (90.0, True); not a number → None."""
    t = _SPACES.sub("", unicodedata.normalize("NFC", text)).replace("−", "-")
    percent = t.endswith("%")
    if percent:
        t = t[:-1]
    sign = 1.0
    if t[:1] in "+-" and t:
        sign = -1.0 if t[0] == "-" else 1.0
        t = t[1:]
    if not t:
        return None
    if _INT.match(t):
        return sign * float(t), percent
    if _VN_THOUSANDS.match(t):
        whole, _, frac = t.partition(",")
        return sign * float(whole.replace(".", "") + ("." + frac if frac else "")), percent
    if _VN_DECIMAL.match(t):
        return sign * float(t.replace(",", ".")), percent
    if _DOT_DECIMAL.match(t):
        return sign * float(t), percent
    return None


def ambiguous_readings(text: str) -> tuple[float, float] | None:
    """`'1,080'` and `'1.080'` → (1080.0, 1.08): the separator groups thousands or marks decimals
    depending on who typed it. None when the text has one reading: `12`, `1,5`, `1.234,5`,
    `1.234.567`, `0,500` (no thousands group starts with 0). Sign and `%` are looked through."""
    t = _SPACES.sub("", unicodedata.normalize("NFC", text)).replace("−", "-").removesuffix("%")
    m = _ONE_GROUP.match(t.lstrip("+-"))
    if m is None or (m.group(1).startswith("0") and m.group(2) == ","):
        return None
    whole, _, frac = m.groups()
    return float(whole + frac), float(f"{whole}.{frac}")


def is_whole(x: float) -> bool:
    return abs(x - round(x)) < 1e-9 * max(1.0, abs(x))
