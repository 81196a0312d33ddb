"""Cached data access for the pages: one connection per database, DuckDB file or PostgreSQL URL (`cache_resource`),
reads cached by the data version (`cache_data`), the catalogue re-read when its file changes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from kpi import store
from kpi.domain.catalog import Catalog, load_catalog
from kpi.domain.figures import Actor
from kpi.settings import Settings, resolve
from kpi.store.accounts import closures_version
from kpi.usecases.closing import ScoringBasis, scoring_basis
from kpi.usecases.scores import scoring_figures

APP_ACTOR = Actor("Ứng dụng web", role="system")


def settings() -> Settings:
    """Paths as the environment gives them (tests change the environment between runs)."""
    return resolve()


def db_path() -> Path:
    return settings().db_path


def db_target() -> str:
    """What the store opens: the DuckDB file, or the PostgreSQL URL (several app processes share it)."""
    return str(settings().db)


def config_path() -> Path:
    return settings().config_path


@st.cache_data(show_spinner=False)
def _catalog_at(path: str, mtime: float) -> Catalog:
    return load_catalog(path)


def _catalog_mtime() -> float:
    path = config_path()
    return path.stat().st_mtime if path.exists() else 0.0


def catalog() -> Catalog:
    """The catalogue, re-read when the TOML file changes."""
    return _catalog_at(str(config_path()), _catalog_mtime())


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return store.connect(path)


@st.cache_resource(show_spinner=False)
def _catalog_synced(path: str, config: str, mtime: float) -> bool:
    """Write the catalogue's units into the database once per catalogue version, not per rerun."""
    store.sync_catalog(_connection(path), catalog(), APP_ACTOR, config_path().read_text(encoding="utf-8"))
    return True


def connection():
    """A cursor on the app's one DuckDB connection (cursors are per-thread safe)."""
    path = db_target()
    _catalog_synced(path, str(config_path()), _catalog_mtime())
    return _connection(path).cursor()


def data_version() -> str:
    """Changes with every import, close and reopen: the key of every cached read."""
    conn, commune = connection(), catalog().commune
    return f"{store.data_version(conn, commune)}:{closures_version(conn, commune)}"


def basis(period) -> ScoringBasis:
    """The catalogue and figures that score `period`: frozen at closing when its quarter is closed,
    else today's catalogue and all current figures."""
    if period is None:
        return ScoringBasis(catalog(), current_figures())
    return _basis(db_target(), str(config_path()), _catalog_mtime(), str(period.quarter), data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _basis(db: str, config: str, mtime: float, quarter: str, version: str) -> ScoringBasis:
    return scoring_basis(_connection(db).cursor(), catalog(), quarter, current_figures())


@st.cache_data(show_spinner=False, max_entries=64)
def _current_figures(db: str, commune: str, version: str, config: str, mtime: float, today: str) -> pd.DataFrame:
    return scoring_figures(_connection(db).cursor(), _catalog_at(config, mtime), as_of=dt.date.fromisoformat(today))


def current_figures() -> pd.DataFrame:
    """All current figures of the commune with the criteria measured from the submission log
    (reporting on time, as of today), cached until the next import, catalogue edit or day."""
    cat = catalog()
    connection()
    return _current_figures(db_target(), cat.commune, data_version(), str(config_path()), _catalog_mtime(),
                            dt.date.today().isoformat())


def first_submissions() -> pd.DataFrame:
    connection()
    return _first_submissions(db_target(), catalog().commune, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _first_submissions(db: str, commune: str, version: str) -> pd.DataFrame:
    return store.first_submissions(_connection(db).cursor(), commune)


def upload_history(unit: str | None = None) -> pd.DataFrame:
    connection()
    return _upload_history(db_target(), catalog().commune, unit, data_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _upload_history(db: str, commune: str, unit: str | None, version: str) -> pd.DataFrame:
    return store.upload_history(_connection(db).cursor(), commune, unit)


def uploads_dir() -> Path:
    """Uploaded files are kept next to the database (data/uploads/…)."""
    return settings().uploads_dir
