"""Every stored and packed evidence name comes from kpi.evidence.names: NFC, no control or bidi
characters, the content's extension once, a path within 150 characters, collisions numbered."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from evidence_files import pdf, png

from kpi.domain.figures import Actor
from kpi.evidence.names import (
    PACK_PATH_LIMIT,
    clean_text,
    default_description,
    pack_path,
    safe_file_name,
    safe_name,
    stored_file_name,
)
from kpi.settings import Settings
from kpi.store.evidence import evidence_items
from kpi.usecases import evidence as ev

OFFICE = Actor("Văn phòng", "office", "vanphong")


@pytest.mark.parametrize("text, clean", [
    ("Ty\u0309 le\u0302\u0323", "Tỷ lệ"),                              # NFC
    ("hóa đơn\u202efdp.exe", "hóa đơnfdp.exe"),                        # right-to-left override
    ("a\u2066b\u2069c\u200bd\u200e\ufeff", "abcd"),                    # isolates, zero-width, marks, BOM
    ("Biên\tbản\n05\x00\x7f", "Biên bản 05"),                          # controls
])
def test_control_and_bidi_characters_are_removed(text, clean):
    assert clean_text(text) == clean
    assert safe_name(text) == clean


@pytest.mark.parametrize("stem, ext, name", [
    ("Biên bản.pdf", ".pdf", "Biên bản.pdf"),
    ("Biên bản.PDF.pdf", ".pdf", "Biên bản.pdf"),
    ("ảnh.jpeg", ".jpg", "ảnh.jpg"),
    ("hợp đồng.docx", ".pdf", "hợp đồng.docx.pdf"),        # the content's extension, never the typed one
    (".pdf", ".pdf", "_.pdf"),
    ("báo cáo\u202excod.pdf", ".pdf", "báo cáoxcod.pdf"),
])
def test_the_extension_is_the_contents_and_written_once(stem, ext, name):
    assert safe_file_name(stem, ext) == name


def test_a_stored_name_is_cleaned_and_a_missing_description_has_no_extension():
    assert stored_file_name("C:\\Users\\an\\Biên bản\u202e.pdf", ".pdf") == "Biên bản.pdf"
    assert stored_file_name("scan.PDF", ".pdf") == "scan.pdf"
    assert default_description("Biên bản.pdf") == "Biên bản"
    assert default_description("QĐ 12.2026") == "QĐ 12.2026"


def test_a_path_stays_within_150_characters_and_collisions_are_numbered():
    taken: set[str] = set()
    folders = ["01 " + "Hạ tầng số và an toàn thông tin " * 2, "03 HT_MAY_TINH - " + "Tỷ lệ cán bộ có máy tính " * 3,
               "VHXH - Phòng Văn hóa - Xã hội"]
    long = pack_path(folders, "001 " + "Biên bản nghiệm thu cài đặt phần mềm phòng chống mã độc " * 3, ".pdf", taken)
    assert len(long) <= PACK_PATH_LIMIT and long.endswith(".pdf") and long.count("/") == 3
    assert long.split("/")[-1].startswith("001 Biên bản nghiệm thu")
    first = pack_path(["01 Nhóm"], "Biên bản", ".pdf", taken)
    second = pack_path(["01 Nhóm"], "biên bản.pdf", ".pdf", taken)     # Windows ignores letter case
    third = pack_path(["01 Nhóm"], "Biên bản", ".pdf", taken)
    assert (first, second, third) == ("01 Nhóm/Biên bản.pdf", "01 Nhóm/biên bản (2).pdf", "01 Nhóm/Biên bản (3).pdf")
    again = pack_path(folders, "001 " + "Biên bản nghiệm thu cài đặt phần mềm phòng chống mã độc " * 3, ".pdf", taken)
    assert again != long and len(again) <= PACK_PATH_LIMIT and again.endswith(" (2).pdf")


def test_the_pack_names_every_file_once_with_its_extension(conn, catalog, db_path):
    edir = Settings(db_path, db_path).evidence_dir
    a, _ = ev.attach_file(conn, catalog, edir, OFFICE, "2026-Q3", "HT_MAY_TINH", "VHXH", pdf(),
                          "Biên bản.pdf", "")
    b, _ = ev.attach_file(conn, catalog, edir, OFFICE, "2026-Q3", "HT_MAY_TINH", "VHXH", png(),
                          "anh\u202egnp.exe", "Ảnh chụp\u202e màn hình")
    kept = {i.id: i for i in evidence_items(conn, catalog.commune, "2026-Q3")}
    assert (kept[a.id].file_name, kept[a.id].description) == ("Biên bản.pdf", "Biên bản")
    assert (kept[b.id].file_name, kept[b.id].description) == ("anhgnp.exe.png", "Ảnh chụp màn hình")
    with zipfile.ZipFile(io.BytesIO(ev.pack_bytes(conn, catalog, OFFICE, "2026-Q3", edir, as_of=dt.date(2026, 11, 23)))) as zf:
        files = [n for n in zf.namelist() if n.count("/") >= 2]
    assert len(files) == 2 and all(len(n) <= PACK_PATH_LIMIT for n in files)
    assert any(n.endswith(f"/{a.id:03d} Biên bản.pdf") for n in files)
    assert any(n.endswith(f"/{b.id:03d} Ảnh chụp màn hình.png") for n in files)
    assert not any(".pdf.pdf" in n or "\u202e" in n for n in files)
