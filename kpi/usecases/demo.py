"""A deterministic, realistic demo: the commune's units over the last N months.

Figures improve over time; the health station (TYT) is late every fourth month; the military
command (QS) misses one month; the public-service centre corrects one month (a second version);
some criteria stay below target so a quarter shows points lost. Everything is written through
`store.record_submissions`, like real data.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from kpi.domain.catalog import Catalog
from kpi.domain.city import City, CommuneSpec
from kpi.domain.figures import Actor, Figure, Submission
from kpi.domain.periods import Month
from kpi.store import non_demo_uploads, record_submissions, sync_catalog

DEMO_ACTOR = Actor("Dữ liệu mẫu", role="system")

# id → (rate at start %, rate at end %, denominator per unit per month)
RATIO_PLAN: dict[str, tuple[float, float, dict[str, int] | int]] = {
    "HT_MAY_TINH": (85, 100, {"VP": 12, "VHXH": 8, "KT": 7, "TTPVHCC": 10, "TTDVSNC": 9}),
    "HT_CHU_KY_SO": (70, 100, {"VP": 12, "VHXH": 8, "KT": 7, "TTPVHCC": 10, "TTDVSNC": 9,
                               "CA": 14, "QS": 5}),
    "ATTT_MA_DOC": (40, 104, 48),
    "CQ_KY_SO_VB": (88, 100.5, {"VP": 60, "VHXH": 25, "KT": 22, "TTPVHCC": 30, "TTDVSNC": 15,
                                "CA": 18, "QS": 8, "QLDA": 10}),
    "CQ_HSCV_DIEN_TU": (80, 99, {"VP": 80, "VHXH": 40, "KT": 35, "TTPVHCC": 30, "TTDVSNC": 25,
                                 "QLDA": 20}),
    "CQ_QUY_TRINH_LOI": (33, 100, 12),
    "CQ_SO_HOA_LUU_TRU": (30, 72, 2000),
    "DVC_TOAN_TRINH": (60, 101, 180),
    "DVC_HS_TRUC_TUYEN": (72, 91.5, {"TTPVHCC": 412, "CA": 80}),
    "DVC_SO_HOA": (80, 97, 380),
    "DVC_TAI_SU_DUNG": (60, 90, 412),
    "DVC_QUA_HAN": (6, 1.8, {"TTPVHCC": 380, "CA": 75}),
    "DVC_THANH_TOAN": (40, 85, 150),
    "DVC_HAI_LONG": (85, 97, 220),
    "DA06_VNEID": (70, 89, 9500),
    "DA06_SO_SUC_KHOE": (30, 70, 12800),
    "DA06_KHONG_TIEN_MAT": (50, 96, {"MN": 250, "TH": 600, "THCS": 480}),
    "NL_KY_NANG_SO": (40, 97, {"VP": 12, "VHXH": 8, "KT": 7, "TTPVHCC": 10, "TTDVSNC": 9,
                                "TYT": 11, "QLDA": 6}),
    "CD_CAP_NHAT_TIEN_DO": (70, 95, 45),
}
# id → (value at start, value at end) per month
NUMBER_PLAN: dict[str, tuple[float, float]] = {
    "ATTT_TUONG_LUA": (0, 1.4),
    "HT_WIFI_NVH": (4, 14),
    "NL_TO_CNS": (6, 17),
    "TT_TIN_BAI": (2, 6),
    "TT_PHAT_THANH": (5, 10),
}
LATE_UNIT, MISSING_UNIT, CORRECTING_UNIT = "TYT", "QS", "TTPVHCC"


def demo_months(n: int, today: dt.date) -> list[Month]:
    """The n months before `today`'s month (months that have ended), oldest first."""
    current = Month.of(today)
    return [current.add(-k) for k in range(n, 0, -1)]


def _cutoff(today: dt.date, now: dt.datetime | None) -> dt.datetime:
    """The last moment the demo may write an upload at: `now`, else the end of `today`."""
    return now if now is not None else dt.datetime.combine(today, dt.time(23, 59, 59))


