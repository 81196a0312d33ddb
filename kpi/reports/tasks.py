"""Task register workbooks: the register sheet laid out like the documents' appendix (the template
to fill, and the shipped samples built from the documents), and the completion-rate table for the
sơ kết / tổng kết report. User text goes through the formula guard `put_text`."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from kpi.reports.sheet_layout import fit_rows, print_setup
from kpi.reports.xlsx import put_number, put_text

SHEET = "Sổ nhiệm vụ"
COLUMNS = ("STT", "Tên nhiệm vụ", "Chủ trì chỉ đạo", "Đơn vị chủ trì", "Đơn vị phối hợp", "Sản phẩm đầu ra",
           "Thời gian thực hiện/hoàn thành", "Ghi chú", "Nhóm")
WIDTHS = (6, 60, 22, 26, 24, 16, 22, 24, 12)
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class Section:
    roman: str
    title: str
    rows: tuple[tuple[str, ...], ...]      # each: the 9 columns after STT is given as the first


def register_xlsx(kind: str, number: str, issued: dt.date | None, title: str,
                  sections: Sequence[Section], note: str | None = None) -> bytes:
    """A register workbook: the document above, then the table (one row per task, Roman section rows)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    put_text(ws, 1, 1, "SỔ THEO DÕI NHIỆM VỤ", font=Font(bold=True, size=13))
    for r, (label, value) in enumerate((("Loại văn bản", kind), ("Số, ký hiệu", number),
                                        ("Ngày văn bản", issued.strftime("%d/%m/%Y") if issued else ""),
                                        ("Trích yếu", title)), start=2):
        put_text(ws, r, 1, label, font=BOLD)
        put_text(ws, r, 2, value, alignment=WRAP)
    if note:
        put_text(ws, 6, 2, note, font=Font(italic=True, color="555555"), alignment=WRAP)
    header = 7
    for c, name in enumerate(COLUMNS, 1):
        put_text(ws, header, c, name, font=BOLD, fill=HEAD_FILL, border=BOX, alignment=WRAP)
    r = header
    for s in sections:
        if s.roman:
            r += 1
            put_text(ws, r, 1, s.roman, font=BOLD, border=BOX)
            put_text(ws, r, 2, s.title, font=BOLD, border=BOX, alignment=WRAP)
        for row in s.rows:
            r += 1
            for c, value in enumerate(row, 1):
                put_text(ws, r, c, value, border=BOX, alignment=WRAP)
    for c, w in enumerate(WIDTHS, 1):
        ws.column_dimensions[chr(64 + c)].width = w
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    fit_rows(ws, 2)
    print_setup(ws, (header, header))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    """The empty register to fill, with one example section and row (to overwrite)."""
    return register_xlsx("Kế hoạch", "…/KH-UBND", None, "Trích yếu của văn bản (ví dụ: Kế hoạch triển khai …)", [
        Section("I", "Công tác chỉ đạo, điều hành", (
            ("1", "Ví dụ: Xây dựng báo cáo hiện trạng và nhu cầu đầu tư hạ tầng CNTT", "Đồng chí …, Phó Chủ tịch UBND xã",
             "Phòng Văn hóa - Xã hội", "Văn phòng HĐND và UBND xã", "Văn bản/Báo cáo", "trước ngày 10/7/2026", "",
             "KHCN"),)),
    ], note="Mỗi dòng một nhiệm vụ; dòng có STT là số La Mã (I, II …) mở một mục. Đơn vị: tên hoặc mã trong "
            "danh mục, nhiều đơn vị cách nhau bằng «;». Thời gian: «trước ngày 10/7/2026», «đến ngày …», "
            "«Tháng 4/2026», «Quý II/2026», «Thường xuyên», «Thường xuyên; định kỳ hằng tháng báo cáo kết quả».")


@dataclass(frozen=True)
class RateRow:
    label: str
    counted: int
    done: int
    on_time: int
    late: int
    rate_text: str          # «51,11 %»


def completion_xlsx(commune_name: str, period_label: str, start: dt.date, end: dt.date, as_of: dt.date,
                    overall: RateRow, by_unit: Sequence[RateRow], by_source: Sequence[RateRow],
                    not_done: Sequence[tuple[str, str, str, str, str]]) -> bytes:
    """The completion table of a period: overall, per lead unit, per source document, and the tasks
    not done (name, lead units, due, state, source)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tỷ lệ hoàn thành"
    put_text(ws, 1, 1, f"KẾT QUẢ THỰC HIỆN NHIỆM VỤ · {period_label.upper()}", font=Font(bold=True, size=13))
    put_text(ws, 2, 1, f"{commune_name} · từ {start:%d/%m/%Y} đến {end:%d/%m/%Y} · số liệu tính đến "
                       f"{as_of:%d/%m/%Y}")
    put_text(ws, 3, 1, f"Toàn xã: hoàn thành {overall.done}/{overall.counted} nhiệm vụ, đạt {overall.rate_text} "
                       f"(đúng hạn {overall.on_time}, muộn {overall.late})", font=BOLD)
    heads = ("", "Số nhiệm vụ đến hạn", "Hoàn thành", "Đúng hạn", "Muộn", "Tỷ lệ hoàn thành")
    r = 5
    for title, rows in (("Theo đơn vị chủ trì", by_unit), ("Theo văn bản nguồn", by_source)):
        put_text(ws, r, 1, title, font=BOLD)
        r += 1
        for c, h in enumerate(heads, 1):
            put_text(ws, r, c, h or ("Đơn vị" if title.endswith("trì") else "Văn bản"), font=BOLD, fill=HEAD_FILL,
                     border=BOX, alignment=WRAP)
        for row in [*rows, overall]:
            r += 1
            put_text(ws, r, 1, row.label, border=BOX, alignment=WRAP, font=BOLD if row is overall else Font())
            for c, v in enumerate((row.counted, row.done, row.on_time, row.late), 2):
                put_number(ws, r, c, v, border=BOX)
            put_text(ws, r, 6, row.rate_text, border=BOX)
        r += 2
    put_text(ws, r, 1, "Nhiệm vụ chưa hoàn thành trong kỳ", font=BOLD)
    r += 1
    for c, h in enumerate(("Nhiệm vụ", "Đơn vị chủ trì", "Hạn", "Tình trạng", "Văn bản nguồn"), 1):
        put_text(ws, r, c, h, font=BOLD, fill=HEAD_FILL, border=BOX, alignment=WRAP)
    for item in not_done:
        r += 1
        for c, v in enumerate(item, 1):
            put_text(ws, r, c, v, border=BOX, alignment=WRAP)
    for c, w in enumerate((60, 26, 14, 12, 10, 16), 1):
        ws.column_dimensions[chr(64 + c)].width = w
    fit_rows(ws, 4)
    print_setup(ws, (1, 2))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
