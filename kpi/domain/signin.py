"""Signing in: the password rule and the limits on wrong tries (pure; the clock is an argument).

Wrong tries are counted per login and per client address. Once a count reaches its rule's number
of failures, every further try is refused for a wait that doubles with each further failure
(30 s, 1 min, 2 min, 4 min, 8 min, then 15 min at most), even with the right password. A count is
forgotten after 15 minutes with no failure and no lock (measured from the later of the last
failure and the end of the last lock); a successful login forgets its login's count.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MIN_PASSWORD = 10


@dataclass(frozen=True)
class LockRule:
    failures: int              # the failure that starts the first lock
    window: dt.timedelta       # quiet time after which the count is forgotten
    first_wait: dt.timedelta   # the first lock; each further failure doubles it …
    max_wait: dt.timedelta     # … up to this


ACCOUNT_RULE = LockRule(5, dt.timedelta(minutes=15), dt.timedelta(seconds=30), dt.timedelta(minutes=15))
CLIENT_RULE = LockRule(20, dt.timedelta(minutes=15), dt.timedelta(seconds=30), dt.timedelta(minutes=15))


@dataclass(frozen=True)
class Counter:
    """Wrong tries of one login or one client address, as stored."""
    failures: int
    last_failure_at: dt.datetime
    locked_until: dt.datetime | None = None


def wait_left(counter: Counter | None, at: dt.datetime) -> dt.timedelta | None:
    """How long a try at `at` must still wait (None: not locked)."""
    if counter is None or counter.locked_until is None or counter.locked_until <= at:
        return None
    return counter.locked_until - at


def lock_wait(rule: LockRule, failures: int) -> dt.timedelta | None:
    """The lock that the `failures`-th failure starts (None below the rule's number)."""
    if failures < rule.failures:
        return None
    steps = min(failures - rule.failures, 16)        # 30 s × 2^16 is far past any cap
    return min(rule.first_wait * (2 ** steps), rule.max_wait)


def after_failure(rule: LockRule, counter: Counter | None, at: dt.datetime) -> Counter:
    """The counter once a failure at `at` is counted."""
    failures = 0
    if counter is not None:
        quiet_since = max(counter.last_failure_at, counter.locked_until or counter.last_failure_at)
        if at - quiet_since < rule.window:
            failures = counter.failures
    failures += 1
    wait = lock_wait(rule, failures)
    return Counter(failures, at, at + wait if wait is not None else None)


def forgotten_before(rule: LockRule, at: dt.datetime) -> dt.datetime:
    """Counters quiet since before this moment count for nothing any more (they may be deleted)."""
    return at - rule.window


def minutes_text(wait: dt.timedelta) -> str:
    """A wait in whole minutes, rounded up (30 s is «1 phút»)."""
    seconds = max(0, int(wait.total_seconds() + 0.999))
    return f"{max(1, -(-seconds // 60))} phút"


def account_locked_text(wait: dt.timedelta) -> str:
    return f"Tài khoản tạm khoá do nhập sai nhiều lần; thử lại sau {minutes_text(wait)}."


def client_locked_text(wait: dt.timedelta) -> str:
    return f"Máy này tạm bị chặn đăng nhập do nhập sai nhiều lần; thử lại sau {minutes_text(wait)}."


# --- the password rule ----------------------------------------------------------------------

# the commonest passwords and the words they are made of; a password that is one of them, or one of
# the words followed only by digits or punctuation («matkhau2024!»), is refused
COMMON_WORDS = frozenset({
    "password", "passw0rd", "matkhau", "matkhaumoi", "admin", "administrator", "quantri", "qwerty",
    "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbnm", "abc", "abcd", "abcdef", "abcdefgh", "iloveyou",
    "anhyeuem", "emyeuanh", "vietnam", "hanoi", "saigon", "letmein", "welcome", "xinchao", "user",
    "test", "demo", "guest", "root", "changeme", "1q2w3e4r", "1qaz2wsx",
})
_DIGIT_RUNS = ("12345678901234567890", "09876543210987654321")
_SEPARATORS = re.compile(r"[\s._\-@#!$%^&*+=~/\\|,;:'\"()\[\]{}<>?]+")


def _is_common(password: str) -> bool:
    plain = _SEPARATORS.sub("", password.lower())
    if not plain:
        return False
    if plain in COMMON_WORDS:
        return True
    if plain.isdigit() and (len(set(plain)) <= 2 or any(plain in run for run in _DIGIT_RUNS)):
        return True                                   # 12345678…, 98765432…, 11112222, 121212…
    word = plain.rstrip("0123456789")
    return bool(word) and word in COMMON_WORDS


def password_problem(password: str, login: str | None = None) -> str | None:
    """What is wrong with `password` for the account `login` (Vietnamese, naming the rule), or None."""
    stripped = password.strip()
    if not stripped:
        return "Mật khẩu không được chỉ gồm khoảng trắng."
    if len(stripped) < MIN_PASSWORD:
        return f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự."
    if len(set(stripped)) == 1:
        return "Mật khẩu không được chỉ lặp lại một ký tự."
    name = (login or "").strip().lower()
    if name and name in password.lower():
        return "Mật khẩu không được chứa tên đăng nhập."
    if _is_common(password):
        return "Mật khẩu quá phổ biến (như 12345678…, password, matkhau…); hãy chọn mật khẩu khác."
    return None
