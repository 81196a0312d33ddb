"""The monthly Excel template of a unit (or of all units), generated from the catalogue.

Coordinators fill only the yellow cells; everything else is locked (no password, so an office
that needs to can unprotect it). The parser in `kpi.ingest` finds the same texts
(`kpi.ingest.layout`), so the two cannot drift apart. A file written for people, so it lives with
the reports and writes targets and dates with the presenter's words (`kpi.present.texts`).
"""
from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.periods import Month
from kpi.ingest import layout as L
from kpi.present import texts

HEADER_ROW = 9
FIRST_ROW = HEADER_ROW + 1
WIDTHS = {"A": 5, "B": 22, "C": 62, "D": 13, "E": 14, "F": 14, "G": 14, "H": 30}
NAME_CHARS_PER_LINE = 58

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
GREY_FILL = PatternFill("solid", fgColor="D9D9D9")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
UNLOCKED = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")


class TemplateError(ValueError):
    """Unknown unit or bad period; the message is Vietnamese."""


def build_template(catalog: Catalog, period: Month | str, unit: str | None) -> bytes:
    """The .xlsx bytes of the template of `unit` for `period`; unit None = one sheet per unit."""
    month = Month.parse(period) if isinstance(period, str) else period
    if unit is not None:
        code = unit.strip().upper()
        if code not in {u.code for u in catalog.units}:
            raise TemplateError(f"Không có đơn vị mã «{unit}» trong danh mục. Các mã: "
                                + ", ".join(u.code for u in catalog.units))
        codes = [code]
    else:
        codes = [u.code for u in catalog.units]
    wb = Workbook()
    wb.remove(wb.active)
    for code in codes:
        name = L.DATA_SHEET if unit is not None else f"{L.DATA_SHEET} {code}"
        _data_sheet(wb.create_sheet(name), catalog, month, code)
    _guide_sheet(wb.create_sheet(L.GUIDE_SHEET), catalog, month)
    wb.active = 0
    wb.properties.title = f"Số liệu chuyển đổi số {month.label}"
    wb.properties.creator = catalog.commune_name
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def target_cell(ind: Indicator) -> str:
    """The target as the template shows it: the presenter's target, plus how a count's months add up."""
    if ind.is_ratio:
        return texts.target(ind)
    suffix = {"sum": " / quý", "mean": " (bình quân)", "last": ""}[ind.aggregate]
    return f"{texts.target(ind, noun=False)}{suffix}"


def input_hint(ind: Indicator) -> str:
    if ind.is_ratio:
        return f"{L.COL_NUM}: {ind.numerator_label}\n{L.COL_DEN}: {ind.denominator_label}"
    # a stock (aggregate "last") is what exists at the month's end; a flow is what happened in it
    when = {"last": "số hiện có đến cuối tháng", "sum": "số phát sinh trong tháng"}.get(ind.aggregate, "số trong tháng")
    measure = f"; tính bằng: {ind.measure}" if ind.measure else ""
    return f"{L.COL_VALUE}: {when}{measure}"


def due_text(catalog: Catalog, month: Month) -> str:
    due = month.due_date(catalog.due_day, catalog.due_month_offset)
    return texts.due_rule(due)


def _data_sheet(ws, catalog: Catalog, month: Month, code: str) -> None:
    inds = catalog.typed_indicators_of_unit(code)  # computed criteria are measured by the app
    ws["A1"] = f"BÁO CÁO SỐ LIỆU CHUYỂN ĐỔI SỐ {month.label.upper()}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = catalog.name
    ws["A2"].font = Font(italic=True)
    meta = [(L.LABEL_COMMUNE, catalog.commune_name), (L.LABEL_UNIT_NAME, catalog.unit_name(code)),
            (L.LABEL_UNIT, code), (L.LABEL_PERIOD, str(month)), (L.LABEL_DUE, due_text(catalog, month))]
    for row, (label, value) in enumerate(meta, start=3):
        ws.cell(row, 2, label).font = Font(bold=True)
        cell = ws.cell(row, 3, value)
        cell.number_format = "@"      # keeps `2026-05` a text, Excel would turn it into a date
        if label in (L.LABEL_UNIT, L.LABEL_PERIOD):
            cell.font = Font(bold=True, color="C00000")
    ws.cell(8, 1, "Chỉ nhập vào ô nền vàng. Ô trống = chưa báo cáo (số liệu bằng 0 thì nhập 0). "
                  "Xem trang «Hướng dẫn».").font = Font(italic=True, color="595959")

    for col, text in enumerate(L.HEADERS, start=1):
        c = ws.cell(HEADER_ROW, col, text)
        c.font = Font(bold=True)
        c.fill = HEAD_FILL
        c.border = BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    for n, ind in enumerate(inds, start=1):
        r = FIRST_ROW + n - 1
        name = f"{ind.name}\n{input_hint(ind)}"
        values = [n, ind.id, name, target_cell(ind)]
        for col, v in enumerate(values, start=1):
            ws.cell(r, col, v)
        inputs = (5, 6) if ind.is_ratio else (7,)
        for col in range(1, 9):
            c = ws.cell(r, col)
            c.border = BORDER
            c.alignment = WRAP
            if col in inputs or col == 8:
                c.fill = INPUT_FILL
                c.protection = UNLOCKED
            elif col in (5, 6, 7):
                c.fill = GREY_FILL
        for col in (5, 6):
            ws.cell(r, col).number_format = "#,##0"
        ws.cell(r, 7).number_format = "General"
        lines = sum(max(1, math.ceil(len(part) / NAME_CHARS_PER_LINE)) for part in name.split("\n"))
        ws.row_dimensions[r].height = 15 * lines + 2
        _validation(ws, ind, r)

    last = FIRST_ROW + len(inds) - 1
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"C{FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False    # widths and heights may still be adjusted
    ws.protection.formatRows = False
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_area = f"A1:H{max(last, HEADER_ROW)}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def _validation(ws, ind: Indicator, r: int) -> None:
    if ind.is_ratio:
        for col, label, title in ((5, ind.numerator_label, L.COL_NUM),
                                  (6, ind.denominator_label, L.COL_DEN)):
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                allow_blank=True, showErrorMessage=True, showInputMessage=True,
                                errorTitle="Cần số nguyên ≥ 0",
                                error=f"{title} là số đếm: số nguyên từ 0 trở lên, không nhập %.",
                                promptTitle=title, prompt=label[:250])
            dv.add(ws.cell(r, col).coordinate)
            ws.add_data_validation(dv)
    else:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True, showErrorMessage=True, showInputMessage=True,
                            errorTitle="Cần số ≥ 0", error="Giá trị là số từ 0 trở lên, không nhập %.",
                            promptTitle=L.COL_VALUE,
                            prompt=(f"Số trong tháng ({ind.measure})" if ind.measure
                                    else "Số trong tháng")[:250])
        dv.add(ws.cell(r, 7).coordinate)
        ws.add_data_validation(dv)


