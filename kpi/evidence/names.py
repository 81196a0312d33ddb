"""Names inside the evidence pack: safe on every system, still readable Vietnamese."""
from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[/\\]")          # "05/BB" reads on as "05-BB"
_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_name(text: str, limit: int = 80) -> str:
    """`text` as one path component: composed Unicode (NFC) with its diacritics kept, no path
    separators, control or reserved characters, no leading dots, no trailing dots or spaces,
    at most `limit` characters, never empty or a Windows device name."""
    text = unicodedata.normalize("NFC", str(text))
    text = _UNSAFE.sub(" ", _SEPARATORS.sub("-", text))
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").strip()
    if len(text) > limit:           # cut at a word's end when one is near
        cut = text[:limit]
        text = cut[:cut.rfind(" ")] if cut.rfind(" ") > limit // 2 else cut
    text = text.rstrip(" .")
    if not text:
        return "_"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text


def safe_file_name(stem: str, extension: str, limit: int = 80) -> str:
    """A file name whose extension is the one its content has (`.pdf` for a PDF named `x.docx`)."""
    base = safe_name(stem, limit - len(extension))
    return base + extension
