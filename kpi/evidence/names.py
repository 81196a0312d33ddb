"""Every stored and packed evidence name is made here: safe on every system, still readable
Vietnamese, never misleading.

- composed Unicode (NFC), diacritics kept;
- no control characters and no invisible formatting characters — bidirectional overrides such as
  U+202E (which makes «hóa đơn‮fdp.exe» read «hóa đơnexe.pdf»), zero-width characters, the BOM;
- no path separators or characters Windows refuses, no Windows device names;
- the extension is the one the content has, written once (`Biên bản.pdf` stays `Biên bản.pdf`,
  never `Biên bản.pdf.pdf`);
- a path inside the pack at most `PACK_PATH_LIMIT` characters (Windows' old 260 less the folder a
  user unzips into), long components cut at a word's end;
- two items that would get the same path (letter case ignored, as Windows does) are numbered
  «(2)», «(3)» before the extension."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_SEPARATORS = re.compile(r"[/\\]")          # "05/BB" reads on as "05-BB"
_UNSAFE = re.compile(r'[<>:"|?*]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
PACK_PATH_LIMIT = 150
MIN_FILE_CHARS = 24            # a file name keeps at least this much when a path must shrink
_KNOWN_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx", ".doc", ".xls")


def clean_text(text: str) -> str:
    """`text` as people read it: NFC, control and invisible formatting characters (Unicode
    categories Cc, Cf: bidi overrides and isolates, zero-width joiners, BOM) dropped — a control
    character that separates words (tab, newline) becomes a space — runs of spaces made one."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text
                   if unicodedata.category(c) != "Cf")
    return re.sub(r"\s+", " ", text).strip()


def safe_name(text: str, limit: int = 80) -> str:
    """`text` as one path component (`clean_text`): no path separators or reserved characters, no
    leading dots, no trailing dots or spaces, at most `limit` characters (cut at a word's end when
    one is near), never empty or a Windows device name."""
    text = clean_text(_UNSAFE.sub(" ", _SEPARATORS.sub("-", clean_text(text))))
    text = text.lstrip(".").strip()
    if len(text) > limit:
        cut = text[:limit]
        text = cut[:cut.rfind(" ")] if cut.rfind(" ") > limit // 2 else cut
    text = text.rstrip(" .")
    if not text:
        return "_"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text


def _without_extension(stem: str, extension: str) -> str:
    """`Biên bản.pdf` → `Biên bản` for a `.pdf` (also `.PDF`, `.jpeg` for `.jpg`, and a name that
    repeats it: `x.pdf.pdf`)."""
    same = {extension.lower()} | ({".jpg", ".jpeg"} if extension.lower() in (".jpg", ".jpeg") else set())
    while True:
        base, dot, ext = stem.rstrip(" ").rpartition(".")
        if not dot or f".{ext.lower()}" not in same:
            return stem
        if not base.strip(" ."):
            return ""
        stem = base


def safe_file_name(stem: str, extension: str, limit: int = 80) -> str:
    """A file name whose extension is the one its content has, once: `.pdf` for a PDF named
    `x.docx` (`x.docx.pdf`), `Biên bản.pdf` for a PDF described as «Biên bản.pdf»."""
    extension = extension.lower()
    base = safe_name(_without_extension(clean_text(stem), extension), max(1, limit - len(extension)))
    return base + extension


def stored_file_name(file_name: str, extension: str) -> str:
    """The name kept for an uploaded file: what the user's system called it (its last path part),
    cleaned, with the extension its content has."""
    last = re.split(r"[/\\]", str(file_name or ""))[-1]
    return safe_file_name(last or "tệp", extension, 120)


def default_description(file_name: str) -> str:
    """What an item is called when no description is typed: its file name without the extension
    (the pack adds the content's extension once)."""
    name = clean_text(file_name)
    base, dot, ext = name.rpartition(".")
    return base if dot and base.strip() and f".{ext.lower()}" in _KNOWN_EXTENSIONS else name


def pack_path(folders: Sequence[str], stem: str, extension: str, taken: set[str],
              limit: int = PACK_PATH_LIMIT) -> str:
    """A file's path inside the pack: each of `folders` (already safe components) and the file
    `stem`+`extension`, all within `limit` characters — the longest components are shortened
    first, the file name keeps at least `MIN_FILE_CHARS` — and not one of `taken` (compared
    without letter case; the path is added to it): a second «x.pdf» is «x (2).pdf»."""
    parts = list(folders)
    name = safe_file_name(stem, extension, 90)
    room = limit - len("/".join([*parts, name]))
    while room < 0:        # shorten the longest component that may still be shortened
        folder = max(range(len(parts)), key=lambda i: len(parts[i]), default=None)
        folder_len = len(parts[folder]) if folder is not None and len(parts[folder]) > 12 else 0
        if len(name) > MIN_FILE_CHARS and len(name) >= folder_len:
            name = safe_file_name(stem, extension, max(MIN_FILE_CHARS, len(name) + max(room, -len(name) // 3)))
        elif folder_len and folder is not None:
            parts[folder] = safe_name(parts[folder], max(12, folder_len + max(room, -folder_len // 3)))
        else:
            break
        room = limit - len("/".join([*parts, name]))
    path = "/".join([*parts, name])
    n = 1
    while path.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        base = name[:len(name) - len(extension)] if extension and name.endswith(extension) else name
        over = max(0, len("/".join([*parts, base + suffix + extension])) - limit)
        path = "/".join([*parts, base[:len(base) - over].rstrip(" .") + suffix + extension])
    taken.add(path.casefold())
    return path
