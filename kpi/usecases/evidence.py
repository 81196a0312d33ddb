"""Evidence as both the web and the CLI use it: attach files or links, review, the quarter's
board, the inspection pack. Files are kept content-addressed beside the database
(`<db stem>.evidence/<sha256>`), written before the row and never removed while a row names
them; the same bytes attached twice are stored once.

The "indicator" of an item or a review is a criterion's id or an obligation's id (the catalogue's
`[[milestones]]`, whose accepted evidence makes them done): the same checks, the same rights (the
lead unit's coordinator, the office), the same storage; an obligation is not split by unit."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from kpi.domain.catalog import Catalog, Indicator, Milestone
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied, authorize
from kpi.evidence.board import Slot, board, item_state, lacking, obligation_board, rights_unit, slot_unit
from kpi.evidence.checks import EXTENSIONS, EvidenceRefused, check_evidence_file, check_link
from kpi.evidence.names import safe_file_name, safe_name
from kpi.present import texts
from kpi.settings import evidence_max_bytes
from kpi.store import StoreError
from kpi.store.evidence import (
    EvidenceItem,
    Review,
    add_evidence,
    evidence_items,
    evidence_reviews,
    evidence_shas,
    review_evidence,
)

__all__ = ["EvidenceRefused", "attach_file", "attach_link", "item_bytes", "review", "quarter_board", "obligation_slots",
           "lacking_summary",
           "kept_evidence_file", "keep_evidence_file", "evidence_texts", "write_pack", "pack_bytes"]


def kept_evidence_file(evidence_dir: str | Path, sha256: str) -> Path:
    return Path(evidence_dir) / sha256


def keep_evidence_file(evidence_dir: str | Path, data: bytes) -> str:
    """Keep `data` as `<evidence_dir>/<sha256>` (atomically; an intact copy is left as it is)."""
    from kpi.usecases.record import file_sha256  # record (and the workbook reader) only when a file is kept
    sha = hashlib.sha256(data).hexdigest()
    path = kept_evidence_file(evidence_dir, sha)
    if path.exists() and path.stat().st_size == len(data) and file_sha256(path) == sha:
        return sha
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{sha}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return sha


def _forget(conn, evidence_dir: str | Path, sha: str, existed: bool) -> None:
    """Remove a file kept for a refused attach, unless it was there before or a row names it."""
    if not existed and sha not in evidence_shas(conn):
        kept_evidence_file(evidence_dir, sha).unlink(missing_ok=True)


def resolve_slot(catalog: Catalog, indicator_id: str,
                 unit: str | None) -> tuple[Indicator | Milestone, str | None, str]:
    """(criterion or obligation, the unit it is stored under, the unit whose coordinator may act)
    or StoreError."""
    indicator_id = (indicator_id or "").strip().upper()
    unit = unit.strip().upper() if unit and unit.strip() else None
    obligation = next((m for m in catalog.milestones if m.id == indicator_id), None)
    if obligation is not None:
        if unit is not None and unit != obligation.lead:
            raise StoreError(f"Mốc {obligation.id} không chia theo đơn vị: gửi minh chứng cho cả mốc "
                             "(không ghi đơn vị).")
        return obligation, None, rights_unit(obligation, None)
    if not catalog.has_indicator(indicator_id):
        raise StoreError(f"Không có chỉ tiêu mã «{indicator_id}» (hay mốc nào mã đó) trong danh mục.")
    ind = catalog.indicator(indicator_id)
    if unit is not None and unit not in ind.units:
        raise StoreError(f"Chỉ tiêu {ind.id} không do đơn vị «{unit}» báo cáo (các đơn vị: {', '.join(ind.units)}).")
    stored = slot_unit(ind, unit)
    return ind, stored, rights_unit(ind, stored or unit)


def _quarter(quarter: Quarter | str) -> str:
    return str(Quarter.parse(quarter) if isinstance(quarter, str) else quarter)


def attach_file(conn, catalog: Catalog, evidence_dir: str | Path, actor: Actor, quarter: Quarter | str,
                indicator_id: str, unit: str | None, data: bytes, file_name: str, description: str,
                max_bytes: int | None = None) -> tuple[EvidenceItem, bool]:
    """Check `data` by its content, keep it, add its row; (item, created). Refusals:
    `EvidenceRefused` (the file), `PermissionDenied` (rights), `StoreError` (criterion, unit)."""
    q = _quarter(quarter)
    ind, stored, rights_unit = resolve_slot(catalog, indicator_id, unit)
    checked = check_evidence_file(data, Path(file_name or "").name, max_bytes or evidence_max_bytes())
    sha = hashlib.sha256(data).hexdigest()
    existed = kept_evidence_file(evidence_dir, sha).exists()
    keep_evidence_file(evidence_dir, data)
    try:
        return add_evidence(conn, actor, catalog.commune, q, ind.id, stored, rights_unit,
                            description or checked.file_name, sha256=sha, file_name=checked.file_name,
                            media_type=checked.media_type, size=checked.size)
    except (PermissionDenied, StoreError):
        _forget(conn, evidence_dir, sha, existed)
        raise


def attach_link(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, indicator_id: str,
                unit: str | None, link: str, description: str) -> tuple[EvidenceItem, bool]:
    ind, stored, rights_unit = resolve_slot(catalog, indicator_id, unit)
    return add_evidence(conn, actor, catalog.commune, _quarter(quarter), ind.id, stored, rights_unit,
                        description or link, link=check_link(link))


def item_bytes(catalog: Catalog, evidence_dir: str | Path, actor: Actor, item: EvidenceItem) -> bytes:
    """A submitted file's bytes, for those who may open it: the office and the administrator (who
    review) and the coordinator of the item's unit (who attach to it); `PermissionDenied` for
    anyone else, `StoreError` when the file is no longer kept."""
    _ind, _stored, unit = resolve_slot(catalog, item.indicator_id, item.unit)
    authorize(actor, "attach_evidence", catalog.commune, unit)
    if not item.sha256:
        raise StoreError("Minh chứng này là một liên kết, không có tệp.")
    path = kept_evidence_file(evidence_dir, item.sha256)
    if not path.exists():
        raise StoreError(f"Không còn tệp «{item.file_name}» trong kho minh chứng.")
    return path.read_bytes()


def review(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, indicator_id: str, unit: str | None,
           state: str, comment: str) -> Review:
    ind, stored, _ = resolve_slot(catalog, indicator_id, unit)
    return review_evidence(conn, actor, catalog.commune, _quarter(quarter), ind.id, stored, state, comment)


def quarter_board(conn, catalog: Catalog, quarter: Quarter | str) -> list[Slot]:
    q = _quarter(quarter)
    return board(catalog, evidence_items(conn, catalog.commune, q), evidence_reviews(conn, catalog.commune, q))


def obligation_slots(conn, catalog: Catalog, quarter: Quarter | str) -> list[Slot]:
    """The quarter's evidence of each obligation of `[[milestones]]` (one slot each)."""
    q = _quarter(quarter)
    return obligation_board(catalog, evidence_items(conn, catalog.commune, q),
                            evidence_reviews(conn, catalog.commune, q))