@dataclass(frozen=True)
class Trajectory:
    """How one demo commune fares: `level` scales every rate and count (1 = the plan, 0.6 = far
    behind), `late_share` of its units send late each month (1 = every unit late every month),
    `missing_share` of its unit-months never arrive."""
    level: float = 1.0
    late_share: float = 0.0
    missing_share: float = 0.0


def build_demo(catalog: Catalog, months: int, today: dt.date, seed: int = 6,
               trajectory: Trajectory | None = None, now: dt.datetime | None = None) -> list[Submission]:
    """The demo submissions of `catalog`'s commune as the record stands at `now` (the end of `today`
    when not given): months that have ended, and only the uploads sent by then — a unit whose
    report of last month is not due yet may not have sent it. With a `trajectory` that commune's
    own course (without one: the one-commune demo)."""
    rng = random.Random(seed)
    cutoff = _cutoff(today, now)
    periods = demo_months(months, today)
    subs: list[Submission] = []
    for step, month in enumerate(periods):
        progress = step / max(1, len(periods) - 1)
        due = month.due_date(catalog.due_day, catalog.due_month_offset)
        late_units = {LATE_UNIT} if step % 4 == 1 else set()
        if trajectory is not None:
            late_units |= {u.code for u in catalog.units if rng.random() < trajectory.late_share}
        for unit in catalog.units:
            if unit.code == MISSING_UNIT and step == len(periods) - 5:
                continue  # this month never arrived
            if trajectory is not None and rng.random() < trajectory.missing_share:
                continue
            figures = []
            for ind in catalog.indicators_of_unit(unit.code):
                if ind.computed == "on_time_reporting":
                    continue
                figure = _figure(ind, unit.code, progress, rng, len(catalog.units),
                                 len(late_units) + (step == len(periods) - 5),
                                 trajectory.level if trajectory else 1.0)
                # a criterion measured from the task register is drawn all the same (and not sent), so
                # the demo's other numbers stay the same whether the catalogue types it or measures it
                if not ind.is_computed:
                    figures.append(figure)
            days = rng.randint(2, 12)
            sent = due + dt.timedelta(days=3) if unit.code in late_units else due - dt.timedelta(days=days)
            sent_at = dt.datetime.combine(sent, dt.time(8 + rng.randint(0, 8), rng.randint(0, 59)))
            if sent_at > cutoff:
                continue   # not sent yet: the demo never writes an upload after "now"
            subs.append(Submission(catalog.commune, unit.code, str(month), tuple(figures),
                                   file_name=None, source="demo", submitted_at=sent_at))
            if unit.code == CORRECTING_UNIT and step == len(periods) - 2 \
                    and sent_at + dt.timedelta(days=2) <= cutoff:
                # the centre finds a typo and sends a corrected file two days later
                fixed = tuple(Figure(f.indicator_id, f.numerator, f.denominator, f.value,
                                     "Đã sửa số liệu" if f.indicator_id == "DVC_SO_HOA" else f.note)
                              if f.indicator_id != "DVC_SO_HOA" else
                              Figure(f.indicator_id, min(f.denominator, f.numerator + 5),
                                     f.denominator, None, "Bổ sung hồ sơ số hóa bị sót")
                              for f in figures)
                subs.append(Submission(catalog.commune, unit.code, str(month), fixed,
                                       file_name=None, source="demo",
                                       submitted_at=sent_at + dt.timedelta(days=2)))
    return subs


