"""Backups on the web: «Tạo và tải bản sao lưu» (the archive made when the browser follows the
one-time link the click gives, for the session's account checked again then, see
`kpi.web.downloads`), and the optional daily backup, made by the app itself through its own
connection (the CLI cannot open the database while the app holds it): the first page view of each
day makes that day's archive in `KPI_BACKUP_DIR`, keeping `KPI_BACKUP_KEEP` of them."""
from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from kpi.settings import daily_backup_settings
from kpi.web import data, downloads

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


def backup_download() -> None:
    """One button: its click hands this browser a one-time link; following it, the server makes the
    archive (`make_backup` checks the right and audits it) and sends it straight to the browser;
    nothing of it exists on the server before, nor stays after (`kpi.web.downloads`)."""
    name = f"sao-luu-kpi-{dt.datetime.now():%Y-%m-%d-%H%M}.zip"
    downloads.sensitive_download("Tạo và tải bản sao lưu", "backup", file_name=name, key="download_backup",
                                 icon=":material/backup:")
