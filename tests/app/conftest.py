"""Every page test runs the app on the demo's day: the demo database is made up to TODAY
(23/11/2026), and what the pages say (what is due, provisional, late) depends on the day the app
reads, so the clock is pinned there (still ticking: sessions, caches and timeouts work as usual)."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.common import TODAY


@pytest.fixture(autouse=True)
def on_the_demo_day():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(12, 0)), tick=True):
        yield
