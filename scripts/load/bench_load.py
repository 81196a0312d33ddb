"""`make bench-load`: the deadline day, measured — one app process against N workers behind nginx,
side by side in one run, on one 120-commune PostgreSQL database (BENCHMARK.md «Deadline day»).

    python scripts/load/bench_load.py [--users 40] [--time 120] [--workers 4] [--quick]

For each layout in turn (the same database, the same users, the same minutes of the machine):
- (a) Locust users speaking Streamlit's WebSocket protocol (locustfile.py): the city view, commune
  overviews and unit pages, one action per session every ~10 s;
- (b) at the same time, coordinators sending monthly workbooks: each one a `python -m kpi import`
  process (check + store, the CLI's path, not the web page's upload widget) for a demo commune's
  unit, a few seconds apart; every file sent must be stored exactly once (its sha256 in `uploads`,
  once) and `python -m kpi verify` must pass at the end;
- (c) N workers only: one worker killed (SIGKILL) half way; its sessions reconnect to another
  worker and log in again; serve_city.py starts it again, as systemd would.
Measured: sessions held at the end, p50/p95/p99 of the actions (logins apart), failures, CPU seconds
and peak memory of each worker. It prints a Markdown table and writes RUN_DIR/results.json. It
reports and never fails on a figure; it exits 1 only when an upload is lost or stored twice or
`verify` fails. Loopback only; every loop is bounded in count and time.

`--quick` (.ci/run): 10 users for 30 s, 2 workers, 2 uploads per layout — so the path cannot rot.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from serve_city import DemoCluster, private_folder  # noqa: E402

PY = sys.executable
LOCUST = str(Path(PY).parent / "locust")
ACTIONS_EXCLUDED = {"open", "login"}      # a session's start, not what a user waits for all day


def say(text: str) -> None:
    print(f"[bench-load {time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- (b) the workbooks the coordinators send ---------------------------------------------------------
def make_workbooks(n: int, communes: int, folder: Path) -> list[dict]:
    """`n` monthly workbooks of the latest demo month, for units of demo communes, each with figures
    of its own (a new version each)."""
    import openpyxl

    from kpi.domain.city import City, load_city
    from kpi.reports.template import build_template
    from kpi.usecases.demo import build_demo, demo_communes
    city = load_city(ROOT / "config" / "indicators.toml")
    specs = demo_communes(city, communes)
    full = City(city.code, city.name, city.base, tuple(specs), base_text=city.base_text)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    today = dt.date.today()
    run_seed = int(time.time()) % 1_000_000 * 100     # figures of their own in every run: each file is new
    for i in range(n):
        spec = specs[(i * 7) % len(specs)]
        catalog = full.catalog_for(spec.code)
        subs = build_demo(catalog, 3, today, seed=run_seed + i)
        latest = max(x.period for x in subs)
        subs = [x for x in subs if x.period == latest]
        sub = subs[i % len(subs)]
        wb = openpyxl.load_workbook(io.BytesIO(build_template(catalog, sub.period, sub.unit)))
        ws = wb["Số liệu"]
        rows = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
        for f in sub.figures:
            r = rows[f.indicator_id]
            if f.value is not None:
                ws.cell(r, 7, f.value)
            else:
                ws.cell(r, 5, f.numerator)
                ws.cell(r, 6, f.denominator)
        buf = io.BytesIO()
        wb.save(buf)
        path = folder / f"{spec.code}-{sub.unit}-{sub.period}-{i}.xlsx"
        path.write_bytes(buf.getvalue())
        out.append({"path": str(path), "commune": spec.code, "sha256": hashlib.sha256(buf.getvalue()).hexdigest()})
    return out


class Uploader(threading.Thread):
    """Sends its workbooks one by one, `every` seconds apart, each through `python -m kpi import`."""

    def __init__(self, db: str, files_dir: Path, books: list[dict], every: float, deadline: float):
        super().__init__(daemon=True)
        self.db, self.files_dir, self.books, self.every, self.deadline = db, files_dir, books, every, deadline
        self.sent: list[dict] = []

    def run(self) -> None:
        for book in self.books:
            if time.monotonic() > self.deadline:
                break
            t0 = time.perf_counter()
            done = subprocess.run([PY, "-m", "kpi", "--db", self.db, "import", book["path"], "--commune",
                                   book["commune"], "--by", "admin"], cwd=ROOT, capture_output=True, text=True,
                                  env={**os.environ, "KPI_FILES_DIR": str(self.files_dir)}, timeout=300)
            self.sent.append({**book, "rc": done.returncode, "seconds": time.perf_counter() - t0,
                              "output": (done.stdout + done.stderr)[-400:]})
            time.sleep(max(0.0, self.every - (time.perf_counter() - t0)))


# --- CPU and memory of each worker -----------------------------------------------------------------
class Sampler(threading.Thread):
    """Every second: CPU seconds and memory of each `kpi.web.serve` process under `parent`, by port."""

    def __init__(self, parent: int):
        super().__init__(daemon=True)
        self.parent = parent
        self.stop_event = threading.Event()
        self.cpu: dict[tuple[str, int], float] = {}      # (port, pid) → last cpu seconds
        self.start_cpu: dict[tuple[str, int], float] = {}
        self.peak_rss: dict[str, int] = {}

    def workers(self):
        try:
            kids = psutil.Process(self.parent).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for p in kids:
            try:
                cmd = p.cmdline()
                if "kpi.web.serve" in cmd:
                    yield cmd[cmd.index("--server.port") + 1], p
            except (psutil.Error, ValueError):
                continue

    def sample(self) -> None:
        for port, p in self.workers():
            try:
                t = p.cpu_times()
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            key = (port, p.pid)
            self.start_cpu.setdefault(key, t.user + t.system)
            self.cpu[key] = t.user + t.system
            self.peak_rss[port] = max(self.peak_rss.get(port, 0), rss)

    def run(self) -> None:
        while not self.stop_event.wait(1.0):
            self.sample()

    def per_port(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for (port, pid), last in self.cpu.items():
            out[port] = out.get(port, 0.0) + last - self.start_cpu[(port, pid)]
        return out


# --- CPU of one action, measured alone ---------------------------------------------------------------
def calibrate(url: str, worker_pid: int, actions: int) -> dict:
    """One session alone on a worker: the worker's CPU seconds for a login and per action (the same
    mix as the users: overview, commune, quarter, unit page, unit, city page), before the load starts."""
    from streamlit_session import StreamlitSession
    proc = psutil.Process(worker_pid)

    def cpu() -> float:
        t = proc.cpu_times()
        return t.user + t.system

    s = StreamlitSession(url)
    s.open()
    c0 = cpu()
    s.log_in("admin", "demo-admin")
    c1 = cpu()
    steps = [lambda i: s.open_page(""), lambda i: s.choose("Xã", 7 * i + 3), lambda i: s.choose("Quý", i),
             lambda i: s.open_page("don-vi"), lambda i: s.choose("Đơn vị", i), lambda i: s.open_page("toan-thanh-pho")]
    walls = []
    for i in range(actions):
        t = time.perf_counter()
        steps[i % len(steps)](i)
        walls.append(time.perf_counter() - t)
    c2 = cpu()
    s.close()
    return {"login_cpu_s": c1 - c0, "action_cpu_ms": 1000 * (c2 - c1) / actions,
            "action_wall_ms_p50": 1000 * percentile(walls, 0.5), "actions": actions}


# --- one layout ------------------------------------------------------------------------------------
def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def run_layout(name: str, workers: int, args, db: str, files_dir: Path, books: list[dict], run_dir: Path) -> dict:
    folder = run_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    port = args.proxy_port
    say(f"{name}: starting {workers} worker(s)")
    city = subprocess.Popen([PY, str(ROOT / "scripts" / "serve_city.py"), "--workers", str(workers), "--db", db,
                             "--files-dir", str(files_dir), "--run-dir", str(folder), "--port", str(port),
                             "--first-worker-port", str(args.first_worker_port), "--check-every", "1",
                             "--stop-after", str(args.time + 240)],
                            cwd=ROOT, stdout=open(folder / "serve-city.log", "w"),  # noqa: SIM115 — the child's log
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while not healthy(f"http://127.0.0.1:{port}"):
        if city.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve_city did not start; see {folder / 'serve-city.log'}")
        time.sleep(0.5)
    # one process: straight to the worker, as `make run` serves today; N workers: through nginx
    target = f"http://127.0.0.1:{args.first_worker_port}" if workers == 1 else f"http://127.0.0.1:{port}"
    sampler = Sampler(city.pid)
    calibration = None
    if workers == 1:
        pid = next(p.pid for _, p in sampler.workers())
        calibration = calibrate(target, pid, args.calibrate)
        say(f"{name}: one session alone: login {calibration['login_cpu_s']:.2f} s CPU, "
            f"{calibration['action_cpu_ms']:.0f} ms CPU per action (p50 wall {calibration['action_wall_ms_p50']:.0f} ms)")
    sampler.sample()
    sampler.start()
    report = folder / "users.json"
    spawn = max(1.0, args.users / max(1.0, args.time / 4))      # every session opened in the first quarter
    env = {**os.environ, "LOAD_REPORT": str(report), "LOAD_WAIT": str(args.wait)}
    t0 = time.monotonic()
    locust = subprocess.Popen([LOCUST, "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(args.users),
                               "-r", f"{spawn:.2f}", "-t", f"{args.time}s", "--host", target, "--csv",
                               str(folder / "locust"), "--only-summary", "--stop-timeout", "20",
                               "--loglevel", "WARNING"],
                              cwd=ROOT, env=env, stdout=open(folder / "locust.log", "w"),  # noqa: SIM115 — the child's log
                              stderr=subprocess.STDOUT)
    uploader = Uploader(db, files_dir, books, args.upload_every, t0 + args.time - 5)
    uploader.start()
    killed = None
    if workers > 1 and not args.no_kill:
        time.sleep(args.time / 2)
        victims = list(sampler.workers())
        if victims:
            port_killed, proc = victims[-1]
            say(f"{name}: killing worker {port_killed} (pid {proc.pid}) half way")
            proc.send_signal(signal.SIGKILL)
            killed = port_killed
    try:
        locust.wait(args.time + 120)
    except subprocess.TimeoutExpired:
        locust.kill()
    uploader.join(timeout=300)
    sampler.stop_event.set()
    sampler.join()
    city.send_signal(signal.SIGTERM)
    try:
        city.wait(60)
    except subprocess.TimeoutExpired:
        city.kill()
    return {"layout": name, "workers": workers, "killed": killed, "calibration": calibration, "wall": time.monotonic() - t0,
            "stats": read_stats(report),
            "cpu": sampler.per_port(), "rss": sampler.peak_rss, "uploads": uploader.sent}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def read_stats(report: Path) -> dict:
    """Every action's time as the users noted it (locustfile.py): exact percentiles of the actions
    (a session's open and login apart), failures, logins."""
    data = json.loads(report.read_text()) if report.exists() else {"users": [], "times": []}
    actions = [(ms, failed) for name, ms, failed in data["times"] if name not in ACTIONS_EXCLUDED]
    ok = [ms for ms, failed in actions if not failed]
    logins = [ms for name, ms, failed in data["times"] if name == "login" and not failed]
    by_name: dict[str, list[float]] = {}
    for name, ms, _failed in data["times"]:
        by_name.setdefault(name, []).append(ms)
    return {"users": data["users"], "actions": len(actions), "failures": sum(1 for _, f in actions if f),
            "p50": percentile(ok, 0.5), "p95": percentile(ok, 0.95), "p99": percentile(ok, 0.99),
            "requests": len(data["times"]),
            "open_fail": sum(1 for n, _, f in data["times"] if n == "open" and f),
            "login_fail": sum(1 for n, _, f in data["times"] if n == "login" and f),
            "login_p50": percentile(logins, 0.5), "logins": len(logins),
            "by_name": {n: {"count": len(v), "p50": percentile(v, 0.5), "p95": percentile(v, 0.95)}
                        for n, v in sorted(by_name.items())}}


def check_uploads(db: str, files_dir: Path, sent: list[dict]) -> dict:
    import psycopg
    with psycopg.connect(db) as c:
        counts = {sha: c.execute("SELECT count(*) FROM uploads WHERE sha256 = %s", (sha,)).fetchone()[0]
                  for sha in {s["sha256"] for s in sent}}
    # the CLI's summary: «… 1 đã nhập, 0 không đổi …»; a file with the very figures already stored is
    # «không đổi» (no new version, nothing stored): not a lost upload
    unchanged = [s for s in sent if s["rc"] == 0 and "0 đã nhập, 1 không đổi" in s["output"]]
    accepted = [s for s in sent if s["rc"] == 0 and s not in unchanged]
    once = sum(1 for s in accepted if counts.get(s["sha256"]) == 1)
    verify = subprocess.run([PY, "-m", "kpi", "--db", db, "verify"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "KPI_FILES_DIR": str(files_dir)}, timeout=600)
    return {"sent": len(sent), "accepted": len(accepted), "unchanged": len(unchanged), "stored_once": once,
            "stored_twice_or_more": sum(1 for n in counts.values() if n > 1),
            "refused_outputs": [s["output"] for s in sent if s["rc"] != 0][:3],
            "verify_rc": verify.returncode, "verify": (verify.stdout + verify.stderr)[-600:]}


def table(results: list[dict], args) -> str:
    lines = [f"Users {args.users}, {args.time} s, one action per ~{args.wait:.0f} s per session; load average "
             f"{os.getloadavg()[0]:.1f} at the end; {psutil.cpu_count()} cores.", "",
             "| layout | sessions held / users | actions | p50 / p95 / p99 (ms) | failed actions | "
             "open+login failed | reconnects | login p50 (ms) | CPU s per worker | CPU ms per action | "
             "peak RSS per worker (MB) | uploads stored once / accepted |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        s = r["stats"]
        users = s["users"]
        held = sum(1 for u in users if u["held"])
        cpu = r["cpu"]
        total_cpu = sum(cpu.values())
        requests = s["requests"]
        up = r["upload_check"]
        refused = up["sent"] - up["accepted"] - up["unchanged"]    # e.g. the figures of an older version again
        lines.append(
            f"| {r['layout']}{' (worker ' + r['killed'] + ' killed half way)' if r['killed'] else ''} | "
            f"{held} / {len(users)} | {s['actions']} | {s['p50']:.0f} / {s['p95']:.0f} / {s['p99']:.0f} | "
            f"{s['failures']} | {s['open_fail']}+{s['login_fail']} | {sum(u['reconnects'] for u in users)} | "
            f"{s['login_p50']:.0f} | {', '.join(f'{p}: {v:.1f}' for p, v in sorted(cpu.items()))} | "
            f"{1000 * total_cpu / requests if requests else float('nan'):.0f} | "
            f"{', '.join(f'{p}: {v / 2**20:.0f}' for p, v in sorted(r['rss'].items()))} | "
            f"{up['stored_once']} / {up['accepted']} accepted of {up['sent']} sent"
            f"{', ' + str(up['unchanged']) + ' unchanged' if up['unchanged'] else ''}"
            f"{', ' + str(refused) + ' refused' if refused else ''} (verify rc {up['verify_rc']}) |")
    for r in results:
        c = r.get("calibration")
        if c:
            per_core = 1 / (c["action_cpu_ms"] / 1000 / args.wait)
            lines += ["", f"One session alone on one worker (before the load): a login costs {c['login_cpu_s']:.2f} s of "
                      f"CPU, an action {c['action_cpu_ms']:.0f} ms of CPU (median wall {c['action_wall_ms_p50']:.0f} ms, "
                      f"{c['actions']} actions) → at one action per {args.wait:.0f} s, one core at 100 % serves "
                      f"{per_core:.0f} sessions."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=40)
    p.add_argument("--time", type=int, default=120, help="seconds of load per layout")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--wait", type=float, default=10.0, help="seconds between a session's actions")
    p.add_argument("--uploads", type=int, default=8, help="workbooks sent per layout")
    p.add_argument("--calibrate", type=int, default=24, help="actions of the lone session measuring CPU per action")
    p.add_argument("--communes", type=int, default=120)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--run-dir", default=str(ROOT / "run" / "load"))
    p.add_argument("--proxy-port", type=int, default=8090)
    p.add_argument("--first-worker-port", type=int, default=8701)
    p.add_argument("--pg-port", type=int, default=55433)
    p.add_argument("--no-kill", action="store_true", help="no worker killed (scenario c off)")
    p.add_argument("--only", choices=("one", "many"), help="one layout only")
    p.add_argument("--quick", action="store_true", help="10 users, 30 s, 2 workers, 2 uploads per layout")
    args = p.parse_args(argv)
    if args.quick:
        args.users, args.time, args.workers, args.uploads, args.calibrate = 10, 30, 2, 2, 6
    args.upload_every = max(2.0, (args.time - 10) / max(1, args.uploads))
    run_dir = Path(args.run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    files_dir = run_dir / "files"
    db = os.environ.get("KPI_DB", "")
    cluster = None
    if not db.startswith("postgres"):
        cluster = DemoCluster(private_folder(run_dir / "pg", "kpi-load-pg"), args.pg_port)
        say(f"a throwaway PostgreSQL cluster in {cluster.folder}, {args.communes}-commune demo × {args.months} months")
        cluster.start()
        db = cluster.url
        t = time.perf_counter()
        subprocess.run([PY, "-m", "kpi", "--db", db, "demo", "--communes", str(args.communes), "--months",
                        str(args.months), "--if-missing"], cwd=ROOT, check=True,
                       env={**os.environ, "KPI_FILES_DIR": str(files_dir)})
        say(f"demo ready in {time.perf_counter() - t:.0f} s")
    try:
        layouts = [("one process", 1), (f"{args.workers} workers + nginx", args.workers)]
        if args.only:
            layouts = layouts[:1] if args.only == "one" else layouts[1:]
        books = make_workbooks(args.uploads * len(layouts), args.communes, run_dir / "workbooks")
        results = []
        for i, (name, n) in enumerate(layouts):
            mine = books[i * args.uploads:(i + 1) * args.uploads]
            r = run_layout(name.replace(" ", "-").replace("+", "").replace("--", "-"), n, args, db, files_dir,
                           mine, run_dir)
            r["layout"] = name
            r["upload_check"] = check_uploads(db, files_dir, r["uploads"])
            results.append(r)
        text = table(results, args)
        print(text)
        (run_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
        (run_dir / "results.md").write_text(text + "\n")
        bad = [r["layout"] for r in results if r["upload_check"]["stored_once"] != r["upload_check"]["accepted"]
               or r["upload_check"]["stored_twice_or_more"] or r["upload_check"]["verify_rc"]]
        if bad:
            say(f"UPLOADS NOT STORED EXACTLY ONCE or verify failed: {bad}; see {run_dir / 'results.json'}")
            return 1
        return 0
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