def _figure(ind, unit: str, progress: float, rng: random.Random, unit_count: int,
            late_count: int, level: float = 1.0) -> Figure:
    if ind.id == "CD_BAO_CAO_DUNG_HAN":
        return Figure(ind.id, float(unit_count - late_count), float(unit_count))
    if ind.is_ratio:
        start, end, dens = RATIO_PLAN.get(ind.id, (70, 100, 100))
        base = dens.get(unit, 50) if isinstance(dens, dict) else dens
        den = max(1, round(base * rng.uniform(0.9, 1.1))) if base > 20 else base
        rate = start + (end - start) * progress + rng.uniform(-2, 2)
        if level != 1.0:   # lower is better for some criteria: being behind moves away from the target
            rate = rate * level if ind.higher_is_better else rate / max(level, 0.1)
        rate = min(100.0, max(0.0, rate))
        return Figure(ind.id, float(round(den * rate / 100)), float(den))
    start, end = NUMBER_PLAN.get(ind.id, (0, ind.target))
    value = max(0.0, min(float(round((start + (end - start) * progress) * level + rng.uniform(-0.5, 0.5))),
                         ind.target if ind.aggregate == "last" else 1e9))
    return Figure(ind.id, value=value)


class RealDataPresent(Exception):
    """The database holds uploads that are not demo data; the demo is not written over them."""


def load_demo(conn, catalog: Catalog, months: int, today: dt.date,
              *, force: bool = False, now: dt.datetime | None = None) -> int:
    """Write the demo through the store; returns the number of uploads created.

    Refuses (writing nothing) a database holding any non-demo upload unless `force`."""
    real = non_demo_uploads(conn)
    if real and not force:
        raise RealDataPresent(f"Cơ sở dữ liệu đã có {real} lần gửi số liệu thật; không tạo dữ liệu "
                              "mẫu lên trên (dùng --force nếu thật sự muốn).")
    sync_catalog(conn, catalog, DEMO_ACTOR)
    # a replay of the same deterministic demo repeats its corrections: not a roll-back to ask about
    outcomes = record_submissions(conn, build_demo(catalog, months, today, now=now), DEMO_ACTOR, allow_rollback=True)
    load_demo_register(conn, catalog, today)
    return sum(o.created for o in outcomes)


def load_demo_register(conn, catalog: Catalog, today: dt.date) -> int:
    """The sample task register (the documents' tasks) with its demo progress, once per database (the
    catalogue's obligations, which the catalogue sync writes into the register, are not a document of it)."""
    from kpi.domain.milestones import CATALOG_SOURCE
    from kpi.store.tasks import task_sources
    from kpi.usecases.tasks import load_sample_register
    if any(s.key != CATALOG_SOURCE.key for _i, s, _n in task_sources(conn, catalog.commune)):
        return 0
    return load_sample_register(conn, catalog, DEMO_ACTOR, today)


# Demo accounts: for trying the app only (the README lists them as such). Never created in a
# database that holds real (non-demo) uploads.
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin", "Quản trị (mẫu)"),
    ("vanphong", "office", "Văn phòng VH-XH (mẫu)"),
    ("lanhdao", "leader", "Lãnh đạo (mẫu)"),
    ("xem", "viewer", "Chỉ xem (mẫu)"),
)


def demo_password(login: str) -> str:
    return f"demo-{login}"


CITY_DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (("thanhpho", "city_viewer", "Xem toàn thành phố (mẫu)"),)


