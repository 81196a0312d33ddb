"""Many communes on one scorecard: the city's file (`config/city.toml`) names the shared criteria
file (criteria, points, grades, reporting rules, default units) and lists the communes, each with its
code, name, units and own targets. `City.catalog_for(code)` is that commune's `Catalog`, so every
per-commune function (scoring, pages, reports) works unchanged inside one commune.

A single-commune catalogue (`config/indicators.toml`) loads as a city of one commune, so
`KPI_CONFIG` may point at either kind. Every problem of the city file and of the criteria file is
collected (file, commune, key, in Vietnamese) and raised together as one `CatalogError`.

Dates are a commune's own: the criteria file is usually one commune's catalogue, and its meeting
deadlines, `[[milestones]]` and `[reporting]` due rule are that commune's decisions. In a city file a
commune gets a criterion's `deadline` only when the criteria file marks it `deadline_shared = true`
or the commune lists it (`deadlines = { ID = 2026-07-10 }`), a milestone only when it is `shared =
true` or the commune lists it (`milestones = ["ID"]`, or a date in `deadlines`), and the due rule of
`[reporting]` only when it is `shared = true`, else the commune's `reporting = { due_day = …,
due_month_offset = … }` or the app's default (the 18th of the next month). A one-commune catalogue is
its commune's own: everything in it applies.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kpi.domain.catalog import (
    ID_RE,
    Catalog,
    CatalogError,
    Milestone,
    Unit,
    _num,
    _reporting,
    load_catalog,
    parse_catalog,
    read_toml_text,
    shown,
    toml_error,
)


@dataclass(frozen=True)
class CommuneSpec:
    """One commune of the city: its code and name, its units (None: the criteria file's units),
    its own targets (criterion id → target, e.g. its number of village cultural houses), its own
    deadlines (criterion or milestone id → date), the criteria file's milestones it follows and its
    due rule for monthly reports ((due_day, due_month_offset); None: shared or the app's default)."""
    code: str
    name: str
    units: tuple[Unit, ...] | None = None
    targets: tuple[tuple[str, float], ...] = ()
    deadlines: tuple[tuple[str, dt.date], ...] = ()
    milestones: tuple[str, ...] = ()
    reporting: tuple[int, int] | None = None
    note: str = ""


@dataclass(frozen=True)
class City:
    code: str
    name: str
    base: Catalog                    # the shared criteria (with the default units)
    communes: tuple[CommuneSpec, ...]
    single: bool = False             # loaded from a one-commune catalogue
    base_text: str = field(default="", compare=False, repr=False)   # the criteria file's TOML text
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.communes)

    def has(self, code: str) -> bool:
        return any(c.code == code for c in self.communes)

    def commune(self, code: str) -> CommuneSpec:
        for c in self.communes:
            if c.code == code:
                return c
        raise KeyError(code)

    def commune_name(self, code: str) -> str:
        try:
            return self.commune(code).name
        except KeyError:
            return code

    def catalog_for(self, code: str) -> Catalog:
        """The commune's own catalogue: the shared criteria with its units and targets."""
        if code not in self._cache:
            self._cache[code] = commune_catalog(self.base, self.commune(code), own=self.single)
        return self._cache[code]

    def catalog_text_for(self, code: str) -> str:
        """The commune's catalogue as one-commune TOML: what the database keeps as a catalogue version
        (a closed quarter is scored again from it). `parse_catalog` of it gives `catalog_for(code)`;
        a one-commune file is its own text, comments included."""
        if self.single:
            return self.base_text
        return commune_catalog_text(self.base_text, self.commune(code), self.base)

    def with_communes(self, stored: list[tuple[str, str]]) -> City:
        """This city plus the communes a database holds that the file does not list (each with the
        shared units and targets): a demo database of many communes opens with one catalogue."""
        extra = tuple(CommuneSpec(code, name) for code, name in stored if not self.has(code))
        if not extra:
            return self
        return City(self.code, self.name, self.base, self.communes + extra, False, self.base_text, self._cache)


DEFAULT_DUE = (18, 1)   # the app's due rule when neither the city nor the commune gives one


def commune_reporting(base: Catalog, spec: CommuneSpec) -> tuple[int, int]:
    """The commune's (due_day, due_month_offset): the criteria file's when it is shared, else the
    commune's own, else the app's default."""
    if base.reporting_shared:
        return base.due_day, base.due_month_offset
    return spec.reporting or DEFAULT_DUE


def commune_deadline(spec: CommuneSpec, item_id: str, shared: bool, base_date: dt.date | None) -> dt.date | None:
    own = dict(spec.deadlines)
    if item_id in own:
        return own[item_id]
    return base_date if shared else None


def follows(spec: CommuneSpec, m: Milestone) -> bool:
    return m.shared or m.id in spec.milestones or m.id in dict(spec.deadlines)


def commune_catalog(base: Catalog, spec: CommuneSpec, own: bool = False) -> Catalog:
    """`base` with the commune's code, name, units (criteria keep only the units the commune has)
    and targets; unless `own` (a one-commune catalogue), with the commune's deadlines, milestones
    and due rule (module docstring)."""
    units = spec.units if spec.units is not None else base.units
    codes = {u.code for u in units}
    targets = dict(spec.targets)
    indicators = []
    for ind in base.indicators:
        kept = tuple(u for u in ind.units if u in codes)
        lead = ind.lead if ind.lead in codes else None
        ind = dataclasses.replace(ind, units=kept, lead=lead, target=targets.get(ind.id, ind.target))
        if not own:
            ind = dataclasses.replace(ind, deadline=commune_deadline(spec, ind.id, ind.deadline_shared, ind.deadline),
                                      deadline_shared=ind.deadline_shared and ind.id not in dict(spec.deadlines))
        indicators.append(ind)
    cat = dataclasses.replace(base, commune=spec.code, commune_name=spec.name, units=tuple(units),
                              indicators=tuple(indicators), _by_id={})
    if own:
        return cat
    milestones = tuple(dataclasses.replace(m, deadline=dict(spec.deadlines).get(m.id, m.deadline))
                       for m in base.milestones if follows(spec, m))
    due_day, due_offset = commune_reporting(base, spec)
    return dataclasses.replace(cat, milestones=milestones, due_day=due_day, due_month_offset=due_offset,
                               _by_id={})


def commune_catalog_text(criteria_text: str, spec: CommuneSpec, base: Catalog) -> str:
    """The shared criteria file's text made the commune's own, as `commune_catalog` does to the
    parsed catalogue: its code and name, its units (a criterion keeps the units the commune has; a
    lead it lacks is dropped), its targets, deadlines, milestones and due rule."""
    import tomli_w
    data = tomllib.loads(criteria_text)
    data["scorecard"]["commune"] = spec.code
    data["scorecard"]["commune_name"] = spec.name
    if spec.units is not None:
        data["units"] = [{"code": u.code, "name": u.name} for u in spec.units]
    codes = {u["code"] for u in data.get("units", [])}
    targets = dict(spec.targets)
    for table in data.get("indicators", []):
        table["units"] = [u for u in table.get("units", []) if u in codes]
        if table.get("lead") not in codes:
            table.pop("lead", None)
        if table.get("id") in targets:
            table["target"] = targets[table["id"]]
        deadline = commune_deadline(spec, table.get("id", ""), table.get("deadline_shared", False), table.get("deadline"))
        table.pop("deadline", None)
        if deadline is not None:
            table["deadline"] = deadline
        if table.get("id") in dict(spec.deadlines):
            table.pop("deadline_shared", None)
    followed = {m.id for m in base.milestones if follows(spec, m)}
    data["milestones"] = [m for m in data.get("milestones", []) if m.get("id") in followed]
    for m in data["milestones"]:
        if m["id"] in dict(spec.deadlines):
            m["deadline"] = dict(spec.deadlines)[m["id"]]
    if not data["milestones"]:
        del data["milestones"]
    reporting = data.setdefault("reporting", {})
    reporting["due_day"], reporting["due_month_offset"] = commune_reporting(base, spec)
    head = f"# Danh mục của {spec.name} ({spec.code}): bộ chỉ tiêu chung với đơn vị và mục tiêu của xã.\n"
    return head + tomli_w.dumps(data)


def city_of_catalog(catalog: Catalog, text: str = "") -> City:
    """A one-commune catalogue (and its file's text) as a city of that one commune."""
    return City(catalog.commune, catalog.commune_name, catalog,
                (CommuneSpec(catalog.commune, catalog.commune_name),), single=True, base_text=text)


def load_city(path: str | Path) -> City:
    """The city file, or a one-commune catalogue as a city of one commune."""
    path = Path(path)
    text = read_toml_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogError([toml_error(e, path)], path) from None
    if "city" not in data:
        return city_of_catalog(parse_catalog(text, path), text)
    return _build_city(data, path)


_CITY_KEYS = {"code", "name", "criteria"}
_COMMUNE_KEYS = {"code", "name", "units", "targets", "deadlines", "milestones", "reporting", "note"}


def _build_city(data: dict, path: Path) -> City:
    problems: list[str] = []
    where = path.name
    head = data.get("city")
    head = head if isinstance(head, dict) else {}
    for key in ("code", "name", "criteria"):
        if not isinstance(head.get(key), str) or not head.get(key, "").strip():
            problems.append(f"{where}, [city].{key}: bắt buộc, là chuỗi ký tự.")
    problems.extend(f"{where}, [city].{k}: khóa không được hỗ trợ (viết sai tên khóa?)."
                    for k in head if k not in _CITY_KEYS)
    problems.extend(f"{where}, [{k}]: bảng không được hỗ trợ trong tệp thành phố (chỉ [city] và [[communes]])."
                    for k in data if k not in ("city", "communes"))
    base = _criteria(head.get("criteria"), path, problems)
    communes = _communes(data.get("communes"), base, where, problems)
    if problems:
        raise CatalogError(problems, path)
    assert base is not None
    base_text = read_toml_text((path.parent / head["criteria"]).resolve())
    return City(head["code"].strip(), head["name"].strip(), base, tuple(communes), base_text=base_text)


def _criteria(name: object, path: Path, problems: list[str]) -> Catalog | None:
    if not isinstance(name, str) or not name.strip():
        return None
    criteria_path = (path.parent / name).resolve()
    try:
        return load_catalog(criteria_path)
    except CatalogError as e:
        problems.extend(f"{criteria_path.name} (bộ chỉ tiêu chung): {p}" for p in e.problems)
        return None


def _communes(raw: object, base: Catalog | None, where: str, problems: list[str]) -> list[CommuneSpec]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}, [[communes]]: cần ít nhất một xã (code, name).")
        return []
    out: list[CommuneSpec] = []
    seen: set[str] = set()
    for n, c in enumerate(raw, 1):
        out_spec = _CommuneReader(n, c, base, where, problems).build(seen)
        if out_spec is not None:
            out.append(out_spec)
    return out


