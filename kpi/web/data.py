"""Cached data access for the pages: one connection per database, DuckDB file or PostgreSQL URL (`cache_resource`),
reads cached by the data version (`cache_data`), the catalogue re-read when its file changes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kpi import store
from kpi.domain.catalog import Catalog
from kpi.domain.city import City, load_city
from kpi.domain.figures import Actor
from kpi.domain.periods import Period
from kpi.domain.scoring import IndicatorScore, QuarterResults, score_criterion
from kpi.present import tables
from kpi.settings import Settings, resolve
from kpi.store.accounts import closures_version
from kpi.usecases.period_result import PeriodResult, period_result
from kpi.usecases.scores import scoring_figures
from kpi.web import state

APP_ACTOR = Actor("Ứng dụng web", role="system")


def settings() -> Settings:
    """Paths as the environment gives them (tests change the environment between runs)."""
    return resolve()


def db_target() -> str:
    """What the store opens: the DuckDB file, or the PostgreSQL URL (several app processes share it)."""
    return str(settings().db)


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


def catalog_of(commune: str | None) -> Catalog:
    """The catalogue of `commune` (None: the file's first), outside any page (the download route)."""
    return _commune_catalog(str(config_path()), _catalog_mtime(), commune)


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
    for code in c.codes:   # each commune's catalogue, kept as a version when it changed
        store.sync_catalog(_connection(path), c.catalog_for(code), APP_ACTOR, c.catalog_text_for(code))
    return True


def connection():
    """A cursor on the app's one DuckDB connection (cursors are per-thread safe)."""
    path = db_target()
    _catalog_synced(path, str(config_path()), _catalog_mtime())
    return _connection(path).cursor()


def _run_memo() -> dict | None:
    """A dict that lives as long as the current script run of this session (None outside a run).

    Streamlit gives each run (a rerun, `st.rerun()`, a fragment's run) a fresh `cursors` dict in
    its ScriptRunContext; the memo is kept with that dict and is new when the dict is."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    held = getattr(ctx, "_kpi_run_memo", None)
    if held is None or held[0] is not ctx.cursors:
        held = (ctx.cursors, {})
        ctx._kpi_run_memo = held  # type: ignore[attr-defined]
    return held[1]


def data_version() -> str:
    """Changes with every import, close and reopen: the key of every cached read.

    Read once per script run (a page asks for it a dozen times, two queries each) and again in the
    next run: a write is seen by cached reads from the run after it (the upload and evidence pages
    rerun right after writing; the accounts page shows closings from the store, not cached)."""
    commune = catalog().commune
    memo = _run_memo()
    key = ("data_version", db_target(), commune)
    if memo is not None and key in memo:
        return memo[key]
    conn = connection()
    # the commune is part of the version: two communes of one database never share a cached read
    version = f"{commune}:{store.data_version(conn, commune)}:{closures_version(conn, commune)}"
    if memo is not None:
        memo[key] = version
    return version


def as_of() -> dt.date:
    """The day every read of this run judges the record on (`state.as_of`: «Tính đến ngày» or today)."""
    return state.as_of()


def result(period: Period) -> PeriodResult:
    """The period's result through the one door (`kpi.usecases.period_result`): the frozen result
    of a closed quarter, else the record as it stood at the end of `as_of()`; the commune's and every
    unit's score from one pass. Cached by every input as an argument."""
    return _result(*_keys(), period.key)


@st.cache_data(show_spinner=False, max_entries=32)
def _result(db: str, config: str, mtime: float, commune: str, version: str, day: str, key: str) -> PeriodResult:
    return period_result(_connection(db).cursor(), _commune_catalog(config, mtime, commune), Period.parse(key),
                         as_of=dt.date.fromisoformat(day),
                         figures=_current_figures(db, commune, version, config, mtime, day))


@st.cache_data(show_spinner=False, max_entries=64)
def _current_figures(db: str, commune: str, version: str, config: str, mtime: float, day: str) -> pd.DataFrame:
    return scoring_figures(_connection(db).cursor(), _commune_catalog(config, mtime, commune),
                           as_of=dt.date.fromisoformat(day))


def current_figures() -> pd.DataFrame:
    """All figures of the commune as they stood at the end of `as_of()`, with the criteria measured
    from the submission log, cached until the next import, catalogue edit or day."""
    db, config, mtime, commune, version, day = _keys()
    return _current_figures(db, commune, version, config, mtime, day)


def first_submissions() -> pd.DataFrame:
    db, _, _, commune, version, day = _keys()
    return _first_submissions(db, commune, version, day)


@st.cache_data(show_spinner=False, max_entries=16)
def _first_submissions(db: str, commune: str, version: str, day: str) -> pd.DataFrame:
    return store.first_submissions(_connection(db).cursor(), commune, dt.date.fromisoformat(day))


def upload_history(unit: str | None = None) -> pd.DataFrame:
    connection()
    return _upload_history(db_target(), catalog().commune, unit, data_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _upload_history(db: str, commune: str, unit: str | None, version: str) -> pd.DataFrame:
    return store.upload_history(_connection(db).cursor(), commune, unit)


def uploads_dir() -> Path:
    """Uploaded files are kept next to the database (data/uploads/…)."""
    return settings().uploads_dir


def city_scores(quarter: str, actor: Actor) -> list:
    """Every commune's score of `quarter` with the change (kpi.usecases.city) as of `as_of()`, cached
    until the next upload in any commune, catalogue edit or day; refused to an account of one commune."""
    from kpi.domain.rights import authorize
    authorize(actor, "read_city", "")
    conn = connection()
    return _city_scores(db_target(), str(config_path()), _catalog_mtime(), quarter,
                        store.reads.city_data_version(conn), as_of().isoformat())


@st.cache_data(show_spinner=False, max_entries=16)
def _city_scores(db: str, config: str, mtime: float, quarter: str, version: str, day: str) -> list:
    from kpi.usecases.city import city_scores as every_commune
    return every_commune(_connection(db).cursor(), _city_at(config, mtime), APP_ACTOR, quarter,
                  as_of=dt.date.fromisoformat(day))


# ── scores: computed once per data version, period and day, only what a page shows ──

def _keys() -> tuple[str, str, float, str, str, str]:
    """What every cached read depends on besides the period: database, catalogue file and its
    version, the commune, the data version (imports, closings) and the day the record is judged on."""
    connection()
    return db_target(), str(config_path()), _catalog_mtime(), catalog().commune, data_version(), as_of().isoformat()


def scores(period: Period) -> QuarterResults:
    """The period's scores, the commune's and every unit's (`result(period).scores`)."""
    return result(period).scores


def status_matrix(period: Period) -> pd.DataFrame:
    """Units × criteria statuses of the period (the overview's grid), from `result`."""
    return _status_matrix(*_keys(), period.key)


@st.cache_data(show_spinner=False, max_entries=32)
def _status_matrix(db: str, config: str, mtime: float, commune: str, version: str, day: str,
                   key: str) -> pd.DataFrame:
    r = _result(db, config, mtime, commune, version, day, key)
    return tables.status_matrix(r.catalog, r.figures, r.period, results=r.scores)


def what_it_takes(period: Period) -> tuple[dict[str, str], dict[str, str]]:
    """(full sentences, short actions) of every criterion not met in the period, on its basis."""
    return _what_it_takes(*_keys(), period.key)


@st.cache_data(show_spinner=False, max_entries=16)
def _what_it_takes(db: str, config: str, mtime: float, commune: str, version: str, day: str,
                   key: str) -> tuple[dict[str, str], dict[str, str]]:
    r = _result(db, config, mtime, commune, version, day, key)
    return tables.what_it_takes_both(r.catalog, r.figures, r.period)


def criterion_result(period: Period, indicator_id: str) -> IndicatorScore:
    """One criterion's result in the period: from the period's result, or from today's catalogue
    and figures for a criterion added after the quarter was closed."""
    r = result(period)
    if r.catalog.has_indicator(indicator_id):
        return r.commune.result(indicator_id)
    return score_criterion(catalog(), tables.period_figures(current_figures(), period), period.quarter, indicator_id,
                           as_of=as_of(), months=tuple(period.months))[0]


def what_it_takes_one(period: Period, indicator_id: str) -> str | None:
    """What meeting one criterion by the quarter's end takes (its goal-seek alone), in words."""
    return _what_it_takes_one(*_keys(), period.key, indicator_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _what_it_takes_one(db: str, config: str, mtime: float, commune: str, version: str, day: str, key: str,
                       indicator_id: str) -> str | None:
    from kpi.domain.goalseek import what_it_takes as seek
    from kpi.present.goal_texts import answer_texts
    cat = _commune_catalog(config, mtime, commune)
    answer = seek(cat, _current_figures(db, commune, version, config, mtime, day), Period.parse(key).quarter,
                  indicator_id)
    return answer_texts(cat, {indicator_id: answer}).get(indicator_id) if answer else None


def monthly_series(indicator_id: str) -> pd.DataFrame:
    """One criterion month by month (the commune), on today's catalogue and the figures as of `as_of()`."""
    return _monthly_series(*_keys(), indicator_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _monthly_series(db: str, config: str, mtime: float, commune: str, version: str, day: str,
                    indicator_id: str) -> pd.DataFrame:
    return tables.monthly_series(_commune_catalog(config, mtime, commune),
                                 _current_figures(db, commune, version, config, mtime, day), indicator_id)


def quarter_series(indicator_id: str) -> pd.DataFrame:
    """One criterion quarter by quarter (that criterion's figures only, not whole scorecards)."""
    return _quarter_series(*_keys(), indicator_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _quarter_series(db: str, config: str, mtime: float, commune: str, version: str, day: str,
                    indicator_id: str) -> pd.DataFrame:
    return tables.quarter_series(_commune_catalog(config, mtime, commune),
                                 _current_figures(db, commune, version, config, mtime, day), indicator_id)


def unit_contributions(indicator_id: str, period: Period) -> pd.DataFrame:
    """Each reporting unit's part of one criterion in the period."""
    return _unit_contributions(*_keys(), indicator_id, period.key)


@st.cache_data(show_spinner=False, max_entries=64)
def _unit_contributions(db: str, config: str, mtime: float, commune: str, version: str, day: str,
                        indicator_id: str, key: str) -> pd.DataFrame:
    return tables.unit_contributions(_commune_catalog(config, mtime, commune),
                                     _current_figures(db, commune, version, config, mtime, day), indicator_id,
                                     Period.parse(key))


def figure(build, *args, key: tuple | None = None, **kwargs):
    """A chart of kpi.present.charts built once per data version, day and arguments, then shared:
    building and validating a Plotly figure takes tens of milliseconds per layout setting, and
    nothing changes a figure after it is built (st.plotly_chart serialises it).

    `key`: what the arguments depend on besides the database, the catalogue file, the commune, the
    data version and the day (e.g. the period, the criterion): the figure is then found by it, without hashing
    the arguments (a table as an argument costs milliseconds of hashing on every rerun)."""
    keys = _keys()
    name = f"{build.__module__}.{build.__qualname__}"
    if key is not None:
        return _figure_by_key(*keys, name, key, _args=args, _kwargs=kwargs, _build=build)
    db, _, _, commune, version, day = keys
    return _figure(db, commune, version, day, name, args, tuple(sorted(kwargs.items())), _build=build)


@st.cache_resource(show_spinner=False, max_entries=64)
def _figure(db: str, commune: str, version: str, day: str, name: str, args: tuple, kwargs: tuple, _build=None):
    return _build(*args, **dict(kwargs))


@st.cache_resource(show_spinner=False, max_entries=64)
def _figure_by_key(db: str, config: str, mtime: float, commune: str, version: str, day: str, name: str,
                   key: tuple, _args: tuple = (), _kwargs: dict | None = None, _build=None):
    return _build(*_args, **(_kwargs or {}))


# ── the task register: cached by the register's version and the day ──

def register_version() -> str:
    """Changes with every import, edit and progress record of the commune's task register."""
    from kpi.store.tasks import register_version as version
    commune = catalog().commune
    memo = _run_memo()
    key = ("register_version", db_target(), commune)
    if memo is not None and key in memo:
        return memo[key]
    value = f"{commune}:{version(connection(), commune)}"
    if memo is not None:
        memo[key] = value
    return value


def task_register():
    """The task register on `as_of()` (kpi.usecases.tasks.register_on), every input an argument."""
    connection()
    return _task_register(db_target(), str(config_path()), _catalog_mtime(), catalog().commune, register_version(),
                          as_of().isoformat())


@st.cache_data(show_spinner=False, max_entries=16)
def _task_register(db: str, config: str, mtime: float, commune: str, version: str, day: str):
    from kpi.usecases.tasks import register_on
    return register_on(_connection(db).cursor(), _commune_catalog(config, mtime, commune), dt.date.fromisoformat(day))
