"""Accounts as both the web and the CLI use them: adding, passwords, logging in."""
from __future__ import annotations

import re
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.rights import CITY_ROLES, ROLES
from kpi.store import StoreError
from kpi.store.accounts import Account, create_account, get_account, set_active, set_password
from kpi.store.writes import audit

_HASHER = PasswordHasher()
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 8
FAILED_LOGIN_DELAY = 1.0  # seconds a failed login waits (tests may lower it)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StoreError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


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
    check_password(password)
    create_account(conn, actor, login, (name or login).strip(), role, units, hash_password(password), demo,
                   commune)


def change_password(conn, actor: Actor, login: str, password: str) -> None:
    check_password(password)
    set_password(conn, actor, login.strip().lower(), hash_password(password))


def disable_user(conn, actor: Actor, login: str) -> None:
    set_active(conn, actor, login.strip().lower(), False)


def active_actor(conn, login: str) -> Actor:
    """The actor of an active account (the CLI's --by), or a clear refusal."""
    account = get_account(conn, (login or "").strip().lower())
    if account is None:
        raise StoreError(f"Không có tài khoản «{login}». Tạo bằng: python -m kpi users add …")
    if not account.active:
        raise StoreError(f"Tài khoản «{account.login}» đã bị khoá.")
    return account.actor()


def login(conn, commune: str | None, login_name: str, password: str, delay: float | None = None) -> Account | None:
    """The account when the login and password match an active account; otherwise None after a
    delay. Both outcomes are audited (never with the password)."""
    login_name = (login_name or "").strip().lower()
    account = get_account(conn, login_name) if login_name else None
    ok = account is not None and account.active and password_matches(account.password_hash, password or "")
    who = Actor(login_name or "(trống)", "viewer", login_name or "(trống)")
    if not ok:
        audit(conn, who, "login_failed", commune, {"login": login_name})
        time.sleep(FAILED_LOGIN_DELAY if delay is None else delay)
        return None
    assert account is not None
    audit(conn, account.actor(), "login", commune, {"login": login_name})
    return account


def logout(conn, commune: str | None, actor: Actor, reason: str = "logout") -> None:
    audit(conn, actor, reason, commune, {"login": actor.login})
