"""Cached data access for the pages: one DuckDB connection per database (`cache_resource`),
reads cached by the data version (`cache_data`), the catalogue re-read when its file changes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from kpi import store
from kpi.domain.catalog import Catalog
from kpi.domain.city import City, load_city
from kpi.domain.figures import Actor
from kpi.settings import Settings, resolve
from kpi.store.accounts import closures_version
from kpi.usecases.closing import ScoringBasis, scoring_basis
from kpi.usecases.scores import scoring_figures
from kpi.web import state

APP_ACTOR = Actor("Ứng dụng web", role="system")


def settings() -> Settings:
    """Paths as the environment gives them (tests change the environment between runs)."""
    return resolve()


def db_path() -> Path:
    return settings().db_path


def config_path() -> Path:
    return settings().config_path


@st.cache_resource(show_spinner=False, max_entries=8)
def _city_at(path: str, mtime: float) -> City:
    """The catalogue file as a city (one commune for today's single-commune file); kept as one object
    so each commune's catalogue is built once."""
    return load_city(path)


def _catalog_mtime() -> float:
    path = config_path()
    return path.stat().st_mtime if path.exists() else 0.0


def city_file() -> City:
    """The catalogue file as a city, re-read when the file changes."""
    return _city_at(str(config_path()), _catalog_mtime())


def city() -> City:
    """The city: the file's communes and the other communes the database holds (a demo of many)."""
    from kpi.usecases.city import city_with_stored
    return city_with_stored(connection(), city_file())


def _commune_catalog(config: str, mtime: float, commune: str | None) -> Catalog:
    c = _city_at(config, mtime)
    if commune is None or (c.single and commune == c.base.commune):
        return c.base if c.single else c.catalog_for(c.codes[0])
    if not c.has(commune):
        c = city()
    return c.catalog_for(commune) if c.has(commune) else (c.base if c.single else c.catalog_for(c.codes[0]))


def catalog() -> Catalog:
    """The catalogue of the commune being looked at (the only one, or the one chosen: see
    `state.current_commune`), re-read when the TOML file changes."""
    return _commune_catalog(str(config_path()), _catalog_mtime(), state.current_commune())


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return store.connect(path)


@st.cache_resource(show_spinner=False)
def _catalog_synced(path: str, config: str, mtime: float) -> bool:
    """Write the catalogue's communes and units into the database once per catalogue version, not per
    rerun (a one-commune file with its text, as a catalogue version)."""
    c = _city_at(config, mtime)
    if c.single:
        store.sync_catalog(_connection(path), c.base, APP_ACTOR, config_path().read_text(encoding="utf-8"))
    else:
        for code in c.codes:
            store.sync_catalog(_connection(path), c.catalog_for(code), APP_ACTOR)
    return True


def connection():
    """A cursor on the app's one DuckDB connection (cursors are per-thread safe)."""
    path = str(db_path())
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
    return _basis(str(db_path()), str(config_path()), _catalog_mtime(), catalog().commune, str(period.quarter),
                  data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _basis(db: str, config: str, mtime: float, commune: str, quarter: str, version: str) -> ScoringBasis:
    return scoring_basis(_connection(db).cursor(), catalog(), quarter, current_figures())


@st.cache_data(show_spinner=False, max_entries=64)
def _current_figures(db: str, commune: str, version: str, config: str, mtime: float, today: str) -> pd.DataFrame:
    return scoring_figures(_connection(db).cursor(), _commune_catalog(config, mtime, commune),
                           as_of=dt.date.fromisoformat(today))


def current_figures() -> pd.DataFrame:
    """All current figures of the commune with the criteria measured from the submission log
    (reporting on time, as of today), cached until the next import, catalogue edit or day."""
    cat = catalog()
    connection()
    return _current_figures(str(db_path()), cat.commune, data_version(), str(config_path()), _catalog_mtime(),
                            dt.date.today().isoformat())


def first_submissions() -> pd.DataFrame:
    connection()
    return _first_submissions(str(db_path()), catalog().commune, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _first_submissions(db: str, commune: str, version: str) -> pd.DataFrame:
    return store.first_submissions(_connection(db).cursor(), commune)


def upload_history(unit: str | None = None) -> pd.DataFrame:
    connection()
    return _upload_history(str(db_path()), catalog().commune, unit, data_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _upload_history(db: str, commune: str, unit: str | None, version: str) -> pd.DataFrame:
    return store.upload_history(_connection(db).cursor(), commune, unit)


def uploads_dir() -> Path:
    """Uploaded files are kept next to the database (data/uploads/…)."""
    return settings().uploads_dir


def city_scores(quarter: str, actor: Actor) -> list:
    """Every commune's score of `quarter` with the change (kpi.usecases.city), cached until the next
    upload in any commune, catalogue edit or day; refused to an account of one commune."""
    from kpi.domain.rights import authorize
    authorize(actor, "read_city", "")
    conn = connection()
    return _city_scores(str(db_path()), str(config_path()), _catalog_mtime(), quarter,
                        store.reads.city_data_version(conn), dt.date.today().isoformat())


@st.cache_data(show_spinner=False, max_entries=16)
def _city_scores(db: str, config: str, mtime: float, quarter: str, version: str, today: str) -> list:
    from kpi.usecases.city import city_scores as scores
    return scores(_connection(db).cursor(), _city_at(config, mtime), APP_ACTOR, quarter,
                  as_of=dt.date.fromisoformat(today))
