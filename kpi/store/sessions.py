"""Web sessions (schema migration 11): one row per signed-in browser, keyed by the SHA-256 of the
token its cookie holds (the token itself is never stored)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi.store.connection import Conn, lock_names, transaction
from kpi.store.schema import WRITE_LOCK


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    login: str
    created_at: dt.datetime
    last_seen: dt.datetime
    ended_at: dt.datetime | None


def create_session(conn: Conn, token_hash: str, login: str, at: dt.datetime) -> None:
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"session:{token_hash}"])
        conn.execute("INSERT INTO web_sessions (token_hash, login, created_at, last_seen, ended_at) "
                     "VALUES (?, ?, ?, ?, NULL)", [token_hash, login, at, at]).fetchall()


def get_session(conn: Conn, token_hash: str) -> WebSession | None:
    rows = conn.execute("SELECT token_hash, login, created_at, last_seen, ended_at FROM web_sessions "
                        "WHERE token_hash = ?", [token_hash]).fetchall()
    return WebSession(*rows[0]) if rows else None


def touch_session(conn: Conn, token_hash: str, at: dt.datetime) -> None:
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"session:{token_hash}"])
        conn.execute("UPDATE web_sessions SET last_seen = ? WHERE token_hash = ? AND ended_at IS NULL "
                     "AND last_seen < ?", [at, token_hash, at]).fetchall()


def end_session(conn: Conn, token_hash: str, at: dt.datetime) -> None:
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"session:{token_hash}"])
        conn.execute("UPDATE web_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                     [at, token_hash]).fetchall()


def forget_sessions_before(conn: Conn, before: dt.datetime) -> None:
    """Rows of sessions ended or idle since before `before` go (they can never be resumed)."""
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, ["session:*"])
        conn.execute("DELETE FROM web_sessions WHERE last_seen < ? OR ended_at < ?", [before, before]).fetchall()
