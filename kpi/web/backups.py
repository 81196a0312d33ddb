"""The optional daily backup, made by the app itself through its own connection (the CLI cannot
open the database while the app holds it): the first page view of each day makes that day's
archive in `KPI_BACKUP_DIR`, keeping `KPI_BACKUP_KEEP` of them."""
from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from kpi.settings import daily_backup_settings
from kpi.web import data

log = logging.getLogger("kpi.web")


@st.cache_resource(show_spinner=False, max_entries=2)
def _daily(db: str, day: str) -> bool:
    chosen = daily_backup_settings()
    if chosen is None:
        return False
    folder, keep = chosen
    from kpi.usecases.backup import daily_backup  # the archive code (and openpyxl) only when a backup is due
    try:
        daily_backup(data.connection(), data.uploads_dir(), folder, keep)
    except Exception:  # noqa: BLE001 — a failed backup must not stop the app; it is logged
        log.exception("daily backup failed")
        return False
    return True


def ensure_daily_backup() -> None:
    if daily_backup_settings() is not None:
        _daily(data.db_target(), dt.date.today().isoformat())
