"""Downloads of sensitive bytes (the backup, the evidence pack): one door for every page.

Nothing is made while the page is drawn, and the bytes never pass through Streamlit (no
`st.download_button`, nothing in its media storage at `/media/…`, which answers anyone holding the
URL). A click on the page's button mints a one-time ticket (`kpi.web.tickets`) for this browser's
signed-in session and shows a real link to `/_kpi/download/<ticket>` (`kpi.web.download_route`).
Following it, the server checks the session cookie, the session (live, the one of the ticket, its
account active), uses the ticket up, then the use case checks the right, writes the audit line and
makes the file, streamed straight to the browser. The link works once, within
`tickets.TICKET_SECONDS`, and only in the browser that asked for it."""
from __future__ import annotations

import time
from collections.abc import Mapping

import streamlit as st

from kpi.web import auth, download_route, safe
from kpi.web.tickets import TICKETS

SIGN_IN_AGAIN = "Để tải tệp này, hãy đăng xuất rồi đăng nhập lại (phiên hiện tại không gắn với trình duyệt)."


def sensitive_download(label: str, kind: str, args: Mapping[str, str] | None = None, *, file_name: str,
                       key: str, icon: str | None = None, help: str | None = None) -> None:
    """A button that prepares the download `kind` (`args`) for this session, then its one-time link."""
    session = st.session_state.get(auth.SESSION_KEY) or {}
    held_key = f"_ticket_{key}"
    if not session.get("key") or not session.get("login"):
        st.button(label, key=key, icon=icon, help=help, disabled=True)
        st.caption(SIGN_IN_AGAIN)
        return
    if st.button(label, key=key, icon=icon, help=help):
        ticket = TICKETS.mint(session["key"], session["login"], kind, args, file_name)
        st.session_state[held_key] = (download_route.url(ticket), time.time() + TICKETS.seconds, file_name)
    held = st.session_state.get(held_key)
    if not held or held[1] <= time.time():
        st.session_state.pop(held_key, None)
        return
    link, _until, name = held
    st.link_button(f"Tải về máy: {safe.md(name)}", link, type="primary", icon=":material/download:")
    st.caption(f"Liên kết chỉ dùng được một lần, trong {safe.md(int(TICKETS.seconds))} giây, ở trình duyệt đang đăng "
               "nhập này; tệp được tạo lúc bấm và tải thẳng về máy.")