def lacking_summary(slots: Iterable[Slot]) -> tuple[int, float]:
    """(criteria without accepted evidence, the points they carry)."""
    rows = lacking(slots)
    return len(rows), sum(s.indicator.points for s in rows if isinstance(s.indicator, Indicator))


def evidence_texts(slots: Iterable[Slot]) -> dict[str, list[str]]:
    """What the self-scoring report's evidence column lists per criterion: each document attached
    for the quarter, its description (number, date, summary) with its unit for a unit's part, the
    date it was sent and its review state (`texts.evidence_item`). A criterion with nothing attached
    is absent (the report says «Chưa có minh chứng»)."""
    out: dict[str, list[str]] = {}
    for s in slots:
        for item in s.items:
            line = texts.evidence_item(item.description, item.added_at, item_state(s, item), item.unit)
            bucket = out.setdefault(s.indicator.id, [])
            if line not in bucket:
                bucket.append(line)
    return out


def milestone_reviews(conn, catalog: Catalog, as_of: dt.date) -> dict[str, dt.datetime]:
    """Criterion or obligation → when its evidence (as a whole, any quarter) was first accepted,
    counting only reviews made on or before `as_of`, and only while still accepted then."""
    latest: dict[tuple[str, str], Review] = {}
    for r in evidence_reviews(conn, catalog.commune):
        if r.unit is None and r.reviewed_at.date() <= as_of:
            latest[(r.quarter, r.indicator_id)] = r
    out: dict[str, dt.datetime] = {}
    for (_, ind), r in latest.items():
        if r.state == "accepted" and (ind not in out or r.reviewed_at < out[ind]):
            out[ind] = r.reviewed_at
    return out


