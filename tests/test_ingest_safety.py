"""Files that must be refused before (or while) parsing, with bounded time and memory."""
import io
import re
import struct
import time
import tracemalloc
import zipfile

import pytest
from common import TODAY

from kpi.ingest import FileRefused, annotate_workbook, check_workbook
from tests.ingest_helpers import filled, patch_part, zip_bytes

SHEET1 = "xl/worksheets/sheet1.xml"


def only_problem(data, catalog) -> str:
    result = check_workbook(data, "tep.xlsx", catalog, today=TODAY)
    assert not result.ok and result.submissions == []
    assert len(result.problems) == 1, result.problems
    return str(result.problems[0])


def test_empty_file(catalog):
    assert only_problem(b"", catalog) == "Tệp: tệp rỗng (0 byte)."


def test_old_xls(catalog):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000 + "Workbook".encode("utf-16-le")
    assert only_problem(data, catalog) == (
        "Tệp: đây là tệp Excel định dạng cũ (.xls, Excel 97–2003). Hãy mở bằng Excel và «Lưu thành» "
        "Sổ làm việc Excel (.xlsx) rồi gửi lại.")


def test_password_protected_workbook(catalog):
    # Excel saves an encrypted .xlsx as an OLE2 container holding an EncryptedPackage stream
    data = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000 + "EncryptionInfo".encode("utf-16-le")
            + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le"))
    assert only_problem(data, catalog).startswith("Tệp: tệp được đặt mật khẩu nên không đọc được.")


def test_csv_renamed_to_xlsx(catalog):
    data = "Mã chỉ tiêu;Tử số;Mẫu số\nDVC_HS_TRUC_TUYEN;370;412\n".encode()
    assert only_problem(data, catalog) == (
        "Tệp: không phải tệp Excel .xlsx (tệp văn bản dạng CSV được đổi đuôi thành .xlsx).")


def test_truncated_upload(catalog):
    data = filled(catalog)
    assert only_problem(data[: len(data) // 2], catalog).startswith(
        "Tệp: tệp bị hỏng hoặc chưa tải lên hết")


def test_corrupted_part(catalog):
    data = bytearray(filled(catalog))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET1)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start + 20: start + 80] = b"\x00" * 60
    assert only_problem(bytes(data), catalog).startswith(
        "Tệp: tệp bị hỏng, không giải nén được phần «xl/worksheets/sheet1.xml»")


def test_other_zip_documents(catalog):
    assert only_problem(zip_bytes({"word/document.xml": "<w/>"}), catalog) == \
        "Tệp: đây là tệp Word (.docx), không phải sổ tính Excel."
    assert only_problem(zip_bytes({"a.txt": "x"}), catalog) == \
        "Tệp: tệp nén này không phải sổ tính Excel (không có xl/workbook.xml)."


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """~300 KB that claims to inflate to 320 MB (a sheet of spaces)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open(SHEET1, "w", force_zip64=True) as f:
            block = b" " * (1024 * 1024)
            for _ in range(320):
                f.write(block)
    return out.getvalue()


def test_decompression_bomb_refused_before_parsing(catalog, bomb):
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    t = time.perf_counter()
    message = only_problem(bomb, catalog)
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert message.startswith("Tệp: tệp nhỏ nhưng giải nén ra rất lớn (phần "
                              "«xl/worksheets/sheet1.xml»")
    assert "nghi là «bom giải nén»" in message
    assert elapsed < 0.5 and peak < 8 * 1024 * 1024


def test_lying_zip_directory_is_caught_while_inflating(catalog):
    """Declared size small, real content 4 MB: inflation stops at the declared size."""
    data = bytearray(patch_part(filled(catalog), SHEET1,
                                lambda x: x.replace("<sheetData>", "<sheetData>" + " " * 4_000_000)))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo(SHEET1)
    # patch the uncompressed size in the local header and the central directory to 20 KB
    struct.pack_into("<I", data, info.header_offset + 22, 20_000)
    cd = bytes(data).rfind(b"PK\x01\x02" , 0, len(data))
    while cd != -1:
        if data[cd + 46: cd + 46 + len(SHEET1)] == SHEET1.encode():
            struct.pack_into("<I", data, cd + 24, 20_000)
            break
        cd = bytes(data).rfind(b"PK\x01\x02", 0, cd)
    tracemalloc.start()
    message = only_problem(bytes(data), catalog)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert message.startswith("Tệp: tệp bị hỏng")
    assert peak < 8 * 1024 * 1024


def test_a_million_row_dimension_does_not_hang(catalog):
    def claim(xml):
        xml = re.sub(r'<dimension ref="A1:H21"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml)
        assert "XFD1048576" in xml
        return xml.replace("</sheetData>",
                           '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
                           "</row></sheetData>")
    data = patch_part(filled(catalog), SHEET1, claim)
    t = time.perf_counter()
    result = check_workbook(data, "tep.xlsx", catalog, today=TODAY)
    assert time.perf_counter() - t < 1.0
    assert result.ok and len(result.submissions[0].figures) == 12


@pytest.mark.parametrize("part", [SHEET1, "xl/styles.xml", "xl/workbook.xml"])
def test_xml_entity_declarations_are_refused(catalog, part):
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    data = patch_part(filled(catalog), part, lambda x: laughs + re.sub(r"^<\?xml[^>]*\?>", "", x))
    assert only_problem(data, catalog) == (
        f"Tệp: phần «{part}» chứa khai báo DTD/thực thể XML (ENTITY) — có thể là tệp độc hại; bị từ "
        "chối vì lý do an toàn.")


def test_annotate_refuses_what_check_refuses(catalog, bomb):
    with pytest.raises(FileRefused, match="bom giải nén"):
        annotate_workbook(bomb, [])
    with pytest.raises(FileRefused, match="tệp rỗng"):
        annotate_workbook(b"", [])
