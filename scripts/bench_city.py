"""`make bench` (city part): the app at city scale, each figure beside a floor measured in the same run.

For each engine (a DuckDB file; PostgreSQL: a throwaway cluster, tests/pg_server.py) and each size
(`--communes 10,50,120`: that many communes × their units × the criteria × `--months 36`, the
many-commune demo `kpi.usecases.demo.load_city_demo`, built once per run in a temporary folder):

- the demo build time;
- every commune's quarter score together, `kpi.usecases.city.city_scores` of the latest finished
  quarter (figures read included), and separately its pure part (`city_quarter_scores` on figures
  already read) — floor: one SQL GROUP BY commune, criterion, unit over the quarter's accepted
  figures (`kpi.store.reads.city_quarter_aggregate`, no scoring rule in it); target < 0.5 s and
  within 5× the floor;
- pages, warm script time (Streamlit AppTest, logged in as admin, the 2nd and later runs in one
  session): the city view (pages/city.py) and a commune's overview at every size, every commune
  page at the largest size, inside one commune (`--commune`, default the last one, chosen as the
  commune picker does) — floor: a minimal page's rerun; target < 1 s. The pages run in a child
  process per engine and size, which also reports
- the peak memory (VmHWM) of that process after serving the city view and the commune
  overview (the app's process: Streamlit, the cached reads and scores); target < 1 GiB;
- how each grows from the smallest to the largest size (exponent of a power law: 1 is linear).

It never fails: it reports, with the machine's load average (the machine may be shared). Run:

    .venv/bin/python scripts/bench_city.py [--communes 10,50,120] [--months 36] [--engine duckdb]
                                           [--repeat 5] [--all-pages-at largest|every|none] [--quick]

`--quick` (`make bench-smoke`: every part runs, nothing is measured well) is `--communes 2,3 --months 6
--engine duckdb --repeat 1 --all-pages-at none`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the commune pages, the catalogue and the minimal page are the ones scripts/bench.py measures
from bench import APP, CONFIG, MINIMAL_PAGE  # noqa: E402
from bench import PAGES as COMMUNE_PAGES  # noqa: E402

CITY_PAGE = "pages/city.py"
PAGE_S, SCORE_S, SCORE_RATIO, RSS_MIB = 1.0, 0.5, 5.0, 1024.0


def timed(fn: Callable[[], object], repeat: int, warm: int = 1) -> tuple[float, float]:
    """(median, best) seconds of `fn` over `repeat` calls after `warm` unmeasured ones."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ── databases, built once per run ───────────────────────────────────────────

class Databases:
    """The demo databases of this run: DuckDB files in a temporary folder, PostgreSQL databases in
    one throwaway cluster; each (engine, size) built once, its build time kept."""

    def __init__(self, folder: Path, months: int, today: dt.date):
        self.folder, self.months, self.today = folder, months, today
        self.pg = None
        self.built: dict[tuple[str, int], tuple[str, float]] = {}

    def target(self, engine: str, communes: int) -> tuple[str, float]:
        key = (engine, communes)
        if key not in self.built:
            if engine == "postgresql":
                target = self._pg().url(self._pg().new_database())
            else:
                target = str(self.folder / f"city-{communes}x{self.months}.duckdb")
            self.built[key] = (target, build(target, communes, self.months, self.today))
        return self.built[key]

    def _pg(self):
        if self.pg is None:
            from tests.pg_server import PgServer
            self.pg = PgServer()     # its own folder (the server's user must reach it), removed by stop()
            self.pg.start()
        return self.pg

    def close(self) -> None:
        if self.pg is not None:
            self.pg.stop()


def build(target: str, communes: int, months: int, today: dt.date) -> float:
    """What `python -m kpi demo --communes N --months M` builds: the communes' figures and uploads
    (timed: the seconds returned) and the demo accounts (the administrator sees every commune; not
    timed: a fixed ~17 password hashes)."""
    from kpi import store
    from kpi.domain.city import load_city
    from kpi.usecases.city import city_with_stored
    from kpi.usecases.demo import create_demo_accounts, load_city_demo
    conn = store.connect(target)
    try:
        city = load_city(CONFIG)
        t0 = time.perf_counter()
        load_city_demo(conn, city, communes, months, today=today)
        seconds = time.perf_counter() - t0
        city = city_with_stored(conn, city)
        first = city.communes[0].code
        create_demo_accounts(conn, city.catalog_for(first), commune=first)
    finally:
        conn.close()
    return seconds


