"""Load and validate `config/indicators.toml` into small frozen dataclasses.

Every problem is collected (criterion id + key + what is wrong, in Vietnamese) and raised
together as one `CatalogError`, so a coordinator editing the file fixes them all in one pass.
Every number is finite (TOML's `nan` and `inf` are refused) and in its range; grades run from a
0 floor up to at most 100, strictly decreasing. A file that is not UTF-8 or not TOML is refused in
Vietnamese, naming the file, the line and the column (a UTF-8 byte order mark is accepted).
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeGuard


class Kind(StrEnum):
    RATIO = "ratio"      # numerator / denominator, scored as a percentage
    NUMBER = "number"    # a count


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Scoring(StrEnum):
    LINEAR = "linear"
    THRESHOLD = "threshold"
    BANDS = "bands"


class Aggregate(StrEnum):
    SUM = "sum"      # flow: the months of the quarter add up
    LAST = "last"    # stock: each unit's last reported month of the quarter
    MEAN = "mean"


class Computed(StrEnum):
    """A criterion the app measures itself instead of reading it from the units' workbooks."""
    ON_TIME_REPORTING = "on_time_reporting"   # unit-months first sent before their due date
    TASK_PROGRESS = "task_progress"           # science-and-technology (KHCN) tasks of the register updated monthly


class NaPolicy(StrEnum):
    EXCLUDE = "exclude"
    FULL = "full"


ID_RE = re.compile(r"^[A-Z0-9_]+$")

# Figures before this month are refused as typing errors unless [reporting] first_month says
# otherwise: January 2024, two full years before the commune's 2026 plan (and well before the
# July 2025 two-level local government), so every month still asked about is accepted.
DEFAULT_FIRST_MONTH = "2024-01"
FIRST_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

KIND_LABELS = {"ratio": "tỷ lệ", "number": "số lượng"}
AGGREGATE_LABELS = {"sum": "cộng dồn các tháng", "last": "số của tháng cuối có báo cáo",
                    "mean": "bình quân các tháng"}


