"""Quarter scores kept per data version, so that `python -m kpi score` answers a repeated question
without scoring again (and without importing pandas, which scoring needs).

A kept row is derived, never the record: it is computed by the one scoring engine
(`kpi.domain.scoring`) on a miss and answers only while everything it was computed from is unchanged:
the commune's uploads and catalogue versions (`data_version`), its quarter closures and reopenings
(`closures_version`), and the catalogue and code given by the caller (`catalog_sha256`). An import,
a closing, a reopening or a new catalogue changes a version, so the next question scores again.
Plain SQL and no pandas: this module is what a hit imports."""
from __future__ import annotations

import json
from dataclasses import dataclass

from kpi.store.connection import Conn, lock_names, now, transaction
from kpi.store.schema import WRITE_LOCK


@dataclass(frozen=True)
class ScoreKey:
    """What decides a score and how it is printed."""
    commune: str
    quarter: str
    unit: str | None
    as_of: str                 # the day scored, YYYY-MM-DD
    recompute: bool
    catalog_sha256: str        # the catalogue and the code scoring and writing it (see kpi.cli.score)


@dataclass(frozen=True)
class KeptScore:
    score: dict                # QuarterScore.to_dict() + closed, catalog_version (JSON-safe)
    printed: str               # the table the command line prints


def score_versions(conn: Conn, commune: str) -> tuple[str, str]:
    """(data version, closures version) of the commune, in one query: uploads (count, last id) and
    the last catalogue version kept; closures (count, last id, reopened count)."""
    row = conn.execute(
        "SELECT * FROM (SELECT count(*), coalesce(max(id), 0) FROM uploads WHERE commune = ?) u, "
        "(SELECT coalesce(max(id), 0) FROM catalog_versions WHERE commune = ?) c, "
        "(SELECT count(*), coalesce(max(id), 0), count(reopened_at) FROM quarter_closures WHERE commune = ?) q",
        [commune] * 3).fetchall()[0]
    return f"{row[0]}:{row[1]}:{row[2]}", f"{row[3]}:{row[4]}:{row[5]}"


def _where(key: ScoreKey) -> tuple[str, list]:
    return ("commune = ? AND quarter = ? AND unit = ? AND as_of = ? AND recompute = ?",
            [key.commune, key.quarter, key.unit or "", key.as_of, key.recompute])


def kept_score(conn: Conn, key: ScoreKey) -> KeptScore | None:
    """The kept score for `key` when it is still current, else None."""
    data_version, closures_version = score_versions(conn, key.commune)
    where, params = _where(key)
    rows = conn.execute(f"SELECT score, printed FROM kept_scores WHERE {where} AND data_version = ? "
                        "AND closures_version = ? AND catalog_sha256 = ?",
                        [*params, data_version, closures_version, key.catalog_sha256]).fetchall()
    if not rows:
        return None
    return KeptScore(json.loads(rows[0][0]), rows[0][1])


def keep_score(conn: Conn, key: ScoreKey, versions: tuple[str, str], kept: KeptScore) -> None:
    """Keep a score computed from the store as it was at `versions` (`score_versions` read before
    scoring): it replaces the row of the same question, and rows of older versions of the commune
    go. Nothing is kept when the store changed meanwhile (the next question scores again)."""
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [f"kept_scores:{key.commune}"])
        if score_versions(conn, key.commune) != versions:
            return
        where, params = _where(key)
        conn.execute(f"DELETE FROM kept_scores WHERE {where}", params).fetchall()
        conn.execute("DELETE FROM kept_scores WHERE commune = ? AND (data_version <> ? OR closures_version <> ?)",
                     [key.commune, *versions]).fetchall()
        conn.execute("INSERT INTO kept_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [*params, *versions, key.catalog_sha256,
                      json.dumps(kept.score, ensure_ascii=False, allow_nan=False), kept.printed, now()]).fetchall()
