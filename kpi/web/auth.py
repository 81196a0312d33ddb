"""Logging in on the web: the form shown before anything else, the session's account (re-read
from the database on every run, so a disabled account is out at once), inactivity expiry, logout.

A sign-in through the form starts a server-side session (`kpi.usecases.sessions`) whose token the
browser keeps in an HttpOnly cookie (`kpi.web.session_route`): a reload or a link opened in a new
tab finds it in `st.context.cookies` and stays signed in. Idle expiry (KPI_SESSION_MINUTES, 30 by
default) and logout are the database's: logging out in one tab ends the session in every tab."""
from __future__ import annotations

import datetime as dt
import html
import os
import time

import streamlit as st

from kpi.domain.figures import Actor
from kpi.domain.rights import may, role_text
from kpi.store.accounts import get_account
from kpi.usecases import accounts, sessions
from kpi.web import data
from kpi.web.session_route import COOKIE, ROUTE, hand_over

SESSION_KEY = "auth"          # {"login": str, "last_seen": float, "key": token hash of the server-side session}
EXPIRED = "Phiên làm việc đã hết hạn do không hoạt động. Hãy đăng nhập lại."
ENDED = "Phiên làm việc đã kết thúc (đã đăng xuất ở một thẻ khác). Hãy đăng nhập lại."


def session_minutes() -> float:
    """The idle limit; at least 0.1 minute (a test may pin a few seconds)."""
    try:
        return max(0.1, float(os.environ.get("KPI_SESSION_MINUTES", "30")))
    except ValueError:
        return 30.0


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _cookie_key() -> str | None:
    """The token hash of the session cookie the browser sent with this session's connection."""
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 — no browser context (a test run): no cookie
        return None
    return sessions.token_hash(token) if isinstance(token, str) and 20 <= len(token) <= 100 else None


def _server_side(session: dict) -> Actor | None:
    """The account of the server-side session `session["key"]` while it is live."""
    idle = dt.timedelta(minutes=session_minutes())
    account, why = sessions.resume(data.connection(), session["key"], _now(), idle)
    if why:
        st.session_state.pop(SESSION_KEY, None)
        if why == "expired" and account is not None:
            accounts.logout(data.connection(), _commune(), account.actor(), "session_expired")
            st.session_state["_auth_notice"] = EXPIRED
        elif why == "ended" and session.get("login"):
            st.session_state["_auth_notice"] = ENDED
        st.session_state["_forget_cookie"] = True
        return None
    assert account is not None
    session["login"], session["last_seen"] = account.login, time.time()
    return account.actor()


def _commune() -> str | None:
    try:
        return data.catalog().commune
    except Exception:  # noqa: BLE001 — a broken catalogue is reported after login
        return None


def current_actor() -> Actor | None:
    """The logged-in account's actor, or None (not logged in, expired, disabled)."""
    session = st.session_state.get(SESSION_KEY)
    if not session:
        key = None if st.session_state.get("_forget_cookie") else _cookie_key()
        if key is None:
            return None
        session = st.session_state[SESSION_KEY] = {"login": "", "last_seen": time.time(), "key": key}
    if session.get("key"):
        return _server_side(session)
    account = get_account(data.connection(), session["login"])
    if account is None or not account.active:
        st.session_state.pop(SESSION_KEY, None)
        return None
    idle = time.time() - float(session.get("last_seen", 0))
    if idle > session_minutes() * 60:
        st.session_state.pop(SESSION_KEY, None)
        accounts.logout(data.connection(), _commune(), account.actor(), "session_expired")
        st.session_state["_auth_notice"] = EXPIRED
        return None
    session["last_seen"] = time.time()
    return account.actor()


def client_address() -> str | None:
    """The address the browser connects from (None on the server itself, or behind a reverse proxy
    on the same machine: Streamlit reports loopback as None)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 — no client context (e.g. a test run): no per-client count
        return None
    return address if isinstance(address, str) and address else None


def login_form() -> None:
    """The login form; on success the session holds the login and the app reruns."""
    st.title("Chỉ tiêu chuyển đổi số xã")
    notice = st.session_state.pop("_auth_notice", None)
    if notice:
        st.info(notice)
    if st.session_state.pop("_forget_cookie", None):
        _page_script(f"fetch(window.location.origin + {ROUTE!r}, {{method: 'DELETE', credentials: 'same-origin'}});")
    with st.form("login", enter_to_submit=False):
        login = st.text_input("Tên đăng nhập", key="login_name")
        password = st.text_input("Mật khẩu", type="password", key="login_password")
        sent = st.form_submit_button("Đăng nhập", type="primary")
    if sent:
        try:
            account = accounts.login(data.connection(), _commune(), login, password, client=client_address())
        except accounts.LoginRefused as refused:
            st.error(str(refused))
            return
        if account is None:
            st.error("Tên đăng nhập hoặc mật khẩu không đúng (hoặc tài khoản đã bị khoá).")
            return
        token = sessions.start(data.connection(), account, _now())
        st.session_state[SESSION_KEY] = {"login": account.login, "last_seen": time.time(),
                                         "key": sessions.token_hash(token)}
        st.session_state["_cookie_code"] = hand_over(token)
        st.session_state.pop("login_password", None)
        st.rerun()


def logout_button(where=None, key: str = "logout") -> None:
    target = where if where is not None else st.sidebar
    if target.button("Đăng xuất", key=key, icon=":material/logout:"):
        actor = current_actor()
        session = st.session_state.pop(SESSION_KEY, None) or {}
        if session.get("key"):
            sessions.end(data.connection(), session["key"], _now())
        if actor is not None:
            accounts.logout(data.connection(), _commune(), actor)
        st.session_state["_forget_cookie"] = True
        st.rerun()


def _page_script(script: str) -> None:
    """Run `script` once in the page (a hidden element; style.css hides `.st-key-kpi-script`)."""
    with st.container(key="kpi-script"):
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def keep_cookie() -> None:
    """After a sign-in: the page exchanges the one-time code for the HttpOnly session cookie."""
    code = st.session_state.pop("_cookie_code", None)
    if code:
        body = html.escape(code)   # URL-safe base64: nothing to escape, kept as a guard
        _page_script(f"fetch(window.location.origin + {ROUTE!r}, {{method: 'POST', body: {body!r}, "
                     "credentials: 'same-origin'});")


def who_caption(actor: Actor) -> str:
    units = f" · {', '.join(actor.units)}" if actor.units else ""
    return f"{actor.name} ({actor.login}) — {role_text(actor.role)}{units}"


def actor() -> Actor:
    """For pages: the actor app.py put in the session after login."""
    a = st.session_state.get("_actor")
    if a is None:
        st.stop()
    return a


__all__ = ["actor", "current_actor", "keep_cookie", "login_form", "logout_button", "may", "who_caption"]
