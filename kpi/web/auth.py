"""Logging in on the web: the form shown before anything else, the session's account (re-read
from the database on every run, so a disabled account is out at once), inactivity expiry, logout."""
from __future__ import annotations

import os
import time

import streamlit as st

from kpi.domain.figures import Actor
from kpi.domain.rights import may, role_text
from kpi.store.accounts import get_account
from kpi.usecases import accounts
from kpi.web import data

SESSION_KEY = "auth"          # {"login": str, "last_seen": float}


def session_minutes() -> float:
    try:
        return max(1.0, float(os.environ.get("KPI_SESSION_MINUTES", "30")))
    except ValueError:
        return 30.0


def _commune() -> str | None:
    try:
        return data.catalog().commune
    except Exception:  # noqa: BLE001 — a broken catalogue is reported after login
        return None


def current_actor() -> Actor | None:
    """The logged-in account's actor, or None (not logged in, expired, disabled)."""
    session = st.session_state.get(SESSION_KEY)
    if not session:
        return None
    account = get_account(data.connection(), session["login"])
    if account is None or not account.active:
        st.session_state.pop(SESSION_KEY, None)
        return None
    idle = time.time() - float(session.get("last_seen", 0))
    if idle > session_minutes() * 60:
        st.session_state.pop(SESSION_KEY, None)
        accounts.logout(data.connection(), _commune(), account.actor(), "session_expired")
        st.session_state["_auth_notice"] = "Phiên làm việc đã hết hạn do không hoạt động. Hãy đăng nhập lại."
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
    with st.form("login", enter_to_submit=True):
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
        st.session_state[SESSION_KEY] = {"login": account.login, "last_seen": time.time()}
        st.session_state.pop("login_password", None)
        st.rerun()


def logout_button(where=None, key: str = "logout") -> None:
    target = where if where is not None else st.sidebar
    if target.button("Đăng xuất", key=key, icon=":material/logout:"):
        actor = current_actor()
        if actor is not None:
            accounts.logout(data.connection(), _commune(), actor)
        st.session_state.pop(SESSION_KEY, None)
        st.rerun()


def who_caption(actor: Actor) -> str:
    units = f" · {', '.join(actor.units)}" if actor.units else ""
    return f"{actor.name} ({actor.login}) — {role_text(actor.role)}{units}"


def actor() -> Actor:
    """For pages: the actor app.py put in the session after login."""
    a = st.session_state.get("_actor")
    if a is None:
        st.stop()
    return a


__all__ = ["actor", "current_actor", "login_form", "logout_button", "may", "who_caption"]