OBLIGATIONS_FOLDER = "Mốc theo dõi (không tính điểm)"


def pack_paths(catalog: Catalog, slots: Iterable[Slot]) -> dict[int, str]:
    """Evidence item id → its path in the pack: `NN <group>/NN <ID> - <criterion>/[<UNIT> - <unit
    name>/]NNN <description>.<ext>`; an obligation's under `NN Mốc theo dõi (không tính điểm)/NN
    <ID> - <name>/` after the groups (links have no path: the index lists them)."""
    order = [*_catalog_order(catalog), *catalog.milestones]
    numbers = {ind.id: n for n, ind in enumerate(order, 1)}
    groups = {g: n for n, g in enumerate(catalog.groups, 1)}
    out: dict[int, str] = {}
    for s in slots:
        ind = s.indicator
        group = (f"{groups[ind.group]:02d} {safe_name(ind.group, 60)}" if isinstance(ind, Indicator)
                 else f"{len(groups) + 1:02d} {OBLIGATIONS_FOLDER}")
        folder = f"{group}/{numbers[ind.id]:02d} {safe_name(f'{ind.id} - {ind.name}', 70)}"
        if s.unit is not None:
            folder += "/" + safe_name(f"{s.unit} - {catalog.unit_name(s.unit)}", 60)
        for item in s.items:
            if item.sha256 is None:
                continue
            ext = EXTENSIONS.get(item.media_type or "", "")
            out[item.id] = f"{folder}/{safe_file_name(f'{item.id:03d} {item.description}', ext, 90)}"
    return out


def _catalog_order(catalog: Catalog) -> list[Indicator]:
    """Criteria numbered as the self-scoring table numbers them: group by group."""
    return [i for g in catalog.groups for i in catalog.indicators_of_group(g)]


def write_pack(conn, catalog: Catalog, quarter: Quarter | str, evidence_dir: str | Path, target: BinaryIO, *,
               as_of: dt.date) -> dict[str, int]:
    """Write the quarter's evidence pack as a zip into `target`: the index workbook, the
    self-scoring report (its evidence column listing the attached documents) and every kept file
    in its criterion's folder. A kept file missing on disk stops it (nothing half-made is
    returned as a pack): run `verify`. Returns counts (files, links, criteria without accepted
    evidence)."""
    from kpi.reports.evidence_pack import build_index_xlsx
    from kpi.usecases.period_result import period_result
    from kpi.usecases.reports import report_bytes
    q = Quarter.parse(_quarter(quarter))
    slots = quarter_board(conn, catalog, q)
    # the obligations of [[milestones]] with something sent or reviewed, after the criteria
    slots += [s for s in obligation_slots(conn, catalog, q) if s.items or s.reviews]
    paths = pack_paths(catalog, slots)
    files = {item.id: item for s in slots for item in s.items if item.sha256 is not None}
    for item in files.values():
        if not kept_evidence_file(evidence_dir, item.sha256 or "").exists():
            raise StoreError(f"Thiếu tệp đã lưu của tài liệu «{item.description}» ({item.file_name}); "
                             "chạy `python -m kpi verify` để kiểm tra.")
    # the pack's Biểu and index tell the same result as every other door (frozen when closed)
    result = period_result(conn, catalog, q, as_of=as_of)
    score = result.commune
    label = safe_name(q.label.replace("/", "-"))
    report = report_bytes(conn, catalog, result, "xlsx")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"Danh mục minh chứng {label}.xlsx", build_index_xlsx(catalog, q, slots, score, paths))
        zf.writestr(f"Biểu tự chấm điểm {label}.xlsx", report)
        for item_id, item in files.items():
            zf.write(kept_evidence_file(evidence_dir, item.sha256 or ""), paths[item_id])
    links = sum(1 for s in slots for i in s.items if i.link)
    return {"files": len(files), "links": links, "lacking": len(lacking(slots))}


def pack_bytes(conn, catalog: Catalog, quarter: Quarter | str, evidence_dir: str | Path, *,
               as_of: dt.date) -> bytes:
    buf = io.BytesIO()
    write_pack(conn, catalog, quarter, evidence_dir, buf, as_of=as_of)
    return buf.getvalue()

