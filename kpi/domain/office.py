"""Which Office packages carry macros: one rule for uploaded workbooks (ingest) and evidence files.

A package carries macros when it holds
- VBA: a `vbaProject.bin` part, a macro-enabled content type (.xlsm/.docm…), or ActiveX controls;
- Excel 4.0 (XLM) macros: a macro sheet or dialog sheet — a part under `xl/macrosheets/` or
  `xl/dialogsheets/`, or a content type or relationship naming one (`…macrosheet+xml`,
  `…/xlMacrosheet`, `…/xlIntlMacrosheet`, `…/dialogsheet`), whatever the part is called.
Names and texts are compared case-insensitively (part names in a package are).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

VBA = "VBA"
XLM = "Excel 4.0"

_VBA_NAMES = ("vbaproject.bin", "vbadata.xml")
_VBA_MARKS = (b"macroenabled", b"vbaproject", b"vnd.ms-office.activex", b"vnd.ms-word.document.macro")
_XLM_DIRS = ("xl/macrosheets/", "xl/dialogsheets/")
_XLM_MARKS = (b"macrosheet", b"dialogsheet")     # content types and relationship types alike


@dataclass(frozen=True)
class Macro:
    kind: str        # VBA | XLM
    part: str        # the part that holds it or names it

    @property
    def text(self) -> str:
        """Vietnamese: «macro VBA (phần «xl/vbaProject.bin»)»."""
        what = "macro VBA" if self.kind == VBA else "macro Excel 4.0 (trang macro)"
        return f"{what}, phần «{self.part}»"


def find_macro(names: Iterable[str], texts: Mapping[str, bytes]) -> Macro | None:
    """The first macro found in a package: `names` of its parts, `texts` the bytes of the parts that
    declare kinds (`[Content_Types].xml`, the workbook's and the package's relationships)."""
    for name in names:
        low = name.lower()
        if low.endswith(_VBA_NAMES) or ("activex" in low and low.endswith(".bin")):
            return Macro(VBA, name)
        if low.startswith(_XLM_DIRS):
            return Macro(XLM, name)
    for part, data in texts.items():
        low_data = data.lower()
        if any(mark in low_data for mark in _XLM_MARKS):
            return Macro(XLM, part)
        if any(mark in low_data for mark in _VBA_MARKS):
            return Macro(VBA, part)
    return None


MACRO_PARTS = ("[Content_Types].xml", "xl/_rels/workbook.xml.rels")
"""The parts whose text `find_macro` needs (those present)."""