class CatalogError(Exception):
    """The catalogue has problems; `problems` lists every one of them."""

    def __init__(self, problems: list[str], path: str | Path | None = None):
        self.problems = problems
        self.path = str(path) if path else None
        where = f" ({self.path})" if self.path else ""
        super().__init__(f"Danh mục chỉ tiêu có {len(problems)} lỗi{where}:\n"
                         + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class Unit:
    code: str
    name: str


@dataclass(frozen=True)
class Grade:
    min: float
    label: str


SIGNER_MODES = ("TM.", "KT.", "TL.")


@dataclass(frozen=True)
class Signer:
    """Who signs the commune's reports (`[signer]`), as Decree 30/2020/NĐ-CP writes the authority:
    «TM.» the chairman for the committee, «KT.» a vice-chairman in the chairman's place (the
    commune's usual form), «TL.» an official by the chairman's order; `title` is the signer's own
    title, `name` the full name (empty: written by hand under the signature)."""
    mode: str = "KT."
    title: str = "PHÓ CHỦ TỊCH"
    name: str = ""


@dataclass(frozen=True)
class Column:
    """One column of the Biểu tự chấm điểm: what it holds (`key`), its title, its width (characters)."""
    key: str
    title: str
    width: float


# The Biểu's columns a catalogue may name in `[scorecard] columns`: key → (default title, width).
COLUMN_KEYS: dict[str, tuple[str, float]] = {
    "stt": ("STT", 5), "name": ("Chỉ tiêu", 30), "rule": ("Cách tính điểm", 26),
    "max": ("Điểm tối đa", 8), "result": ("Kết quả", 15), "points": ("Điểm tự chấm", 8),
    "explanation": ("Giải trình", 26), "evidence": ("Tài liệu kiểm chứng", 36),
    "required": ("Tài liệu kiểm chứng cần có", 24), "appraised": ("Điểm thẩm định", 9), "note": ("Ghi chú", 20),
    # beyond the default form
    "target": ("Mục tiêu", 11), "achieved": ("Kết quả (%/số lượng)", 12), "numerator": ("Tử số", 10),
    "denominator": ("Mẫu số", 10), "lead": ("Đơn vị chủ trì", 18), "appraisal_comment": ("Ý kiến thẩm định", 24),
}
DEFAULT_COLUMNS: tuple[Column, ...] = tuple(Column(k, *COLUMN_KEYS[k]) for k in (
    "stt", "name", "rule", "max", "result", "points", "explanation", "evidence", "required", "appraised", "note"))
REQUIRED_COLUMNS = ("stt", "name", "max", "points")   # numbering, the sums, the appraisal's rows


@dataclass(frozen=True)
class Indicator:
    id: str
    group: str
    name: str
    kind: Kind
    target: float
    points: float
    units: tuple[str, ...]
    direction: Direction = Direction.HIGHER
    scoring: Scoring = Scoring.LINEAR
    zero_at: float = 0.0
    bands: tuple[tuple[float, float], ...] = ()
    aggregate: str = "sum"
    na: str = "exclude"
    lead: str | None = None
    numerator_label: str = "Tử số"
    denominator_label: str = "Mẫu số"
    measure: str = ""
    evidence: str = ""
    source: str = ""
    note: str = ""
    deadline: dt.date | None = None
    start: dt.date | None = None  # ongoing since that day («từ 01/10/2025»): not a deadline
    deadline_shared: bool = False  # in a city file, the deadline is every commune's (else the base commune's)
    max_value: float | None = None
    computed: str | None = None   # a `Computed` value: measured by the app, not in the template

    @property
    def is_computed(self) -> bool:
        return self.computed is not None

    @property
    def is_ratio(self) -> bool:
        return self.kind == "ratio"

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"

    @property
    def comparison(self) -> str:
        """How the target reads: '≥ 90 %' for higher-is-better, '≤ 1 %' for lower."""
        return "≥" if self.higher_is_better else "≤"

    @property
    def lead_unit(self) -> str:
        return self.lead or self.units[0]


@dataclass(frozen=True)
class Milestone:
    """An obligation of the sources that is followed but not scored (`[[milestones]]`): a task with
    a deadline, or a target the commune has no monthly figure for yet."""
    id: str
    group: str
    name: str
    target: str = ""              # the requirement in words, e.g. "100 %"
    deadline: dt.date | None = None
    start: dt.date | None = None  # ongoing since that day («từ 01/10/2025»): not a deadline
    lead: str | None = None
    evidence: str = ""
    source: str = ""
    note: str = ""
    shared: bool = False          # in a city file, every commune follows it (else only the communes listing it)


@dataclass(frozen=True)
class Catalog:
    name: str
    commune: str
    commune_name: str
    grades: tuple[Grade, ...]
    due_day: int
    due_month_offset: int
    units: tuple[Unit, ...]
    indicators: tuple[Indicator, ...]
    first_month: str = DEFAULT_FIRST_MONTH
    official_scale: bool = False   # points and grades are the city's official ones (else the commune's defaults)
    milestones: tuple[Milestone, ...] = ()
    signer: Signer = Signer()
    unit_grades: tuple[Grade, ...] = ()   # a unit's scale (`[scorecard].unit_grades`); none: units are not graded
    columns: tuple[Column, ...] = DEFAULT_COLUMNS    # the Biểu's columns, in order
    reporting_shared: bool = False   # `[reporting] shared`: in a city file, the due rule of every commune
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({i.id: i for i in self.indicators})

    def indicator(self, indicator_id: str) -> Indicator:
        return self._by_id[indicator_id]

    def has_indicator(self, indicator_id: str) -> bool:
        return indicator_id in self._by_id

    def unit(self, code: str) -> Unit:
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)

    def unit_name(self, code: str) -> str:
        try:
            return self.unit(code).name
        except KeyError:
            return code

    def indicators_of_unit(self, code: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if code in i.units)

    def indicators_of_group(self, group: str) -> tuple[Indicator, ...]:
        """A group's criteria, in catalogue order."""
        return tuple(i for i in self.indicators if i.group == group)

    def typed_indicators_of_unit(self, code: str) -> tuple[Indicator, ...]:
        """The criteria a unit fills in its monthly workbook (computed ones are measured by the app)."""
        return tuple(i for i in self.indicators_of_unit(code) if not i.is_computed)

    @property
    def groups(self) -> tuple[str, ...]:
        """Group names in catalogue order."""
        return tuple(dict.fromkeys(i.group for i in self.indicators))

    @property
    def max_points(self) -> float:
        return sum(i.points for i in self.indicators)

    def grade_for(self, percent: float | None) -> str:
        if percent is None:
            return "Chưa xếp loại"
        for g in self.grades:
            if percent >= g.min - 1e-9:
                return g.label
        return "Chưa xếp loại"

    def unit_grade_for(self, percent: float | None) -> str | None:
        """A unit's grade on the catalogue's unit scale; None when it defines none (a unit's score
        is its points, not a grade: the commune's scale grades the commune)."""
        if not self.unit_grades:
            return None
        for g in self.unit_grades:
            if percent is not None and percent >= g.min - 1e-9:
                return g.label
        return "Chưa xếp loại"


def load_catalog(path: str | Path) -> Catalog:
    path = Path(path)
    return parse_catalog(read_toml_text(path, "Không tìm thấy tệp danh mục chỉ tiêu"), path)