def guide_lines(catalog: Catalog, month: Month) -> list[str]:
    return [
        f"HƯỚNG DẪN NHẬP SỐ LIỆU {month.label.upper()}",
        "",
        "1. Chỉ nhập vào các ô nền vàng. Ô nền xám không áp dụng cho chỉ tiêu đó và đã được khóa. "
        "Không sửa Mã đơn vị, Kỳ báo cáo, Mã chỉ tiêu; không gộp ô, không chèn hay xóa cột trong bảng.",
        "2. Chỉ tiêu tỷ lệ: nhập Tử số và Mẫu số (số đếm, số nguyên từ 0 trở lên, ví dụ 1080 hoặc "
        "1.080). Tử số không được lớn hơn Mẫu số. Tên của tử số và mẫu số ghi ngay dưới tên chỉ tiêu.",
        "3. Không nhập tỷ lệ % thay cho Tử số/Mẫu số. Lý do: điểm của quý tính bằng tổng tử số chia "
        "tổng mẫu số của ba tháng, còn tỷ lệ % của từng tháng không cộng dồn được. Tệp chỉ ghi tỷ lệ "
        "(ví dụ 90 % ở cột Giá trị) mà thiếu Tử số/Mẫu số sẽ được trả lại để bổ sung. Nếu ghi thêm tỷ "
        "lệ % bên cạnh Tử số và Mẫu số, hệ thống chỉ dùng để đối chiếu và cảnh báo khi lệch.",
        "4. Chỉ tiêu số lượng: nhập Giá trị (số từ 0 trở lên; phần thập phân dùng dấu phẩy, ví dụ "
        "2,5). Không nhập %. Không dùng dấu ngăn hàng nghìn ở cột Giá trị: «1,080» hay «1.080» đọc "
        "được hai cách (1080 hoặc 1,08) nên tệp sẽ được trả lại; hãy viết 1080 hoặc 1,08.",
        "5. Ô để trống nghĩa là «chưa báo cáo», không phải 0. Nếu số liệu bằng 0, hãy nhập 0. Một dòng "
        "để trống hết nghĩa là tháng này đơn vị chưa báo cáo chỉ tiêu đó.",
        "6. Kỳ báo cáo không được sau tháng hiện tại. Ghi chú (không bắt buộc) dùng để giải trình số "
        "liệu hoặc ghi tài liệu kiểm chứng.",
        f"7. Hạn gửi: {due_text(catalog, month).lower()}.",
        "8. Lưu tệp dạng .xlsx, không đặt mật khẩu. Nếu phát hiện sai sót sau khi gửi, hãy sửa và gửi "
        "lại: hệ thống lưu phiên bản mới, vẫn giữ lịch sử các lần gửi.",
        "9. Khi tệp có lỗi, hệ thống liệt kê tất cả các lỗi (tên trang, ô, giá trị đã nhập và yêu cầu) "
        "và có thể trả lại bản sao tệp với các ô lỗi tô đỏ kèm chú thích.",
    ]


def _guide_sheet(ws, catalog: Catalog, month: Month) -> None:
    ws.column_dimensions["A"].width = 110
    for r, line in enumerate(guide_lines(catalog, month), start=1):
        c = ws.cell(r, 1, line)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if r == 1:
            c.font = Font(bold=True, size=13)
        elif line:
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(line) / 100))
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
