"""Constants shared by the tests (imported as `from common import …`; conftest files are not
importable by name once there is more than one)."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kpi.domain.figures import Actor  # noqa: E402

CONFIG = ROOT / "config" / "indicators.toml"
# The demo and the tests are pinned to one day so that numbers do not move with the calendar.
TODAY = dt.date(2026, 11, 23)
TESTER = Actor("Người kiểm thử", role="office")
SYSTEM = Actor("Hệ thống (kiểm thử)", role="system")

DEMO_PASSWORD_TEST = "mat-khau-kiem-thu"

# The app's password hasher, and the cheapest argon2id that tests hash with (tests/conftest.py)
from argon2 import PasswordHasher  # noqa: E402

from kpi.usecases import accounts as _accounts  # noqa: E402

PRODUCTION_HASHER = _accounts._HASHER
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def add_user(db, login: str, role: str, *units: str, name: str | None = None,
             password: str = DEMO_PASSWORD_TEST) -> None:
    """Create an account through the CLI (`users add`, the password on standard input)."""
    import io

    from kpi.cli.main import main
    args = ["--db", str(db), "users", "add", login, "--role", role]
    for u in units:
        args += ["--unit", u]
    if name:
        args += ["--name", name]
    old = sys.stdin
    sys.stdin = io.StringIO(password + "\n")
    try:
        assert main(args) == 0
    finally:
        sys.stdin = old


def ensure_demo_account(db, login: str = "admin") -> None:
    """Make sure the demo account `login` exists in `db` (demo databases already have them)."""
    from kpi import store
    from kpi.domain.catalog import load_catalog
    from kpi.store.accounts import get_account
    from kpi.usecases.accounts import add_user
    from kpi.usecases.demo import DEMO_ACTOR, demo_account_list, demo_password
    conn = store.connect(db)
    try:
        if get_account(conn, login) is None:
            catalog = load_catalog(CONFIG)          # read only when the account must be made
            _, role, units, name = next(a for a in demo_account_list(catalog) if a[0] == login)
            add_user(conn, catalog, DEMO_ACTOR, login, role, units, name, demo_password(login), demo=True)
    finally:
        conn.close()


def log_in(at, db, login: str = "admin"):
    """The one way AppTests log in: a session already authenticated as the demo account `login`
    (the login form itself is tested in tests/app/test_login.py)."""
    import time
    ensure_demo_account(db, login)
    at.session_state["auth"] = {"login": login, "last_seen": time.time()}
    return at