def read_toml_text(path: Path, missing: str = "Không tìm thấy tệp danh mục") -> str:
    """The text of a TOML file: UTF-8 (a byte order mark is dropped); else a Vietnamese CatalogError
    naming the file (and where the first bad byte is)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError([f"{missing}: {path}"], path) from None
    except OSError as e:
        raise CatalogError([f"Không đọc được tệp «{path.name}» ({e.strerror or type(e).__name__})."],
                           path) from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise CatalogError([f"Tệp «{path.name}» không phải văn bản UTF-8 (byte 0x{data[e.start]:02X} ở dòng "
                            f"{line}, cột {col}): hãy mở bằng trình soạn thảo và lưu lại với mã hóa UTF-8."],
                           path) from None


_TOML_MESSAGES = (
    (r"Cannot overwrite a value", "khóa này đã có giá trị (khai báo hai lần?)"),
    (r"Escaped character is not a Unicode scalar value", "ký tự viết dạng \\u… không hợp lệ"),
    (r"Expected '=' after a key in a key/value pair", "thiếu dấu «=» sau tên khóa"),
    (r"Expected '\]' at the end of a table declaration", "thiếu «]» ở cuối tên bảng"),
    (r"Expected '\]\]' at the end of an array declaration", "thiếu «]]» ở cuối tên bảng [[…]]"),
    (r"Invalid date or datetime", "ngày hoặc thời điểm không hợp lệ (viết dạng 2026-07-10)"),
    (r"Invalid hex value", "số thập lục phân không hợp lệ"),
    (r"Invalid initial character for a key part", "tên khóa bắt đầu bằng ký tự không hợp lệ"),
    (r"Invalid statement", "dòng không phải «khóa = giá trị» hay tên bảng [..]"),
    (r"Invalid value", "giá trị không hợp lệ (chuỗi phải trong dấu ngoặc kép, ví dụ name = \"…\")"),
    (r"Unclosed array", "danh sách […] chưa đóng «]»"),
    (r"Unclosed inline table", "bảng {…} chưa đóng «}» (bảng viết trên một dòng)"),
    (r"Unescaped '\\' in a string", "dấu «\\» trong chuỗi phải viết «\\\\» (hoặc dùng dấu nháy đơn)"),
    (r"Unterminated string", "chuỗi chưa có dấu ngoặc kép đóng"),
    (r"Illegal character '\\n'", "chuỗi chưa có dấu ngoặc kép đóng trước khi hết dòng"),
    (r"Cannot declare (.+) twice", "bảng {0} được khai báo hai lần"),
    (r"Cannot mutate immutable namespace (.+)", "không thêm khóa được vào bảng {0} đã viết trọn trên một dòng"),
    (r"Cannot redefine namespace (.+)", "không khai báo lại được bảng {0}"),
    (r"Duplicate inline table key (.+)", "khóa {0} bị lặp trong bảng {{…}}"),
    (r"Expected (.+)", "thiếu {0}"),
    (r"(?:Found invalid|Illegal) character (.+)", "ký tự không hợp lệ {0}"),
)


def _toml_key(text: str) -> str:
    """tomllib names a table by its key tuple, «('indicators', 'x')»: say «[indicators.x]»."""
    parts = re.findall(r"'([^']*)'", text) if text.startswith("(") else []
    return "[" + ".".join(parts) + "]" if parts else text


def toml_error(e: tomllib.TOMLDecodeError, path: str | Path | None) -> str:
    """tomllib's English message («Invalid value (at line 3, column 9)») said in Vietnamese."""
    msg = str(e)
    m = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$", msg)
    english = msg[:m.start()] if m else msg
    where = ("" if m is None else f" ở dòng {m.group(1)}, cột {m.group(2)}" if m.group(1)
             else " ở cuối tệp")
    detail = "cú pháp không hợp lệ"
    for pattern, vietnamese in _TOML_MESSAGES:
        hit = re.fullmatch(pattern, english)
        if hit:
            detail = vietnamese.format(*(_toml_key(g) for g in hit.groups()))
            break
    in_file = f" trong tệp «{Path(path).name}»" if path else ""
    return f"Lỗi cú pháp TOML{in_file}{where}: {detail}."


def parse_catalog(text: str, path: str | Path | None = None) -> Catalog:
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as e:
        raise CatalogError([toml_error(e, path)], path) from None
    return _build(data, path)


MAX_NUMBER = 1e12          # no target, threshold or cap of a commune's criterion comes near
MAX_POINTS = 100           # points of one criterion (the whole scale is 100)


def _num(v: object) -> TypeGuard[float]:
    """A TOML number usable in the rule: finite (not nan, not inf) and of a sane size."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and \
        abs(v) <= MAX_NUMBER


def shown(v: object) -> str:
    """A value as quoted in a problem; TOML's nan/inf and huge numbers said in words."""
    if isinstance(v, float) and math.isnan(v):
        return "nan — không phải một số"
    if isinstance(v, float) and math.isinf(v):
        return f"{v} — vô cực, không phải một số hữu hạn"
    if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > MAX_NUMBER:
        return f"{v!r} — quá lớn (tối đa {MAX_NUMBER:g})"
    if isinstance(v, list):
        return "[" + ", ".join(shown(x) for x in v) + "]"
    return repr(v)


