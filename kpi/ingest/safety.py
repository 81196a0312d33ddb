"""Refuse what must never reach an XML parser: non-workbooks, encrypted files, zip bombs, and
small workbooks of large cost.

Sizes are checked on the zip's directory (declared sizes and ratios) before anything is
inflated, and each part is then inflated in chunks with a hard cap, so a lying directory
cannot make memory grow either; the package also counts every byte it inflates against one
budget. Before the reader parses a part, `bound_part`/`bound_sheet`/`bound_workbook` count what
the parse would build on the raw bytes — elements (every `<` that does not close one), rows,
cells, sheets and shared strings, whatever the prefix or the whitespace after the name — so the
cost of a workbook is bounded by what it holds, not by how its elements are spelt. XML with a DTD
or entity declarations is refused by the reader (defusedxml); nothing here parses XML.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib

from kpi.domain.office import MACRO_PARTS, VBA, find_macro
from kpi.ingest.problems import FileRefused

MAX_FILE_BYTES = 20 * 1024 * 1024          # an upload; real monthly files are ~20 KB
MAX_MEMBERS = 2000
MAX_PART_BYTES = 16 * 1024 * 1024          # one inflated XML part
MAX_TOTAL_BYTES = 48 * 1024 * 1024         # everything the workbook declares
MAX_RATIO = 150                            # inflated / compressed, for parts over 1 MB
_RATIO_FLOOR = 1024 * 1024
MAX_READ_BYTES = MAX_TOTAL_BYTES         # inflated over the whole check, however often asked
MAX_SHEETS = 100                           # sheets listed in xl/workbook.xml
MAX_SHEET_ROWS = 2000                      # rows of one sheet; the monthly template has about 40
MAX_SHEET_CELLS = 50_000                   # cells of one sheet; the template has about 200
MAX_WORKBOOK_CELLS = 100_000               # cells of all sheets together
MAX_SHARED_STRINGS = 50_000                # strings in the shared-string table
MAX_SHARED_STRINGS_BYTES = 4 * 1024 * 1024
MAX_PART_ELEMENTS = 250_000                # XML elements of any one part
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 64 * 1024

EXPECTED = "một sổ tính Excel .xlsx (Excel 2007 trở lên), ví dụ tệp mẫu tải từ hệ thống"


class Package:
    """The zip of an .xlsx, opened after the checks; `read` inflates one part with a cap."""

    def __init__(self, zf: zipfile.ZipFile):
        self._zf = zf
        self._infos = {i.filename: i for i in zf.infolist()}
        self.bytes_read = 0

    def has(self, name: str) -> bool:
        return name in self._infos

    def size(self, name: str) -> int:
        """The part's declared inflated size (checked against what is read)."""
        return self._infos[name].file_size

    def read(self, name: str) -> bytes:
        info = self._infos[name]
        if self.bytes_read + info.file_size > MAX_READ_BYTES:
            raise FileRefused(f"đọc tệp cần giải nén quá {MAX_READ_BYTES // (1024 * 1024)} MB (tới phần "
                              f"«{name}»), quá giới hạn của một tệp số liệu; không đọc.", EXPECTED)
        out = bytearray()
        try:
            with self._zf.open(info) as f:
                while chunk := f.read(_CHUNK):
                    out += chunk
                    if len(out) > min(MAX_PART_BYTES, info.file_size):
                        raise FileRefused(
                            f"phần «{name}» của tệp giải nén ra lớn hơn kích thước khai báo — "
                            "tệp bị hỏng hoặc là «bom giải nén»; không đọc.", EXPECTED)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
            raise FileRefused(f"tệp bị hỏng, không giải nén được phần «{name}» ({e}).",
                              EXPECTED) from None
        self.bytes_read += len(out)
        return bytes(out)


def dotted(n: int) -> str:
    """12345 → «12.345», as people here write counts."""
    return f"{n:,}".replace(",", ".")


def _element(name: bytes) -> re.Pattern[bytes]:
    """Start tags of `name` with any namespace prefix and any XML whitespace after the name."""
    return re.compile(rb"<(?:[^\s<>/:!?]+:)?" + name + rb"[\s/>]")


_ROW, _CELL, _SHEET, _STRING = (_element(n) for n in (b"row", b"c", b"sheet", b"si"))


def count_elements(data: bytes) -> int:
    """An upper bound of the elements a parser would build: every `<` that does not close one
    (start and empty tags; comments, instructions and CDATA counted too)."""
    return data.count(b"<") - data.count(b"</")


def _count(pattern: re.Pattern[bytes], data: bytes) -> int:
    return sum(1 for _ in pattern.finditer(data))


