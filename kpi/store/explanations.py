"""The office's explanations (giải trình) of a quarter's criteria, and the city's appraisal
(thẩm định) of the quarter's Biểu: each write one transaction, rights checked first, refusals and
writes audited.

An explanation is part of the quarter's report: a closed quarter refuses it, as it refuses uploads
(reopen the quarter to change it). The appraisal is the city's word on the report, not a figure of
the commune: it is accepted in a closed quarter, and a new import replaces the quarter's previous
one (the audit line keeps the total it replaced)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied, authorize
from kpi.store.connection import Conn, StoreError, first_row, lock_names, now, transaction
from kpi.store.schema import WRITE_LOCK
from kpi.store.writes import _audit, audit, current_closure, quarter_lock

MAX_EXPLANATION = 4000      # characters of one explanation (a Biểu cell stays printable)


@dataclass(frozen=True)
class Explanation:
    indicator_id: str
    text: str
    written_by: str
    written_at: dt.datetime


@dataclass(frozen=True)
class AppraisedRow:
    indicator_id: str
    points: float | None         # None: the city left the row without a score
    comment: str = ""


@dataclass(frozen=True)
class Appraisal:
    quarter: str
    rows: tuple[AppraisedRow, ...]
    file_name: str | None
    file_sha256: str
    imported_by: str
    imported_at: dt.datetime

    @property
    def total(self) -> float:
        """The appraised total: the sum of the scored rows, in whole hundredths."""
        return round(sum(r.points for r in self.rows if r.points is not None), 2)

    def of(self, indicator_id: str) -> AppraisedRow | None:
        return next((r for r in self.rows if r.indicator_id == indicator_id), None)


def _guard(conn: Conn, actor: Actor, action: str, commune: str, quarter: str) -> None:
    try:
        authorize(actor, action, commune)
    except PermissionDenied as e:
        if actor.who.strip():
            audit(conn, actor, "refused_rights", commune, {"action": action, "reason": str(e)}, period=quarter)
        raise


def write_explanation(conn: Conn, actor: Actor, commune: str, quarter: str, indicator_id: str,
                      text: str) -> Explanation | None:
    """Set the explanation of `indicator_id` in `quarter` (an empty text removes it: None back).
    A closed quarter refuses it (PermissionDenied, audited)."""
    _guard(conn, actor, "explain", commune, quarter)
    text = (text or "").strip()
    if len(text) > MAX_EXPLANATION:
        raise StoreError(f"Giải trình dài {len(text)} ký tự, tối đa {MAX_EXPLANATION}: hãy viết gọn lại.")
    closed = _closed_refusal(conn, commune, quarter)
    if closed is not None:
        audit(conn, actor, "refused_rights", commune, {"action": "explain", "reason": str(closed),
                                                        "indicator": indicator_id}, period=quarter)
        raise closed
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [quarter_lock(commune, quarter)], shared=True)
        closed = _closed_refusal(conn, commune, quarter)   # closed meanwhile (another process)
        if closed is not None:
            raise closed
        old = first_row(conn.execute("SELECT text FROM explanations WHERE commune = ? AND quarter = ? "
                                     "AND indicator_id = ?", [commune, quarter, indicator_id]))[0]
        if (old or "") == text:
            return _one(conn, commune, quarter, indicator_id)
        conn.execute("DELETE FROM explanations WHERE commune = ? AND quarter = ? AND indicator_id = ?",
                     [commune, quarter, indicator_id]).fetchall()
        stamp = now()
        if text:
            conn.execute("INSERT INTO explanations VALUES (?, ?, ?, ?, ?, ?)",
                         [commune, quarter, indicator_id, text, actor.who, stamp]).fetchall()
        _audit(conn, actor, "explanation_write", commune,
               {"indicator": indicator_id, "text": text, "previous": old}, period=quarter)
    return Explanation(indicator_id, text, actor.who, stamp) if text else None


def _closed_refusal(conn: Conn, commune: str, quarter: str) -> PermissionDenied | None:
    closing = current_closure(conn, commune, quarter)
    if closing is None:
        return None
    return PermissionDenied(
        f"{Quarter.parse(quarter).label} đã khoá sổ ({closing[1]}, {closing[0].strftime('%d/%m/%Y %H:%M')}): "
        "giải trình đã khoá cùng kết quả. Muốn sửa, hãy đề nghị quản trị viên mở lại quý (cần nêu lý do).")


def _one(conn: Conn, commune: str, quarter: str, indicator_id: str) -> Explanation | None:
    return explanations(conn, commune, quarter).get(indicator_id)


def explanations(conn: Conn, commune: str, quarter: str) -> dict[str, Explanation]:
    """The quarter's explanations, by criterion."""
    rows = conn.execute("SELECT indicator_id, text, written_by, written_at FROM explanations "
                        "WHERE commune = ? AND quarter = ? ORDER BY indicator_id", [commune, quarter]).fetchall()
    return {r[0]: Explanation(*r) for r in rows}


def replace_appraisal(conn: Conn, actor: Actor, commune: str, quarter: str, rows: list[AppraisedRow],
                      file_name: str | None, file_sha256: str) -> Appraisal:
    """Keep `rows` as the city's appraisal of `quarter`, replacing any earlier import (all or
    nothing). Accepted in a closed quarter."""
    _guard(conn, actor, "import_appraisal", commune, quarter)
    if not rows:
        raise StoreError("Tệp thẩm định không có dòng chỉ tiêu nào.")
    with WRITE_LOCK, transaction(conn):
        before = appraisal(conn, commune, quarter)
        conn.execute("DELETE FROM appraisals WHERE commune = ? AND quarter = ?", [commune, quarter]).fetchall()
        stamp = now()
        for r in rows:
            conn.execute("INSERT INTO appraisals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [commune, quarter, r.indicator_id, r.points, r.comment, file_name, file_sha256,
                          actor.who, stamp]).fetchall()
        kept = Appraisal(quarter, tuple(rows), file_name, file_sha256, actor.who, stamp)
        _audit(conn, actor, "appraisal_import", commune,
               {"file_name": file_name, "rows": len(rows), "total": kept.total,
                "previous_total": before.total if before else None}, period=quarter, sha256=file_sha256)
    return kept


def appraisal(conn: Conn, commune: str, quarter: str) -> Appraisal | None:
    """The city's appraisal of the quarter as last imported, or None."""
    got = conn.execute("SELECT indicator_id, points, comment, file_name, file_sha256, imported_by, imported_at "
                       "FROM appraisals WHERE commune = ? AND quarter = ? ORDER BY indicator_id",
                       [commune, quarter]).fetchall()
    if not got:
        return None
    first = got[0]
    return Appraisal(quarter, tuple(AppraisedRow(r[0], None if r[1] is None else float(r[1]), r[2]) for r in got),
                     first[3], first[4], first[5], first[6])


def notes_version(conn: Conn, commune: str) -> str:
    """Changes whenever an explanation or an appraisal is written (a cache key for the pages)."""
    got = first_row(conn.execute("SELECT count(*), max(id) FROM audit_log WHERE commune = ? AND action IN "
                                 "('explanation_write', 'appraisal_import')", [commune]))
    return f"{got[0]}:{got[1]}"
