"""Sign-in counters (wrong tries per login and per client address) and this database's secrets.

Counters live in the database, so a limit holds across sessions and app processes; each change is
one transaction under the counter's lock (PostgreSQL: an advisory lock; DuckDB: `WRITE_LOCK`)."""
from __future__ import annotations

import datetime as dt
import secrets

from kpi.domain.figures import Actor
from kpi.domain.signin import Counter, LockRule, after_failure, forgotten_before
from kpi.store.connection import Conn, first_row, lock_names, now, transaction
from kpi.store.schema import WRITE_LOCK
from kpi.store.writes import _audit

NAME_KEY = "signin_name_key"


def secret(conn: Conn, name: str) -> str:
    """The database's secret `name`, made (random, 256 bits) the first time it is asked for."""
    rows = conn.execute("SELECT value FROM app_secrets WHERE name = ?", [name]).fetchall()
    if rows:
        return str(rows[0][0])
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"secret:{name}"])
        conn.execute("INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (name) DO NOTHING", [name, secrets.token_hex(32), now()]).fetchall()
        return str(first_row(conn.execute("SELECT value FROM app_secrets WHERE name = ?", [name]))[0])


def _row(conn: Conn, scope: str, key: str) -> Counter | None:
    rows = conn.execute("SELECT failures, last_failure_at, locked_until FROM login_throttle "
                        "WHERE scope = ? AND key = ?", [scope, key]).fetchall()
    if not rows:
        return None
    failures, last, until = rows[0]
    return Counter(int(failures), last, until)


def counters(conn: Conn, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Counter]:
    """The stored counters of the (scope, key) pairs that have one."""
    found = {}
    for scope, key in keys:
        c = _row(conn, scope, key)
        if c is not None:
            found[(scope, key)] = c
    return found


def record_failure(conn: Conn, rules: dict[tuple[str, str], LockRule], at: dt.datetime, actor: Actor,
                   commune: str | None, detail: dict) -> dict[tuple[str, str], Counter]:
    """Count a failed sign-in at `at` against every (scope, key) of `rules` (each by its rule) and
    write its audit line, in one transaction; counters forgotten by their rule are deleted. Returns
    the counters as they now stand."""
    out = {}
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"signin:{scope}:{key}" for scope, key in rules])
        for (scope, key), rule in sorted(rules.items()):
            counter = after_failure(rule, _row(conn, scope, key), at)
            conn.execute("INSERT INTO login_throttle (scope, key, failures, last_failure_at, locked_until) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET "
                         "failures = excluded.failures, last_failure_at = excluded.last_failure_at, "
                         "locked_until = excluded.locked_until",
                         [scope, key, counter.failures, counter.last_failure_at, counter.locked_until]).fetchall()
            out[(scope, key)] = counter
            gone = forgotten_before(rule, at)
            conn.execute("DELETE FROM login_throttle WHERE scope = ? AND last_failure_at < ? "
                         "AND (locked_until IS NULL OR locked_until < ?)", [scope, gone, gone]).fetchall()
        counts = {("failures" if scope == "login" else f"{scope}_failures"): c.failures
                  for (scope, _key), c in out.items()}
        _audit(conn, actor, "login_failed", commune, {**detail, **counts})
    return out


def forget(conn: Conn, scope: str, key: str) -> None:
    """A successful sign-in: the login's count starts again."""
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"signin:{scope}:{key}"])
        conn.execute("DELETE FROM login_throttle WHERE scope = ? AND key = ?", [scope, key]).fetchall()