def demo_account_list(catalog: Catalog, city: bool = False) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(login, role, units, name) of every demo account: one per role, one coordinator per unit
    (`city`: and the city roles)."""
    out = [(login, role, (), name) for login, role, name in DEMO_ACCOUNTS]
    out += [(f"dv-{u.code.lower()}", "coordinator", (u.code,), f"Đầu mối {u.name} (mẫu)") for u in catalog.units]
    if city:
        out += [(login, role, (), name) for login, role, name in CITY_DEMO_ACCOUNTS]
    return out


def create_demo_accounts(conn, catalog: Catalog, commune: str | None = None) -> int:
    """Create the demo accounts that are missing; none in a database with real uploads. With
    `commune` (a demo of many communes): the office, leader, viewer and coordinators work in that
    commune only; the administrator and the city viewer see every commune."""
    from kpi.store.accounts import get_account, real_uploads
    from kpi.usecases.accounts import add_user
    if real_uploads(conn):
        return 0
    created = 0
    for login, role, units, name in demo_account_list(catalog, city=commune is not None):
        if get_account(conn, login) is None:
            scope = None if commune is None or role in ("admin", "city_admin", "city_viewer") else commune
            add_user(conn, catalog, DEMO_ACTOR, login, role, units, name, demo_password(login), demo=True,
                     commune=scope)
            created += 1
    return created


# --- many communes -----------------------------------------------------------------------------

_NAME_FIRST = ("An", "Bình", "Cát", "Đông", "Hòa", "Hưng", "Kiến", "Lê", "Minh", "Nam", "Quang", "Tân",
               "Thái", "Thủy", "Tiên", "Trung", "Vĩnh", "Yên")
_NAME_SECOND = ("Lão", "Hải", "Thụy", "Sơn", "Lợi", "Phong", "Thành", "Lạc", "Đông", "Tây", "Hòa", "Phú")


def demo_communes(city: City, n: int) -> list[CommuneSpec]:
    """The first `n` communes of the city, then made-up ones (XA001, «Xã An Lão», …) up to `n`."""
    out = list(city.communes[:n])
    taken = {c.code for c in out}
    k = 0
    while len(out) < n:
        k += 1
        code = f"XA{k:03d}"
        if code in taken:
            continue
        first, second = _NAME_FIRST[(k - 1) % len(_NAME_FIRST)], _NAME_SECOND[((k - 1) // len(_NAME_FIRST)) % 12]
        suffix = f" {(k - 1) // (len(_NAME_FIRST) * 12) + 1}" if k > len(_NAME_FIRST) * 12 else ""
        out.append(CommuneSpec(code, f"Xã {first} {second}{suffix}"))
    return out


def trajectory_of(index: int, seed: int) -> Trajectory | None:
    """Commune `index`'s course, from its own seed: the first commune is the one-commune demo; then
    some far behind, some late every month, some missing months, most in between."""
    if index == 0:
        return None
    rng = random.Random(seed * 7919 + index)
    kind = index % 6
    if kind == 1:      # far behind
        return Trajectory(level=rng.uniform(0.55, 0.7), late_share=rng.uniform(0.1, 0.3))
    if kind == 2:      # late every month
        return Trajectory(level=rng.uniform(0.9, 1.0), late_share=1.0)
    if kind == 3:      # months that never arrive
        return Trajectory(level=rng.uniform(0.8, 0.95), missing_share=rng.uniform(0.1, 0.25))
    return Trajectory(level=rng.uniform(0.85, 1.03), late_share=rng.uniform(0.0, 0.15))


def load_city_demo(conn, city: City, communes: int, months: int, today: dt.date,
                   *, force: bool = False, seed: int = 6, now: dt.datetime | None = None) -> int:
    """Fill one database with `communes` communes, each its own course (deterministic per seed),
    through the same write functions as real data; returns the number of uploads created.

    Refuses (writing nothing) a database holding any non-demo upload unless `force`."""
    real = non_demo_uploads(conn)
    if real and not force:
        raise RealDataPresent(f"Cơ sở dữ liệu đã có {real} lần gửi số liệu thật; không tạo dữ liệu "
                              "mẫu lên trên (dùng --force nếu thật sự muốn).")
    specs = demo_communes(city, communes)
    full = City(city.code, city.name, city.base, tuple(specs), base_text=city.base_text)
    created = 0
    for index, spec in enumerate(specs):
        catalog = full.catalog_for(spec.code)
        sync_catalog(conn, catalog, DEMO_ACTOR, full.catalog_text_for(spec.code))
        subs = build_demo(catalog, months, today, seed=seed + index, trajectory=trajectory_of(index, seed), now=now)
        outcomes = record_submissions(conn, subs, DEMO_ACTOR, allow_rollback=True)
        created += sum(o.created for o in outcomes)
        if index == 0:       # the first commune is the one-commune demo: its task register too
            load_demo_register(conn, catalog, today)
    return created
