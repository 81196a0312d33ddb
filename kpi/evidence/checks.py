"""What an evidence file is, decided by its bytes (never by its name), and what is refused.

Accepted: PDF, PNG, JPEG, Word .docx and Excel .xlsx (a zip whose `[Content_Types].xml` names
the main document part). Refused with a Vietnamese message naming the file: anything else, an
executable whatever its name (Windows `MZ`, Linux `ELF`, Mach-O, scripts `#!`), Office files with
macros (VBA or Excel 4.0 macro sheets: the rule of `kpi.domain.office`, the one uploaded workbooks
pass too), the old binary Office formats (they can carry macros unseen), empty files and files over
the size limit."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from kpi.domain.office import MACRO_PARTS, VBA, find_macro

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx"}
KINDS = {PDF: "PDF", PNG: "ảnh PNG", JPEG: "ảnh JPEG", DOCX: "Word .docx", XLSX: "Excel .xlsx"}
ACCEPTED_TEXT = "PDF, ảnh PNG/JPEG, Word .docx, Excel .xlsx"

_MAIN_PARTS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_BINARY_WORKBOOK = b"vnd.ms-excel.sheet.binary"      # .xlsb: macros unseen
_EXECUTABLES = ((b"MZ", "chương trình Windows (.exe/.dll)"), (b"\x7fELF", "chương trình Linux (ELF)"),
                (b"\xcf\xfa\xed\xfe", "chương trình macOS"), (b"\xfe\xed\xfa\xcf", "chương trình macOS"),
                (b"\xca\xfe\xba\xbe", "chương trình macOS/Java"), (b"#!", "tệp lệnh (script)"))
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_CONTENT_TYPES = 1024 * 1024
MAX_MEMBERS = 5000


class EvidenceRefused(ValueError):
    """A file that is not kept as evidence; the message (Vietnamese) names the file and why."""


@dataclass(frozen=True)
class CheckedFile:
    file_name: str
    media_type: str
    size: int

    @property
    def kind(self) -> str:
        return KINDS[self.media_type]


def _refuse(file_name: str, why: str) -> EvidenceRefused:
    return EvidenceRefused(f"Tệp «{file_name}»: {why} Chỉ nhận {ACCEPTED_TEXT}.")


def media_type_of(data: bytes, file_name: str) -> str:
    """The media type read from `data`'s first bytes (and an Office zip's content types)."""
    for magic, what in _EXECUTABLES:
        if data.startswith(magic):
            raise _refuse(file_name, f"là {what} (dù tên tệp là gì), không nhận.")
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_OLE2):
        raise _refuse(file_name, "là tệp Office định dạng cũ (.doc/.xls) — có thể chứa macro; hãy lưu lại "
                                 "thành .docx/.xlsx hoặc PDF.")
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data, file_name)
    raise _refuse(file_name, "không phải loại tệp được nhận (nội dung tệp không khớp loại nào).")


def _office_type(data: bytes, file_name: str) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(file_name, "là tệp nén hỏng, không đọc được.") from None
    if len(infos) > MAX_MEMBERS:
        raise _refuse(file_name, "có quá nhiều thành phần bên trong, không nhận.")
    names = {i.filename.lower(): i for i in infos}
    macro = find_macro([i.filename for i in infos], {})
    if macro is None:
        info = names.get("[content_types].xml")
        if info is None or info.file_size > MAX_CONTENT_TYPES:
            raise _refuse(file_name, "là tệp nén nhưng không phải tài liệu Word/Excel.")
        texts = {part: _read_small(zf, names[part.lower()], file_name)
                 for part in MACRO_PARTS if part.lower() in names}
        types = texts["[Content_Types].xml"].lower()
        macro = find_macro([], texts)
    if macro is not None:
        what = "macro VBA" if macro.kind == VBA else "macro Excel 4.0 (trang macro)"
        raise _refuse(file_name, f"có chứa {what} (phần «{macro.part}»), không nhận. Hãy lưu lại thành "
                                 "tệp không macro (.docx/.xlsx) hoặc PDF.")
    if _BINARY_WORKBOOK in types:
        raise _refuse(file_name, "là sổ tính nhị phân .xlsb (có thể chứa macro), không nhận. Hãy lưu lại "
                                 "thành .xlsx hoặc PDF.")
    for main, media in _MAIN_PARTS.items():
        if main in types:
            return media
    raise _refuse(file_name, "là tệp nén nhưng không phải tài liệu Word .docx hay Excel .xlsx.")


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str) -> bytes:
    if info.file_size > MAX_CONTENT_TYPES:
        raise _refuse(file_name, "là tệp nén có phần khai báo quá lớn, không nhận.")
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refuse(file_name, "là tệp nén hỏng, không đọc được.") from None


def check_evidence_file(data: bytes, file_name: str, max_bytes: int) -> CheckedFile:
    """The checked file, or `EvidenceRefused` naming it and why."""
    name = (file_name or "").strip() or "(không tên)"
    if not data:
        raise _refuse(name, "rỗng (0 byte).")
    if len(data) > max_bytes:
        raise _refuse(name, f"lớn {_mb(len(data))} MB, vượt giới hạn {_mb(max_bytes)} MB. Hãy nén "
                            "hoặc tách nhỏ tệp.")
    return CheckedFile(name, media_type_of(data, name), len(data))


def check_link(link: str) -> str:
    """A link kept as evidence: http(s) only, one line."""
    text = (link or "").strip()
    if not text.lower().startswith(("http://", "https://")) or any(c.isspace() for c in text) or len(text) > 2000:
        raise EvidenceRefused(f"Liên kết «{text[:200]}» không hợp lệ: cần một địa chỉ bắt đầu bằng "
                              "http:// hoặc https://, không có khoảng trắng.")
    return text


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",")
