"""Read each table row as the coordinator meant it, and name every problem precisely."""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.figures import Figure, Submission
from kpi.domain.periods import Month
from kpi.domain.scoring import ratio_percent
from kpi.domain.vnformat import date as fmt_date
from kpi.domain.vnformat import percent, smart_number
from kpi.ingest import layout as L
from kpi.ingest.numbers import ambiguous_readings, fold, is_whole, normalize_text, parse_number_text
from kpi.ingest.parse import DataSheet, Meta, TableRow
from kpi.ingest.problems import Problem, problem
from kpi.ingest.xlsx import Cell, Workbook

PERCENT_TOLERANCE = 0.5   # percentage points between a typed % and Tử số/Mẫu số
_PERIOD_YM = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$")
_PERIOD_MY = re.compile(r"^(?:tháng|th|t)?\s*(\d{1,2})\s*[-/.]\s*(\d{4})$")
PERIOD_EXPECTED = "năm-tháng, ví dụ 2026-05"
COUNT_EXPECTED = "số nguyên từ 0 trở lên, ví dụ 1080 hoặc 1.080"
PLAIN_NUMBER = "số không có dấu ngăn hàng nghìn, phần thập phân sau dấu phẩy"
# No count of a commune comes near this; a larger number is a typing or export error, and
# refusing it keeps every quarter sum finite (1e300 would overflow to Infinity).
LARGEST_VALUE = 1e12