def _build(data: dict, path: str | Path | None) -> Catalog:
    problems: list[str] = []
    sc = data.get("scorecard")
    if not isinstance(sc, dict):
        problems.append("[scorecard]: thiếu bảng [scorecard] (name, commune, grades).")
        sc = {}
    for key in ("name", "commune"):
        if not isinstance(sc.get(key), str) or not sc.get(key, "").strip():
            problems.append(f"[scorecard].{key}: bắt buộc, là chuỗi ký tự.")
    grades = _grades(sc.get("grades", []), problems)
    unit_grades = _grades(sc["unit_grades"], problems, "unit_grades") if "unit_grades" in sc else []
    signer = _signer(data.get("signer", {}), problems)
    official = sc.get("official_scale", False)
    if not isinstance(official, bool):
        problems.append(f"[scorecard].official_scale: phải là true hoặc false, đang là {official!r}.")
        official = False
    columns = _columns(sc.get("columns"), problems)
    reporting = data.get("reporting", {})
    due_day, due_offset, first_month = _reporting(reporting, problems)
    reporting_shared = flag(reporting, "shared", functools.partial(_bad_milestone, problems, "[reporting]"))
    units = _units(data.get("units", []), problems)
    unit_codes = {u.code for u in units}

    indicators: list[Indicator] = []
    seen_ids: set[str] = set()
    raw_inds = data.get("indicators", [])
    if not raw_inds:
        problems.append("[[indicators]]: cần ít nhất một chỉ tiêu.")
    for n, raw in enumerate(raw_inds, 1):
        ind = _IndicatorReader(n, raw, problems).build(seen_ids, unit_codes)
        if ind is not None:
            indicators.append(ind)

    milestones = _milestones(data.get("milestones", []), seen_ids, unit_codes, problems)

    if problems:
        raise CatalogError(problems, path)
    return Catalog(
        name=sc["name"], commune=sc["commune"].strip(),
        commune_name=str(sc.get("commune_name") or sc["commune"]),
        grades=tuple(grades), due_day=due_day, due_month_offset=due_offset,
        units=tuple(units), indicators=tuple(indicators), first_month=first_month, official_scale=official,
        milestones=tuple(milestones), signer=signer, unit_grades=tuple(unit_grades), columns=columns,
        reporting_shared=reporting_shared)


_SIGNER_KEYS = {"mode", "title", "name"}


def _signer(raw: object, problems: list[str]) -> Signer:
    """`[signer]`: mode «TM.», «KT.» or «TL.»; title (bắt buộc khi có bảng) and name, text of one line."""
    if not isinstance(raw, dict):
        problems.append("[signer]: phải là một bảng [signer] (mode, title, name).")
        return Signer()
    if not raw:
        return Signer()
    for key in sorted(set(raw) - _SIGNER_KEYS):
        problems.append(f"[signer].{key}: khóa không có trong danh mục (các khóa: mode, title, name).")
    out = {}
    for key in ("mode", "title", "name"):
        value = raw.get(key, getattr(Signer(), key))
        if not isinstance(value, str) or "\n" in value or len(value) > 120:
            problems.append(f"[signer].{key}: phải là chuỗi ký tự một dòng, tối đa 120 ký tự (đang là {shown(value)}).")
            value = getattr(Signer(), key)
        out[key] = value.strip()
    mode = out["mode"].upper().rstrip(".") + "." if out["mode"] else ""
    if mode not in SIGNER_MODES:
        problems.append(f"[signer].mode: thẩm quyền ký là «TM.» (thay mặt), «KT.» (ký thay) hoặc «TL.» (thừa lệnh), "
                        f"đang là «{out['mode']}».")
        mode = Signer().mode
    if not out["title"]:
        problems.append("[signer].title: cần chức vụ của người ký, ví dụ \"PHÓ CHỦ TỊCH\".")
        out["title"] = Signer().title
    return Signer(mode, out["title"], out["name"])


_MILESTONE_KEYS = {"id", "group", "name", "target", "deadline", "start", "lead", "evidence", "source", "note",
                   "shared"}


def date_key(raw: dict, key: str, example: str, bad: Callable[[str, str], None]) -> dt.date | None:
    """`deadline` or `start`: a TOML date (2026-07-10, no quotes); `bad(key, message)` otherwise."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, dt.date):
        bad(key, f"phải là ngày dạng {example}, không có dấu ngoặc kép (đang là {value!r}).")
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def flag(raw: dict, key: str, bad: Callable[[str, str], None]) -> bool:
    """A true/false key (`shared`, `deadline_shared`), false when absent."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        bad(key, f"phải là true hoặc false (đang là {value!r}).")
        return False
    return value


