"""Files written for other programs, opened with those programs: LibreOffice (headless) converts
a .docx or .xlsx to PDF, poppler's `pdftotext -bbox-layout` says where every word landed."""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
MISSING = ("LibreOffice (soffice) and poppler's pdftotext are needed to print the file "
           "(apt-get install libreoffice-calc libreoffice-writer poppler-utils)")


def to_pdf(path: Path, tmp_path: Path) -> Path:
    """`path` printed to PDF by LibreOffice, as a user's «Export as PDF» would."""
    out = tmp_path / "lo-out"
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=240, env=env)
    pdf = out / (path.stem + ".pdf")
    if not pdf.exists():       # soffice says «source file could not be loaded» and exits 0
        import pytest
        pytest.skip(f"LibreOffice cannot open {path.suffix} files here (libreoffice-writer for .docx, "
                    "libreoffice-calc for .xlsx)")
    return pdf


@dataclass(frozen=True)
class Word:
    page: int
    page_width: float
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def words(pdf: Path) -> list[Word]:
    """Every word of the PDF with its box (points), page by page."""
    xml = subprocess.run([PDFTOTEXT, "-bbox-layout", str(pdf), "-"], check=True, capture_output=True,
                         timeout=120).stdout
    root = ElementTree.fromstring(xml)
    out = []
    for n, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), 1):
        width = float(page.get("width"))
        for w in page.iter("{http://www.w3.org/1999/xhtml}word"):
            out.append(Word(n, width, w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))))
    return out


def overlaps(ws: list[Word], slack: float = 0.5, share: float = 0.25) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes cross on the same page: by more than `slack` points across and
    more than `share` of the lower box's height down (a word's box holds its accents and
    descenders, so the lines of one wrapped paragraph touch by ~10 % without ink meeting)."""
    found = []
    by_page: dict[int, list[Word]] = {}
    for w in ws:
        by_page.setdefault(w.page, []).append(w)
    for page in by_page.values():
        page.sort(key=lambda w: w.y0)
        for i, a in enumerate(page):
            for b in page[i + 1:]:
                if b.y0 >= a.y1 - slack:
                    break
                down = share * min(a.y1 - a.y0, b.y1 - b.y0)
                if min(a.x1, b.x1) - max(a.x0, b.x0) > slack and min(a.y1, b.y1) - max(a.y0, b.y0) > max(slack, down):
                    found.append((a, b))
    return found


def outside(ws: list[Word]) -> list[Word]:
    """Words that do not lie within their page's width."""
    return [w for w in ws if w.x0 < 0 or w.x1 > w.page_width + 0.5]
