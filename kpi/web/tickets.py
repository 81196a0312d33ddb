"""One-time download tickets: what a page hands the browser instead of the bytes.

A click on «Sao lưu» or on the evidence pack's button mints a ticket: a random token (256 bits)
that names one download (`kind`: "backup" or "pack", and its arguments) for one signed-in browser
session (the SHA-256 of its cookie's token) and one login, for `TICKET_SECONDS`. The store keeps
only the ticket's SHA-256. The download route (`kpi.web.download_route`) takes it once: a ticket is
gone after its first use or at its expiry; a request of another session gets nothing from it and
does not use it up (the browser it was made for can still fetch it). Nothing
here makes a file; this module imports no Streamlit (the route and its tests use it as it is)."""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

TICKET_SECONDS = 60.0
KINDS = ("backup", "pack")


class TicketRefused(Exception):
    """Why a ticket gives nothing: `status` 404 (unknown, used or expired) or 403 (another session)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


GONE = TicketRefused(404, "Liên kết tải không còn dùng được (đã dùng hoặc đã hết hạn). "
                          "Hãy quay lại trang và bấm nút tải một lần nữa.")
OTHER = TicketRefused(403, "Liên kết tải này thuộc một phiên đăng nhập khác; chỉ trình duyệt đã tạo "
                           "liên kết mới tải được.")


@dataclass(frozen=True)
class Ticket:
    session_key: str                    # token hash of the web session it was minted for
    login: str
    kind: str                           # one of KINDS
    args: Mapping[str, str] = field(default_factory=dict)
    file_name: str = "tai-ve.zip"
    expires: float = 0.0                # time.time() after which it is gone


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


class TicketStore:
    """Tickets of this server process (the page that mints and the route that takes run in it)."""

    def __init__(self, seconds: float = TICKET_SECONDS):
        self.seconds = seconds
        self._held: dict[str, Ticket] = {}
        self._lock = threading.Lock()

    def mint(self, session_key: str, login: str, kind: str, args: Mapping[str, str] | None = None,
             file_name: str = "tai-ve.zip") -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown download kind {kind!r}")
        if not session_key or not login:
            raise ValueError("a ticket is for a signed-in session")
        ticket = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            for h in [h for h, t in self._held.items() if t.expires <= now]:
                del self._held[h]
            self._held[_hash(ticket)] = Ticket(session_key, login, kind, dict(args or {}), file_name,
                                               now + self.seconds)
        return ticket

    def _live(self, ticket: str) -> tuple[str, Ticket]:
        h = _hash(ticket) if isinstance(ticket, str) and 20 <= len(ticket) <= 100 else ""
        held = self._held.get(h)
        if held is None:
            raise GONE
        if held.expires <= time.time():
            del self._held[h]
            raise GONE
        return h, held

    def check(self, ticket: str, session_key: str | None) -> Ticket:
        """The live ticket if it is `session_key`'s (not used up); else TicketRefused."""
        with self._lock:
            _h, held = self._live(ticket)
        if session_key != held.session_key:
            raise OTHER
        return held

    def take(self, ticket: str, session_key: str | None) -> Ticket:
        """As `check`, and the ticket is used up: a second take of it is refused (GONE)."""
        with self._lock:
            h, held = self._live(ticket)
            if session_key != held.session_key:
                raise OTHER
            del self._held[h]
        return held

    def __len__(self) -> int:
        return len(self._held)


TICKETS = TicketStore()
