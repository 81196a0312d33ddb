"""What flows between ingest, the store and scoring: who writes (`Actor`), one unit's
figures for one month (`Submission` of `Figure`s)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who writes: a person's account (login, role, own units, own commune) or the system itself
    (role "system": the demo, a rebuild, the catalogue sync)."""
    name: str
    role: str = "coordinator"
    login: str | None = None
    units: tuple[str, ...] = ()
    commune: str | None = None   # the one commune the account works in; None: every commune (city-wide)

    @property
    def who(self) -> str:
        """What the history and the audit log record: the login when there is one."""
        return self.login or self.name


@dataclass(frozen=True)
class Figure:
    indicator_id: str
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Submission:
    """The figures of one unit for one month, as read from a file (or made by the demo)."""
    commune: str
    unit: str
    period: str
    figures: tuple[Figure, ...]
    file_name: str | None = None
    sha256: str | None = None
    size: int | None = None
    source: str = "excel"
    stored_path: str | None = None
    submitted_at: dt.datetime | None = None  # None = now

    def content_sha256(self) -> str:
        rows = sorted((f.indicator_id, f.numerator, f.denominator, f.value, f.note or "")
                      for f in self.figures)
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()
