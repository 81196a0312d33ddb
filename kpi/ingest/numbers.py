"""Numbers as coordinators type them: `1.080`, `1.234,5`, `90%`, `1 080`, non-breaking spaces.

Vietnamese convention: the dot groups thousands and the comma is the decimal mark, so `1.080`
is one thousand and eighty. A dot followed by other than groups of three digits (`1.5`) can
only be a decimal point typed on an English keyboard and is read as such.
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


def is_whole(x: float) -> bool:
    return abs(x - round(x)) < 1e-9 * max(1.0, abs(x))
