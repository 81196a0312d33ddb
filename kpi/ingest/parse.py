"""Find the data sheets, their metadata and their table by texts, never by fixed positions."""
from __future__ import annotations

from dataclasses import dataclass, field

from kpi.ingest import layout as L
from kpi.ingest.numbers import fold
from kpi.ingest.problems import Problem, problem
from kpi.ingest.xlsx import Cell, Sheet, Workbook, cell_ref, col_letter

_HEAD_KEYS = {fold(h): h for h in L.HEADERS}
_REQUIRED = (L.COL_CODE, L.COL_NUM, L.COL_DEN, L.COL_VALUE)
_LABELS = {fold(L.LABEL_UNIT): L.LABEL_UNIT, fold(L.LABEL_PERIOD): L.LABEL_PERIOD,
           fold(L.LABEL_COMMUNE): L.LABEL_COMMUNE}


@dataclass
class Meta:
    """A metadata value found to the right of its label (`ref` None: label not found)."""
    label: str
    ref: str | None = None
    cell: Cell | None = None
    label_ref: str | None = None
    inline: str | None = None      # "Mã đơn vị: CA" written in the label cell itself


@dataclass
class TableRow:
    row: int
    cells: dict[str, Cell | None]      # header text → cell
    refs: dict[str, str]               # header text → "E12"


@dataclass
class DataSheet:
    name: str
    unit: Meta
    period: Meta
    header_row: int = 0
    rows: list[TableRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    commune: Meta = field(default_factory=lambda: Meta(L.LABEL_COMMUNE))   # optional in older files


def _label_key(cell: Cell) -> str | None:
    return fold(cell.value).rstrip(" :*") if isinstance(cell.value, str) else None


def find_header(rows: dict[int, dict[int, Cell]]) -> tuple[int, dict[str, int]] | None:
    """The first row holding a `Mã chỉ tiêu` header: (row, header text → column)."""
    for r, cells in rows.items():
        found: dict[str, int] = {}
        for c, cell in sorted(cells.items()):
            key = _label_key(cell)
            if key in _HEAD_KEYS and _HEAD_KEYS[key] not in found:
                found[_HEAD_KEYS[key]] = c
        if L.COL_CODE in found and any(h in found for h in (L.COL_NUM, L.COL_DEN, L.COL_VALUE)):
            return r, found
    return None


def is_data_sheet_name(name: str) -> bool:
    return fold(name).startswith(fold(L.DATA_SHEET))


def read_data_sheet(sheet: Sheet, rows: dict[int, dict[int, Cell]] | None = None) -> DataSheet:
    rows = sheet.rows() if rows is None else rows
    out = DataSheet(sheet.name, Meta(L.LABEL_UNIT), Meta(L.LABEL_PERIOD))
    head = find_header(rows)
    if head is None:
        out.problems.append(problem(
            f"không tìm thấy bảng số liệu (dòng tiêu đề có các cột {', '.join(L.HEADERS)}). "
            "Hãy dùng đúng tệp mẫu, không xóa hay đổi tên các cột.", sheet.name,
            field="Bảng số liệu", expected="dòng tiêu đề của tệp mẫu"))
        return out
    header_row, cols = head
    out.header_row = header_row
    missing = [h for h in _REQUIRED if h not in cols]
    if missing:
        out.problems.append(problem(
            f"dòng tiêu đề của bảng (dòng {header_row}) thiếu cột {', '.join(missing)}. Hãy dùng "
            "đúng tệp mẫu, không xóa hay đổi tên cột.", sheet.name, row=header_row,
            field="Tiêu đề cột", expected=", ".join(L.HEADERS)))
    _find_meta(rows, header_row, out)

    last_row = header_row
    letters = {h: col_letter(c) for h, c in cols.items()}
    keys = [h for h in (L.COL_CODE, L.COL_NUM, L.COL_DEN, L.COL_VALUE) if h in cols]
    for r, cells in rows.items():
        if r <= header_row:
            continue
        picked = {h: cells.get(c) for h, c in cols.items()}
        if all(picked[h] is None or picked[h].blank for h in keys):
            continue   # blank rows and notes written under the table
        out.rows.append(TableRow(r, picked, {h: f"{x}{r}" for h, x in letters.items()}))
        last_row = r
    left, right = min(cols.values()), max(cols.values())
    for r1, c1, r2, c2 in sheet.merges:
        if r2 >= header_row and r1 <= last_row and c2 >= left and c1 <= right:
            rng = f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"
            out.problems.append(problem(
                f"ô gộp {rng} nằm trong bảng số liệu. Hãy bỏ gộp ô (Trang đầu › Gộp và căn giữa) "
                "để mỗi ô chỉ chứa một số liệu.", sheet.name, cell_ref(r1, c1),
                field="Ô gộp", value=rng, expected="không gộp ô trong bảng"))
    return out


def _find_meta(rows, header_row: int, out: DataSheet) -> None:
    metas = {L.LABEL_UNIT: out.unit, L.LABEL_PERIOD: out.period, L.LABEL_COMMUNE: out.commune}
    for r, cells in rows.items():
        if r >= header_row:
            break
        ordered = sorted(cells.items())
        for i, (c, cell) in enumerate(ordered):
            key = _label_key(cell)
            if key is None:
                continue
            label = _LABELS.get(key)
            inline = None
            if label is None:
                for k, name in _LABELS.items():
                    if key.startswith(k + ":"):
                        label, inline = name, str(cell.value).split(":", 1)[1].strip()
                        break
            if label is None or metas[label].label_ref is not None:
                continue
            meta = metas[label]
            meta.label_ref = cell_ref(r, c)
            if inline:
                meta.ref, meta.cell, meta.inline = cell_ref(r, c), cell, inline
                continue
            right = next(((cc, x) for cc, x in ordered[i + 1:] if not x.blank), None)
            if right is not None:
                meta.ref, meta.cell = cell_ref(r, right[0]), right[1]
            else:
                meta.ref = cell_ref(r, c + 1)


def data_sheets(wb: Workbook) -> tuple[list[tuple[Sheet, dict]], list[Problem]]:
    """The visible sheets to read (with their rows) and warnings about hidden ones."""
    warnings = [problem("trang tính đang ẩn nên được bỏ qua; nếu có số liệu ở đó, hãy bỏ ẩn và "
                        "gửi lại.", s.name, field="Trang tính ẩn")
                for s in wb.sheets if not s.visible and (s.has_cells or is_data_sheet_name(s.name))]
    visible = [s for s in wb.sheets if s.visible]
    named = [(s, s.rows()) for s in visible if is_data_sheet_name(s.name)]
    if named:
        return named, warnings
    # a renamed sheet still counts when it holds the table
    found = []
    for s in visible:
        rows = s.rows()
        if find_header(rows) is not None:
            found.append((s, rows))
    return found, warnings
