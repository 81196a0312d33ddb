"""Refuse what must never reach an XML parser: non-workbooks, encrypted files, zip bombs.

Sizes are checked on the zip's directory (declared sizes and ratios) before anything is
inflated, and each part is then inflated in chunks with a hard cap, so a lying directory
cannot make memory grow either. XML with a DTD or entity declarations is refused by the
reader (defusedxml); nothing here parses XML.
"""
from __future__ import annotations

import io
import zipfile
import zlib

from kpi.ingest.problems import FileRefused

MAX_FILE_BYTES = 20 * 1024 * 1024          # an upload; real monthly files are ~20 KB
MAX_MEMBERS = 2000
MAX_PART_BYTES = 16 * 1024 * 1024          # one inflated XML part
MAX_TOTAL_BYTES = 48 * 1024 * 1024         # everything the workbook declares
MAX_RATIO = 150                            # inflated / compressed, for parts over 1 MB
_RATIO_FLOOR = 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 64 * 1024

EXPECTED = "một sổ tính Excel .xlsx (Excel 2007 trở lên), ví dụ tệp mẫu tải từ hệ thống"


class Package:
    """The zip of an .xlsx, opened after the checks; `read` inflates one part with a cap."""

    def __init__(self, zf: zipfile.ZipFile):
        self._zf = zf
        self._infos = {i.filename: i for i in zf.infolist()}

    def has(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        info = self._infos[name]
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
        return bytes(out)


_MACRO_MARKS = (b"macroEnabled", b"vbaProject", b"vnd.ms-office.vbaProject")


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
    """A workbook carrying VBA (a renamed .xlsm) is refused: it is never kept with its macros."""
    types = pkg.read("[Content_Types].xml") if pkg.has("[Content_Types].xml") else b""
    if any(n.lower().endswith("vbaproject.bin") for n in names) or \
            any(mark.lower() in types.lower() for mark in _MACRO_MARKS):
        raise FileRefused("tệp có chứa macro (VBA, sổ tính .xlsm). Vì an toàn hệ thống không nhận "
                          "tệp có macro: hãy mở bằng Excel, «Lưu thành» Sổ làm việc Excel (.xlsx) "
                          "rồi gửi lại.", EXPECTED)


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
