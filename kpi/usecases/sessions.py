"""Staying signed in across reloads and tabs: a server-side session per sign-in.

`start` makes a random token (256 bits) after a successful `accounts.login`; the browser keeps it in
an HttpOnly cookie (set by the server route in `kpi.web.session_route`), the database keeps only its
SHA-256 with the login, the last activity and the end. `resume` answers the account of a token when
the session is neither ended (logout: out in every tab at once), nor idle longer than the idle limit,
nor older than `MAX_AGE`, and the account is still active. Times are arguments (`at`)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from kpi.store.accounts import Account, get_account
from kpi.store.sessions import create_session, end_session, forget_sessions_before, get_session, touch_session

MAX_AGE = dt.timedelta(hours=12)          # a working day at most, then sign in again
TOUCH_EVERY = dt.timedelta(seconds=30)    # last activity is written at most this often


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(conn, account: Account, at: dt.datetime) -> str:
    """A new session of `account`; returns its token (for the cookie only)."""
    token = secrets.token_urlsafe(32)
    forget_sessions_before(conn, at - MAX_AGE)
    create_session(conn, token_hash(token), account.login, at)
    return token


def resume(conn, key: str, at: dt.datetime, idle: dt.timedelta) -> tuple[Account | None, str]:
    """(the account, "") of the live session whose token hash is `key`; else why it is not live:
    (None, "none") unknown; (None, "ended") logged out; (the account, "expired") idle longer than
    `idle` or older than `MAX_AGE` (it is ended now; the account is for the audit line); (None,
    "none") the account is gone or disabled (the session is ended)."""
    session = get_session(conn, key)
    if session is None:
        return None, "none"
    if session.ended_at is not None:
        return None, "ended"
    account = get_account(conn, session.login)
    if at - session.last_seen > idle or at - session.created_at > MAX_AGE:
        end_session(conn, key, at)
        return account, "expired"
    if account is None or not account.active:
        end_session(conn, key, at)
        return None, "none"
    if at - session.last_seen >= min(TOUCH_EVERY, idle / 4):
        touch_session(conn, key, at)
    return account, ""


def end(conn, key: str, at: dt.datetime) -> None:
    end_session(conn, key, at)
