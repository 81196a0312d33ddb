"""`check_workbook`: bytes → every problem and warning, and the submissions when valid."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Submission
from kpi.ingest import layout as L
from kpi.ingest.parse import data_sheets, read_data_sheet
from kpi.ingest.problems import FileRefused, Problem, problem
from kpi.ingest.validate import to_submission, validate_sheet
from kpi.ingest.xlsx import open_workbook

MAX_PROBLEMS = 200        # problems listed per file; the rest are counted in one last line


@dataclass(frozen=True)
class HalfPair:
    """A ratio row with Tử số but no Mẫu số, or the reverse: accepted with its warning (the
    criterion is not computable that month). The store is not read here: refusing one that would
    replace a stored full pair is a use case (`kpi.usecases.importing.refuse_lost_pairs`)."""
    unit: str
    period: str
    indicator_id: str
    numerator: float | None
    denominator: float | None
    warning: Problem                 # names the empty cell


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)  # one per unit sheet; empty when problems
    half_pairs: list[HalfPair] = field(default_factory=list)     # of the submissions

    @property
    def ok(self) -> bool:
        return not self.problems


def check_workbook(data: bytes, file_name: str, catalog: Catalog, *,
                   today: dt.date | None = None) -> CheckResult:
    """Validate a whole workbook; never raises for a bad file (every problem is reported)."""
    today = today or dt.date.today()
    try:
        wb = open_workbook(data, file_name)
    except FileRefused as e:
        return CheckResult([e.problem])
    result = CheckResult()
    sheets, result.warnings = data_sheets(wb)
    if not sheets:
        result.problems.append(problem(
            f"không tìm thấy trang tính «{L.DATA_SHEET}» có bảng số liệu (dòng tiêu đề "
            f"«{L.COL_CODE}», «{L.COL_NUM}», «{L.COL_DEN}», «{L.COL_VALUE}»). Có thể đã gửi nhầm "
            "tệp; hãy dùng tệp mẫu tải từ hệ thống.", field=L.DATA_SHEET,
            expected=f"trang tính «{L.DATA_SHEET}» của tệp mẫu"))
        return result
    subs: list[Submission] = []
    halves: list[HalfPair] = []
    seen_units: dict[tuple[str, str], str] = {}
    for sheet, rows in sheets:
        res = validate_sheet(read_data_sheet(sheet, rows), wb, catalog, today)
        result.problems += res.problems
        result.warnings += res.warnings
        if res.problems or res.unit is None or res.period is None:
            continue
        key = (res.unit, res.period)
        if key in seen_units:
            result.problems.append(problem(
                f"đơn vị {res.unit}, kỳ {res.period} đã có ở trang tính «{seen_units[key]}»; mỗi "
                "đơn vị chỉ một trang tính cho một tháng.", sheet.name, field=L.LABEL_UNIT,
                value=res.unit, expected="mỗi đơn vị một trang tính"))
            continue
        seen_units[key] = sheet.name
        if not res.filled:
            if len(sheets) > 1:
                result.warnings.append(problem(
                    f"trang tính chưa có số liệu nào của đơn vị {res.unit}; bỏ qua, không ghi.",
                    sheet.name, field="Chưa báo cáo", value=res.unit))
                continue
            result.problems.append(problem(
                "bảng chưa có số liệu nào (mọi ô Tử số, Mẫu số, Giá trị đều trống). Hãy nhập số "
                "liệu rồi gửi lại.", sheet.name, field="Bảng số liệu", value="",
                expected="ít nhất một số liệu"))
            continue
        subs.append(to_submission(res, catalog))
        halves += [HalfPair(res.unit, res.period, f.indicator_id, f.numerator, f.denominator, w)
                   for f, w in res.half_pairs]
    if not result.problems and not subs:
        result.problems.append(problem("tệp chưa có số liệu nào ở mọi trang tính đơn vị.",
                                       field="Bảng số liệu", expected="ít nhất một số liệu"))
    if not result.problems:
        result.submissions, result.half_pairs = subs, halves
    _bound(result)
    return result


def _bound(result: CheckResult) -> None:
    """At most MAX_PROBLEMS problems (and warnings) listed: a hostile file costs a short list."""
    for name in ("problems", "warnings"):
        items = getattr(result, name)
        if len(items) > MAX_PROBLEMS:
            rest = len(items) - MAX_PROBLEMS
            setattr(result, name, items[:MAX_PROBLEMS] + [problem(
                f"còn {rest} {'lỗi' if name == 'problems' else 'lưu ý'} khác không liệt kê (chỉ "
                f"hiện {MAX_PROBLEMS} đầu tiên); hãy sửa những chỗ trên rồi gửi lại.")])
