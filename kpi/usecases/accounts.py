"""Accounts as both the web and the CLI use them: adding, passwords, logging in.

Signing in is limited per login and per client address (`kpi.domain.signin`: the rules, the
counters in the database). A name that is no account costs the same as a wrong password (one
argon2 check against a dummy hash of the same parameters) and is never written down: the audit
line says «tên không tồn tại» with a short keyed hash of the name (HMAC-SHA256 with this
database's secret), so repeated tries of one name can be told apart without keeping the text."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.rights import CITY_ROLES, ROLES, SYSTEM
from kpi.domain.signin import (
    ACCOUNT_RULE,
    CLIENT_RULE,
    MIN_PASSWORD,  # noqa: F401 — re-exported: the rule's length, as before
    LockRule,
    account_locked_text,
    client_locked_text,
    password_problem,
    wait_left,
)
from kpi.store import StoreError
from kpi.store.accounts import Account, create_account, get_account, set_active, set_password
from kpi.store.signin import NAME_KEY, counters, forget, record_failure, secret
from kpi.store.writes import audit

_HASHER = PasswordHasher()
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
FAILED_LOGIN_DELAY = 1.0  # seconds a failed or refused login waits (tests may lower it)
UNKNOWN_NAME = "tên không tồn tại"
EMPTY_NAME = "(trống)"


class LoginRefused(Exception):
    """A sign-in refused while its login or its client is temporarily locked (the message says
    how long to wait, in Vietnamese)."""

    def __init__(self, message: str, wait: dt.timedelta):
        super().__init__(message)
        self.wait = wait


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy: tuple[PasswordHasher, str] | None = None


def dummy_hash() -> str:
    """A hash of a random password with the hasher's parameters: checked when the name is no account,
    so an unknown name costs what a wrong password costs."""
    global _dummy
    if _dummy is None or _dummy[0] is not _HASHER:
        _dummy = (_HASHER, _HASHER.hash(secrets.token_hex(16)))
    return _dummy[1]


def check_password(password: str, login: str | None = None) -> None:
    """The password rule (`kpi.domain.signin.password_problem`), refused with its Vietnamese reason."""
    problem = password_problem(password, login)
    if problem:
        raise StoreError(problem)


def add_user(conn, catalog: Catalog, actor: Actor, login: str, role: str, units: list[str] | tuple[str, ...],
             name: str | None, password: str, demo: bool = False, commune: str | None = None) -> None:
    """Add an account; `commune` limits it to that commune (None: every commune; city roles are
    always city-wide). `catalog` is the catalogue of that commune (its units)."""
    login = login.strip().lower()
    if not LOGIN_RE.match(login):
        raise StoreError("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch (2–32 ký tự).")
    if role not in ROLES:
        raise StoreError(f"Vai trò «{role}» không hợp lệ. Các vai trò: {', '.join(ROLES)}.")
    codes = {u.code for u in catalog.units}
    units = tuple(dict.fromkeys(u.strip().upper() for u in units))
    bad = [u for u in units if u not in codes]
    if bad:
        raise StoreError(f"Không có đơn vị mã {', '.join(bad)} trong danh mục.")
    if role == "coordinator" and not units:
        raise StoreError("Đầu mối đơn vị cần ít nhất một đơn vị (--unit MÃ).")
    if role != "coordinator" and units:
        raise StoreError("Chỉ vai trò coordinator (đầu mối đơn vị) mới gắn với đơn vị.")
    if role in CITY_ROLES and commune is not None:
        raise StoreError("Vai trò của thành phố xem mọi xã: không gắn với một xã.")
    if demo:       # demo accounts (demo databases only) keep their documented short passwords
        if actor.role != SYSTEM:
            raise StoreError("Chỉ chương trình tạo dữ liệu mẫu mới tạo được tài khoản mẫu.")
        if not password:
            raise StoreError("Cần mật khẩu.")
    else:
        check_password(password, login)
    create_account(conn, actor, login, (name or login).strip(), role, units, hash_password(password), demo,
                   commune)


def change_password(conn, actor: Actor, login: str, password: str) -> None:
    login = login.strip().lower()
    check_password(password, login)
    set_password(conn, actor, login, hash_password(password))


def disable_user(conn, actor: Actor, login: str) -> None:
    set_active(conn, actor, login.strip().lower(), False)


def enable_user(conn, actor: Actor, login: str) -> None:
    """Let a disabled account sign in again (right `manage_accounts`, checked in the store; audited)."""
    set_active(conn, actor, login.strip().lower(), True)


def active_actor(conn, login: str) -> Actor:
    """The actor of an active account (the CLI's --by), or a clear refusal."""
    account = get_account(conn, (login or "").strip().lower())
    if account is None:
        raise StoreError(f"Không có tài khoản «{login}». Tạo bằng: python -m kpi users add …")
    if not account.active:
        raise StoreError(f"Tài khoản «{account.login}» đã bị khoá.")
    return account.actor()


def name_hash(conn, name: str) -> str:
    """HMAC-SHA256 of a name typed at sign-in with this database's secret (hex)."""
    return hmac.new(secret(conn, NAME_KEY).encode(), name.encode("utf-8"), hashlib.sha256).hexdigest()


def login(conn, commune: str | None, login_name: str, password: str, delay: float | None = None, *,
          client: str | None = None, at: dt.datetime | None = None) -> Account | None:
    """The account when the login and password match an active account; otherwise None after a
    delay. While the login or the `client` address is locked (too many wrong tries, see
    `kpi.domain.signin`), `LoginRefused` without checking the password; the failure that starts a
    lock raises it too. Every outcome is audited (never with the password, nor a name that is no
    account). `at`: the moment of the try (default: now)."""
    at = at or dt.datetime.now().replace(microsecond=0)
    pause = FAILED_LOGIN_DELAY if delay is None else delay
    name = (login_name or "").strip().lower()
    keyed = name_hash(conn, name)
    fake = dummy_hash()
    account = get_account(conn, name) if LOGIN_RE.match(name) else None
    rules: dict[tuple[str, str], LockRule] = {("login", keyed[:32]): ACCOUNT_RULE}
    if client:
        rules[("client", client)] = CLIENT_RULE
    if account is not None:
        who, detail = Actor(name, "viewer", name), {"login": name}
    elif name:
        who, detail = Actor(UNKNOWN_NAME, "viewer", UNKNOWN_NAME), {"login": UNKNOWN_NAME, "name_hash": keyed[:12]}
    else:
        who, detail = Actor(EMPTY_NAME, "viewer", EMPTY_NAME), {"login": EMPTY_NAME}
    if client:
        detail["client"] = client

    refusal = _refusal(counters(conn, list(rules)), at)
    if refusal is not None:
        audit(conn, who, "login_locked", commune, {**detail, "wait_seconds": int(refusal.wait.total_seconds())})
        time.sleep(pause)
        raise refusal
    # one argon2 check on every path: an unknown name or a disabled account costs what a wrong
    # password costs
    matches = password_matches(account.password_hash if account is not None else fake, password or "")
    if not (matches and account is not None and account.active):
        stood = record_failure(conn, rules, at, who, commune, detail)
        time.sleep(pause)
        refusal = _refusal(stood, at)
        if refusal is not None:
            raise LoginRefused(f"Tên đăng nhập hoặc mật khẩu không đúng. {refusal}", refusal.wait)
        return None
    forget(conn, "login", keyed[:32])
    audit(conn, account.actor(), "login", commune, {"login": name, **({"client": client} if client else {})})
    return account


def _refusal(found: dict, at: dt.datetime) -> LoginRefused | None:
    """The refusal of the longest lock among the counters `found` ((scope, key) → Counter)."""
    worst: tuple[dt.timedelta, str] | None = None
    for (scope, _key), counter in found.items():
        wait = wait_left(counter, at)
        if wait is not None and (worst is None or wait > worst[0]):
            worst = (wait, scope)
    if worst is None:
        return None
    wait, scope = worst
    return LoginRefused(account_locked_text(wait) if scope == "login" else client_locked_text(wait), wait)


def logout(conn, commune: str | None, actor: Actor, reason: str = "logout") -> None:
    audit(conn, actor, reason, commune, {"login": actor.login})