def dates(raw: dict, bad: Callable[[str, str], None]) -> tuple[dt.date | None, dt.date | None]:
    """The `deadline` (done by that day) and the `start` (ongoing since that day) of a criterion or
    a milestone: one or the other, never both."""
    deadline = date_key(raw, "deadline", "2026-07-10", bad)
    start = date_key(raw, "start", "2025-10-01", bad)
    if "deadline" in raw and "start" in raw:
        bad("start", "không dùng cùng `deadline`: `deadline` là ngày phải xong, `start` là ngày bắt đầu một "
                     "nhiệm vụ thường xuyên (ví dụ «từ ngày 01/10/2025»); giữ một trong hai.")
    return deadline, start


def _bad_milestone(problems: list[str], where: str, key: str, msg: str) -> None:
    problems.append(f"{where}, khóa `{key}`: {msg}")


def _milestones(raw: object, seen_ids: set[str], unit_codes: set[str], problems: list[str]) -> list[Milestone]:
    """`[[milestones]]`: id, group, name and source required; deadline a date; lead a unit code."""
    if not isinstance(raw, list):
        problems.append("[[milestones]]: phải là danh sách các bảng [[milestones]].")
        return []
    out: list[Milestone] = []
    for n, m in enumerate(raw, 1):
        m = m if isinstance(m, dict) else {}
        mid = m.get("id")
        where = f"Mốc {mid}" if isinstance(mid, str) and mid else f"Mốc thứ {n}"
        before = len(problems)
        if not isinstance(mid, str) or not ID_RE.match(mid):
            problems.append(f"{where}, khóa `id`: bắt buộc, chỉ gồm A-Z, 0-9, dấu _ (đang là {mid!r}).")
        elif mid in seen_ids:
            problems.append(f"{where}, khóa `id`: mã bị trùng với một chỉ tiêu hoặc mốc khác.")
        for key in ("group", "name", "source"):
            if not isinstance(m.get(key), str) or not m.get(key, "").strip():
                problems.append(f"{where}, khóa `{key}`: bắt buộc.")
        deadline, start = dates(m, functools.partial(_bad_milestone, problems, where))
        shared = flag(m, "shared", functools.partial(_bad_milestone, problems, where))
        if m.get("lead") is not None and m.get("lead") not in unit_codes:
            problems.append(f"{where}, khóa `lead`: mã đơn vị chủ trì không có trong [[units]]: {m.get('lead')!r}.")
        problems.extend(f"{where}, khóa `{k}`: khóa không được hỗ trợ (viết sai tên khóa?)."
                        for k in m if k not in _MILESTONE_KEYS)
        if len(problems) > before or not isinstance(mid, str):
            continue
        seen_ids.add(mid)
        out.append(Milestone(mid, m["group"].strip(), m["name"].strip(), str(m.get("target", "")),
                             deadline, start, m.get("lead"), m.get("evidence", ""), m["source"], m.get("note", ""),
                             shared))
    return out


def _columns(raw: object, problems: list[str]) -> tuple[Column, ...]:
    """`[scorecard] columns`: the Biểu's columns in order, each a key (`"rule"`) or a table
    (`{ key = "rule", title = "Phương pháp chấm", width = 30 }`); absent: the default form."""
    if raw is None:
        return DEFAULT_COLUMNS
    known = ", ".join(f"{k} ({t})" for k, (t, _) in COLUMN_KEYS.items())
    if not isinstance(raw, list) or not raw:
        problems.append(f"[scorecard].columns: cần danh sách các cột của Biểu, ví dụ [\"stt\", \"name\", \"max\", "
                        f"\"points\"] (đang là {shown(raw)}). Các khóa cột: {known}.")
        return DEFAULT_COLUMNS
    before = len(problems)
    out: list[Column] = []
    for n, item in enumerate(raw, 1):
        where = f"[scorecard].columns[{n}]"
        entry = {"key": item} if isinstance(item, str) else item
        if not isinstance(entry, dict):
            problems.append(f"{where}: mỗi cột là một khóa (\"rule\") hoặc một bảng {{ key = \"rule\", "
                            f"title = \"…\", width = 30 }} (đang là {shown(item)}).")
            continue
        key = entry.get("key")
        if not isinstance(key, str) or key.strip() not in COLUMN_KEYS:
            problems.append(f"{where}: cột {shown(key)} không có. Các khóa cột: {known}.")
            continue
        key = key.strip()
        title, width = COLUMN_KEYS[key]
        for extra in sorted(set(entry) - {"key", "title", "width"}):
            problems.append(f"{where}: khóa `{extra}` không được hỗ trợ (chỉ key, title, width).")
        if "title" in entry:
            if not isinstance(entry["title"], str) or not entry["title"].strip():
                problems.append(f"{where}: title là tiêu đề cột, một chuỗi không rỗng (đang là {shown(entry['title'])}).")
            else:
                title = " ".join(entry["title"].split())
        if "width" in entry:
            if not _num(entry["width"]) or not 3 <= entry["width"] <= 80:
                problems.append(f"{where}: width là độ rộng cột tính bằng ký tự, từ 3 đến 80 "
                                f"(đang là {shown(entry['width'])}).")
            else:
                width = float(entry["width"])
        if any(c.key == key for c in out):
            problems.append(f"{where}: cột «{key}» đã có ở trên; mỗi cột chỉ một lần.")
            continue
        if any(c.title.casefold() == title.casefold() for c in out):
            problems.append(f"{where}: tiêu đề «{title}» trùng với một cột ở trên; mỗi cột một tiêu đề khác nhau "
                            "(kết quả thẩm định được đọc lại theo tiêu đề cột).")
            continue
        out.append(Column(key, title, width))
    if len(problems) == before:
        missing = [k for k in REQUIRED_COLUMNS if all(c.key != k for c in out)]
        if missing:
            problems.append("[scorecard].columns: thiếu cột bắt buộc " + ", ".join(
                f"«{k}» ({COLUMN_KEYS[k][0]})" for k in missing) + ": Biểu cần chúng để đánh số, cộng điểm và "
                "nhận lại kết quả thẩm định.")
    return tuple(out) if len(problems) == before else DEFAULT_COLUMNS


