"""Locust users that speak Streamlit's WebSocket protocol (streamlit_session.py) to the city server.

    locust -f scripts/load/locustfile.py --headless -u 10 -r 2 -t 30s --host http://127.0.0.1:8080

Scenario (a) of `make bench-load` (scripts/load/bench_load.py runs it): each user is one browser
session that logs in once, then does one thing about every ~10 s (LOAD_WAIT seconds, ±20 %):
- `CityViewer` (the city's office, `thanhpho`): the «Toàn thành phố» page, another quarter, one
  commune's overview;
- `CommuneViewer` (a commune's office, `admin` of the demo, which may open every commune): a
  commune's overview, another commune, another quarter, the «Đơn vị» page and another unit.

Every action is one Locust request (type WS, named by the action) timed from the rerun sent to the
run finished; a run that shows an error or exception counts as a failure. A session whose WebSocket
breaks (its worker stopped) counts a failure and opens a new session as the browser would (page
load, new WebSocket, log in again: «reconnect»). LOAD_REPORT names a JSON file where each user's end
state is written (sessions held at the end, reconnects).
"""
from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

from locust import User, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))

from streamlit_session import SessionError, StreamlitSession  # noqa: E402

WAIT = float(os.environ.get("LOAD_WAIT", "10"))
USERS: list[KpiUser] = []
TIMES: list[tuple[str, float, bool]] = []     # (action, ms, failed) of every action, for exact percentiles


class KpiUser(User):
    abstract = True
    wait_time = between(WAIT * 0.8, WAIT * 1.2)
    login = "admin"
    first_page = ""

    def on_start(self) -> None:
        USERS.append(self)
        self.reconnects = 0
        self.ok = self.held = False
        self.rng = random.Random()
        self.session: StreamlitSession | None = None
        try:
            self.connect()
        except _Broken:      # its worker went away while it opened: the first action opens it again
            self.session = None

    def on_stop(self) -> None:
        self.held = bool(self.ok and self.session is not None and self.session.ws is not None)
        if self.session is not None:
            self.session.close()

    def connect(self) -> None:
        self.session = StreamlitSession(self.host, timeout=float(os.environ.get("LOAD_TIMEOUT", "60")))
        self.timed("open", lambda: self.session.open())
        self.timed("login", lambda: self.session.log_in(self.login, f"demo-{self.login}"))
        self.timed(f"page {self.first_page or 'tong-quan'}", lambda: self.session.open_page(self.first_page))

    def timed(self, name: str, action) -> None:
        started = time.perf_counter()
        error: Exception | None = None
        size = 0
        try:
            run = action()
            size = run.bytes
            if run.errors:
                error = SessionError("; ".join(run.errors)[:300])
        except SessionError as e:
            error = e
        self.ok = error is None
        TIMES.append((name, (time.perf_counter() - started) * 1000, error is not None))
        self.environment.events.request.fire(
            request_type="WS", name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=size, exception=error, context={})
        if error is not None:
            raise _Broken() from error

    def act(self, name: str, action) -> None:
        """One user action; a broken session reconnects (a new session, logged in again)."""
        try:
            if self.session is None or self.session.ws is None:
                self.reconnects += 1
                self.connect()
            self.timed(name, action)
        except _Broken:
            if self.session is not None and self.session.ws is None:
                self.session = None


class _Broken(Exception):
    pass


class CityViewer(KpiUser):
    weight = 1
    login = "thanhpho"
    first_page = "toan-thanh-pho"

    @task(3)
    def city(self) -> None:
        self.act("page toan-thanh-pho", lambda: self.session.open_page("toan-thanh-pho"))

    @task(2)
    def quarter(self) -> None:
        self.act("period", lambda: self.session.choose("Quý", self.rng.randrange(4)))

    @task(2)
    def commune(self) -> None:
        self.act("commune", lambda: self.session.choose("Xã", self.rng.randrange(1000)))
        self.act("page tong-quan", lambda: self.session.open_page(""))


class CommuneViewer(KpiUser):
    weight = 3
    login = "admin"
    first_page = ""

    @task(3)
    def overview(self) -> None:
        self.act("page tong-quan", lambda: self.session.open_page(""))

    @task(2)
    def commune(self) -> None:
        self.act("commune", lambda: self.session.choose("Xã", self.rng.randrange(1000)))

    @task(2)
    def quarter(self) -> None:
        self.act("period", lambda: self.session.choose("Quý", self.rng.randrange(4)))

    @task(2)
    def unit(self) -> None:
        self.act("page don-vi", lambda: self.session.open_page("don-vi"))
        self.act("unit", lambda: self.session.choose("Đơn vị", self.rng.randrange(50)))


@events.quitting.add_listener
def _report(environment, **_kw) -> None:
    path = os.environ.get("LOAD_REPORT")
    if not path:
        return
    users = [{"kind": type(u).__name__, "held": u.held,
              "reconnects": u.reconnects, "worker": u.session.worker_cookie if u.session else None} for u in USERS]
    Path(path).write_text(json.dumps({"users": users, "times": TIMES}))