def _refuse_elements(elements: int, where: str) -> None:
    if elements > MAX_PART_ELEMENTS:
        raise FileRefused(f"{where} có {dotted(elements)} phần tử XML, quá giới hạn "
                          f"{dotted(MAX_PART_ELEMENTS)} của một tệp số liệu; không đọc.", EXPECTED)


def bound_part(name: str, data: bytes) -> None:
    """Any part, before it is parsed: at most MAX_PART_ELEMENTS elements."""
    _refuse_elements(count_elements(data), f"phần «{name}»")


def bound_workbook(data: bytes) -> None:
    """`xl/workbook.xml`, before it is parsed: at most MAX_SHEETS sheets listed."""
    elements = count_elements(data)
    sheets = _count(_SHEET, data)
    if sheets > MAX_SHEETS:
        raise FileRefused(f"sổ tính liệt kê {dotted(sheets)} trang tính (phần «xl/workbook.xml»), quá "
                          f"giới hạn {MAX_SHEETS} trang tính của một tệp số liệu; không đọc. Hãy dùng "
                          "tệp mẫu tải từ hệ thống.", EXPECTED)
    _refuse_elements(elements, "phần «xl/workbook.xml»")


def bound_shared_strings(pkg: Package, name: str) -> bytes:
    """The shared-string table's bytes, read only when its size and count are within the caps."""
    size = pkg.size(name)
    if size > MAX_SHARED_STRINGS_BYTES:
        raise FileRefused(f"bảng chuỗi dùng chung (phần «{name}») lớn {size / (1024 * 1024):.1f} MB, "
                          f"quá giới hạn {MAX_SHARED_STRINGS_BYTES // (1024 * 1024)} MB; không đọc.",
                          EXPECTED)
    data = pkg.read(name)
    elements = count_elements(data)
    strings = _count(_STRING, data)
    if strings > MAX_SHARED_STRINGS:
        raise FileRefused(f"bảng chuỗi dùng chung (phần «{name}») có {dotted(strings)} chuỗi, quá giới "
                          f"hạn {dotted(MAX_SHARED_STRINGS)} chuỗi; không đọc.", EXPECTED)
    _refuse_elements(elements, f"bảng chuỗi dùng chung (phần «{name}»)")
    return data


def bound_sheet(sheet: str, name: str, data: bytes, cells_before: int) -> int:
    """One sheet's part, before it is parsed: rows, cells (of this sheet and of the workbook so
    far) and elements within the caps. Returns the workbook's cells counted so far."""
    elements = count_elements(data)
    rows = _count(_ROW, data)
    if rows > MAX_SHEET_ROWS:
        raise FileRefused(f"trang tính «{sheet}» có {dotted(rows)} dòng, quá {dotted(MAX_SHEET_ROWS)} "
                          "dòng mà một tệp số liệu tháng có thể có (tệp mẫu chỉ khoảng 40 dòng); "
                          "không đọc. Hãy dùng tệp mẫu tải từ hệ thống.", EXPECTED)
    cells = _count(_CELL, data)
    if cells > MAX_SHEET_CELLS:
        raise FileRefused(f"trang tính «{sheet}» có {dotted(cells)} ô, quá {dotted(MAX_SHEET_CELLS)} ô "
                          "mà một trang tính số liệu có thể có (tệp mẫu chỉ khoảng 200 ô); không đọc. "
                          "Hãy dùng tệp mẫu tải từ hệ thống.", EXPECTED)
    if cells_before + cells > MAX_WORKBOOK_CELLS:
        raise FileRefused(f"các trang tính tới trang «{sheet}» có tổng cộng {dotted(cells_before + cells)} "
                          f"ô, quá {dotted(MAX_WORKBOOK_CELLS)} ô của một tệp số liệu; không đọc.", EXPECTED)
    _refuse_elements(elements, f"trang tính «{sheet}» (phần «{name}»)")
    return cells_before + cells




