"""Evidence rows (tài liệu kiểm chứng) and their reviews: each write one transaction, rights
checked first through `authorize`, refusals and writes audited. The files themselves are kept
by the use case (content-addressed, beside the database); rows only name their sha256.

A closed quarter takes no evidence and no review, as it takes no figures: its result is frozen
with the evidence it had (the milestones' «done» reads accepted reviews), so adding to it is a
reopening (the administrator, with a reason, audited). Both refusals are audited like the others.
Nothing is ever overwritten: items are only added, reviews keep their history.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied, authorize
from kpi.store.connection import Conn, StoreError, first_row, lock_names, now, transaction
from kpi.store.schema import WRITE_LOCK
from kpi.store.writes import _audit, audit, current_closure, quarter_lock

REVIEW_STATES = ("accepted", "needs_more")


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    quarter: str
    indicator_id: str
    unit: str | None
    sha256: str | None
    link: str | None
    file_name: str | None
    media_type: str | None
    size: int | None
    description: str
    added_by: str
    added_at: dt.datetime
    doc_number: str | None = None      # the document's number (số, ký hiệu), when it is one
    doc_date: dt.date | None = None    # its date
    summary: str | None = None         # its summary (trích yếu)


@dataclass(frozen=True)
class Review:
    quarter: str
    indicator_id: str
    unit: str | None
    state: str
    comment: str
    reviewed_by: str
    reviewed_at: dt.datetime


_ITEM_COLUMNS = ("id, quarter, indicator_id, unit, sha256, link, file_name, media_type, size, description, "
                 "added_by, added_at, doc_number, doc_date, summary")


def _guard(conn: Conn, actor: Actor, action: str, commune: str, unit: str | None, quarter: str) -> None:
    try:
        authorize(actor, action, commune, unit)
    except PermissionDenied as e:
        if actor.who.strip():
            audit(conn, actor, "refused_rights", commune, {"action": action, "reason": str(e)},
                  unit=unit, period=quarter)
        raise


def _check_open(conn: Conn, commune: str, quarter: str, what: str) -> None:
    """Inside a write's transaction: the quarter is not closed (its lock held shared, as uploads
    hold it, so a closing waits for the write or the write sees the closing)."""
    lock_names(conn, [quarter_lock(commune, quarter)], shared=True)
    closing = current_closure(conn, commune, quarter)
    if closing is not None:
        raise PermissionDenied(
            f"{Quarter.parse(quarter).label} đã khoá sổ ({closing[1]}, {closing[0].strftime('%d/%m/%Y %H:%M')}): "
            f"không {what}. Muốn bổ sung, hãy đề nghị quản trị viên mở lại quý (cần nêu lý do).")


def _audit_refusal(conn: Conn, actor: Actor, action: str, commune: str, unit: str | None, quarter: str,
                   error: Exception) -> None:
    if actor.who.strip():
        audit(conn, actor, "refused_rights", commune, {"action": action, "reason": str(error)},
              unit=unit, period=quarter)


def add_evidence(conn: Conn, actor: Actor, commune: str, quarter: str, indicator_id: str, unit: str | None,
                 rights_unit: str | None, description: str, *, sha256: str | None = None,
                 link: str | None = None, file_name: str | None = None, media_type: str | None = None,
                 size: int | None = None, doc_number: str | None = None, doc_date: dt.date | None = None,
                 summary: str | None = None) -> tuple[EvidenceItem, bool]:
    """Add one evidence item (a kept file by `sha256`, or a `link`), with the document's number,
    date and summary when given; returns (item, created).

    `rights_unit` is the unit whose coordinator may attach (the item's unit, or the criterion's
    lead unit for the criterion as a whole). The same file already attached to the same slot is
    not added twice: the existing item comes back with created=False."""
    _guard(conn, actor, "attach_evidence", commune, rights_unit, quarter)
    if (sha256 is None) == (link is None):
        raise StoreError("Một tài liệu kiểm chứng là một tệp hoặc một liên kết.")
    if not description or not description.strip():
        raise StoreError("Cần mô tả tài liệu (số, ngày văn bản, trích yếu).")
    try:
        return _add(conn, actor, commune, quarter, indicator_id, unit, description, sha256, link, file_name,
                    media_type, size, doc_number, doc_date, summary)
    except PermissionDenied as e:
        _audit_refusal(conn, actor, "attach_evidence", commune, unit, quarter, e)
        raise


def _add(conn: Conn, actor: Actor, commune: str, quarter: str, indicator_id: str, unit: str | None,
         description: str, sha256: str | None, link: str | None, file_name: str | None,
         media_type: str | None, size: int | None, doc_number: str | None, doc_date: dt.date | None,
         summary: str | None) -> tuple[EvidenceItem, bool]:
    with WRITE_LOCK, transaction(conn):
        _check_open(conn, commune, quarter, "nhận thêm tài liệu kiểm chứng")
        same = conn.execute(
            f"SELECT {_ITEM_COLUMNS} FROM evidence_items WHERE commune = ? AND quarter = ? AND indicator_id = ? "
            "AND unit IS NOT DISTINCT FROM ? AND (sha256 = ? OR link = ?) ORDER BY id LIMIT 1",
            [commune, quarter, indicator_id, unit, sha256, link]).fetchall()
        if same:
            return EvidenceItem(*same[0]), False
        item_id = int(first_row(conn.execute("SELECT nextval('evidence_id_seq')"))[0])
        stamp = now()
        doc_number = (doc_number or "").strip() or None
        summary = (summary or "").strip() or None
        conn.execute(f"INSERT INTO evidence_items (commune, {_ITEM_COLUMNS}) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [commune, item_id, quarter, indicator_id, unit, sha256, link, file_name, media_type, size,
                      description.strip(), actor.who, stamp, doc_number, doc_date, summary]).fetchall()
        detail = {"id": item_id, "indicator": indicator_id, "file_name": file_name, "link": link,
                  "description": description.strip()}
        detail.update({k: v for k, v in (("doc_number", doc_number), ("summary", summary),
                                         ("doc_date", doc_date.isoformat() if doc_date else None)) if v})
        _audit(conn, actor, "evidence_add", commune, detail, unit=unit, period=quarter, sha256=sha256)
        return EvidenceItem(item_id, quarter, indicator_id, unit, sha256, link, file_name, media_type, size,
                            description.strip(), actor.who, stamp, doc_number, doc_date, summary), True


def review_evidence(conn: Conn, actor: Actor, commune: str, quarter: str, indicator_id: str, unit: str | None,
                    state: str, comment: str) -> Review:
    """Record the office's review of a slot's evidence (history kept; the latest row counts)."""
    _guard(conn, actor, "review_evidence", commune, None, quarter)
    if state not in REVIEW_STATES:
        raise StoreError(f"Trạng thái duyệt «{state}» không hợp lệ: accepted (đạt) hoặc needs_more (cần bổ sung).")
    comment = (comment or "").strip()
    if state == "needs_more" and not comment:
        raise StoreError("Yêu cầu bổ sung cần ghi rõ cần bổ sung gì (nhận xét).")
    try:
        with WRITE_LOCK, transaction(conn):
            _check_open(conn, commune, quarter, "duyệt minh chứng")
            return _review(conn, actor, commune, quarter, indicator_id, unit, state, comment)
    except PermissionDenied as e:
        _audit_refusal(conn, actor, "review_evidence", commune, unit, quarter, e)
        raise


def _review(conn: Conn, actor: Actor, commune: str, quarter: str, indicator_id: str, unit: str | None,
            state: str, comment: str) -> Review:
    rid = int(first_row(conn.execute("SELECT nextval('evidence_review_id_seq')"))[0])
    stamp = now()
    conn.execute("INSERT INTO evidence_reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 [rid, commune, quarter, indicator_id, unit, state, comment, actor.who, stamp]).fetchall()
    _audit(conn, actor, "evidence_review", commune,
           {"indicator": indicator_id, "state": state, "comment": comment}, unit=unit, period=quarter)
    return Review(quarter, indicator_id, unit, state, comment, actor.who, stamp)


def evidence_items(conn: Conn, commune: str, quarter: str | None = None) -> list[EvidenceItem]:
    """The commune's evidence items (of one quarter when given), oldest first."""
    sql = f"SELECT {_ITEM_COLUMNS} FROM evidence_items WHERE commune = ?"
    params: list = [commune]
    if quarter is not None:
        sql += " AND quarter = ?"
        params.append(quarter)
    return [EvidenceItem(*r) for r in conn.execute(sql + " ORDER BY id", params).fetchall()]