class _CommuneReader:
    """One `[[communes]]` table; every problem named by file, commune and key."""

    def __init__(self, n: int, raw: object, base: Catalog | None, where: str, problems: list[str]):
        self.raw: dict = raw if isinstance(raw, dict) else {}
        code = self.raw.get("code")
        self.where = f"{where}, xã {code}" if isinstance(code, str) and code else f"{where}, [[communes]] thứ {n}"
        self.base, self.problems = base, problems

    def bad(self, key: str, msg: str) -> None:
        self.problems.append(f"{self.where}, khóa `{key}`: {msg}")

    def build(self, seen: set[str]) -> CommuneSpec | None:
        before = len(self.problems)
        code, name = self.raw.get("code"), self.raw.get("name")
        if not isinstance(code, str) or not ID_RE.match(code):
            self.bad("code", f"bắt buộc, chỉ gồm A-Z, 0-9, dấu _ (đang là {code!r}).")
        elif code in seen:
            self.bad("code", "mã xã bị trùng.")
        else:
            seen.add(code)
        if not isinstance(name, str) or not name.strip():
            self.bad("name", "bắt buộc (tên xã, tiếng Việt).")
        for key in self.raw:
            if key not in _COMMUNE_KEYS:
                self.bad(key, "khóa không được hỗ trợ (viết sai tên khóa?).")
        units = self.units()
        targets = self.targets()
        deadlines, milestones, reporting = self.deadlines(), self.milestones(), self.reporting()
        note = self.raw.get("note", "")
        if not isinstance(note, str):
            self.bad("note", "phải là chuỗi ký tự (ghi chú bằng tiếng Việt).")
        self.criteria_without_units(units)
        if len(self.problems) > before or not isinstance(code, str) or not isinstance(name, str):
            return None
        return CommuneSpec(code, name.strip(), units, targets, deadlines, milestones, reporting, str(note))

    def deadlines(self) -> tuple[tuple[str, dt.date], ...]:
        raw = self.raw.get("deadlines", {})
        if not isinstance(raw, dict):
            self.bad("deadlines", "phải là bảng mã chỉ tiêu hoặc mốc = ngày, ví dụ { ATTT_MA_DOC = 2026-07-10 }.")
            return ()
        out: list[tuple[str, dt.date]] = []
        for iid, value in raw.items():
            if self.base is not None and not self.base.has_indicator(iid) and iid not in self.milestone_ids():
                self.bad(f"deadlines.{iid}", "không có chỉ tiêu hay mốc mã này trong bộ chỉ tiêu chung.")
            elif not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                self.bad(f"deadlines.{iid}", f"phải là ngày dạng 2026-07-10, không có dấu ngoặc kép (đang là {value!r}).")
            elif self.base is not None and self.base.has_indicator(iid) and self.base.indicator(iid).start:
                self.bad(f"deadlines.{iid}", "chỉ tiêu này có `start` (nhiệm vụ thường xuyên), không có hạn.")
            else:
                out.append((iid, value))
        return tuple(out)

    def milestone_ids(self) -> set[str]:
        return {m.id for m in self.base.milestones} if self.base is not None else set()

    def milestones(self) -> tuple[str, ...]:
        raw = self.raw.get("milestones", [])
        if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
            self.bad("milestones", "phải là danh sách mã mốc của bộ chỉ tiêu chung, ví dụ [\"M_ATTT_CAP_DO\"].")
            return ()
        unknown = [m for m in raw if self.base is not None and m not in self.milestone_ids()]
        if unknown:
            self.bad("milestones", "không có mốc mã này trong bộ chỉ tiêu chung: " + ", ".join(unknown) + ".")
        return tuple(m for m in raw if m not in unknown)

    def reporting(self) -> tuple[int, int] | None:
        raw = self.raw.get("reporting")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.bad("reporting", "phải là bảng { due_day = 18, due_month_offset = 1 }.")
            return None
        for key in raw:
            if key not in ("due_day", "due_month_offset"):
                self.bad(f"reporting.{key}", "khóa không được hỗ trợ (chỉ due_day, due_month_offset).")
        problems: list[str] = []
        due_day, due_offset, _ = _reporting(raw, problems)
        for p in problems:
            self.problems.append(f"{self.where}, khóa {p.removeprefix('[')}".replace("reporting].", "`reporting.", 1)
                                 .replace(":", "`:", 1))
        if self.base is not None and self.base.reporting_shared:
            self.bad("reporting", "bộ chỉ tiêu chung đã đặt hạn báo cáo chung cho mọi xã ([reporting] shared = true); "
                     "bỏ khóa này hoặc bỏ shared.")
        return due_day, due_offset

    def units(self) -> tuple[Unit, ...] | None:
        raw = self.raw.get("units")
        if raw is None:
            return None
        if not isinstance(raw, list) or not raw:
            self.bad("units", "danh sách đơn vị [{ code = \"VP\", name = \"…\" }, …] (bỏ khóa này: dùng "
                     "các đơn vị của bộ chỉ tiêu chung).")
            return None
        units: list[Unit] = []
        codes: set[str] = set()
        for n, u in enumerate(raw, 1):
            code, name = (u.get("code"), u.get("name")) if isinstance(u, dict) else (None, None)
            if not isinstance(code, str) or not ID_RE.match(code):
                self.bad("units", f"đơn vị thứ {n}: code {code!r} phải gồm chữ in hoa A-Z, số 0-9, dấu _.")
            elif code in codes:
                self.bad("units", f"mã đơn vị {code} bị trùng.")
            elif not isinstance(name, str) or not name.strip():
                self.bad("units", f"đơn vị {code}: thiếu name.")
            else:
                codes.add(code)
                units.append(Unit(code, name.strip()))
        return tuple(units)

    def targets(self) -> tuple[tuple[str, float], ...]:
        raw = self.raw.get("targets", {})
        if not isinstance(raw, dict):
            self.bad("targets", "phải là bảng mã chỉ tiêu = mục tiêu, ví dụ { HT_WIFI_NVH = 14 }.")
            return ()
        out: list[tuple[str, float]] = []
        for iid, value in raw.items():
            if self.base is not None and not self.base.has_indicator(iid):
                self.bad(f"targets.{iid}", "không có chỉ tiêu mã này trong bộ chỉ tiêu chung.")
                continue
            if not _num(value) or value <= 0:
                self.bad(f"targets.{iid}", f"mục tiêu phải là số > 0 (đang là {shown(value)}).")
                continue
            if self.base is not None and self.base.indicator(iid).is_ratio and value > 100:
                self.bad(f"targets.{iid}", f"chỉ tiêu tỷ lệ tính theo %, không quá 100 (đang là {value!r}).")
                continue
            out.append((iid, float(value)))
        return tuple(out)

    def criteria_without_units(self, units: tuple[Unit, ...] | None) -> None:
        """Every criterion needs at least one unit of the commune that reports it."""
        if units is None or self.base is None:
            return
        codes = {u.code for u in units}
        orphans = [i.id for i in self.base.indicators if not any(u in codes for u in i.units)]
        if orphans:
            self.bad("units", "không đơn vị nào của xã báo cáo các chỉ tiêu: " + ", ".join(orphans)
                     + " (thêm đơn vị báo cáo các chỉ tiêu này).")