def open_package(data: bytes) -> Package:
    """Check `data` is a safe-looking .xlsx and open it; raise FileRefused otherwise."""
    _check_bytes(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise FileRefused("tệp bị hỏng hoặc chưa tải lên hết (không đọc được cấu trúc nén của "
                          ".xlsx). Hãy mở lại bằng Excel, lưu và gửi lại.", EXPECTED) from None
    _check_sizes(infos)
    names = {i.filename for i in infos}
    _check_kind(names)
    pkg = Package(zf)
    _refuse_macros(pkg, names)
    return pkg


def _check_bytes(data: bytes) -> None:
    """Empty, too large, old binary Excel, or not a zip at all."""
    if not data:
        raise FileRefused("tệp rỗng (0 byte).", EXPECTED)
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(f"tệp quá lớn ({len(data) / (1024 * 1024):.1f} MB, tối đa "
                          f"{MAX_FILE_BYTES // (1024 * 1024)} MB); một tệp số liệu tháng chỉ vài "
                          "chục KB.", EXPECTED)
    if data.startswith(_OLE2):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise FileRefused("tệp được đặt mật khẩu nên không đọc được. Hãy mở bằng Excel, bỏ "
                              "mật khẩu (Tệp › Thông tin › Bảo vệ sổ làm việc) rồi gửi lại.", EXPECTED)
        raise FileRefused("đây là tệp Excel định dạng cũ (.xls, Excel 97–2003). Hãy mở bằng Excel "
                          "và «Lưu thành» Sổ làm việc Excel (.xlsx) rồi gửi lại.", EXPECTED)
    if not data.startswith(b"PK"):
        raise FileRefused(f"không phải tệp Excel .xlsx ({_guess_kind(data)}).", EXPECTED)


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """The zip directory's declared sizes and ratios, before anything is inflated."""
    if len(infos) > MAX_MEMBERS:
        raise FileRefused(f"tệp chứa quá nhiều phần ({len(infos)}); không phải tệp số liệu.", EXPECTED)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileRefused("tệp nén có mật khẩu; không đọc được.", EXPECTED)
        total += info.file_size
        big = info.file_size > _RATIO_FLOOR
        if (info.file_size > MAX_PART_BYTES and info.filename.endswith(".xml")) or \
                (big and info.file_size > MAX_RATIO * max(1, info.compress_size)):
            raise FileRefused(
                f"tệp nhỏ nhưng giải nén ra rất lớn (phần «{info.filename}»: "
                f"{info.compress_size:,} byte nén thành {info.file_size:,} byte) — nghi là «bom "
                "giải nén»; không đọc.", EXPECTED)
    if total > MAX_TOTAL_BYTES:
        raise FileRefused(f"tệp giải nén ra {total // (1024 * 1024)} MB, quá lớn cho một tệp số "
                          "liệu; không đọc.", EXPECTED)


_OTHER_KINDS = (
    ("xl/workbook.bin", "đây là sổ tính nhị phân .xlsb. Hãy «Lưu thành» .xlsx rồi gửi lại."),
    ("word/document.xml", "đây là tệp Word (.docx), không phải sổ tính Excel."),
    ("content.xml", "đây là tệp OpenDocument (.ods). Hãy «Lưu thành» .xlsx rồi gửi lại."),
)


def _check_kind(names: set[str]) -> None:
    if "xl/workbook.xml" in names:
        return
    for part, message in _OTHER_KINDS:
        if part in names:
            raise FileRefused(message, EXPECTED)
    raise FileRefused("tệp nén này không phải sổ tính Excel (không có xl/workbook.xml).", EXPECTED)


def _refuse_macros(pkg: Package, names: set[str]) -> None:
    """A workbook carrying macros — VBA (a renamed .xlsm) or an Excel 4.0 macro sheet — is refused:
    it is never kept with its macros. The rule is `kpi.domain.office`, shared with evidence files."""
    macro = find_macro(names, {p: pkg.read(p) for p in MACRO_PARTS if pkg.has(p)})
    if macro is None:
        return
    if macro.kind == VBA:
        raise FileRefused("tệp có chứa macro (VBA, sổ tính .xlsm). Vì an toàn hệ thống không nhận "
                          "tệp có macro: hãy mở bằng Excel, «Lưu thành» Sổ làm việc Excel (.xlsx) "
                          "rồi gửi lại.", EXPECTED)
    raise FileRefused(f"tệp có chứa macro Excel 4.0 (trang macro, phần «{macro.part}»). Vì an toàn hệ "
                      "thống không nhận tệp có macro: hãy xóa trang macro (hoặc dùng tệp mẫu tải từ hệ "
                      "thống) rồi gửi lại.", EXPECTED)


def _guess_kind(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<html", b"<!doctype", b"<table")):
        return "tệp XML/HTML, có thể do phần mềm khác xuất ra với đuôi Excel"
    if data.startswith(b"%PDF"):
        return "tệp PDF"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data[:4096].decode("utf-16")
        except UnicodeDecodeError:
            return "không nhận ra định dạng"
    if any(sep in text for sep in (",", ";", "\t")):
        return "tệp văn bản dạng CSV được đổi đuôi thành .xlsx"
    return "tệp văn bản"