def evidence_reviews(conn: Conn, commune: str, quarter: str | None = None) -> list[Review]:
    """Every review (history), oldest first; the last one of a slot is its state."""
    sql = ("SELECT quarter, indicator_id, unit, state, comment, reviewed_by, reviewed_at FROM evidence_reviews "
           "WHERE commune = ?")
    params: list = [commune]
    if quarter is not None:
        sql += " AND quarter = ?"
        params.append(quarter)
    return [Review(*r) for r in conn.execute(sql + " ORDER BY id", params).fetchall()]


def evidence_shas(conn: Conn) -> set[str]:
    """The sha256 of every kept evidence file any row names (all communes)."""
    return {r[0] for r in conn.execute("SELECT DISTINCT sha256 FROM evidence_items WHERE sha256 IS NOT NULL")
            .fetchall()}


def evidence_version(conn: Conn, commune: str) -> str:
    """Changes whenever an item or a review is added (a cache key for the pages)."""
    a = first_row(conn.execute("SELECT count(*), max(id) FROM evidence_items WHERE commune = ?", [commune]))
    b = first_row(conn.execute("SELECT count(*), max(id) FROM evidence_reviews WHERE commune = ?", [commune]))
    return f"{a[0]}:{a[1]}:{b[0]}:{b[1]}"
