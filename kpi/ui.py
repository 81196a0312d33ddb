"""The thin Streamlit layer: one cached DuckDB connection, cached reads keyed by the data
version, the shared period picker. The only module of kpi/ that imports Streamlit."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from . import store
from .catalog import Catalog, load_catalog
from .cli import DEFAULT_CONFIG, DEFAULT_DB
from .store import Actor

APP_ACTOR = Actor("Ứng dụng web", role="system")


def db_path() -> Path:
    return Path(os.environ.get("KPI_DB") or DEFAULT_DB)


def config_path() -> Path:
    return Path(os.environ.get("KPI_CONFIG") or DEFAULT_CONFIG)


@st.cache_data(show_spinner=False)
def _catalog_at(path: str, mtime: float) -> Catalog:
    return load_catalog(path)


def catalog() -> Catalog:
    """The catalogue, re-read when the TOML file changes."""
    path = config_path()
    return _catalog_at(str(path), path.stat().st_mtime if path.exists() else 0.0)


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    conn = store.connect(path)
    return conn


def connection():
    """A cursor on the app's one DuckDB connection (cursors are per-thread safe)."""
    conn = _connection(str(db_path()))
    store.sync_catalog(conn, catalog(), APP_ACTOR)
    return conn.cursor()


def data_version() -> str:
    return store.data_version(connection(), catalog().commune)


@st.cache_data(show_spinner=False, max_entries=64)
def _current_figures(db: str, commune: str, version: str) -> pd.DataFrame:
    return store.current_figures(_connection(db).cursor(), commune)


def current_figures() -> pd.DataFrame:
    """All current figures of the commune, cached until the next import."""
    cat = catalog()
    connection()
    return _current_figures(str(db_path()), cat.commune, data_version())
