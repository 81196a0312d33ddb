"""Downloads of sensitive bytes (the backup, the evidence pack): one door for every page.

Nothing is made while the page is drawn: the button carries only Streamlit's deferred-file id
(`st.download_button` with a callable, `on_click="ignore"`), so no file and no `/media/…` URL
exists before the click. The click asks the server over the session's own connection; there the
callable checks that the session that drew the button is still live and signed in, not idle past
`KPI_SESSION_MINUTES`, and its account still active (re-read from the database), then runs the
use case, which checks the right and writes the audit line (refusals too). Streamlit then keeps
the bytes in its memory at `/media/<id>` for the browser to fetch (that route knows no session);
they are dropped from it `KPI_DOWNLOAD_SECONDS` seconds (default 15) after they were made."""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kpi.domain.figures import Actor
from kpi.domain.rights import PermissionDenied
from kpi.usecases.accounts import active_actor
from kpi.web import auth, data

log = logging.getLogger("kpi.web")
DEFAULT_SECONDS = 15.0
ENDED = "Phiên làm việc đã kết thúc (đăng xuất, hết hạn hoặc đóng trình duyệt); hãy đăng nhập lại để tải tệp."


def forget_seconds() -> float:
    """How long a made download stays fetchable at its URL: `KPI_DOWNLOAD_SECONDS` (1–300)."""
    try:
        return min(300.0, max(1.0, float(os.environ.get("KPI_DOWNLOAD_SECONDS") or DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


def session_actor(live: bool, state: Any, conn, now: float | None = None) -> Actor:
    """The actor of a session at the moment of a click, or PermissionDenied: the session must be
    `live`, hold a sign-in (`state`: its session state) not idle past the session time, and its
    account must still be active."""
    try:
        session = state[auth.SESSION_KEY] if live else None
    except KeyError:
        session = None
    if not session:
        raise PermissionDenied(ENDED)
    idle = (time.time() if now is None else now) - float(session.get("last_seen", 0))
    if idle > auth.session_minutes() * 60:
        raise PermissionDenied(ENDED)
    try:
        return active_actor(conn, session["login"])
    except Exception as e:  # noqa: BLE001 — an account removed or disabled since: the same refusal
        raise PermissionDenied(ENDED) from e


def at_click(produce: Callable[[Actor], bytes], is_live: Callable[[], bool], state: Any, conn,
             forget: Callable[[], None]) -> Callable[[], bytes]:
    """The callable the button runs on a click: the session's actor checked again, then the use
    case `produce(actor)` (its right and audit line are the use case's); the made file forgotten
    soon after in every case."""
    def run() -> bytes:
        try:
            return produce(session_actor(is_live(), state, conn))
        except Exception:
            log.warning("a download was refused or failed", exc_info=True)
            raise
        finally:
            forget()
    return run


def _forget_soon() -> None:
    """Drop downloads already made and no longer on any page from Streamlit's memory, once the
    browser had time to fetch them (Streamlit's own clean-up, run now rather than at some later
    script run: a made download is never tied to a page, so it is among those)."""
    if not runtime.exists():
        return
    manager = runtime.get_instance().media_file_mgr

    def drop() -> None:
        manager.remove_orphaned_files()   # marks a made download …
        manager.remove_orphaned_files()   # … and removes it
    timer = threading.Timer(forget_seconds(), drop)
    timer.daemon = True
    timer.start()


def sensitive_download(label: str, produce: Callable[[Actor], bytes], *, file_name: str, mime: str, key: str,
                       icon: str | None = None, help: str | None = None) -> None:
    """A download button whose bytes `produce(actor)` makes only at the click, for the session's
    actor checked again then (see the module's text)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    session_id, state, conn = ctx.session_id, ctx.session_state, data.connection()

    def is_live() -> bool:
        return runtime.exists() and runtime.get_instance().is_active_session(session_id)
    st.download_button(label, at_click(produce, is_live, state, conn, _forget_soon), file_name=file_name,
                       mime=mime, on_click="ignore", key=key, icon=icon, help=help)
