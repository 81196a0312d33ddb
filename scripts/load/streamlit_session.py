"""One Streamlit session driven over Streamlit's own WebSocket protocol, as the browser drives it:
the `BackMsg`/`ForwardMsg` protobuf messages shipped in the streamlit package, on `/_stcore/stream`.

    s = StreamlitSession("http://127.0.0.1:8080")
    s.open()                              # GET / (the proxy's sticky cookie), WebSocket, first run
    s.log_in("thanhpho", "demo-thanhpho") # the login form's widgets, found in the first run's deltas
    s.open_page("toan-thanh-pho")         # a rerun on another page (its hash from the navigation message)
    s.choose("Quý", 1)                    # a selectbox's option, as a user picks it
    s.close()

Each call sends one rerun and reads messages until the run finishes (`script_finished` =
FINISHED_SUCCESSFULLY; a run ended early by `st.rerun()` is followed by the next). A run's widgets
(id, label, options) come from its `delta.new_element` messages; the client keeps the values it set
and sends them with every rerun, as the browser does. Nothing here knows the app beyond labels.
"""
from __future__ import annotations

import contextlib
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus


class SessionError(Exception):
    """The app did not answer as a browser would need (closed socket, timeout, error shown, …)."""


@dataclass
class Widget:
    kind: str          # the element's type: text_input, button, selectbox, radio, …
    id: str
    label: str
    options: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What one rerun produced."""
    seconds: float
    messages: int = 0
    bytes: int = 0
    widgets: dict[str, Widget] = field(default_factory=dict)     # by label (the last one of a label wins)
    errors: list[str] = field(default_factory=list)              # st.exception / st.error texts
    texts: list[str] = field(default_factory=list)               # headings and markdown, for checks


class StreamlitSession:
    def __init__(self, base_url: str, timeout: float = 60.0):
        parts = urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the load test runs on loopback only")
        self.base_url = base_url.rstrip("/")
        self.ws_url = f"ws://{parts.netloc}/_stcore/stream"
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.ws: websocket.WebSocket | None = None
        self.pages: dict[str, str] = {}            # url_pathname → page_script_hash
        self.page_hash = ""
        self.query = ""
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}   # the values this client set, sent with every rerun
        self.session_id = ""

    # --- connection ------------------------------------------------------------------------------
    def open(self, query: str = "") -> Run:
        """The page load (sticky cookie from the proxy), the WebSocket, and the first run."""
        req = urllib.request.Request(self.base_url + "/", headers=self._cookie_header())
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            r.read()
            for header in r.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.ws = websocket.create_connection(self.ws_url, timeout=self.timeout, subprotocols=["streamlit"],
                                              header=[f"Cookie: {c}" for c in self._cookie_header().values()])
        self.query = query
        return self.rerun()

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    @property
    def worker_cookie(self) -> str | None:
        return self.cookies.get("kpi_worker")

    def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(OSError, websocket.WebSocketException):
                self.ws.close(timeout=2)
            self.ws = None

    # --- one rerun -------------------------------------------------------------------------------
    def rerun(self, triggers: list[WidgetState] | None = None) -> Run:
        if self.ws is None:
            raise SessionError("not connected")
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        for state in [*self.states.values(), *(triggers or [])]:
            cs.widget_states.widgets.append(state)
        started = time.perf_counter()
        try:
            self.ws.send_binary(msg.SerializeToString())
            run = self._read_until_finished(started)
        except (OSError, websocket.WebSocketException) as e:
            self.close()
            raise SessionError(f"connection: {type(e).__name__}: {e}") from None
        self.widgets = run.widgets
        return run

    def _read_until_finished(self, started: float) -> Run:
        run = Run(0.0)
        deadline = time.monotonic() + self.timeout
        while True:
            if time.monotonic() > deadline:
                raise SessionError(f"no end of the run within {self.timeout:.0f} s")
            data = self.ws.recv()
            if not isinstance(data, bytes):
                continue
            run.messages += 1
            run.bytes += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":        # a run starts: what an earlier run (ended by st.rerun) drew is gone
                self._new_session(fwd.new_session)
                run.widgets, run.texts, run.errors = {}, [], []
            elif kind == "navigation":
                self._pages(fwd.navigation.app_pages)
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "delta":
                self._delta(fwd.delta, run)
            elif kind == "page_not_found":
                run.errors.append(f"page not found: {fwd.page_not_found.page_name}")
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    continue            # st.rerun(): the next run follows by itself
                if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    run.errors.append("compile error")
                run.seconds = time.perf_counter() - started
                return run

    def _new_session(self, ns) -> None:
        if ns.initialize and ns.initialize.session_id:
            self.session_id = ns.initialize.session_id
        self._pages(ns.app_pages)
        if ns.page_script_hash:
            self.page_hash = ns.page_script_hash

    def _pages(self, app_pages) -> None:
        for p in app_pages:
            if p.page_script_hash and p.url_pathname not in self.pages:
                self.pages[p.url_pathname] = p.page_script_hash

    def _delta(self, delta, run: Run) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind is None:
            return
        sub = getattr(el, kind)
        if kind == "exception":
            run.errors.append(f"exception: {sub.type}: {sub.message}")
        elif kind == "alert" and sub.format == sub.ERROR:
            run.errors.append(f"error: {sub.body}")
        elif kind in ("heading", "markdown"):
            run.texts.append(sub.body)
        if hasattr(sub, "id") and hasattr(sub, "label") and sub.id:
            options = list(sub.options) if hasattr(sub, "options") else []
            run.widgets[sub.label] = Widget(kind, sub.id, sub.label, options)

    # --- what a user does ------------------------------------------------------------------------
    def log_in(self, login: str, password: str) -> Run:
        """Fill the login form (its widgets from the last run) and submit it."""
        try:
            name, secret, button = (self.widgets[k] for k in ("Tên đăng nhập", "Mật khẩu", "Đăng nhập"))
        except KeyError:
            raise SessionError(f"no login form in the run (widgets: {sorted(self.widgets)})") from None
        states = []
        for widget, value in ((name, login), (secret, password)):
            s = WidgetState(id=widget.id)
            s.string_value = value
            states.append(s)
        click = WidgetState(id=button.id)
        click.trigger_value = True
        run = self.rerun([*states, click])
        if "Đăng nhập" in run.widgets or run.errors:
            raise SessionError(f"login {login} refused: {run.errors or 'the form is shown again'}")
        return run

    def open_page(self, url_pathname: str, query: str | None = None) -> Run:
        if url_pathname not in self.pages:
            raise SessionError(f"no page «{url_pathname}» in the navigation ({sorted(self.pages)})")
        self.page_hash = self.pages[url_pathname]
        if query is not None:
            self.query = query
        return self.rerun()

    def choose(self, label: str, index: int) -> Run:
        """Pick option `index` (modulo their number) of the selectbox or radio labelled `label`."""
        widget = self.widgets.get(label)
        if widget is None or not widget.options:
            raise SessionError(f"no choice «{label}» on the page (widgets: {sorted(self.widgets)})")
        s = WidgetState(id=widget.id)
        s.string_value = widget.options[index % len(widget.options)]
        self.states[widget.id] = s
        return self.rerun()
