"""The server side of the session cookie: one route beside Streamlit's own (`kpi.web.launcher`).

Streamlit scripts cannot set an HttpOnly cookie, and a cookie written by the page's JavaScript could
be read by it. So the login (a script run) mints a one-time code for the new session's token
(`hand_over`, kept in this process for 60 seconds); the page POSTs that code to `ROUTE`, which answers
with `Set-Cookie: kpi_session=<token>; HttpOnly; SameSite=Strict; Path=/` (and `Secure` over HTTPS).
A code works once. DELETE on the route clears the cookie (logout; the session itself is ended in
the database by the script). A reload sends the cookie with the app's websocket; `st.context.cookies`
gives it to `kpi.web.auth`, which looks the session up (`kpi.usecases.sessions`)."""
from __future__ import annotations

import secrets
import threading
import time

from starlette.requests import Request
from starlette.responses import Response

from kpi.usecases.sessions import MAX_AGE

COOKIE = "kpi_session"
ROUTE = "/_kpi/session"
CODE_SECONDS = 60.0
_codes: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def hand_over(token: str) -> str:
    """A one-time code the page exchanges for the cookie holding `token`."""
    code = secrets.token_urlsafe(24)
    with _lock:
        stale = [c for c, (_t, until) in _codes.items() if until < time.monotonic()]
        for c in stale:
            del _codes[c]
        _codes[code] = (token, time.monotonic() + CODE_SECONDS)
    return code


def redeem(code: str) -> str | None:
    with _lock:
        found = _codes.pop(code, None)
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]


async def session_cookie(request: Request) -> Response:
    headers = {"Cache-Control": "no-store"}
    secure = request.url.scheme == "https"
    if request.method == "DELETE":
        response = Response(status_code=204, headers=headers)
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
        return response
    token = redeem((await request.body())[:200].decode("ascii", "replace").strip())
    if token is None:
        return Response(status_code=403, headers=headers)
    response = Response(status_code=204, headers=headers)
    response.set_cookie(COOKIE, token, max_age=int(MAX_AGE.total_seconds()), path="/", secure=secure,
                        httponly=True, samesite="strict")
    return response
