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
