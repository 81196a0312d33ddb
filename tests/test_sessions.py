"""Server-side web sessions (kpi.usecases.sessions) and the one-time code of the cookie route."""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt

from starlette.requests import Request

from kpi import store
from kpi.store.accounts import get_account
from kpi.usecases import sessions
from kpi.web import session_route

T0 = dt.datetime(2026, 10, 5, 9, 0, 0)
IDLE = dt.timedelta(minutes=30)


def test_a_session_resumes_until_idle_or_ended(demo_db):
    conn = store.connect(demo_db)
    account = get_account(conn, "xem")
    token = sessions.start(conn, account, T0)
    key = sessions.token_hash(token)
    assert token not in str(conn.execute("SELECT * FROM web_sessions").fetchall())   # only its hash
    assert sessions.resume(conn, key, T0 + dt.timedelta(minutes=29), IDLE)[0].login == "xem"
    # activity moved last_seen: 29 more minutes are fine, 31 idle minutes are not
    assert sessions.resume(conn, key, T0 + dt.timedelta(minutes=58), IDLE)[1] == ""
    account_, why = sessions.resume(conn, key, T0 + dt.timedelta(minutes=90), IDLE)
    assert why == "expired" and account_.login == "xem"
    assert sessions.resume(conn, key, T0 + dt.timedelta(minutes=91), IDLE) == (None, "ended")
    other = sessions.token_hash(sessions.start(conn, account, T0))
    sessions.end(conn, other, T0 + dt.timedelta(minutes=1))
    assert sessions.resume(conn, other, T0 + dt.timedelta(minutes=2), IDLE) == (None, "ended")
    assert sessions.resume(conn, "no-such", T0, IDLE) == (None, "none")
    # a day later: never more than MAX_AGE, however active
    late = sessions.token_hash(sessions.start(conn, account, T0))
    at = T0
    while at - T0 < sessions.MAX_AGE - dt.timedelta(minutes=20):
        at += dt.timedelta(minutes=20)
        assert sessions.resume(conn, late, at, IDLE)[1] == ""
    assert sessions.resume(conn, late, at + dt.timedelta(minutes=25), IDLE)[1] == "expired"
    conn.close()


def test_a_disabled_account_ends_its_session(demo_db):
    conn = store.connect(demo_db)
    key = sessions.token_hash(sessions.start(conn, get_account(conn, "xem"), T0))
    conn.execute("UPDATE accounts SET active = false WHERE login = 'xem'")
    assert sessions.resume(conn, key, T0, IDLE) == (None, "none")
    conn.close()


def _post(body: bytes, method: str = "POST"):
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    scope = {"type": "http", "method": method, "path": session_route.ROUTE, "headers": [],
             "scheme": "http", "server": ("127.0.0.1", 80), "query_string": b""}
    # in a thread of its own: a browser test earlier in this worker may hold an event loop in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, session_route.session_cookie(Request(scope, receive))).result()


def test_the_cookie_route_sets_an_httponly_cookie_once_per_code():
    code = session_route.hand_over("t" * 43)
    first = _post(code.encode())
    cookie = first.headers["set-cookie"]
    assert first.status_code == 204 and cookie.startswith("kpi_session=" + "t" * 43)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie and "Max-Age=43200" in cookie
    assert _post(code.encode()).status_code == 403         # once
    assert _post(b"guessed").status_code == 403
    cleared = _post(b"", "DELETE").headers["set-cookie"]
    assert cleared.startswith('kpi_session=""') and "Max-Age=0" in cleared