@dataclass
class SheetResult:
    sheet: str
    unit: str | None = None
    period: str | None = None
    figures: list[Figure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    filled: bool = False            # at least one figure or note
    half_pairs: list[tuple[Figure, Problem]] = field(default_factory=list)  # ratio rows missing Tử/Mẫu số


def shown(cell: Cell | None) -> str:
    """The value as the coordinator sees it, for messages."""
    if cell is None:
        return ""
    if cell.error:
        return cell.error
    v = cell.value
    if isinstance(v, float):
        if cell.fmt == "percent":
            return f"{smart_number(v * 100, 2)} %"
        return smart_number(v, 6)
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return fmt_date(v)
    return normalize_text(v) if v is not None else ""


class _Reader:
    """Validates one sheet; collects problems instead of stopping at the first."""

    def __init__(self, ds: DataSheet, wb: Workbook, catalog: Catalog, today: dt.date):
        self.ds, self.wb, self.catalog, self.today = ds, wb, catalog, today
        self.out = SheetResult(ds.name, problems=list(ds.problems))
        self.at: dict = {}      # the table row being read: table_row, row_no, criterion

    def bad(self, ref: str | None, detail: str, *, field_: str, value=None, expected=None):
        self.out.problems.append(problem(detail, self.ds.name, ref, field=field_, value=value,
                                         expected=expected, **self.at))

    def warn(self, ref: str | None, detail: str, *, field_: str, value=None, row=None):
        self.out.warnings.append(problem(detail, self.ds.name, ref, row=row, field=field_,
                                         value=value, **self.at))

    # ── metadata ─────────────────────────────────────────────────────────────
    def _meta_text(self, meta: Meta) -> str | None:
        if meta.label_ref is None:
            self.bad(None, f"không tìm thấy ô «{meta.label}» phía trên bảng số liệu. Hãy dùng đúng "
                     "tệp mẫu.", field_=meta.label, expected=f"ô «{meta.label}» và giá trị bên phải")
            return None
        if meta.inline is not None:
            return meta.inline
        cell = meta.cell
        if cell is None or cell.blank:
            self.bad(meta.ref, f"«{meta.label}» để trống.", field_=meta.label, value="",
                     expected=PERIOD_EXPECTED if meta.label == L.LABEL_PERIOD else "mã đơn vị")
            return None
        if cell.uncached or cell.error:
            self._formula_problem(meta.ref, cell, meta.label)
            return None
        return None if isinstance(cell.value, (float, dt.datetime)) else shown(cell)

    def unit(self) -> str | None:
        meta = self.ds.unit
        text = self._meta_text(meta)
        if text is None:
            if meta.cell is not None and isinstance(meta.cell.value, float):
                text = shown(meta.cell)
            else:
                return None
        key = fold(text)
        for u in self.catalog.units:
            if key in (fold(u.code), fold(u.name)):
                return u.code
        self.bad(meta.ref, f"mã đơn vị «{text}» không có trong danh mục. Các mã hợp lệ: "
                 + ", ".join(u.code for u in self.catalog.units) + ".",
                 field_=L.LABEL_UNIT, value=text, expected="một mã đơn vị trong danh mục")
        return None

    def commune(self) -> None:
        """The «Xã» cell, when the file has one, must name the catalogue's commune (its name or
        code): a file of another commune is never stamped with this one."""
        meta = self.ds.commune
        if meta.label_ref is None:
            return   # files made before the cell existed
        text = meta.inline if meta.inline is not None else (shown(meta.cell) if meta.cell is not None else "")
        if not text.strip():
            return
        if fold(text) in (fold(self.catalog.commune), fold(self.catalog.commune_name)):
            return
        self.bad(meta.ref, f"«{L.LABEL_COMMUNE}» là «{text}», không phải {self.catalog.commune_name} "
                 f"(mã {self.catalog.commune}) đang nhập số liệu. Tệp của xã khác không được nhập vào xã này.",
                 field_=L.LABEL_COMMUNE, value=text, expected=self.catalog.commune_name)

    def period(self) -> str | None:
        meta = self.ds.period
        text = self._meta_text(meta)
        cell = meta.cell
        month = None
        if text is None:
            if cell is None or cell.uncached or cell.error or cell.blank or meta.label_ref is None:
                return None
            if isinstance(cell.value, dt.datetime):
                month = Month.of(cell.value)
            elif isinstance(cell.value, float) and cell.fmt == "date":
                month = Month.of(self.wb.to_date(cell.value))
            else:
                text = shown(cell)
        if month is None:
            key = fold(text)
            m = _PERIOD_YM.match(key)
            y, mo = (int(m.group(1)), int(m.group(2))) if m else (None, None)
            if not m and (m2 := _PERIOD_MY.match(key)):
                y, mo = int(m2.group(2)), int(m2.group(1))
            if y is None or not 1 <= mo <= 12:
                self.bad(meta.ref, f"Kỳ báo cáo «{text}» không đúng dạng; cần {PERIOD_EXPECTED}.",
                         field_=L.LABEL_PERIOD, value=text, expected=PERIOD_EXPECTED)
                return None
            month = Month(y, mo)
        if month > Month.of(self.today):
            self.bad(meta.ref, f"Kỳ báo cáo {month} ({month.label}) ở sau tháng hiện tại "
                     f"({Month.of(self.today).label}); chưa thể có số liệu của tháng này.",
                     field_=L.LABEL_PERIOD, value=str(month),
                     expected=f"tháng {Month.of(self.today)} trở về trước")
            return None
        first = Month.parse(self.catalog.first_month)
        if month < first:
            self.bad(meta.ref, f"Kỳ báo cáo {month} ({month.label}) ở trước tháng đầu tiên nhận số liệu "
                     f"({first.label}, khóa [reporting] first_month của danh mục chỉ tiêu).",
                     field_=L.LABEL_PERIOD, value=str(month), expected=f"từ tháng {first} trở về sau")
            return None
        return str(month)

    # ── numbers ──────────────────────────────────────────────────────────────
    def _formula_problem(self, ref, cell: Cell, field_: str):
        if cell.error:
            self.bad(ref, f"{field_}: ô có lỗi công thức «{cell.error}». Hãy sửa công thức hoặc "
                     "nhập số trực tiếp.", field_=field_, value=cell.error, expected="một số")
        else:
            self.bad(ref, f"{field_}: ô có công thức nhưng chưa có kết quả tính (tệp do chương trình "
                     "tạo và chưa mở bằng Excel). Hãy mở tệp bằng Excel, lưu lại rồi gửi.",
                     field_=field_, value="(công thức)", expected="công thức đã được Excel tính")

    def _number(self, ref, cell: Cell | None, field_: str, what: str):
        """(number, is_percent) from a cell; None when blank or wrong (problem recorded)."""
        if cell is None or cell.blank:
            return None
        if cell.uncached or cell.error:
            self._formula_problem(ref, cell, f"{field_} của {what}")
            return None
        v = cell.value
        if isinstance(v, float) and cell.fmt == "date" and math.isfinite(v) and 0 < v < 2958466:
            text = fmt_date(self.wb.to_date(v))      # a date, named as the user typed it
            self.bad(ref, f"{field_} của {what} là ngày tháng «{text}», không phải số. Hãy nhập số và "
                     "định dạng ô là số (Number), không phải ngày (Date).", field_=field_, value=text,
                     expected="một số")
            return None
        if isinstance(v, float) and cell.fmt != "date":
            got = (v * 100, True) if cell.fmt == "percent" else (v, False)
            return got if self._sane(ref, got[0], shown(cell), field_, what) else None
        text = shown(cell)
        parsed = parse_number_text(text) if isinstance(v, str) else None
        if parsed is not None and not self._sane(ref, parsed[0], text, field_, what):
            return None
        if parsed is None:
            kind = "ngày tháng" if cell.fmt == "date" or isinstance(v, dt.datetime) else "chữ"
            self.bad(ref, f"{field_} của {what} là {kind} «{text}», không phải số.",
                     field_=field_, value=text, expected="một số")
            return None
        return parsed

    def _sane(self, ref, x: float, text: str, field_: str, what: str) -> bool:
        """A finite number of a size a commune can have; otherwise a problem naming the cell."""
        if not math.isfinite(x):
            self.bad(ref, f"{field_} của {what} là «{text}», không phải một số hữu hạn (vô cực hoặc "
                     "không xác định). Hãy nhập số cụ thể.", field_=field_, value=text, expected="một số")
            return False
        if abs(x) > LARGEST_VALUE:
            self.bad(ref, f"{field_} của {what} là «{text}», lớn bất thường (quá "
                     f"{smart_number(LARGEST_VALUE)}). Hãy kiểm tra lại số đã nhập.", field_=field_,
                     value=text, expected=f"số không quá {smart_number(LARGEST_VALUE)}")
            return False
        return True

    def _within_max(self, ref, x: float | None, cell: Cell | None, header: str, ind: Indicator) -> bool:
        """The catalogue's upper bound of the criterion (max_value), when it gives one."""
        if x is None or ind.max_value is None or x <= ind.max_value:
            return True
        text = shown(cell)
        self.bad(ref, f"{header} của chỉ tiêu {ind.id} là «{text}», vượt mức tối đa "
                 f"{smart_number(ind.max_value)} mà danh mục chỉ tiêu cho phép.", field_=header, value=text,
                 expected=f"≤ {smart_number(ind.max_value)}")
        return False

    def count(self, row: TableRow, header: str, what: str) -> float | None:
        ref, cell = row.refs.get(header), row.cells.get(header)
        got = self._number(ref, cell, header, what)
        if got is None:
            return None
        x, pct = got
        text = shown(cell)
        if pct:
            self.bad(ref, f"{header} của {what} là «{text}», một tỷ lệ %; {header} là số đếm.",
                     field_=header, value=text, expected=COUNT_EXPECTED)
        elif x < 0:
            self.bad(ref, f"{header} của {what} là số âm «{text}».", field_=header, value=text,
                     expected=COUNT_EXPECTED)
        elif not is_whole(x):
            hint = (" Dấu phẩy là dấu thập phân; số một nghìn không trăm tám mươi viết 1080 hoặc "
                    "1.080." if "," in text else "")
            self.bad(ref, f"{header} của {what} là «{text}», không phải số nguyên.{hint}",
                     field_=header, value=text, expected=COUNT_EXPECTED)
        else:
            return float(round(x))
        return None

    # ── rows ─────────────────────────────────────────────────────────────────
    def rows(self, unit: str | None) -> None:
        by_key = {fold(i.id): i for i in self.catalog.indicators}
        own = {i.id for i in self.catalog.indicators_of_unit(unit)} if unit else None
        seen: dict[str, str] = {}
        not_reported: list[str] = []
        for row in self.ds.rows:
            self.at = self._row_parts(row, by_key)
            code_ref, code_cell = row.refs[L.COL_CODE], row.cells.get(L.COL_CODE)
            has_figures = any(row.cells.get(h) is not None and not row.cells[h].blank
                              for h in (L.COL_NUM, L.COL_DEN, L.COL_VALUE))
            if code_cell is None or code_cell.blank:
                self.bad(code_ref, f"dòng {row.row} có số liệu nhưng thiếu Mã chỉ tiêu.",
                         field_=L.COL_CODE, value="", expected="mã chỉ tiêu của tệp mẫu")
                continue
            if code_cell.uncached or code_cell.error:
                self._formula_problem(code_ref, code_cell, L.COL_CODE)
                continue
            code_text = shown(code_cell)
            ind = by_key.get(fold(code_text))
            if ind is None:
                if has_figures:
                    self.bad(code_ref, f"mã chỉ tiêu «{code_text}» không có trong danh mục.",
                             field_=L.COL_CODE, value=code_text, expected="mã chỉ tiêu của tệp mẫu")
                else:
                    self.warn(code_ref, f"mã chỉ tiêu «{code_text}» không có trong danh mục; dòng "
                              "trống nên được bỏ qua.", field_=L.COL_CODE, value=code_text)
                continue
            if ind.id in seen:
                self.bad(code_ref, f"mã chỉ tiêu {ind.id} xuất hiện hai lần (đã có ở ô "
                         f"{seen[ind.id]}). Mỗi chỉ tiêu chỉ một dòng.", field_=L.COL_CODE,
                         value=code_text, expected="mỗi mã chỉ tiêu một lần")
                continue
            seen[ind.id] = code_ref
            if self._computed(code_ref, code_text, ind, has_figures):
                continue
            if own is not None and ind.id not in own:
                if has_figures:
                    self.bad(code_ref, f"chỉ tiêu {ind.id} không thuộc các chỉ tiêu đơn vị {unit} "
                             "báo cáo. Hãy xóa dòng này hoặc dùng tệp mẫu của đúng đơn vị.",
                             field_=L.COL_CODE, value=code_text,
                             expected=f"chỉ tiêu của đơn vị {unit}")
                continue
            fig = self.figure(row, ind)
            if fig is None:
                if not has_figures:
                    not_reported.append(ind.id)
                continue
            self.out.figures.append(fig)
        self.at = {}
        if unit is not None and self.out.figures:
            missing = [i.id for i in self.catalog.typed_indicators_of_unit(unit) if i.id not in seen]
            if not_reported or missing:
                ids = ", ".join(not_reported + missing)
                self.warn(None, f"chưa báo cáo {len(not_reported) + len(missing)} chỉ tiêu: {ids} "
                          "(ô để trống là «chưa báo cáo», không phải 0).", field_="Chưa báo cáo",
                          value=ids)

    def _computed(self, ref: str | None, code_text: str, ind: Indicator, has_figures: bool) -> bool:
        """A row of a criterion the app computes itself (on-time reporting) is ignored: a typed value
        would never count, so the file is still accepted and the unit is told why."""
        if not ind.is_computed:
            return False
        if has_figures:
            self.warn(ref, f"chỉ tiêu {ind.id} do ứng dụng tự tính từ thời điểm gửi số liệu của các đơn vị; "
                      "số liệu nhập ở dòng này được bỏ qua.", field_=L.COL_CODE, value=code_text)
        return True

    @staticmethod
    def _row_parts(row: TableRow, by_key: dict[str, Indicator]) -> dict:
        """How a coordinator finds a table row: its STT and its criterion's name."""
        no, code, name = (row.cells.get(h) for h in (L.COL_NO, L.COL_CODE, L.COL_NAME))
        ind = by_key.get(fold(shown(code))) if code is not None and not code.blank else None
        typed_name = None   # the template writes the name, then the Tử số / Mẫu số labels below it
        if name is not None and isinstance(name.value, str) and name.value.strip():
            typed_name = normalize_text(name.value.strip().splitlines()[0])
        return {"table_row": row.row, "row_no": shown(no) if no is not None and not no.blank else None,
                "criterion": ind.name if ind is not None else typed_name}

    def figure(self, row: TableRow, ind: Indicator) -> Figure | None:
        what = f"chỉ tiêu {ind.id}"
        note_cell = row.cells.get(L.COL_NOTE)
        note = shown(note_cell) or None if note_cell is not None and not note_cell.blank else None
        got = self._ratio_counts(row, ind, what) if ind.is_ratio else self._number_value(row, ind, what)
        if got is None:
            return None
        num, den, value = got
        if num is None and den is None and value is None and note is None:
            return None
        return Figure(ind.id, num, den, value, note)

    def _blank(self, row: TableRow, header: str) -> bool:
        return row.cells.get(header) is None or row.cells[header].blank

    def _ratio_counts(self, row: TableRow, ind: Indicator, what: str):
        """(numerator, denominator, None) of a ratio row; None when it has a problem."""
        before = len(self.out.problems)
        num = self.count(row, L.COL_NUM, what) if L.COL_NUM in row.cells else None
        den = self.count(row, L.COL_DEN, what) if L.COL_DEN in row.cells else None
        if not self._within_max(row.refs.get(L.COL_NUM), num, row.cells.get(L.COL_NUM), L.COL_NUM, ind):
            num = None
        if not self._within_max(row.refs.get(L.COL_DEN), den, row.cells.get(L.COL_DEN), L.COL_DEN, ind):
            den = None
        v_ref, v_cell = row.refs.get(L.COL_VALUE), row.cells.get(L.COL_VALUE)
        got = self._number(v_ref, v_cell, L.COL_VALUE, what)
        if num is not None and den is not None and num > den:
            self.bad(row.refs[L.COL_NUM], f"Tử số ({smart_number(num)}) lớn hơn Mẫu số "
                     f"({smart_number(den)}) ở {what}: «{ind.numerator_label}» không thể lớn hơn "
                     f"«{ind.denominator_label}».", field_=L.COL_NUM,
                     value=shown(row.cells[L.COL_NUM]), expected=f"≤ {smart_number(den)}")
        if got is not None:
            self._typed_percent(row, ind, what, got[0], num, den)
        if len(self.out.problems) > before:
            return None
        if (num is None) != (den is None):
            lacking = L.COL_DEN if den is None else L.COL_NUM
            self.warn(row.refs.get(lacking), f"{what} thiếu {lacking}; chỉ tiêu chưa tính được "
                      "trong tháng này (ô trống lưu là «chưa báo cáo»).", field_=lacking)
            self.out.half_pairs.append((Figure(ind.id, num, den, None), self.out.warnings[-1]))
        return num, den, None

    def _typed_percent(self, row: TableRow, ind: Indicator, what: str, pct: float,
                       num: float | None, den: float | None) -> None:
        """A ratio's typed value is a percentage (90, 90 %, 0,9 in a % cell): checked, never used."""
        v_ref, v_cell = row.refs.get(L.COL_VALUE), row.cells.get(L.COL_VALUE)
        text = shown(v_cell)
        if pct < 0 or pct > 100:
            self.bad(v_ref, f"Giá trị của {what} là «{text}»: tỷ lệ phải từ 0 đến 100 %.",
                     field_=L.COL_VALUE, value=text, expected="tỷ lệ từ 0 đến 100 %")
        elif self._blank(row, L.COL_NUM) and self._blank(row, L.COL_DEN):
            self.bad(v_ref, f"{what} là chỉ tiêu tỷ lệ: đã nhập tỷ lệ «{text}» nhưng thiếu "
                     f"Tử số ({ind.numerator_label}) và Mẫu số ({ind.denominator_label}). "
                     "Tỷ lệ % từng tháng không cộng dồn được thành tỷ lệ của quý, hãy nhập "
                     "Tử số và Mẫu số.", field_=L.COL_VALUE, value=text,
                     expected="Tử số và Mẫu số")
        elif (calc := ratio_percent(num, den)) is not None and abs(calc - pct) > PERCENT_TOLERANCE:
            self.warn(v_ref, f"Giá trị {text} của {what} khác tỷ lệ tính từ Tử số/Mẫu "
                      f"số ({percent(calc)}); hệ thống dùng Tử số và Mẫu số.",
                      field_=L.COL_VALUE, value=text)

    def _number_value(self, row: TableRow, ind: Indicator, what: str):
        """(None, None, value) of a number row; None when it has a problem."""
        before = len(self.out.problems)
        for header in (L.COL_NUM, L.COL_DEN):
            if not self._blank(row, header):
                self.bad(row.refs[header], f"{what} là chỉ tiêu số lượng: chỉ nhập Giá trị, ô "
                         f"{header} không áp dụng.", field_=header,
                         value=shown(row.cells[header]), expected="để trống")
        v_ref, v_cell = row.refs.get(L.COL_VALUE), row.cells.get(L.COL_VALUE)
        got = self._number(v_ref, v_cell, L.COL_VALUE, what)
        value = None
        if got is not None:
            x, pct = got
            text = shown(v_cell)
            if pct:
                self.bad(v_ref, f"Giá trị của {what} là «{text}», một tỷ lệ %; chỉ tiêu này "
                         f"là số lượng ({ind.measure or 'một số'}).", field_=L.COL_VALUE,
                         value=text, expected="số từ 0 trở lên, không có %")
            elif x < 0:
                self.bad(v_ref, f"Giá trị của {what} là số âm «{text}».", field_=L.COL_VALUE,
                         value=text, expected="số từ 0 trở lên")
            elif not self._ambiguous(v_ref, v_cell, what) and self._within_max(v_ref, x, v_cell, L.COL_VALUE, ind):
                value = x
        if len(self.out.problems) > before:
            return None
        return None, None, value

    def _ambiguous(self, ref, cell: Cell | None, what: str) -> bool:
        """A value typed as text that reads two ways (`1,080`: 1080 or 1,08) is refused: the file
        never decides for the coordinator which one was meant (a count's Tử số/Mẫu số has its own
        rule, `count`)."""
        if cell is None or not isinstance(cell.value, str):
            return False
        both = ambiguous_readings(cell.value)
        if both is None:
            return False
        text, sep = shown(cell), "," if "," in cell.value else "."
        grouped, decimal = int(both[0]), smart_number(both[1], 6)
        self.bad(ref, f"Giá trị của {what} là «{text}», đọc được hai cách: {grouped} (dấu «{sep}» ngăn "
                 f"hàng nghìn) hoặc {decimal} (dấu «{sep}» là dấu thập phân). Hãy nhập {grouped} hoặc "
                 f"{decimal}, không dùng dấu ngăn hàng nghìn.", field_=L.COL_VALUE, value=text,
                 expected=f"{grouped} hoặc {decimal} ({PLAIN_NUMBER})")
        return True


def validate_sheet(ds: DataSheet, wb: Workbook, catalog: Catalog, today: dt.date) -> SheetResult:
    r = _Reader(ds, wb, catalog, today)
    if ds.header_row == 0:
        return r.out
    r.commune()
    r.out.unit = r.unit()
    r.out.period = r.period()
    r.rows(r.out.unit)
    r.out.filled = bool(r.out.figures)
    return r.out


def to_submission(result: SheetResult, catalog: Catalog) -> Submission:
    return Submission(catalog.commune, result.unit, result.period, tuple(result.figures))
