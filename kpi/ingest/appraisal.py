"""The Biểu as the city returns it (thẩm định): our own layout with «Điểm thẩm định» and, when the
city adds it, «Ý kiến thẩm định» filled. Rows are matched by STT and criterion name; every problem
names its sheet and cell (a score that is not a number, negative, above the criterion's maximum; a
criterion row the Biểu does not have; a missing header). All or nothing: the caller keeps nothing
while any problem is found. Read through the bounded reader (`kpi.ingest.xlsx`)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kpi.ingest.numbers import fold, normalize_text, parse_number_text
from kpi.ingest.problems import FileRefused, Problem, problem
from kpi.ingest.xlsx import Cell, Sheet, cell_ref, open_workbook

HEADER_SEARCH_ROWS = 40          # the header row is near the top (row 7 in ours)
COMMENT_TITLE = "Ý kiến thẩm định"


@dataclass(frozen=True)
class Criterion:
    """A row the Biểu prints: its STT, the criterion's id, name and maximum points."""
    stt: int
    id: str
    name: str
    max_points: float


@dataclass(frozen=True)
class Titles:
    """The titles of the columns read (the catalogue's `[scorecard] columns`)."""
    stt: str = "STT"
    name: str = "Chỉ tiêu"
    appraised: str = "Điểm thẩm định"
    comment: str = COMMENT_TITLE


@dataclass
class AppraisalRead:
    sheet: str | None = None
    rows: list[tuple[str, float | None, str]] = field(default_factory=list)   # (id, points, comment)
    problems: list[Problem] = field(default_factory=list)


def _text(cell: Cell | None) -> str:
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(value)


def _header(sheet: Sheet, titles: Titles) -> tuple[int, dict[str, int]] | None:
    wanted = {"stt": fold(titles.stt), "name": fold(titles.name), "appraised": fold(titles.appraised),
              "comment": fold(titles.comment)}
    for r, row in sheet.rows().items():
        if r > HEADER_SEARCH_ROWS:
            break
        found = {key: c for c, cell in row.items() for key, title in wanted.items()
                 if isinstance(cell.value, str) and fold(cell.value) == title}
        if "stt" in found and "name" in found:
            return r, found
    return None


def _stt(cell: Cell | None) -> int | None:
    """A criterion row's STT (1, «1», «1.»); None for a group (I, II), the total, the signatures."""
    if cell is None or cell.value is None or isinstance(cell.value, bool):
        return None
    if isinstance(cell.value, (int, float)):
        return int(cell.value) if float(cell.value).is_integer() and cell.value > 0 else None
    text = normalize_text(cell.value).rstrip(".")
    return int(text) if text.isdigit() and int(text) > 0 else None


def _score(cell: Cell | None, where: tuple[str, str], crit: Criterion, title: str,
           problems: list[Problem]) -> float | None:
    sheet, ref = where
    if cell is None or cell.blank:
        return None

    def bad(detail: str, value=None) -> None:
        problems.append(problem(detail, sheet, ref, field=title, value=value, row_no=str(crit.stt),
                                criterion=crit.name))
    if cell.error:
        bad(f"«{title}» là lỗi công thức {cell.error}, không phải một số.", cell.error)
        return None
    if cell.uncached:
        bad(f"«{title}» là công thức chưa được tính: hãy mở tệp bằng Excel, lưu lại rồi gửi lại.")
        return None
    value = cell.value
    if isinstance(value, bool):
        bad(f"«{title}» phải là một số (đang là {value}).", value)
        return None
    if isinstance(value, str):
        parsed = parse_number_text(value)
        if parsed is None or parsed[1]:
            bad(f"«{title}» «{normalize_text(value)}» không phải một số điểm.", value)
            return None
        value = parsed[0]
    number = float(value)  # type: ignore[arg-type]
    if number < 0:
        bad(f"«{title}» âm ({_shown(number)}): điểm thẩm định từ 0 đến điểm tối đa.", number)
        return None
    if number > crit.max_points + 1e-9:
        bad(f"«{title}» {_shown(number)} lớn hơn điểm tối đa của chỉ tiêu ({_shown(crit.max_points)}).", number)
        return None
    return round(number, 6)


def _shown(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def read_appraisal(data: bytes, file_name: str, criteria: Sequence[Criterion],
                   titles: Titles = Titles()) -> AppraisalRead:
    """Read the returned Biểu (see the module); never raises for a bad file."""
    out = AppraisalRead()
    try:
        wb = open_workbook(data, file_name)
    except FileRefused as e:
        out.problems.append(e.problem)
        return out
    found = next(((s, h) for s in wb.sheets if s.visible and (h := _header(s, titles)) is not None), None)
    if found is None:
        out.problems.append(problem(
            f"không thấy bảng của Biểu tự chấm điểm: cần một dòng tiêu đề có «{titles.stt}», «{titles.name}» và "
            f"«{titles.appraised}» (trong {HEADER_SEARCH_ROWS} dòng đầu của một trang tính)."))
        return out
    sheet, (header_row, cols) = found
    out.sheet = sheet.name
    if "appraised" not in cols:
        out.problems.append(problem(
            f"dòng tiêu đề không có cột «{titles.appraised}»: hãy dùng đúng Biểu xã đã gửi "
            "và ghi điểm thẩm định vào cột đó.", sheet.name, row=header_row, field=titles.appraised))
        return out
    by_stt = {c.stt: c for c in criteria}
    seen: dict[int, str] = {}
    scored = 0
    for r, row in sheet.rows().items():
        if r <= header_row:
            continue
        n = _stt(row.get(cols["stt"]))
        if n is None:
            continue
        name = _text(row.get(cols["name"]))
        name_ref = cell_ref(r, cols["name"])
        crit = by_stt.get(n)
        if crit is None or fold(name) != fold(crit.name):
            expected = (f"STT {n} của Biểu là «{crit.name}»" if crit is not None
                        else f"Biểu có {len(criteria)} chỉ tiêu, STT từ 1 đến {len(criteria)}")
            out.problems.append(problem(f"dòng STT {n} «{name}» không phải chỉ tiêu nào của Biểu ({expected}); "
                                        "không sửa STT hay tên chỉ tiêu.", sheet.name, name_ref,
                                        field=titles.name, value=name, row_no=str(n), criterion=name or None))
            continue
        if n in seen:
            out.problems.append(problem(f"chỉ tiêu STT {n} «{crit.name}» có hai dòng (dòng trước ở ô {seen[n]}).",
                                        sheet.name, name_ref, field=titles.name, row_no=str(n),
                                        criterion=crit.name))
            continue
        seen[n] = name_ref
        ref = cell_ref(r, cols["appraised"])
        points = _score(row.get(cols["appraised"]), (sheet.name, ref), crit, titles.appraised, out.problems)
        scored += points is not None
        comment = _text(row.get(cols["comment"])) if "comment" in cols else ""
        out.rows.append((crit.id, points, comment))
    if not seen and not out.problems:
        out.problems.append(problem(f"không có dòng chỉ tiêu nào dưới dòng tiêu đề (dòng {header_row}).",
                                    sheet.name, row=header_row))
    elif not scored and not out.problems:
        out.problems.append(problem(f"cột «{titles.appraised}» còn trống: chưa có điểm thẩm định nào.",
                                    sheet.name, cell_ref(header_row, cols["appraised"]), field=titles.appraised))
    return out
