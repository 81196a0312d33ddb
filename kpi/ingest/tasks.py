"""Read a task register workbook laid out like the documents' appendix («PHỤ LỤC PHÂN CÔNG THỰC HIỆN
CÁC NHIỆM VỤ»), never writing anything: the document's identity above the table (Loại văn bản, Số, ký
hiệu, Ngày văn bản, Trích yếu), then one row per task under the header STT · Tên nhiệm vụ · Chủ trì chỉ
đạo · Đơn vị chủ trì · Đơn vị phối hợp · Sản phẩm đầu ra · Thời gian thực hiện/hoàn thành · Ghi chú ·
Nhóm; a row whose STT is a Roman numeral (I, II …) opens a section, a repeated header row (a table
printed over several pages) is skipped. Every problem names its sheet, cell and value; a file with
any problem gives no tasks (all-or-nothing is the use case's: it writes only a clean read)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from kpi.domain.tasks import ROMAN, Source, Task, TaskInputError, fold, match_units, parse_time_rule
from kpi.ingest.problems import FileRefused, Problem, problem
from kpi.ingest.xlsx import Cell, Sheet, Workbook, cell_ref, open_workbook

SHEET = "Sổ nhiệm vụ"
# header text (folded) → field; the first words are enough («Thời gian thực hiện/hoàn thành»)
COLUMNS = {"stt": "stt", "ten nhiem vu": "name", "noi dung nhiem vu": "name", "chu tri chi dao": "leader",
           "don vi chu tri": "leads", "don vi phoi hop": "supports", "san pham dau ra": "output",
           "thoi gian": "time", "thoi han": "time", "ghi chu": "note", "nhom": "tags"}
HEADERS = {"stt": "STT", "name": "Tên nhiệm vụ", "leader": "Chủ trì chỉ đạo", "leads": "Đơn vị chủ trì",
           "supports": "Đơn vị phối hợp", "output": "Sản phẩm đầu ra",
           "time": "Thời gian thực hiện/hoàn thành", "note": "Ghi chú", "tags": "Nhóm"}
REQUIRED = ("stt", "name", "leads", "time")
DOCUMENT = {"loai van ban": "kind", "so, ky hieu": "number", "so ky hieu": "number", "so": "number",
            "ngay van ban": "issued", "trich yeu": "title"}
DOCUMENT_LABELS = {"kind": "Loại văn bản", "number": "Số, ký hiệu", "issued": "Ngày văn bản",
                   "title": "Trích yếu"}
MAX_PROBLEMS = 200


@dataclass
class RegisterRead:
    source: Source | None = None
    tasks: list[Task] = field(default_factory=list)
    texts: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # key → (lead, supporting cell)
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.source is not None


def _text(cell: Cell | None, wb: Workbook) -> str:
    if cell is None or cell.value is None:
        return ""
    v = cell.value
    if cell.fmt == "date" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return wb.to_date(v).strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return re.sub(r"[ \t\u00a0\u202f]+", " ", str(v)).strip()


def _value(cell: Cell | None, wb: Workbook) -> object:
    if cell is not None and cell.fmt == "date" and isinstance(cell.value, (int, float)) \
            and not isinstance(cell.value, bool):
        return wb.to_date(cell.value)
    return _text(cell, wb)


def _header(row: Mapping[int, Cell], wb: Workbook) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for col, cell in row.items():
        f = fold(_text(cell, wb))
        for words, name in COLUMNS.items():
            if f == words or (f.startswith(words) and name not in ("stt",) and len(words) > 3):
                cols.setdefault(name, col)
                break
    return cols if "stt" in cols and "name" in cols else None


def _find_table(wb: Workbook) -> tuple[Sheet, int, dict[str, int]] | None:
    sheets = sorted(wb.sheets, key=lambda s: fold(s.name) != fold(SHEET))
    for sheet in sheets:
        for r, row in sheet.rows().items():
            cols = _header(row, wb)
            if cols:
                return sheet, r, cols
    return None


def read_register(data: bytes, file_name: str, units: Mapping[str, str]) -> RegisterRead:
    """Read a register workbook (see the module's docstring); never raises for a bad file.
    `units`: the commune's unit code → name (catalogue order)."""
    out = RegisterRead()
    try:
        wb = open_workbook(data, file_name)
    except FileRefused as e:
        out.problems.append(e.problem)
        return out
    found = _find_table(wb)
    if found is None:
        out.problems.append(problem(
            f"không tìm thấy bảng nhiệm vụ: cần một dòng tiêu đề có «STT», «Tên nhiệm vụ», «Đơn vị chủ trì», "
            f"«Thời gian thực hiện/hoàn thành» (trang tính «{SHEET}» của tệp mẫu).", field=SHEET))
        return out
    sheet, header_row, cols = found
    out.sheet = sheet.name
    missing = [HEADERS[c] for c in REQUIRED if c not in cols]
    if missing:
        out.problems.append(problem("dòng tiêu đề thiếu cột " + ", ".join(f"«{m}»" for m in missing) + ".",
                                    sheet.name, cell_ref(header_row, 1), field="Dòng tiêu đề"))
        return out
    out.source = _document(sheet, header_row, wb, out.problems)
    _tasks(sheet, header_row, cols, wb, units, out)
    if len(out.problems) > MAX_PROBLEMS:
        extra = len(out.problems) - MAX_PROBLEMS
        out.problems = out.problems[:MAX_PROBLEMS] + [problem(f"còn {extra} lỗi khác.", sheet.name)]
    if out.problems:
        out.tasks, out.texts = [], {}
    return out


def _document(sheet: Sheet, header_row: int, wb: Workbook, problems: list[Problem]) -> Source | None:
    found: dict[str, tuple[object, str]] = {}
    for r, row in sheet.rows().items():
        if r >= header_row:
            break
        cells = sorted(row.items())
        for i, (col, cell) in enumerate(cells):
            name = DOCUMENT.get(fold(_text(cell, wb)))
            if name and name not in found:
                after = [c for c in cells[i + 1:] if not c[1].blank]
                value = _value(after[0][1], wb) if after else ""
                ref = cell_ref(r, after[0][0]) if after else cell_ref(r, col + 1)
                found[name] = (value, ref)
                break
    bad = len(problems)
    kind, kind_ref = found.get("kind", ("", None))
    title, title_ref = found.get("title", ("", None))
    for name, (value, ref) in (("kind", (kind, kind_ref)), ("title", (title, title_ref))):
        if not str(value or "").strip():
            problems.append(problem(f"«{DOCUMENT_LABELS[name]}» của văn bản nguồn đang trống (ví dụ «Kế hoạch», "
                                    "«Thông báo»; trích yếu của văn bản).", sheet.name, ref or "A1",
                                    field=DOCUMENT_LABELS[name]))
    number = str(found.get("number", ("", None))[0] or "").strip()
    issued_raw, issued_ref = found.get("issued", ("", None))
    issued: dt.date | None = None
    if isinstance(issued_raw, dt.date):
        issued = issued_raw
    elif str(issued_raw or "").strip():
        m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*", str(issued_raw))
        try:
            issued = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None
        except ValueError:
            issued = None
        if issued is None:
            problems.append(problem(f"«{issued_raw}» không phải ngày (dd/mm/yyyy, ví dụ 12/06/2026).", sheet.name,
                                    issued_ref, field="Ngày văn bản", value=issued_raw))
    if len(problems) > bad:
        return None
    return Source(str(kind).strip(), number, issued, str(title).strip())


def _tasks(sheet: Sheet, header_row: int, cols: dict[str, int], wb: Workbook, units: Mapping[str, str],
           out: RegisterRead) -> None:
    section, section_title = "", ""
    seen: dict[tuple[str, str], str] = {}
    for r, row in sheet.rows().items():
        if r <= header_row:
            continue

        def get(name: str, row=row) -> str:
            return _text(row.get(cols[name]), wb) if name in cols else ""

        def ref(name: str, r=r) -> str:
            return cell_ref(r, cols[name])

        stt = get("stt").rstrip(".").strip()
        if all(not _text(c, wb) for c in row.values()):
            continue
        if fold(stt) == "stt":
            continue                    # the header repeated on the next printed page
        if stt.upper() in ROMAN:
            section, section_title = stt.upper(), get("name")
            continue
        where = {"table_row": r, "row_no": stt or None}
        if not stt:
            out.problems.append(problem("STT đang trống: mỗi nhiệm vụ một số thứ tự (1, 2 …), mỗi mục một số La Mã "
                                        "(I, II …).", sheet.name, ref("stt"), field="STT", **where))
            continue
        if not re.fullmatch(r"\d{1,3}(\.\d{1,3})*", stt):
            out.problems.append(problem(f"STT «{stt}» không phải số thứ tự (1, 2 …) hay số La Mã của một mục (I, II …).",
                                        sheet.name, ref("stt"), field="STT", value=stt, **where))
            continue
        key = (section, stt)
        if key in seen:
            place = f"mục {section}" if section else "bảng"
            out.problems.append(problem(f"STT {stt} bị trùng trong {place} (đã có ở ô {seen[key]}).", sheet.name,
                                        ref("stt"), field="STT", value=stt, **where))
            continue
        seen[key] = ref("stt")
        task = _task(get, ref, sheet.name, key, section_title, units, out, where)
        if task is not None:
            out.tasks.append(task)
            out.texts[key] = (get("leads"), get("supports"))


def _task(get, ref, sheet: str, key: tuple[str, str], section_title: str, units: Mapping[str, str],
          out: RegisterRead, where: dict) -> Task | None:
    before = len(out.problems)
    name = get("name")
    if not name:
        out.problems.append(problem("tên nhiệm vụ đang trống.", sheet, ref("name"), field="Tên nhiệm vụ", **where))
    try:
        rule = parse_time_rule(_raw_time(get))
    except TaskInputError as e:
        out.problems.append(problem(str(e), sheet, ref("time"), field="Thời gian thực hiện/hoàn thành",
                                    value=get("time"), **where))
        rule = None
    leads: tuple[str, ...] = ()
    try:
        lead = match_units(get("leads"), units)
        leads = tuple(units) if lead.all_units else lead.codes
        if not leads:
            out.problems.append(problem("đơn vị chủ trì đang trống: ghi tên hoặc mã đơn vị (nhiều đơn vị cách nhau "
                                        "bằng «;»).", sheet, ref("leads"), field="Đơn vị chủ trì", **where))
    except TaskInputError as e:
        out.problems.append(problem(str(e), sheet, ref("leads"), field="Đơn vị chủ trì", value=get("leads"), **where))
    supports: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()
    try:
        sup = match_units(get("supports"), units, outside_allowed=True)
        supports = tuple(u for u in (tuple(units) if sup.all_units else sup.codes) if u not in leads)
        outside = sup.outside
    except TaskInputError as e:
        out.problems.append(problem(str(e), sheet, ref("supports"), field="Đơn vị phối hợp", value=get("supports"),
                                    **where))
    if len(out.problems) > before or rule is None:
        return None
    tags = tuple(t.strip() for t in re.split(r"[;,]", get("tags")) if t.strip())
    return Task(None, name, rule, leads, supports, outside, get("leader"), get("output"), tags, get("note"),
                key[0], section_title, key[1])


def _raw_time(get) -> object:
    return get("time")