def _grades(raw_grades: object, problems: list[str], key: str = "grades") -> list[Grade]:
    if not isinstance(raw_grades, list) or not raw_grades:
        problems.append(f"[scorecard].{key}: cần danh sách xếp loại, ví dụ [{{ min = 90, label = \"Xuất sắc\" }}].")
        return []
    grades: list[Grade] = []
    for n, g in enumerate(raw_grades, 1):
        if not isinstance(g, dict) or not _num(g.get("min")) or not isinstance(g.get("label"), str):
            got = f" (min đang là {shown(g.get('min'))})" if isinstance(g, dict) and "min" in g else ""
            problems.append(f"[scorecard].{key}[{n}]: cần min (số) và label (chuỗi){got}.")
            continue
        if not 0 <= g["min"] <= 100:
            problems.append(f"[scorecard].{key}[{n}]: min là phần trăm tổng điểm tối đa, từ 0 đến 100 "
                            f"(đang là {shown(g['min'])}).")
            continue
        grades.append(Grade(float(g["min"]), g["label"]))
    if any(a.min <= b.min for a, b in zip(grades, grades[1:])):
        problems.append(f"[scorecard].{key}: xếp loại phải theo thứ tự từ cao xuống thấp (min giảm dần).")
    elif grades and len(grades) == len(raw_grades) and grades[-1].min != 0:
        problems.append(f"[scorecard].{key}: xếp loại thấp nhất phải có min = 0, để mọi kết quả đều có xếp "
                        f"loại (đang là {grades[-1].min:g}).")
    return grades


def _reporting(rep: dict, problems: list[str]) -> tuple[int, int, str]:
    due_day = rep.get("due_day", 18)
    due_offset = rep.get("due_month_offset", 1)
    if not isinstance(due_day, int) or isinstance(due_day, bool) or not 1 <= due_day <= 31:
        problems.append(f"[reporting].due_day: phải là ngày từ 1 đến 31, đang là {due_day!r}.")
        due_day = 18
    if not isinstance(due_offset, int) or isinstance(due_offset, bool) or not 0 <= due_offset <= 3:
        problems.append(f"[reporting].due_month_offset: phải là số tháng 0–3, đang là {due_offset!r}.")
        due_offset = 1
    first_month = rep.get("first_month", DEFAULT_FIRST_MONTH)
    if not isinstance(first_month, str) or not FIRST_MONTH_RE.match(first_month) or first_month < "2000-01":
        problems.append(f"[reporting].first_month: phải là tháng dạng \"2025-01\" (từ năm 2000), "
                        f"đang là {first_month!r}.")
        first_month = DEFAULT_FIRST_MONTH
    return due_day, due_offset, first_month


def _units(raw_units: list, problems: list[str]) -> list[Unit]:
    units: list[Unit] = []
    seen: set[str] = set()
    for n, u in enumerate(raw_units, 1):
        code, name = (u.get("code"), u.get("name")) if isinstance(u, dict) else (None, None)
        if not isinstance(code, str) or not ID_RE.match(code):
            problems.append(f"[[units]] thứ {n}: code {code!r} phải gồm chữ in hoa A-Z, số 0-9, dấu _.")
            continue
        if code in seen:
            problems.append(f"[[units]] {code}: mã đơn vị bị trùng.")
            continue
        if not isinstance(name, str) or not name.strip():
            problems.append(f"[[units]] {code}.name: bắt buộc.")
        seen.add(code)
        units.append(Unit(code, str(name or code)))
    if not units:
        problems.append("[[units]]: cần ít nhất một đơn vị.")
    return units