# ── every commune's score ────────────────────────────────────────────────────

def bench_scoring(target: str, repeat: int, today: dt.date) -> dict[str, float]:
    """Seconds (median, and best as `…_best`) of the all-communes score and its floor."""
    from kpi import store
    from kpi.domain.city import load_city
    from kpi.domain.city_scoring import city_quarter_scores
    from kpi.domain.figures import Actor
    from kpi.domain.periods import Month
    from kpi.store.reads import city_figures, city_first_submissions, city_quarter_aggregate
    from kpi.usecases.city import city_scores, city_with_stored
    reader = Actor("Đo hiệu năng", role="system")
    quarter = Month.of(today).quarter.previous()          # the latest finished quarter
    current = Month.of(today).quarter
    periods = [str(m) for m in quarter.months]
    conn = store.connect(target)
    try:
        city = city_with_stored(conn, load_city(CONFIG))
        figures, log = city_figures(conn, periods), city_first_submissions(conn, periods)
        n = 3 * repeat
        out = {
            "floor": timed(lambda: city_quarter_aggregate(conn, periods), n, warm=2),
            "read": timed(lambda: (city_figures(conn, periods), city_first_submissions(conn, periods)), n),
            "pure": timed(lambda: city_quarter_scores(city, city.codes, figures, log, quarter, today), n),
            "total": timed(lambda: city_scores(conn, city, reader, quarter, as_of=today, with_previous=False), n),
            "view": timed(lambda: city_scores(conn, city, reader, quarter, as_of=today), n),
            "current": timed(lambda: city_scores(conn, city, reader, current, as_of=today, with_previous=False), n),
        }
        rows = len(figures)
    finally:
        conn.close()
    flat = {k: v[0] for k, v in out.items()} | {f"{k}_best": v[1] for k, v in out.items()}
    return flat | {"rows": rows, "quarter": str(quarter), "current_quarter": str(current)}


# ── pages, in a child process ────────────────────────────────────────────────

def child(target: str, commune: str, pages: list[str], repeat: int) -> dict:
    """Run in its own process: the floor, the city view, the commune's overview (then the peak
    memory), then the other pages; every page's (median, best) warm rerun in seconds."""
    from streamlit import logger as st_logger
    from streamlit.testing.v1 import AppTest
    os.environ["KPI_DB"], os.environ["KPI_CONFIG"] = target, str(CONFIG)

    def session(page: str) -> AppTest:
        st_logger.set_log_level("error")
        at = AppTest.from_file(APP, default_timeout=300)
        at.session_state["auth"] = {"login": "admin", "last_seen": time.time()}
        at.session_state["commune"] = commune      # what the commune picker keeps
        at.run()
        st_logger.set_log_level("error")
        at.switch_page(page).run()
        return at

    def rerun(at: AppTest) -> None:
        at.session_state["auth"] = {"login": "admin", "last_seen": time.time()}
        at.run()
        if at.exception or at.error:
            raise RuntimeError(f"the page failed: {at.exception or at.error}")

    floor_at = AppTest.from_string(MINIMAL_PAGE, default_timeout=60)
    out: dict = {"floor": timed(lambda: floor_at.run(), repeat, warm=2), "pages": {}}
    ordered = [CITY_PAGE, "pages/overview.py"] + [p for p in pages if p not in (CITY_PAGE, "pages/overview.py")]
    for page in ordered:
        try:
            at = session(page)
            if page == "pages/overview.py" and at.session_state["commune"] != commune:
                raise RuntimeError(f"the overview opened commune {at.session_state['commune']}, not {commune}")
            out["pages"][page] = timed(lambda at=at: rerun(at), repeat, warm=1)
        except Exception as e:   # the bench reports, never fails
            out["pages"][page] = str(e)[:200]
        if page == "pages/overview.py":
            out["rss_mib"] = peak_rss_mib()
    return out


def peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM (ru_maxrss of a child started by fork and exec may
    report its parent's peak on Linux, so the kernel's own high-water mark of this process is read)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(target: str, commune: str, pages: list[str], repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--child", target, "--commune", commune, "--repeat", str(repeat),
           "--pages", ",".join(pages)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        return {"error": (done.stderr or done.stdout)[-400:]}
    return json.loads(lines[-1])


# ── printing ─────────────────────────────────────────────────────────────────

def header(title: str) -> None:
    print(f"\n{title}\n\n| {'measured':<58} | {'median':>10} | {'best':>10} | {'floor':>10} | {'ratio':>7} "
          f"| {'target':<16} |")
    print(f"|{'-' * 60}|{'-' * 12}|{'-' * 12}|{'-' * 12}|{'-' * 9}|{'-' * 18}|", flush=True)


def ms(x: float) -> str:
    return f"{x * 1000:7.1f} ms" if x < 10 else f"{x:8.2f} s"


def row(name: str, value: float, best: float | None, floor: float | None, target: str = "") -> None:
    ratio = f"{value / floor:6.2f}×" if floor else ""
    print(f"| {name:<58} | {ms(value):>10} | {ms(best) if best is not None else '':>10} | "
          f"{ms(floor) if floor else '':>10} | {ratio:>7} | {target:<16} |", flush=True)


def verdict(ok: bool) -> str:
    return "✔" if ok else "✘"


def exponent(sizes: list[int], values: list[float]) -> str:
    """The power law between the smallest and the largest size: 1.0 grows like the communes."""
    if len(sizes) < 2 or values[0] <= 0 or values[-1] <= 0:
        return ""
    k = math.log(values[-1] / values[0]) / math.log(sizes[-1] / sizes[0])
    return f"{k:4.2f}" + (" worse than linear" if k > 1.15 else "")


def report(engine: str, size: int, built: float, scoring: dict, pages: dict) -> None:
    floor = scoring["floor"]
    header(f"{engine}, {size} communes × {scoring['rows'] // 3 // size if size else 0} figures a month each "
           f"(latest finished quarter {scoring['quarter']}: {scoring['rows']} figures); built in {built:.1f} s")
    row("SQL GROUP BY commune, criterion, unit (floor)", floor, scoring["floor_best"], floor)
    row("  read: the quarter's figures and first uploads", scoring["read"], scoring["read_best"], floor)
    row("  pure: city_quarter_scores (figures already read)", scoring["pure"], scoring["pure_best"], floor)
    row(f"city_scores {scoring['quarter']}, read included", scoring["total"], scoring["total_best"], floor,
        f"< {SCORE_S} s, < {SCORE_RATIO:.0f}× {verdict(scoring['total'] < SCORE_S and scoring['total'] < SCORE_RATIO * floor)}")
    row("city_scores + the quarter before (what the city view asks)", scoring["view"], scoring["view_best"], floor)
    row(f"city_scores {scoring['current_quarter']} (provisional, months not due)", scoring["current"],
        scoring["current_best"], floor)
    if "error" in pages:
        print(f"(pages not measured: {pages['error']})")
        return
    page_floor = pages["floor"][0]
    row("minimal page, one selectbox (floor)", page_floor, pages["floor"][1], page_floor)
    for page, t in pages["pages"].items():
        if isinstance(t, str):
            print(f"| {page:<58} | failed: {t}")
            continue
        row(f"{page} (warm)", t[0], t[1], page_floor, f"< {PAGE_S:.0f} s {verdict(t[0] < PAGE_S)}")
    if "rss_mib" in pages:
        print(f"| {'peak RSS after the city view and the overview':<58} | {pages['rss_mib']:7.0f} MiB | "
              f"{'':>10} | {'':>10} | {'':>7} | < 1 GiB {verdict(pages['rss_mib'] < RSS_MIB):<8} |")


def growth(engine: str, sizes: list[int], results: dict) -> None:
    print(f"\nGrowth, {engine}: median per size; exponent k of time ∝ communes^k between {sizes[0]} and "
          f"{sizes[-1]} (1 = linear)\n")
    print("| measured | " + " | ".join(f"{n} communes" for n in sizes) + " | k |")
    print("|---|" + "---|" * len(sizes) + "---|")
    metrics: list[tuple[str, Callable[[dict], float | None], str]] = [
        ("demo build", lambda r: r["built"], "s"),
        ("figures in the quarter", lambda r: r["scoring"]["rows"], "n"),
        ("SQL GROUP BY (floor)", lambda r: r["scoring"]["floor"], "t"),
        ("city_scores, read included", lambda r: r["scoring"]["total"], "t"),
        ("  its pure part", lambda r: r["scoring"]["pure"], "t"),
        ("city_scores ÷ floor", lambda r: r["scoring"]["total"] / r["scoring"]["floor"], "x"),
        ("city view warm", lambda r: _page(r, CITY_PAGE), "t"),
        ("commune overview warm", lambda r: _page(r, "pages/overview.py"), "t"),
        ("peak RSS (MiB)", lambda r: r["pages"].get("rss_mib"), "m"),
    ]
    for name, get, kind in metrics:
        values = [get(results[(engine, n)]) for n in sizes]
        cells = [("—" if v is None else f"{v:.1f} s" if kind == "s" else f"{v:.0f}" if kind in "nm"
                  else f"{v:.2f}×" if kind == "x" else ms(v).strip()) for v in values]
        k = exponent(sizes, values) if kind in "stn" and None not in values else ""
        print(f"| {name} | " + " | ".join(cells) + f" | {k} |")


def _page(result: dict, page: str) -> float | None:
    t = result["pages"].get("pages", {}).get(page)
    return t[0] if isinstance(t, list | tuple) else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communes", default="10,50,120", help="sizes, comma-separated (default 10,50,120)")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--engine", choices=["duckdb", "postgresql"], action="append",
                        help="one engine (repeatable; default both)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--commune", help="the commune the commune pages work in (default: the last one)")
    parser.add_argument("--all-pages-at", choices=["largest", "every", "none"], default="largest",
                        help="where every commune page is measured (the city view and the overview: every size)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 2 and 3 communes × 6 months, DuckDB, one repeat, city view and overview")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--pages", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.communes, args.months, args.engine, args.repeat, args.all_pages_at = "2,3", 6, ["duckdb"], 1, "none"
    if args.child:
        print(json.dumps(child(args.child, args.commune, args.pages.split(","), args.repeat)))
        return 0
    sizes = sorted({int(x) for x in args.communes.split(",") if x.strip()})
    engines = args.engine or ["duckdb", "postgresql"]
    if "postgresql" in engines:
        from tests.pg_server import postgres_unavailable
        why = postgres_unavailable()
        if why:
            print(f"(PostgreSQL not measured: {why})")
            engines = [e for e in engines if e != "postgresql"]
    today = dt.date.today()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores · load average before: {load()}"
          f"\nsizes {sizes} communes × {args.months} months, engines {engines}, repeat {args.repeat}", flush=True)
    results: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory(prefix="kpi-bench-city-") as tmp:
        dbs = Databases(Path(tmp), args.months, today)
        try:
            for engine in engines:
                for n in sizes:
                    target, built = dbs.target(engine, n)
                    scoring = bench_scoring(target, args.repeat, today)
                    commune = args.commune or f"XA{n - 1:03d}"
                    every = args.all_pages_at == "every" or (args.all_pages_at == "largest" and n == sizes[-1])
                    pages = run_child(target, commune, COMMUNE_PAGES if every else [CITY_PAGE, "pages/overview.py"],
                                      args.repeat)
                    results[(engine, n)] = {"built": built, "scoring": scoring, "pages": pages}
                    report(engine, n, built, scoring, pages)
                    print(f"(load average now: {load()})", flush=True)
        finally:
            dbs.close()
    for engine in engines:
        growth(engine, sizes, results)
    print(f"\nload average after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
