"""Reads: each returns a DataFrame or a plain value."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kpi.store.connection import Conn


def end_of(as_of: dt.date) -> dt.datetime:
    """The first moment after the day `as_of`: the record "as it stood on D" holds what was stored
    before it."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


def _uploads_as_of(where: str) -> str:
    """The uploads that were current at the end of a day: per unit-month, the latest version sent
    before the cut (the statement's first parameter after those of `where`)."""
    return ("SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY commune, unit, period "
            f"ORDER BY version DESC, id DESC) AS newest FROM uploads WHERE {where} AND submitted_at < ?) AS v "
            "WHERE newest = 1")


def data_version(conn: Conn, commune: str) -> str:
    """Changes with every stored upload: the cache key for reads in the app."""
    n, last = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM uploads WHERE commune = ?",
                           [commune]).fetchall()[0]
    return f"{n}:{last}"


def current_figures(conn: Conn, commune: str, periods: list[str] | None = None,
                    unit: str | None = None, as_of: dt.date | None = None) -> pd.DataFrame:
    """The current figures (latest accepted upload per unit-month): the scoring input. With `as_of`:
    the figures as they stood at the end of that day (an upload sent later does not count, the
    version it replaced does)."""
    sql = ("SELECT m.unit, m.period, m.indicator_id, m.numerator, m.denominator, m.value, "
           "m.note, m.upload_id FROM measurements m JOIN uploads u ON u.id = m.upload_id WHERE ")
    params: list = []
    if as_of is None:
        sql += "u.status = 'accepted'"
    else:
        sql += f"u.id IN ({_uploads_as_of('commune = ?')})"
        params += [commune, end_of(as_of)]
    sql += " AND m.commune = ?"
    params.append(commune)
    if periods is not None:
        if not periods:
            periods = ["—"]
        sql += f" AND m.period IN ({', '.join('?' * len(periods))})"
        params += list(periods)
    if unit is not None:
        sql += " AND m.unit = ?"
        params.append(unit)
    sql += " ORDER BY m.period, m.unit, m.indicator_id"
    return conn.execute(sql, params).df()


def figures_of_upload(conn: Conn, upload_id: int) -> pd.DataFrame:
    return conn.execute(
        "SELECT unit, period, indicator_id, numerator, denominator, value, note "
        "FROM measurements WHERE upload_id = ? ORDER BY indicator_id", [upload_id]).df()


def upload_history(conn: Conn, commune: str, unit: str | None = None,
                   period: str | None = None) -> pd.DataFrame:
    sql = ("SELECT u.id, u.unit, u.period, u.version, u.status, u.file_name, u.sha256, u.size, "
           "u.submitted_by, u.submitted_at, u.supersedes, u.source, "
           "(SELECT count(*) FROM measurements m WHERE m.upload_id = u.id) AS figure_count "
           "FROM uploads u WHERE u.commune = ?")
    params: list = [commune]
    if unit is not None:
        sql += " AND u.unit = ?"
        params.append(unit)
    if period is not None:
        sql += " AND u.period = ?"
        params.append(period)
    sql += " ORDER BY u.submitted_at DESC, u.id DESC"
    return conn.execute(sql, params).df()


