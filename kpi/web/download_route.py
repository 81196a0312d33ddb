"""The route that serves the sensitive downloads (the backup, the evidence pack): `GET
/_kpi/download/{ticket}`, beside Streamlit's own (`kpi.web.launcher`).

The page hands the browser a one-time ticket (`kpi.web.tickets`), never the bytes. The route gives
the file only when the request carries the session cookie of the session the ticket was minted for,
that session is live by the sign-in's own rule (`kpi.usecases.sessions.resume`: not ended, not idle
past `KPI_SESSION_MINUTES`, not older than a working day, the account still active), and the use
case then agrees (`make_backup` / `pack_bytes` check the right and write the audit line, refusals
too). The ticket is used up before the file is made. The file is made at that moment, streamed with
`Content-Disposition: attachment` and `Cache-Control: no-store`, and nothing of it stays on the
server (the backup's temporary folder is removed once sent). Every refusal is a short Vietnamese
page with 403 or 404."""
from __future__ import annotations

import datetime as dt
import html
import logging
import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from kpi.domain.figures import Actor
from kpi.domain.rights import PermissionDenied
from kpi.store.connection import DiskFull
from kpi.usecases import accounts, sessions
from kpi.web import data
from kpi.web.auth import session_minutes
from kpi.web.session_route import COOKIE
from kpi.web.tickets import TICKETS, Ticket, TicketRefused

log = logging.getLogger("kpi.web")
PREFIX = "/_kpi/download/"
ROUTE = PREFIX + "{ticket}"
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
NO_SESSION = ("Không có phiên đăng nhập hợp lệ (đã đăng xuất, hết hạn, hoặc liên kết được mở ở trình duyệt "
              "khác). Hãy đăng nhập lại rồi bấm nút tải trên trang.")
FAILED = "Không tạo được tệp. Hãy thử lại sau hoặc báo cho quản trị viên."


def url(ticket: str) -> str:
    return PREFIX + ticket


def refusal(status: int, message: str) -> HTMLResponse:
    body = ('<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Không tải được tệp</title>'
            f'</head><body><h1>Không tải được tệp</h1><p>{html.escape(message)}</p>'
            '<p><a href="/">Về ứng dụng</a></p></body></html>')
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _session_key(request: Request) -> str | None:
    token = request.cookies.get(COOKIE)
    return sessions.token_hash(token) if isinstance(token, str) and 20 <= len(token) <= 100 else None


def _live_actor(key: str, login: str) -> Actor:
    """The actor of the live session `key` (the rule of `kpi.web.auth`), or PermissionDenied."""
    conn = data.connection()
    account, why = sessions.resume(conn, key, _now(), dt.timedelta(minutes=session_minutes()))
    if why == "expired" and account is not None:
        try:
            commune = data.catalog_of(None).commune
        except Exception:  # noqa: BLE001 — a broken catalogue: the line without a commune
            commune = None
        accounts.logout(conn, commune, account.actor(), "session_expired")
    if why or account is None or account.login != login:
        raise PermissionDenied(NO_SESSION)
    return account.actor()


def _attachment(name: str) -> dict[str, str]:
    from urllib.parse import quote
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return {**NO_STORE, "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                               f"filename*=UTF-8''{quote(name)}"}


def _produce(ticket: Ticket, actor: Actor) -> Response:
    conn = data.connection()
    if ticket.kind == "backup":
        from kpi.usecases.backup import make_backup  # the archive code only when a backup is made
        folder = Path(tempfile.mkdtemp(prefix="kpi-sao-luu-"))
        try:
            archive = make_backup(conn, actor, data.uploads_dir(), folder / ticket.file_name)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return FileResponse(archive, media_type="application/zip", headers=_attachment(ticket.file_name),
                            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
    from kpi.usecases.evidence import pack_bytes
    args = ticket.args
    content = pack_bytes(conn, data.catalog_of(args.get("commune")), actor, args["quarter"],
                         data.settings().evidence_dir, as_of=dt.date.fromisoformat(args["as_of"]))
    return Response(content, media_type="application/zip", headers=_attachment(ticket.file_name))


def _serve(ticket_text: str, key: str) -> Response:
    try:
        held = TICKETS.check(ticket_text, key)
        actor = _live_actor(key, held.login)
        ticket = TICKETS.take(ticket_text, key)        # used up before anything is made
        return _produce(ticket, actor)
    except TicketRefused as refused:
        return refusal(refused.status, str(refused))
    except PermissionDenied as denied:
        return refusal(403, str(denied))
    except Exception as e:  # noqa: BLE001 — no traceback for the browser; the log keeps it
        log.exception("a download failed")
        return refusal(500, str(e) if isinstance(e, DiskFull) else FAILED)


async def download(request: Request) -> Response:
    key = _session_key(request)
    if key is None:
        return refusal(403, NO_SESSION)
    return await run_in_threadpool(_serve, str(request.path_params.get("ticket", "")), key)