_KNOWN_KEYS = {"max_value", "id", "group", "name", "kind", "target", "points", "units", "direction",
               "scoring", "zero_at", "bands", "aggregate", "na", "lead", "numerator_label",
               "denominator_label", "measure", "evidence", "source", "note", "deadline", "start", "computed",
               "deadline_shared"}


class _IndicatorReader:
    """Reads one `[[indicators]]` table; each part of the rule is checked by its own method and
    every problem is added to the shared list, named by criterion and key."""

    def __init__(self, n: int, raw: object, problems: list[str]):
        self.raw: dict = raw if isinstance(raw, dict) else {}
        iid = self.raw.get("id")
        self.where = f"Chỉ tiêu {iid}" if isinstance(iid, str) and iid else f"Chỉ tiêu thứ {n}"
        self.problems = problems

    def bad(self, key: str, msg: str) -> None:
        self.problems.append(f"{self.where}, khóa `{key}`: {msg}")

    def choice(self, key: str, allowed: type[StrEnum], default: str | None = None) -> str | None:
        value = self.raw.get(key, default)
        if value not in tuple(allowed):
            names = ", ".join(f"\"{a}\"" for a in allowed)
            self.bad(key, f"phải là một trong {names} (đang là {value!r}).")
            return None
        return str(value)

    def build(self, seen_ids: set[str], unit_codes: set[str]) -> Indicator | None:
        before = len(self.problems)
        raw = self.raw
        iid = self.identity(seen_ids)
        kind = self.choice("kind", Kind)
        direction = self.choice("direction", Direction, "higher") or "higher"
        scoring = self.choice("scoring", Scoring, "linear")
        target, points = self.target_and_points(kind)
        units, lead = self.units(unit_codes)
        aggregate = self.aggregate(kind)
        na = self.choice("na", NaPolicy, "exclude")
        zero_at = self.zero_at(scoring, direction, target)
        bands = self.bands(scoring, direction, points)
        deadline, start = dates(raw, self.bad)
        deadline_shared = flag(raw, "deadline_shared", self.bad)
        max_value = self.max_value()
        computed = self.computed(kind, aggregate)
        for key in raw:
            if key not in _KNOWN_KEYS:
                self.bad(key, "khóa không được hỗ trợ (viết sai tên khóa?).")
        if len(self.problems) > before:
            return None
        assert iid and kind and scoring and aggregate and na and target is not None and points is not None
        return Indicator(
            id=iid, group=raw["group"].strip(), name=raw["name"].strip(), kind=Kind(kind),
            target=target, points=points, units=units, direction=Direction(direction),
            scoring=Scoring(scoring), zero_at=zero_at, bands=bands, aggregate=aggregate, na=na,
            lead=lead, numerator_label=raw.get("numerator_label", "Tử số"),
            denominator_label=raw.get("denominator_label", "Mẫu số"), measure=raw.get("measure", ""),
            evidence=raw.get("evidence", ""), source=raw.get("source", ""), note=raw.get("note", ""),
            deadline=deadline, start=start, deadline_shared=deadline_shared, max_value=max_value,
            computed=computed)

    def identity(self, seen_ids: set[str]) -> str | None:
        iid = self.raw.get("id")
        for key in ("group", "name"):
            if not isinstance(self.raw.get(key), str) or not self.raw.get(key, "").strip():
                self.bad(key, "bắt buộc (tiếng Việt).")
        if not isinstance(iid, str) or not ID_RE.match(iid):
            self.bad("id", f"bắt buộc, chỉ gồm A-Z, 0-9, dấu _ (đang là {iid!r}).")
            return None
        if iid in seen_ids:
            self.bad("id", "mã chỉ tiêu bị trùng.")
            return None
        seen_ids.add(iid)
        return iid

    def target_and_points(self, kind: str | None) -> tuple[float | None, float | None]:
        target, points = self.raw.get("target"), self.raw.get("points")
        if not _num(target) or target <= 0:
            self.bad("target", f"bắt buộc, là số > 0 (đang là {shown(target)}).")
            target = None
        elif kind == Kind.RATIO and target > 100:
            self.bad("target", f"chỉ tiêu tỷ lệ tính theo %, không quá 100 (đang là {target!r}).")
        if not _num(points) or not 0 < points <= MAX_POINTS:
            self.bad("points", f"bắt buộc, là số > 0 và không quá {MAX_POINTS} (đang là {shown(points)}).")
            points = None
        return (None if target is None else float(target)), (None if points is None else float(points))

    def units(self, unit_codes: set[str]) -> tuple[tuple[str, ...], str | None]:
        units = self.raw.get("units")
        if not isinstance(units, list) or not units:
            self.bad("units", "bắt buộc: danh sách mã đơn vị báo cáo chỉ tiêu này.")
            units = []
        for u in units:
            if u not in unit_codes:
                self.bad("units", f"mã đơn vị không có trong [[units]]: {u!r}.")
        lead = self.raw.get("lead")
        if lead is not None and lead not in unit_codes:
            self.bad("lead", f"mã đơn vị chủ trì không có trong [[units]]: {lead!r}.")
        return tuple(units), lead

    def aggregate(self, kind: str | None) -> str | None:
        aggregate = self.choice("aggregate", Aggregate, "sum")
        if aggregate == Aggregate.MEAN and kind == Kind.RATIO:
            self.bad("aggregate", "chỉ tiêu tỷ lệ chỉ dùng \"sum\" (cộng dồn các tháng) hoặc \"last\" "
                     "(số hiện có ở tháng cuối có báo cáo).")
        return aggregate

    def zero_at(self, scoring: str | None, direction: str, target: float | None) -> float:
        zero_at = self.raw.get("zero_at")
        if zero_at is not None and not _num(zero_at):
            self.bad("zero_at", f"phải là số (đang là {shown(zero_at)}).")
            return 0.0
        if scoring == Scoring.LINEAR and target is not None:
            if direction == Direction.LOWER:
                if zero_at is None:
                    self.bad("zero_at", "bắt buộc khi direction = \"lower\" (giá trị đạt được ứng với 0 điểm).")
                elif zero_at <= target:
                    self.bad("zero_at", f"với direction = \"lower\" phải lớn hơn target ({zero_at} ≤ {target:g}).")
            elif zero_at is not None and zero_at >= target:
                self.bad("zero_at", f"phải nhỏ hơn target ({zero_at} ≥ {target:g}).")
        return 0.0 if zero_at is None else float(zero_at)

    def bands(self, scoring: str | None, direction: str,
              points: float | None) -> tuple[tuple[float, float], ...]:
        raw_bands = self.raw.get("bands")
        if scoring != Scoring.BANDS:
            if raw_bands is not None:
                self.bad("bands", "chỉ dùng khi scoring = \"bands\".")
            return ()
        if not isinstance(raw_bands, list) or not raw_bands:
            self.bad("bands", "bắt buộc khi scoring = \"bands\": [[đạt được, điểm], ...], mức tốt nhất trước.")
            return ()
        bands: list[tuple[float, float]] = []
        for b in raw_bands:
            if not (isinstance(b, list) and len(b) == 2 and _num(b[0]) and _num(b[1]) and b[1] >= 0):
                self.bad("bands", f"mỗi mức là [đạt được, điểm] với điểm ≥ 0 (đang là {shown(b)}).")
                return ()
            bands.append((float(b[0]), float(b[1])))
        self.check_band_order(bands, direction, points)
        return tuple(bands)

    def check_band_order(self, bands: list[tuple[float, float]], direction: str,
                         points: float | None) -> None:
        thresholds = [b[0] for b in bands]
        ordered = all((a > b) if direction == Direction.HIGHER else (a < b)
                      for a, b in zip(thresholds, thresholds[1:]))
        if not ordered:
            order = "giảm dần" if direction == Direction.HIGHER else "tăng dần"
            self.bad("bands", f"các mức phải xếp từ tốt nhất: ngưỡng đạt được {order} ({thresholds}).")
        if any(a[1] < b[1] for a, b in zip(bands, bands[1:])):
            self.bad("bands", "điểm của các mức phải không tăng từ mức tốt nhất xuống.")
        if points is not None and any(b[1] > points for b in bands):
            self.bad("bands", f"điểm của một mức vượt quá points ({points:g}).")

    def computed(self, kind: str | None, aggregate: str | None) -> str | None:
        """`computed = "on_time_reporting"`: a ratio of unit-months the app counts; `computed =
        "task_progress"`: the register's KHCN tasks updated in a month over those followed in it.
        Both ratios summed over months."""
        if self.raw.get("computed") is None:
            return None
        computed = self.choice("computed", Computed)
        if computed is None:
            return None
        if kind != Kind.RATIO:
            ratio = ("số nhiệm vụ KHCN đã cập nhật tiến độ trong tháng / số nhiệm vụ KHCN đang theo dõi"
                     if computed == Computed.TASK_PROGRESS else "số tháng-đơn vị đúng hạn / số tháng-đơn vị đã đến hạn")
            self.bad("computed", f"chỉ tiêu tính tự động phải có kind = \"ratio\" ({ratio}).")
        if aggregate != Aggregate.SUM:
            self.bad("computed", "chỉ tiêu tính tự động cộng dồn các tháng: aggregate phải là \"sum\".")
        if "max_value" in self.raw:
            self.bad("max_value", "không dùng cho chỉ tiêu tính tự động (không có ô nhập).")
        return computed

    def max_value(self) -> float | None:
        max_value = self.raw.get("max_value")
        if max_value is None:
            return None
        if not _num(max_value) or max_value <= 0:
            self.bad("max_value", f"phải là số > 0 (mức tối đa một ô số liệu được nhập), đang là "
                     f"{shown(max_value)}.")
            return None
        return float(max_value)
