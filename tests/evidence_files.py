"""Real evidence files for the tests: a PDF, a PNG, a .docx (with and without a macro), an .xlsx
made by openpyxl, a renamed Windows program."""
from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def pdf(text: str = "Bien ban nghiem thu") -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length " + str(len(body)).encode() + b">>stream\n" + body + b"\nendstream endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def docx(text: str = "Quyết định số 12/QĐ-UBND", macro: bool = False) -> bytes:
    main = DOCM_MAIN if macro else DOCX_MAIN
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("word/document.xml", f"<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
                                         "</w:body></w:document>")
        if macro:
            zf.writestr("word/vbaProject.bin", b"\x00macro")
    return buf.getvalue()


def docx_with_hidden_macro() -> bytes:
    """A .docx whose content types look clean but which carries vbaProject.bin."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx()), "r") as src, zipfile.ZipFile(buf, "w") as zf:
        for info in src.infolist():
            zf.writestr(info, src.read(info))
        zf.writestr("word/vbaProject.bin", b"\x00macro")
    return buf.getvalue()


def xlsx() -> bytes:
    wb = Workbook()
    wb.active["A1"] = "Danh sách máy tính đã cài phần mềm diệt virus"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"


MACROSHEET_TYPE = "application/vnd.ms-excel.macrosheet+xml"
MACROSHEET_REL = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
DIALOGSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/dialogsheet"
WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
XLM_SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1">'
             '<c r="A1"><f>EXEC("calc.exe")</f></c></row><row r="2"><c r="A2"><f>HALT()</f></c></row>'
             '</sheetData></xm:macrosheet>')


def with_xlm_macro(data: bytes, how: str = "macrosheets") -> bytes:
    """An .xlsx with an Excel 4.0 macro sheet (`EXEC(…)`) added, named as a macro sheet only by:
    "macrosheets" its place, content type and relationship (as Excel writes it); "content_type" its
    content type; "relationship" its relationship type; "dialogsheet" a dialog sheet relationship."""
    part = "xl/macrosheets/sheet1.xml" if how == "macrosheets" else "xl/worksheets/sheet9.xml"
    rel_type = {"macrosheets": MACROSHEET_REL, "relationship": MACROSHEET_REL,
                "dialogsheet": DIALOGSHEET_REL}.get(how, WORKSHEET_REL)
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            body = src.read(info.filename).decode("utf-8")
            if info.filename == "[Content_Types].xml" and how in ("macrosheets", "content_type"):
                body = body.replace("</Types>", f'<Override PartName="/{part}" ContentType="{MACROSHEET_TYPE}"/>'
                                                "</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace("</Relationships>", f'<Relationship Id="rId99" Type="{rel_type}" '
                                                        f'Target="/{part}"/></Relationships>')
            elif info.filename == "xl/workbook.xml":
                body = body.replace("</sheets>", '<sheet name="Macro1" sheetId="99" state="hidden" r:id="rId99"/>'
                                                 "</sheets>")
            zf.writestr(info.filename, body)
        zf.writestr(part, XLM_SHEET)
    return buf.getvalue()
