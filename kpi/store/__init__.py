"""Storage on an embedded DuckDB file or a PostgreSQL server (`postgres`: the adapter that gives a
server DuckDB's interface, so the code below is one path): versioned schema (`schema`), opening,
transactions and locks between writers (`connection`), the few write functions (`writes`, one
transaction each, rights checked first), reads (`reads`). The only package that speaks SQL.

The modules that need pandas (`reads`, `writes`) are imported when one of their names is first
used (`from kpi.store import current_figures` works as before), so a process that only opens the
store (a command that needs no figures) does not import pandas."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kpi.store.connection import StoreError, connect, migrate, schema_version, transaction
from kpi.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:   # what the lazy names are, for type checkers and editors
    from kpi.store.reads import (
        audit_log,
        content_counts,
        current_figures,
        data_version,
        figures_of_upload,
        first_submissions,
        kept_uploads,
        non_demo_uploads,
        quarter_aggregate,
        reported_periods,
        sha_in_use,
        upload_history,
    )
    from kpi.store.writes import (
        RecordOutcome,
        catalog_changes,
        forget_raw_file,
        keep_raw_file,
        record_submission,
        record_submissions,
        sync_catalog,
    )

# name → the module that defines it, imported on first use
_LAZY: dict[str, str] = {
    **dict.fromkeys(["audit_log", "content_counts", "current_figures", "data_version", "figures_of_upload",
                     "first_submissions", "kept_uploads", "non_demo_uploads", "quarter_aggregate",
                     "reported_periods", "sha_in_use", "upload_history"], "kpi.store.reads"),
    **dict.fromkeys(["RecordOutcome", "catalog_changes", "forget_raw_file", "keep_raw_file", "record_submission",
                     "record_submissions", "sync_catalog"], "kpi.store.writes"),
}
_SUBMODULES = {"accounts", "backup", "connection", "evidence", "postgres", "reads", "schema", "signin",
               "tasks", "writes"}

__all__ = ["StoreError", "connect", "migrate", "schema_version", "transaction", "SCHEMA_VERSION", "audit_log",
           "content_counts", "current_figures", "data_version", "figures_of_upload", "first_submissions",
           "reported_periods", "upload_history", "kept_uploads", "non_demo_uploads", "quarter_aggregate",
           "sha_in_use", "RecordOutcome", "catalog_changes", "forget_raw_file", "keep_raw_file", "record_submission",
           "record_submissions", "sync_catalog"]


def __getattr__(name: str) -> Any:
    """A lazy name (`store.current_figures`) or submodule (`store.reads`), imported on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"kpi.store.{name}")
    raise AttributeError(f"module 'kpi.store' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})
