"""The evidence pack's index workbook (Danh mục hồ sơ minh chứng): one row per document, or per
criterion (× unit) without any, with what the catalogue requires, who sent it and when, the
review, and the criterion's achieved value and points."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.periods import Quarter
from kpi.domain.scoring import QuarterScore
from kpi.evidence.board import Slot
from kpi.present import texts
from kpi.present.evidence_tables import slot_unit_text
from kpi.reports.sheet_layout import fit_rows, print_setup
from kpi.reports.xlsx import put_text

INDEX_COLUMNS = [  # (header, width)
    ("Nhóm", 18), ("Mã", 16), ("Chỉ tiêu", 34), ("Đơn vị", 16), ("Tài liệu kiểm chứng cần có", 30),
    ("Tệp trong bộ hồ sơ / liên kết", 40), ("Mô tả (số, ngày, trích yếu)", 30), ("Người gửi", 12),
    ("Thời điểm gửi", 17), ("Trạng thái duyệt", 13), ("Nhận xét", 24), ("Người duyệt", 12),
    ("Kết quả đạt", 12), ("Điểm", 10),
]
HEAD = Font(bold=True)
FILL = PatternFill("solid", fgColor="EDEDED")
WRAP = Alignment(wrap_text=True, vertical="top")


def build_index_xlsx(catalog: Catalog, quarter: Quarter, slots: list[Slot], score: QuarterScore,
                     paths: dict[int, str]) -> bytes:
    """`paths`: evidence item id → its path inside the pack (links are written as they are)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh mục minh chứng"
    put_text(ws, 1, 1, f"DANH MỤC HỒ SƠ MINH CHỨNG {quarter.label.upper()} — {catalog.commune_name}", font=HEAD)
    header = 3
    for col, (title, width) in enumerate(INDEX_COLUMNS, 1):
        put_text(ws, header, col, title, font=HEAD, fill=FILL, alignment=WRAP)
        ws.column_dimensions[get_column_letter(col)].width = width
    row = header + 1
    for slot in slots:
        if slot.unit is not None and not slot.items and not slot.reviews:
            continue          # a unit's part with nothing sent or asked: the criterion row says it
        for values in _rows(catalog, slot, score, paths):
            for col, value in enumerate(values, 1):
                put_text(ws, row, col, value, alignment=WRAP)
            row += 1
    ws.freeze_panes = ws.cell(row=header + 1, column=4)
    fit_rows(ws, header)
    print_setup(ws, (header, header))
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(INDEX_COLUMNS))}{max(row - 1, header)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rows(catalog: Catalog, slot: Slot, score: QuarterScore, paths: dict[int, str]) -> list[list[str]]:
    ind = slot.indicator
    review = slot.review
    common = [ind.group, ind.id, ind.name,
              slot_unit_text(catalog, slot), ind.evidence]
    tail = [slot.state_text, review.comment if review else "", review.reviewed_by if review else ""]
    if isinstance(ind, Indicator):
        result = score.result(ind.id)
        tail += [texts.achieved(ind, result.achieved), texts.points_of(result.points, result.max_points)]
    else:                 # an obligation of [[milestones]]: followed, not scored
        tail += ["mốc theo dõi", "không tính điểm"]
    if not slot.items:
        return [common + ["(chưa có)", "", "", ""] + tail]
    return [common + [paths.get(item.id) or item.link or "", item.description, item.added_by,
                      texts.datetime(item.added_at)] + tail for item in slot.items]
