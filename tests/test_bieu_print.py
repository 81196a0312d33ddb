"""The Biểu printed as LibreOffice prints it: the demo quarter's Biểu (with a long explanation and an
evidence document with its number, date, summary and link) converted to PDF by `soffice`, its words
read back with `pdftotext -bbox`: every word lies within the page, no two words' boxes overlap (a
row too short for its wrapped text would print its lines over the next row), A4 landscape, the
header row on every page."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from html import unescape

import pytest
from common import TODAY

from kpi.domain.figures import Actor
from kpi.usecases.evidence import attach_link
from kpi.usecases.explanations import explain
from kpi.usecases.reports import quarter_report

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="LibreOffice (soffice) or pdftotext is not installed: the Biểu's printing is checked with openpyxl "
           "only (apt-get install libreoffice-calc poppler-utils)")

OFFICE = Actor("Chị Lan", "office", "lan")
LONG = ("Tháng 7/2026 hệ thống dịch vụ công của thành phố gián đoạn 5 ngày (Công văn số 123/STTTT ngày "
        "12/07/2026) nên một số hồ sơ phải tiếp nhận trực tiếp; từ tháng 8 tỷ lệ đã đạt trên 92 %. "
        "Xã đã đề nghị Trung tâm Phục vụ hành chính công hướng dẫn lại cho người dân cách nộp trực tuyến.")
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def _pdf(xlsx: bytes, tmp_path) -> bytes:
    src = tmp_path / "bieu.xlsx"
    src.write_bytes(xlsx)
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), str(src)],
                   check=True, capture_output=True, timeout=180, env=env)
    return (tmp_path / "out" / "bieu.pdf").read_bytes()


def _pages(pdf: bytes, tmp_path) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    path = tmp_path / "bieu.pdf"
    path.write_bytes(pdf)
    html = subprocess.run([PDFTOTEXT, "-bbox", str(path), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    return [(float(w), float(h), [(float(a), float(b), float(c), float(d), unescape(t))
                                  for a, b, c, d, t in WORD.findall(body)])
            for w, h, body in PAGE.findall(html)]


def _overlaps(words, slack: float = 0.6, share: float = 0.3):
    """Pairs of words whose boxes overlap: by more than `slack` points across and more than `share`
    of a line's height down (a word's box holds the stacked marks of Vietnamese, «ẩ», so the boxes
    of two lines of one cell touch by a fraction of a point)."""
    ordered = sorted(words, key=lambda w: w[1])
    out = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b[1] >= a[3]:
                break
            down = share * min(a[3] - a[1], b[3] - b[1])
            if min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > down:
                out.append((a[4], b[4]))
    return out


@pytest.fixture
def printed(demo_conn, catalog, tmp_path):
    explain(demo_conn, catalog, OFFICE, "2026-Q3", "DVC_HS_TRUC_TUYEN", LONG)
    attach_link(demo_conn, catalog, OFFICE, "2026-Q3", "DVC_HS_TRUC_TUYEN", None,
                "https://dichvucong.haiphong.gov.vn/bao-cao/thong-ke-ho-so-truc-tuyen-quy-3-2026",
                "Báo cáo thống kê hồ sơ", doc_number="215/BC-UBND", doc_date=dt.date(2026, 10, 3),
                summary="Báo cáo kết quả giải quyết thủ tục hành chính trực tuyến quý III/2026")
    xlsx = quarter_report(demo_conn, catalog, "2026-Q3", "xlsx", as_of=TODAY)
    return _pages(_pdf(xlsx, tmp_path), tmp_path)


def test_the_printed_bieu_keeps_every_word_on_the_page_and_apart(printed):
    assert printed
    for number, (width, height, words) in enumerate(printed, 1):
        assert width > height                                  # landscape
        assert (round(width), round(height)) == (842, 595)     # A4
        outside = [w[4] for w in words if w[0] < 0 or w[2] > width + 0.5 or w[3] > height + 0.5]
        assert not outside, (number, outside[:10])
        overlapping = _overlaps(words)
        assert not overlapping, (number, overlapping[:10])
        # the header row on every page
        texts = {w[4] for w in words}
        assert {"STT", "Chỉ", "tiêu", "Giải", "trình"} <= texts, number
    every = " ".join(w[4] for _, _, words in printed for w in words)
    assert "215/BC-UBND" in every and "03/10/2026" in every           # the document's number and date
    assert "STTTT" in every and "trực tuyến." in every                 # the explanation, whole
    assert "TỔNG" in every and "XẾP" in every


def test_a_city_form_of_its_own_prints_apart_too(demo_conn, catalog, tmp_path):
    from common import CONFIG

    from kpi.domain.catalog import parse_catalog
    form = ('columns = ["stt", { key = "name", title = "Nội dung chỉ tiêu" }, "target", "max", '
            '{ key = "points", title = "Xã tự chấm", width = 10 }, "lead", "appraised", "appraisal_comment"]')
    custom = parse_catalog(CONFIG.read_text(encoding="utf-8").replace("[scorecard]", f"[scorecard]\n{form}", 1))
    pages = _pages(_pdf(quarter_report(demo_conn, custom, "2026-Q3", "xlsx", as_of=TODAY), tmp_path), tmp_path)
    for number, (width, _, words) in enumerate(pages, 1):
        assert not [w[4] for w in words if w[0] < 0 or w[2] > width + 0.5], number
        assert not _overlaps(words), (number, _overlaps(words)[:10])
        assert {"Nội", "dung", "Xã", "tự", "chấm"} <= {w[4] for w in words}, number