def first_submissions(conn: Conn, commune: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """When each unit first sent each month (timeliness is judged on the first version); with
    `as_of`, of the uploads sent by the end of that day."""
    cut, params = ("", [commune]) if as_of is None else (" AND submitted_at < ?", [commune, end_of(as_of)])
    return conn.execute(
        "SELECT unit, period, min(submitted_at) AS first_submitted_at, max(version) AS versions "
        f"FROM uploads WHERE commune = ?{cut} GROUP BY unit, period ORDER BY period, unit",
        params).df()


def reported_periods(conn: Conn, commune: str) -> list[str]:
    rows = conn.execute("SELECT DISTINCT period FROM uploads WHERE commune = ? ORDER BY period",
                        [commune]).fetchall()
    return [r[0] for r in rows]


def audit_log(conn: Conn, commune: str, limit: int = 200) -> pd.DataFrame:
    return conn.execute("SELECT happened_at, actor, action, detail FROM audit_log WHERE commune = ? "
                        "ORDER BY id DESC LIMIT ?", [commune, limit]).df()


def content_counts(conn: Conn) -> dict[str, int]:
    """Row counts of every table (tests compare them before and after a rejected file)."""
    tables = ["communes", "units", "uploads", "measurements", "audit_log", "schema_version"]
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


def kept_uploads(conn: Conn) -> list[dict]:
    """Every upload that came from a kept file, in the order it was stored (the journal's truth)."""
    rows = conn.execute(
        "SELECT id, commune, unit, period, version, sha256, file_name, submitted_by, submitted_at, "
        "stored_path FROM uploads WHERE sha256 IS NOT NULL ORDER BY id").fetchall()
    cols = ["id", "commune", "unit", "period", "version", "sha256", "file_name", "submitted_by",
            "submitted_at", "stored_path"]
    return [dict(zip(cols, r, strict=True)) for r in rows]


def sha_in_use(conn: Conn, sha256: str) -> bool:
    return bool(conn.execute("SELECT count(*) FROM uploads WHERE sha256 = ?", [sha256]).fetchall()[0][0])


def non_demo_uploads(conn: Conn) -> int:
    return int(conn.execute("SELECT count(*) FROM uploads WHERE source <> 'demo'").fetchall()[0][0])


def stored_communes(conn: Conn) -> list[tuple[str, str]]:
    """(code, name) of every commune the database holds, by code."""
    return [(r[0], r[1]) for r in conn.execute("SELECT code, name FROM communes ORDER BY code").fetchall()]


def city_figures(conn: Conn, periods: list[str], communes: list[str] | None = None,
                 as_of: dt.date | None = None) -> pd.DataFrame:
    """The current figures of `periods` of every commune (or of `communes`) in one read, with the
    commune column: scoring many communes groups by it (two communes' units of one code never add).
    Only what scoring reads, unsorted (the pass groups; order does not count): at 120 communes this
    read is most of the city's score on a server."""
    periods = list(periods) or ["—"]
    marks = ", ".join("?" * len(periods))
    if as_of is None:
        current, params = "u.status = 'accepted'", []
    else:
        current, params = f"u.id IN ({_uploads_as_of(f'period IN ({marks})')})", [*periods, end_of(as_of)]
    sql = ("SELECT m.commune, m.unit, m.period, m.indicator_id, m.numerator, m.denominator, m.value "
           f"FROM measurements m JOIN uploads u ON u.id = m.upload_id WHERE {current} AND m.period IN ({marks})")
    params += list(periods)
    if communes is not None:
        sql += f" AND m.commune IN ({', '.join('?' * max(1, len(communes)))})"
        params += list(communes) or ["—"]
    return conn.execute(sql, params).df()


def city_first_submissions(conn: Conn, periods: list[str] | None = None,
                           as_of: dt.date | None = None) -> pd.DataFrame:
    """When each unit of each commune first sent each month (of `periods`, or all; with `as_of`, of
    the uploads sent by the end of that day), in one read."""
    where: list[str] = []
    params: list = []
    if periods is not None:
        periods = list(periods) or ["—"]
        where.append(f"period IN ({', '.join('?' * len(periods))})")
        params += periods
    if as_of is not None:
        where.append("submitted_at < ?")
        params.append(end_of(as_of))
    sql = ("SELECT commune, unit, period, min(submitted_at) AS first_submitted_at, max(version) AS versions "
           "FROM uploads" + (f" WHERE {' AND '.join(where)}" if where else ""))
    return conn.execute(sql + " GROUP BY commune, unit, period ORDER BY commune, period, unit", params).df()


def city_data_version(conn: Conn) -> str:
    """Changes with every stored upload of any commune (the city view's cache key)."""
    n, last = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM uploads").fetchall()[0]
    closures = conn.execute("SELECT count(*), count(reopened_at) FROM quarter_closures").fetchall()[0]
    return f"{n}:{last}:{closures[0]}:{closures[1]}"


def quarter_aggregate(conn: Conn, commune: str, periods: list[str]) -> list[tuple]:
    """The current figures of `periods` summed per criterion and unit in one GROUP BY: (indicator_id,
    unit, months, numerator, denominator, value). No scoring rule: the floor `make bench` compares
    the engine's pass with (the engine, kpi.domain.scoring, is what scores)."""
    marks = ", ".join("?" * len(periods)) or "NULL"
    return conn.execute(
        "SELECT m.indicator_id, m.unit, count(DISTINCT m.period), sum(m.numerator), sum(m.denominator), "
        "sum(m.value) FROM measurements m JOIN uploads u ON u.id = m.upload_id "
        f"WHERE u.status = 'accepted' AND m.commune = ? AND m.period IN ({marks}) "
        "GROUP BY m.indicator_id, m.unit", [commune, *periods]).fetchall()


def city_quarter_aggregate(conn: Conn, periods: list[str]) -> list[tuple]:
    """Every commune's current figures of `periods` summed per commune, criterion and unit in one
    GROUP BY: (commune, indicator_id, unit, months, numerator, denominator, value). No scoring rule:
    the floor `scripts/bench_city.py` compares the all-communes score with."""
    marks = ", ".join("?" * len(periods)) or "NULL"
    return conn.execute(
        "SELECT m.commune, m.indicator_id, m.unit, count(DISTINCT m.period), sum(m.numerator), "
        "sum(m.denominator), sum(m.value) FROM measurements m JOIN uploads u ON u.id = m.upload_id "
        f"WHERE u.status = 'accepted' AND m.period IN ({marks}) "
        "GROUP BY m.commune, m.indicator_id, m.unit", list(periods)).fetchall()
